"""The registry as the API serves it: the current match state in memory, the store behind it.

Loaded at start-up (the time is reported): the match state of the last published run with
its blocking index and population counts (matching/resolver.py), and each record's registry
id. A record registered online is written to the store (registry/intake_store.py) and joins
the in-memory population at once; when a batch run publishes a newer registry, it is loaded
in the background and swapped in.
"""

import gc
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from intake_api.record_validation import RecordRejected, validate_record
from intake_api.registration_clock import RegistrationClock
from matching.current_state import current_state
from matching.golden.registry_ids import format_registry_id
from matching.resolver import Resolver
from matching.scoring import MATCH, REVIEW
from registry.golden_store import GoldenStore
from registry.intake_store import IntakeRegistration, IntakeResult, IntakeStore, OnlineRecord
from registry.publication import read_shared_businesses
from registry.sharing_agreement import SharingAgreement, SharingFile
from registry.sharing_policy import agreement_secret, shared_rows
from registry.store import RegistryStore

SHARED_CACHE_SIZE = 100_000  # businesses kept as shared, per ministry and id


class RegistryNotReady(RuntimeError):
    """No published registry with a match state to serve."""


@dataclass
class LoadedRegistry:
    """One published registry run, in memory."""

    run_id: str
    resolver: Resolver
    registry_of: dict[str, str]  # record_key -> registry_id
    seconds: float
    taken_in: int = 0  # the newest online registration (intake id) in `resolver`
    online_keys: set[str] = field(default_factory=set)  # registered online since the run


def _evidence(row: Any, comparisons: list[str]) -> dict[str, dict[str, Any]]:
    return {name: {"level": str(row[f"{name}_level"]), "weight": float(row[f"{name}_weight"])}
            for name in comparisons}


def _records(columns: dict[str, Any], rows: list[int], registry_ids: list[str],
             comparisons: list[str]) -> list[dict[str, Any]]:
    """Some candidates as plain dicts, from the resolver's column arrays."""
    return [{"registry_id": registry_ids[k],
             "match_probability": float(columns["match_probability"][k]),
             "match_weight": float(columns["match_weight"][k]),
             "decision": str(columns["decision"][k]),
             "evidence": {c: {"level": str(columns[f"{c}_level"][k]),
                              "weight": float(columns[f"{c}_weight"][k])} for c in comparisons}}
            for k in rows]


class RegistryService:
    """Resolve, register and read businesses for the ministries the sharing file names."""

    def __init__(self, store: RegistryStore, home: Path, sharing: SharingFile,
                 sources: dict[str, Any], min_probability: float = 0.05,
                 say: Callable[[str], None] = print,
                 clock: RegistrationClock | None = None) -> None:
        self.store = store
        self.home = home
        self.golden = GoldenStore(store)
        self.intake = IntakeStore(store)
        self.agreements: dict[str, SharingAgreement] = {a.id: a for a in sharing.agreements}
        self.secrets = {a.id: agreement_secret(a) for a in sharing.agreements}
        self.sources = sources
        self.min_probability = min_probability
        self.say = say
        self._lock = threading.RLock()  # the resolver's population grows on registration
        # (ministry, registry id) -> the business as shared, most recently used last
        self._shared: OrderedDict[tuple[str, str], dict[str, Any] | None] = OrderedDict()
        self.clock = clock or RegistrationClock()
        self.loaded = self._load()
        self.clock.advance(self.loaded.taken_in)

    # -- loading -------------------------------------------------------------------------------
    def _load(self) -> LoadedRegistry:
        start = time.perf_counter()
        published = self.golden.latest_golden_run()
        state, why = current_state(self.home, published)
        if state is None:
            raise RegistryNotReady(f"no registry to serve from {self.store.url}: {why}; run "
                                   "`ubr run` first (the API serves the last published run)")
        resolver = Resolver(state)
        latest = self.intake.latest_intake_id()
        registry_of = self.intake.registry_ids()
        # records registered online since that run are not in its state yet
        pending = self.intake.registrations_after(0, up_to=latest, undelivered_only=True)
        in_state = set(resolver.record_keys_among([p.record_key for p in pending]))
        loaded = LoadedRegistry(published, resolver, registry_of, 0.0, latest)
        self._take_in(loaded, [p for p in pending if p.record_key not in in_state])
        loaded.seconds = time.perf_counter() - start
        self.say(f"registry run {published}: {resolver.size:,} records, "
                 f"{len(set(registry_of.values())):,} businesses loaded in "
                 f"{loaded.seconds:.1f}s")
        return loaded

    def _take_in(self, loaded: LoadedRegistry, online: list[OnlineRecord]) -> None:
        """Make online registrations candidates of `loaded` (the caller holds the lock or
        owns `loaded` alone)."""
        for registration in online:
            self._add_online(loaded, registration.record_key, registration.registry_id,
                             registration.record)
            loaded.taken_in = max(loaded.taken_in, registration.intake_id)

    def _add_online(self, loaded: LoadedRegistry, key: str, registry_id: str,
                    record: dict[str, Any]) -> None:
        """One online record as a candidate of `loaded` (once), and its business's cached
        share rows dropped."""
        if key not in loaded.online_keys:
            loaded.resolver.add(key, loaded.resolver.prepare(record))
            loaded.online_keys.add(key)
        loaded.registry_of[key] = registry_id
        for cached in [k for k in self._shared if k[1] == registry_id]:
            del self._shared[cached]

    def catch_up(self) -> None:
        """Take in what other server processes registered since this one last looked."""
        loaded = self.loaded
        if self.clock.latest <= loaded.taken_in:
            return
        with self._lock:
            if self.loaded is loaded and self.clock.latest > loaded.taken_in:
                self._take_in(loaded, self.intake.registrations_after(loaded.taken_in))

    def reload_if_published(self) -> bool:
        """Load a newer published registry, if there is one, and swap it in."""
        if self.golden.latest_golden_run() == self.loaded.run_id:
            return False
        fresh = self._load()
        self.clock.advance(fresh.taken_in)
        with self._lock:
            self.loaded = fresh
            self._shared.clear()
        # a forked server froze the first registry's objects (intake_api/server.py) so that
        # the collector would not touch their shared pages; unfrozen, the replaced registry's
        # reference cycles can be collected instead of staying for the server's lifetime
        gc.unfreeze()
        gc.collect()
        return True

    def watch(self, every_seconds: float = 30.0) -> threading.Thread:
        """A daemon thread that reloads the registry when a batch run publishes."""
        def loop() -> None:
            while True:
                time.sleep(every_seconds)
                try:
                    self.reload_if_published()
                except Exception as exc:  # keep serving the loaded registry
                    self.say(f"reloading the registry failed ({type(exc).__name__}); "
                             "still serving the loaded one")

        thread = threading.Thread(target=loop, name="ubr-registry-reload", daemon=True)
        thread.start()
        return thread

    # -- what a ministry may see ---------------------------------------------------------------
    def shared_businesses(self, ministry: str, registry_ids: list[str]) -> dict[str, dict]:
        """The businesses as the ministry's agreement shows them; ids it may not see are
        left out. Published businesses are read from its share as published; a business
        created online since is shown through the same policy (registry/sharing_policy.py)."""
        agreement = self.agreements[ministry]
        columns = agreement.visible_columns()
        wanted = [r for r in dict.fromkeys(registry_ids) if (ministry, r) not in self._shared]
        if wanted:
            found = read_shared_businesses(self.store.engine, ministry, columns, wanted)
            unpublished = [r for r in wanted if r not in found]
            if unpublished:
                rows = self.intake.business_rows(unpublished)
                if len(rows):
                    shown = shared_rows(rows, agreement, self.secrets[ministry])
                    found.update({row["registry_id"]: row for row in shown.to_dict("records")})
            with self._lock:
                for registry_id in wanted:
                    row = found.get(registry_id)
                    self._shared[(ministry, registry_id)] = None if row is None else {
                        "registry_id": registry_id, "status": row["status"],
                        "retired_into": row["retired_into"],
                        "fields": {c: row[c] for c in columns[3:]}}
                while len(self._shared) > SHARED_CACHE_SIZE:
                    self._shared.popitem(last=False)
        found = {r: self._shared.get((ministry, r)) for r in registry_ids}
        return {r: business for r, business in found.items() if business is not None}

    def business(self, ministry: str, registry_id: str) -> dict | None:
        return self.shared_businesses(ministry, [registry_id]).get(registry_id)

    # -- resolving -----------------------------------------------------------------------------
    def _candidate_pairs(self, record: dict[str, Any],
                         prepared: dict | None = None) -> tuple[pd.DataFrame, LoadedRegistry]:
        self.catch_up()
        with self._lock:
            loaded = self.loaded
            found = loaded.resolver.resolve(record, prepared)
        if len(found):
            owner = loaded.registry_of.get  # a dict lookup each, not a Series of the dict
            found["registry_id"] = [owner(key) for key in found["record_key_l"]]
            found = found[found["registry_id"].notna()]
        return found, loaded

    def resolve(self, ministry: str, record: dict[str, Any], limit: int,
                min_probability: float | None) -> tuple[list[dict], str]:
        """The best candidate businesses for `record`, best first, as the ministry sees them:
        each business once (its best pair), at or above the minimum probability."""
        self.catch_up()
        with self._lock:
            loaded = self.loaded
            found = loaded.resolver.resolve_columns(record)
        floor = self.min_probability if min_probability is None else min_probability
        owner = loaded.registry_of.get  # a dict lookup each, not a Series of the dict
        registry_ids = [owner(key) for key in found["record_key_l"]]
        rows: list[int] = []
        seen: set[str] = set()
        for k, (registry_id, probability) in enumerate(
                zip(registry_ids, found["match_probability"], strict=True)):
            if registry_id is not None and probability >= floor and registry_id not in seen:
                seen.add(registry_id)
                rows.append(k)
        names = [c.name for c in loaded.resolver.comparisons]
        candidates: list[dict] = []
        for start in range(0, len(rows), limit * 2):  # until `limit` the ministry may see
            chunk = _records(found, rows[start:start + limit * 2], registry_ids, names)
            shown = self.shared_businesses(ministry, [c["registry_id"] for c in chunk])
            for candidate in chunk:
                business = shown.get(candidate["registry_id"])
                if business is None:
                    continue  # not in this ministry's share
                candidates.append({**candidate, "business": business["fields"]})
                if len(candidates) == limit:
                    return candidates, loaded.run_id
        return candidates, loaded.run_id

    # -- registering ---------------------------------------------------------------------------
    def register(self, ministry: str, source: str | None, source_record_id: str,
                 fields: dict[str, Any]) -> IntakeResult:
        """Validate, resolve and record one online record (see registry/intake_store.py)."""
        agreement = self.agreements[ministry]
        source = source or agreement.sources[0]
        if source not in agreement.sources or source not in self.sources:
            raise RecordRejected(f"source '{source}' is not one of ministry '{ministry}''s "
                                 f"sources ({', '.join(agreement.sources)})", [])
        raw = {k: v for k, v in fields.items() if v is not None}
        record = validate_record(self.sources[source], {
            **fields, "source": source, "source_record_id": source_record_id,
            "source_file": f"api:{ministry}", "record_hash": _record_hash(raw)})
        found, loaded = self._candidate_pairs(record)
        names = [c.name for c in loaded.resolver.comparisons]
        kept = found[found["decision"].isin([MATCH, REVIEW])] if len(found) else found
        pairs = [{"record_key_l": row["record_key_l"], "registry_id_l": row["registry_id"],
                  "decision": str(row["decision"]), "rule": str(row["rule"]),
                  "match_probability": float(row["match_probability"]),
                  "match_weight": float(row["match_weight"]),
                  "evidence": _evidence(row, names)} for _, row in kept.iterrows()]
        best = found.iloc[0] if len(found) else None
        joins = best["registry_id"] if best is not None and best["decision"] == MATCH else None
        result = self.intake.register(IntakeRegistration(
            ministry=ministry, source=source, source_record_id=source_record_id, record=record,
            registry_id=joins, decision=None if best is None else str(best["decision"]),
            match_probability=None if best is None else float(best["match_probability"]),
            config_hash=loaded.resolver.settings.config_hash(), pairs=pairs),
            format_registry_id)
        key = f"{source}:{source_record_id}"
        with self._lock:
            # into the registry served now (a reload meanwhile may have read the store before
            # this record was written); taken_in stays: other processes' registrations below
            # this one may still be pending here
            self._add_online(self.loaded, key, result.registry_id, record)
        self.clock.advance(result.intake_id)  # the other processes take it in from the store
        return result


def _record_hash(fields: dict[str, Any]) -> str:
    """A stable 64-bit hash of the record as received (as the readers hash a raw row)."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]

