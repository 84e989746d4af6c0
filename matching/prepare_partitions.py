"""The engine's preparation as partitions on a cluster's workers (matching/executors.py).

In this process the linker standardises, adds the record-level matching columns, counts the
population and sets the keys that depend on the counts, all on one frame (linker.prepare).
On a cluster the same steps run where the records are:

1. each partition is standardised and gets its record-level columns and blocking keys
   (`standard_columns`: street_key, name_any...) on a worker, and stays there;
2. only the columns the population statistics count come back, and the statistics are
   counted once, here, over the whole population (the same counts as in one process);
3. the statistics are broadcast, and each partition's count-dependent keys (name_token,
   chain_name, shared_office) are set beside it, then the prepared partitions come back.

Every step but the counting reads one record at a time, so the prepared frame is the one the
linker would have built in one process.
"""

import pandas as pd

from matching.compare import standard_columns
from matching.executors import Executor
from matching.model import MatchSettings
from matching.population import PopulationStatistics
from matching.standardise import standardise_records

PARTITION_ROWS = 100_000  # records a worker prepares per task
# what PopulationStatistics.of counts
COUNTED_COLUMNS = ["name_std", "operating_name_std", "postal_code_std", "address_std",
                   "city_std", "phone_e164"]


def prepare_partitions(records: pd.DataFrame, settings: MatchSettings, executor: Executor,
                       rows: int = PARTITION_ROWS) -> tuple[pd.DataFrame, PopulationStatistics]:
    """The prepared records (positions 0..n-1, no record_key yet) and the population's
    statistics, as Linker.prepare computes them, with the per-record work on `executor`."""
    parts = [records.iloc[k:k + rows] for k in range(0, len(records), rows)] or [records]
    standardised = executor.keep(standardised_part, parts)
    counted = pd.concat(list(executor.map(counted_columns, standardised)), ignore_index=True)
    statistics = PopulationStatistics.for_settings(counted, settings)
    del counted
    done = list(executor.map(with_statistics, standardised, executor.share(statistics)))
    del standardised
    return (pd.concat(done, ignore_index=True) if len(done) > 1 else done[0]), statistics


def standardised_part(part: pd.DataFrame) -> pd.DataFrame:
    """One partition standardised, with its record-level matching columns (a task)."""
    return standard_columns(standardise_records(part))


def counted_columns(part: pd.DataFrame) -> pd.DataFrame:
    """What the population statistics count, of one partition (a task)."""
    return part[COUNTED_COLUMNS]


def with_statistics(part: pd.DataFrame, statistics: PopulationStatistics) -> pd.DataFrame:
    """One partition with the keys that depend on the population's counts (a task)."""
    return statistics.apply(part.copy())
