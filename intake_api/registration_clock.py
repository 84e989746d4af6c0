"""The newest online registration any server process has made, in memory they all share.

`ubr serve --processes N` loads the registry once and forks N processes that answer requests
side by side, each with its own copy of the resolver. A record registered through one process
must be a candidate in every other at once (a clerk registers at one desk, the next desk asks).
The registering process advances this clock to the registration's intake id; before resolving,
every process compares the clock with the last registration it took in and, when behind, reads
the newer ones from the store (`RegistryService.catch_up`). Reading the clock costs a memory
load, not a query.
"""

import multiprocessing


class RegistrationClock:
    """A counter in shared memory, created before the server forks."""

    def __init__(self, start: int = 0) -> None:
        self._value = multiprocessing.get_context("fork").Value("q", start)

    @property
    def latest(self) -> int:
        return int(self._value.value)

    def advance(self, intake_id: int) -> None:
        """Make `intake_id` the newest registration, unless a newer one is already known."""
        with self._value.get_lock():
            if intake_id > self._value.value:
                self._value.value = intake_id
