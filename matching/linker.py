"""The linker: a thin facade over blocking, comparison, EM, scoring, rules and clustering.

    linker = Linker(load_settings())
    model = linker.train(records)            # unsupervised: no labels
    pairs = linker.predict(records, model)   # one row of evidence per candidate pair
    clusters = linker.cluster(records, pairs)
or all at once: `link_records(records) -> LinkResult`.
Input records: a unique string `record_key` plus canonical fields; standardisation is done here.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matching import blocking as blocking_mod
from matching.clustering import cluster_positions, clusters_frame
from matching.compare import RecordColumns, compute_levels, prepare_records
from matching.comparisons import Comparison, compile_comparisons
from matching.em import estimate_u_stratified, population_lambda, run_em
from matching.model import MatchSettings, TrainedModel, load_settings
from matching.rules import RULE_COLUMNS, apply_rules, constraint_values
from matching.scoring import MATCH, NON_MATCH, REVIEW, decide, score_partition
from matching.term_frequency import tf_summary, tf_table

# Blocking keys that stand for other columns, so EM knows which comparison a rule fixes.
KEY_ALIASES = {"name_token": {"name_std", "operating_name_std"},
               "name_any": {"name_std", "operating_name_std"}}
PREPARED = "ubr_matching_prepared"
# Standardised columns derived from public fields only (legal and operating names): their
# common values may be shown in the model file; any other column's values are hashed there.
PUBLIC_COLUMNS = {"name_std", "operating_name_std"}
Progress = Callable[[str], None]


@dataclass
class LinkResult:
    pairs: pd.DataFrame  # evidence, one row per candidate pair
    clusters: pd.DataFrame  # record_key, cluster_id, cluster_size: one row per record
    model: TrainedModel
    blocking_report: blocking_mod.BlockingReport
    timings: dict[str, float] = field(default_factory=dict)


def _standardise(records: pd.DataFrame) -> pd.DataFrame:
    """Call the project's standardisers (matching/standardise.py)."""
    from matching.standardise import standardise_records

    return standardise_records(records)


class Linker:
    """Runs one MatchSettings over a frame of records."""

    def __init__(self, settings: MatchSettings | None = None,
                 progress: Progress | None = None) -> None:
        self.settings = settings or load_settings()
        self.comparisons: list[Comparison] = compile_comparisons(self.settings.comparisons)
        self.progress = progress or (lambda _msg: None)
        self.timings: dict[str, float] = {}
        self._record_columns: RecordColumns | None = None

    # -- stages ---------------------------------------------------------------------------
    def prepare(self, records: pd.DataFrame) -> pd.DataFrame:
        """Standardise (unless already done) and add the matching-only columns."""
        if records.attrs.get(PREPARED):
            return records
        if "record_key" not in records.columns:
            raise ValueError("records need a 'record_key' column")
        keys = records["record_key"].astype("string")
        if keys.isna().any() or keys.duplicated().any():
            raise ValueError("record_key must be present and unique")
        start = time.perf_counter()
        frame = records if "name_std" in records.columns else _standardise(records)
        rules = self.settings.rules
        out = prepare_records(frame, rules.franchise_min_records, rules.franchise_min_addresses,
                              rules.shared_office_min_records,
                              self.settings.blocking.name_tokens_per_record)
        out["record_key"] = keys.to_numpy()
        out.attrs[PREPARED] = True
        self.timings["prepare"] = time.perf_counter() - start
        return out

    def block(self, prepared: pd.DataFrame) -> tuple[pd.DataFrame, blocking_mod.BlockingReport]:
        start = time.perf_counter()
        pairs, report = blocking_mod.block(prepared, self.settings.blocking)
        self.timings["block"] = time.perf_counter() - start
        return pairs, report

    def _columns(self, prepared: pd.DataFrame) -> RecordColumns:
        """Record-level arrays, cached on the prepared frame for train and predict."""
        if self._record_columns is None or self._record_columns.records is not prepared:
            self._record_columns = RecordColumns(prepared)
        return self._record_columns

    def _gammas(self, pairs: pd.DataFrame, prepared: pd.DataFrame,
                chunk: int = 250_000, fuzzy: bool = True) -> pd.DataFrame:
        """Levels for the pairs, computed in chunks to bound memory."""
        cols = self._columns(prepared)
        parts = [compute_levels(pairs.iloc[k:k + chunk], cols, self.comparisons, fuzzy)
                 for k in range(0, len(pairs), chunk)]
        if not parts:
            return compute_levels(pairs, cols, self.comparisons, fuzzy)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def _gamma_matrix(self, gammas: pd.DataFrame) -> np.ndarray:
        names = [f"{c.name}_gamma" for c in self.comparisons]
        return gammas[names].to_numpy(np.int8).reshape(len(gammas), len(names))

    def _random_pairs(self, n: int) -> pd.DataFrame:
        """A uniform sample of record pairs (all pairs when there are fewer)."""
        total = n * (n - 1) // 2
        want = min(self.settings.em.u_sample_pairs, total)
        rng = np.random.default_rng(self.settings.em.seed)
        if total <= want:
            i, j, _, _ = blocking_mod.pairs_within_groups(
                np.arange(n, dtype=np.int64), np.zeros(n, np.int64), n + 1)
        else:
            a = rng.integers(0, n, int(want * 1.1) + 10)
            b = rng.integers(0, n, len(a))
            keep = a != b
            i, j = np.minimum(a, b)[keep][:want], np.maximum(a, b)[keep][:want]
        return pd.DataFrame({"i": i, "j": j})

    def train(self, records: pd.DataFrame, pairs: pd.DataFrame | None = None,
              gammas: pd.DataFrame | None = None,
              report: blocking_mod.BlockingReport | None = None) -> TrainedModel:
        """Estimate u by random sampling, m by EM sessions per blocking rule, then lambda."""
        prepared = self.prepare(records)
        n = len(prepared)
        if pairs is None or report is None:
            pairs, report = self.block(prepared)
            gammas = None
        if gammas is None:
            gammas = self._gammas(pairs, prepared)
        n_levels = [c.n_levels for c in self.comparisons]
        start = time.perf_counter()
        sample = self._random_pairs(n)
        k = min(len(sample), self.settings.em.u_similarity_pairs)
        full = self._gamma_matrix(self._gammas(sample.iloc[:k], prepared))
        partial = self._gamma_matrix(self._gammas(sample.iloc[k:], prepared, fuzzy=False))
        u = estimate_u_stratified(full, partial, n_levels)
        self.timings["estimate_u"] = time.perf_counter() - start
        self.progress(f"u estimated from {len(sample):,} random pairs ({k:,} with similarity) "
                      f"({len(sample) / max(self.timings['estimate_u'], 1e-9):,.0f} pairs/s)")
        start = time.perf_counter()
        matrix = self._gamma_matrix(gammas)
        codes = pairs["i"].to_numpy() * n + pairs["j"].to_numpy()
        order = np.argsort(codes)
        m_start = [np.array(c.starting_m) for c in self.comparisons]
        estimates: list[list[tuple[np.ndarray, float]]] = [[] for _ in self.comparisons]
        sessions: list[dict[str, float | int | str]] = []
        training = self.settings.em.training_rules
        for rule in self.settings.blocking.rules:
            if training is not None and rule.name not in training:
                continue
            rule_codes = report.rule_pair_codes.get(rule.name, np.empty(0, np.int64))
            if len(rule_codes) > self.settings.em.max_pairs_per_session:
                rng = np.random.default_rng(self.settings.em.seed)
                rule_codes = np.sort(rng.choice(rule_codes, self.settings.em.max_pairs_per_session,
                                                replace=False))
            if len(rule_codes) < 10:
                continue
            rows = order[np.searchsorted(codes, rule_codes, sorter=order)]
            keys = set().union(*(KEY_ALIASES.get(k, {k}) for k in rule.keys))
            active = [not (c.record_columns & keys) for c in self.comparisons]
            if not any(active):
                continue
            result = run_em(matrix[rows], n_levels, m_start, u, 0.3, active,
                            self.settings.em.max_iterations, self.settings.em.tolerance)
            weight = result.lam * len(rule_codes)
            for c, is_active in enumerate(active):
                if is_active:
                    estimates[c].append((result.m[c], weight))
            sessions.append({"rule": rule.name, "pairs": len(rule_codes),
                             "lambda": round(result.lam, 6), "iterations": result.iterations})
        m = []
        for c, found in enumerate(estimates):
            if not found or sum(w for _, w in found) <= 0:
                m.append(m_start[c])
                continue
            stacked = np.average(np.stack([v for v, _ in found]), axis=0,
                                 weights=[max(w, 1e-12) for _, w in found])
            m.append(stacked / stacked.sum())
        lam = population_lambda(matrix, m, u, n * (n - 1) / 2)
        self.timings["em"] = time.perf_counter() - start
        self.progress(f"EM: {len(sessions)} sessions over {len(pairs):,} blocked pairs; "
                      f"P(two random records match) = {lam:.2e}")
        tf_names = [c.name for c in self.comparisons if c.settings.term_frequency]
        tables = self._tf_tables(prepared)
        return TrainedModel(
            probability_two_random_records_match=lam,
            m={c.name: dict(zip(c.labels, map(float, m[k]), strict=True))
               for k, c in enumerate(self.comparisons)},
            u={c.name: dict(zip(c.labels, map(float, u[k]), strict=True))
               for k, c in enumerate(self.comparisons)},
            thresholds=self.settings.thresholds, config_hash=self.settings.config_hash(),
            n_records=n, n_blocked_pairs=len(pairs), u_sample_pairs=len(sample),
            em_sessions=sessions,
            tf_summary={c.name: tf_summary(tables[c.name], n,
                                           hashed=not set(c.settings.columns) <= PUBLIC_COLUMNS)
                        for c in self.comparisons if c.name in tf_names},
        )

    def _tf_tables(self, prepared: pd.DataFrame) -> dict[str, pd.Series]:
        return {c.name: tf_table(prepared, c.settings.columns)
                for c in self.comparisons if c.settings.term_frequency}

    def _rule_columns(self, pairs: pd.DataFrame, prepared: pd.DataFrame) -> dict[str, np.ndarray]:
        """What the rules read, as integer codes (-1 missing) rather than strings."""
        cols = self._columns(prepared)
        i, j = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
        out: dict[str, np.ndarray] = {}
        for col in RULE_COLUMNS:
            if col in ("chain_name", "shared_office"):
                flags = prepared[col].to_numpy(bool)
                out[f"{col}_l"], out[f"{col}_r"] = flags[i], flags[j]
            else:
                codes = cols.codes(col, col)[0]
                out[f"{col}_l"], out[f"{col}_r"] = codes[i], codes[j]
        return out

    def predict(self, records: pd.DataFrame, model: TrainedModel,
                pairs: pd.DataFrame | None = None,
                gammas: pd.DataFrame | None = None) -> pd.DataFrame:
        """Score every candidate pair and keep the evidence (levels, weights, rule, decision)."""
        prepared = self.prepare(records)
        if pairs is None:
            pairs, _ = self.block(prepared)
        if gammas is None:
            gammas = self._gammas(pairs, prepared)
        start = time.perf_counter()
        scored = score_partition(pd.concat([pairs.reset_index(drop=True), gammas], axis=1),
                                 self.comparisons, model, len(prepared))
        attached = self._rule_columns(pairs, prepared)
        scored["rule"] = apply_rules(attached, scored, self.settings.rules)
        scored["decision"] = pd.Categorical(
            decide(scored["match_probability"].to_numpy(), scored["rule"].to_numpy(),
                   model.thresholds), categories=[MATCH, REVIEW, NON_MATCH])
        scored["rule"] = pd.Categorical(scored["rule"].to_numpy(object))
        keys = prepared["record_key"].to_numpy(object)
        scored.insert(0, "record_key_l", pd.Series(keys[scored["i"].to_numpy()], dtype=object))
        scored.insert(1, "record_key_r", pd.Series(keys[scored["j"].to_numpy()], dtype=object))
        drop = [c for c in scored.columns if c.endswith(("_gamma", "_tf_count"))]
        self.timings["score"] = time.perf_counter() - start
        return scored.drop(columns=drop)

    def cluster(self, records: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
        """One row per record: record_key, cluster_id, cluster_size."""
        prepared = self.prepare(records)
        start = time.perf_counter()
        if "i" not in pairs.columns:
            position = pd.Series(np.arange(len(prepared)), index=prepared["record_key"])
            pairs = pairs.assign(i=position[pairs["record_key_l"]].to_numpy(),
                                 j=position[pairs["record_key_r"]].to_numpy())
        labels = cluster_positions(len(prepared), pairs,
                                   constraint_values(prepared, self.settings.rules),
                                   self.settings.clustering)
        self.timings["cluster"] = time.perf_counter() - start
        return clusters_frame(prepared["record_key"], labels)


def link_records(records: pd.DataFrame, settings: MatchSettings | None = None,
                 progress: Progress | None = None) -> LinkResult:
    """Standardise, block, train (EM), score, decide and cluster in one call."""
    linker = Linker(settings, progress)
    say = linker.progress
    prepared = linker.prepare(records)
    say(f"prepared {len(prepared):,} records in {linker.timings['prepare']:.2f}s")
    pairs, report = linker.block(prepared)
    say(f"blocking: {report.total_pairs:,} candidate pairs from {len(report.rules)} rules "
        f"in {linker.timings['block']:.2f}s")
    if report.blocks_dropped:
        dropped = ", ".join(f"{r.rule} {r.blocks_dropped:,}" for r in report.rules
                            if r.blocks_dropped)
        say(f"warning: {report.blocks_dropped:,} blocking keys held by more records than their "
            f"rule's max_block_size were skipped ({dropped}; "
            f"{report.records_in_dropped_blocks:,} record memberships)")
    start = time.perf_counter()
    gammas = linker._gammas(pairs, prepared)
    linker.timings["compare"] = time.perf_counter() - start
    rate = len(pairs) / max(linker.timings["compare"], 1e-9)
    say(f"compared {len(pairs):,} pairs in {linker.timings['compare']:.2f}s ({rate:,.0f}/s)")
    model = linker.train(prepared, pairs, gammas, report)
    scored = linker.predict(prepared, model, pairs, gammas)
    counts = scored["decision"].value_counts()
    say(f"scored: {counts.get('match', 0):,} match, {counts.get('review', 0):,} review, "
        f"{counts.get('non_match', 0):,} non-match")
    clusters = linker.cluster(prepared, scored)
    say(f"clustered {len(clusters):,} records into {clusters['cluster_id'].nunique():,} "
        f"clusters in {linker.timings['cluster']:.2f}s")
    return LinkResult(scored.drop(columns=["i", "j"]), clusters, model, report, linker.timings)
