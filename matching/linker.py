"""The linker: a thin facade over blocking, comparison, training, scoring and clustering.

    linker = Linker(load_settings())
    model = linker.train(records)            # unsupervised: no labels
    pairs = linker.predict(records, model)   # one row of evidence per candidate pair
    clusters = linker.cluster(records, pairs, model)
or all at once: `matching.linking.link_records(records) -> LinkResult`, whose `state` keeps
what a later step needs to match one more record (matching/state.py).
Input records: a unique string `record_key` plus canonical fields; standardisation is done here.
Each stage lives in its own module: population.py (statistics), blocking.py, levels.py
(comparison levels), u_sampling.py, training.py (EM sessions), pair_evidence.py (scores,
rules, decisions), clustering.py, collapse.py (identical records), state.py.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matching import blocking as blocking_mod
from matching import pair_evidence
from matching.clustering import clusters_frame
from matching.collapse import Collapse
from matching.compare import PREPARED, RecordColumns, comparison_columns, standard_columns
from matching.comparisons import Comparison, compile_comparisons
from matching.component_pairs import cluster_completed
from matching.executors import Executor, LocalExecutor
from matching.labels import LabelledLevels
from matching.levels import CHUNK, Levels, levels_of
from matching.model import MatchSettings, TrainedModel, load_settings
from matching.pair_evidence import DECISIONS, RULES_ALL
from matching.parallel import available_workers, using_workers
from matching.population import PopulationStatistics
from matching.rules import RULE_COLUMNS, constraint_values
from matching.state import MatchState
from matching.training import KEY_ALIASES, train_model
from matching.u_sampling import estimate_u

Progress = Callable[[str], None]
# record columns the engine reads besides the compared and blocking ones
LINK_COLUMNS = {"record_key", "name_token", "name_any", "street_key", "chain_name",
                "shared_office", "fsa"}
__all__ = ["CHUNK", "DECISIONS", "PREPARED", "RULES_ALL", "Levels", "LinkResult", "Linker"]


@dataclass
class LinkResult:
    pairs: pd.DataFrame  # evidence, one row per kept pair (every pair unless a floor is set)
    clusters: pd.DataFrame  # record_key, cluster_id, cluster_size: one row per record
    model: TrainedModel
    blocking_report: blocking_mod.BlockingReport
    timings: dict[str, float] = field(default_factory=dict)
    # every candidate pair the engine scored, as record positions (representatives only)
    candidates: tuple[np.ndarray, np.ndarray] | None = None
    collapse: Collapse | None = None
    decision_counts: dict[str, int] = field(default_factory=dict)  # record pairs per decision
    state: MatchState | None = None  # what a later step needs to match one more record
    # an incremental run's IncrementalReport (matching/incremental.py); None for a full run
    incremental: object | None = None


class Linker:
    """Runs one MatchSettings over a frame of records.

    `weights`: when the records are representatives of identical records collapsed into
    them, how many records each stands for (training and term frequencies count them all).
    `workers`: processes standardising and comparing side by side (default: every core).
    `executor`: where standardising, comparing and scoring run instead (a Dask cluster:
    matching/executors.py); model training and clustering stay in this process.
    `link_only`: a label per record (its file): records with the same label are never paired,
    and P(two random records match) is taken over the pairs across labels only.
    """

    def __init__(self, settings: MatchSettings | None = None, progress: Progress | None = None,
                 weights: np.ndarray | None = None, workers: int | None = None,
                 executor: Executor | None = None) -> None:
        self.settings = settings or load_settings()
        self.workers = workers or available_workers()
        self.executor = executor or LocalExecutor(self.workers)
        self.comparisons: list[Comparison] = compile_comparisons(self.settings.comparisons)
        self.progress = progress or (lambda _msg: None)
        self.timings: dict[str, float] = {}
        self.statistics: PopulationStatistics | None = None  # set by prepare
        self.weights = weights
        self._record_columns: RecordColumns | None = None
        self.link_only: np.ndarray | None = None

    def representing(self, weights: np.ndarray) -> "Linker":
        """This linker for representatives standing for `weights` records each."""
        other = Linker(self.settings, self.progress, weights, self.workers, self.executor)
        other.timings, other.statistics = self.timings, self.statistics
        other.link_only = self.link_only
        return other

    # -- stages ---------------------------------------------------------------------------
    def prepare(self, records: pd.DataFrame) -> pd.DataFrame:
        """Standardise (unless already done), count the population's statistics and add
        the matching-only columns."""
        if records.attrs.get(PREPARED):
            return records
        if "record_key" not in records.columns:
            raise ValueError("records need a 'record_key' column")
        keys = records["record_key"].astype("string")
        if keys.isna().any() or keys.duplicated().any():
            raise ValueError("record_key must be present and unique")
        start = time.perf_counter()
        if self.executor.distributed and "name_std" not in records.columns:
            from matching.prepare_partitions import prepare_partitions

            out, self.statistics = prepare_partitions(records, self.settings, self.executor)
        else:
            out = self._prepare_here(records)
        out["record_key"] = keys.to_numpy()
        out.attrs[PREPARED] = True
        self.timings["prepare"] = time.perf_counter() - start
        return out

    def _prepare_here(self, records: pd.DataFrame) -> pd.DataFrame:
        """Standardise (unless done), record-level columns, statistics, count-based keys."""
        if "name_std" in records.columns:
            frame = records
        else:
            from matching.standardise import standardise_records

            with using_workers(self.workers):
                frame = standardise_records(records)
        out = standard_columns(frame)
        self.statistics = PopulationStatistics.for_settings(out, self.settings)
        return self.statistics.apply(out)

    def block(self, prepared: pd.DataFrame) -> tuple[pd.DataFrame, blocking_mod.BlockingReport]:
        start = time.perf_counter()
        if self.executor.distributed and self.link_only is None:  # made by key group there
            from matching.block_partitions import block_partitions

            pairs, report = block_partitions(prepared, self.settings.blocking, self.executor)
        else:
            pairs, report = blocking_mod.block(prepared, self.settings.blocking, self.link_only)
        self.timings["block"] = time.perf_counter() - start
        return pairs, report

    def record_columns(self, prepared: pd.DataFrame) -> RecordColumns:
        """Record-level arrays, cached on the prepared frame for train and predict."""
        if self._record_columns is None or self._record_columns.records is not prepared:
            weights = self.weights if self.weights is not None and len(
                self.weights) == len(prepared) else None
            self._record_columns = RecordColumns(prepared, weights)
        return self._record_columns

    def levels(self, pairs: pd.DataFrame, prepared: pd.DataFrame, chunk: int = CHUNK) -> Levels:
        """Comparison levels of every candidate pair, chunk by chunk."""
        return levels_of(pairs, self.record_columns(prepared), self.comparisons, chunk,
                         self.executor)

    def train(self, records: pd.DataFrame, pairs: pd.DataFrame | None = None,
              gammas: "pd.DataFrame | Levels | None" = None,
              report: blocking_mod.BlockingReport | None = None,
              labelled: LabelledLevels | None = None) -> TrainedModel:
        """Estimate u by random sampling, m by EM sessions per blocking rule (blended with
        the labelled matches' levels when there are labels), then lambda."""
        prepared = self.prepare(records)
        if pairs is None or report is None:
            pairs, report = self.block(prepared)
            gammas = None
        if gammas is None:
            gammas = self.levels(pairs, prepared)
        cols = self.record_columns(prepared)
        start = time.perf_counter()
        u, sampled, similar = estimate_u(cols, self.comparisons, self.settings.em, cols.weights,
                                         self.link_only)
        self.timings["estimate_u"] = time.perf_counter() - start
        self.progress(f"u estimated from {sampled:,} random pairs ({similar:,} with "
                      f"similarity) ({sampled / max(self.timings['estimate_u'], 1e-9):,.0f} "
                      "pairs/s)")
        start = time.perf_counter()
        model = train_model(self.settings, self.comparisons, cols, pairs, gammas, report, u,
                            sampled, self.progress, self.link_only, labelled)
        self.timings["em"] = time.perf_counter() - start
        return model

    def score_stream(self, pairs: pd.DataFrame, prepared: pd.DataFrame, model: TrainedModel,
                     levels: Levels, chunk: int = CHUNK) -> pd.DataFrame:
        """Probability, rule and decision of every pair (compact: what clustering needs)."""
        return pair_evidence.score_stream(pairs, self.record_columns(prepared), self.settings,
                                          self.comparisons, model, levels, chunk,
                                          self._scoring_executor())

    def evidence(self, pairs: pd.DataFrame, prepared: pd.DataFrame, model: TrainedModel,
                 levels: Levels, rows: np.ndarray, chunk: int = CHUNK) -> pd.DataFrame:
        """Full evidence (levels, weights, rule, decision) of the chosen rows."""
        return pair_evidence.evidence(pairs, self.record_columns(prepared), self.settings,
                                      self.comparisons, model, levels, rows, chunk,
                                      self._scoring_executor())

    def _scoring_executor(self) -> Executor | None:
        """Scoring is cheap next to comparing: on this machine it stays in this process
        (forking would copy more than it saves); on a cluster it runs beside the data."""
        return self.executor if self.executor.distributed else None

    def predict(self, records: pd.DataFrame, model: TrainedModel,
                pairs: pd.DataFrame | None = None,
                gammas: "pd.DataFrame | Levels | None" = None) -> pd.DataFrame:
        """Score every candidate pair and keep the evidence (levels, weights, rule, decision)."""
        prepared = self.prepare(records)
        if pairs is None:
            pairs, _ = self.block(prepared)
        start = time.perf_counter()
        if gammas is None:
            gammas = self.levels(pairs, prepared)
        elif not isinstance(gammas, Levels):
            gammas = Levels.from_frame(gammas, self.comparisons)
        scored = self.evidence(pairs.reset_index(drop=True), prepared, model, gammas,
                               np.arange(len(pairs)))
        self.timings["score"] = time.perf_counter() - start
        return scored

    def cluster(self, records: pd.DataFrame, pairs: pd.DataFrame,
                model: TrainedModel | None = None) -> pd.DataFrame:
        """One row per record: record_key, cluster_id, cluster_size. With the `model`, pairs
        inside a component that blocking did not propose are scored first, as in a run."""
        prepared = self.prepare(records)
        start = time.perf_counter()
        if "i" not in pairs.columns:
            position = pd.Series(np.arange(len(prepared)), index=prepared["record_key"])
            pairs = pairs.assign(i=position[pairs["record_key_l"]].to_numpy(),
                                 j=position[pairs["record_key_r"]].to_numpy())
        score = None if model is None else (lambda extra: self.score_stream(
            extra, prepared, model, self.levels(extra, prepared)))
        labels, _, _ = cluster_completed(len(prepared), pairs, constraint_values(
            prepared, self.settings.rules), self.settings.clustering, score)
        self.timings["cluster"] = time.perf_counter() - start
        return clusters_frame(prepared["record_key"], labels)

    def collapse_columns(self) -> list[str]:
        """Every record column comparisons, rules, constraints and blocking keys read."""
        cols = set(comparison_columns(self.comparisons)) | set(RULE_COLUMNS)
        cols |= {"bn_root_valid", "numbered_company", "name_std", "operating_name_std"}
        for rule in self.settings.blocking.rules:
            cols |= set(rule.keys)
        return sorted(cols - set(KEY_ALIASES))
