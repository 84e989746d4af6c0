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
from matching.collapse import IDENTICAL_RULE, Collapse, identical_groups
from matching.compare import (
    RecordColumns,
    comparison_columns,
    compute_levels,
    standard_columns,
)
from matching.comparisons import Comparison, compile_comparisons
from matching.em import estimate_u_stratified, population_lambda, run_em
from matching.model import MatchSettings, TrainedModel, load_settings
from matching.population import PopulationStatistics
from matching.rules import RULE_COLUMNS, RULES, apply_rules, constraint_values
from matching.scoring import MATCH, NON_MATCH, REVIEW, decide_codes, score_partition
from matching.state import MatchState
from matching.term_frequency import tf_summary, tf_table

# Blocking keys that stand for other columns, so EM knows which comparison a rule fixes.
KEY_ALIASES = {"name_token": {"name_std", "operating_name_std"},
               "name_any": {"name_std", "operating_name_std"}}
PREPARED = "ubr_matching_prepared"
# Standardised columns derived from public fields only (legal and operating names): their
# common values may be shown in the model file; any other column's values are hashed there.
PUBLIC_COLUMNS = {"name_std", "operating_name_std"}
Progress = Callable[[str], None]
DECISIONS = [MATCH, REVIEW, NON_MATCH]
RULES_ALL = [*RULES, IDENTICAL_RULE]
CHUNK = 500_000  # pairs compared and scored at a time: bounds the memory of every stage
# record columns the engine reads besides the compared and blocking ones
LINK_COLUMNS = {"record_key", "name_token", "name_any", "street_key", "chain_name",
                "shared_office", "fsa"}


@dataclass
class Levels:
    """Comparison levels of candidate pairs, one row per pair, in compact arrays."""

    matrix: np.ndarray  # (pairs, comparisons) int8 gamma
    tf: dict[str, np.ndarray]  # '<name>_tf_count' -> float32 per pair (NaN: nothing shared)

    def frame(self, rows: slice | np.ndarray, comparisons: list[Comparison]) -> pd.DataFrame:
        """Gamma and tf-count columns for some rows, as compute_levels gives them."""
        out = {f"{c.name}_gamma": self.matrix[rows, k] for k, c in enumerate(comparisons)}
        out.update({name: values[rows].astype(float) for name, values in self.tf.items()})
        return pd.DataFrame(out)


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
    state: "MatchState | None" = None  # what a later step needs to match one more record


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
        self.statistics: PopulationStatistics | None = None  # set by prepare
        # records each representative stands for (set by link_records when it collapses)
        self.record_weight: np.ndarray | None = None

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
        out = standard_columns(frame)
        rules = self.settings.rules
        self.statistics = PopulationStatistics.of(
            out, self.settings.blocking.name_tokens_per_record, rules.franchise_min_records,
            rules.franchise_min_addresses, rules.shared_office_min_records)
        out = self.statistics.apply(out)
        out["record_key"] = keys.to_numpy()
        out.attrs[PREPARED] = True
        self.timings["prepare"] = time.perf_counter() - start
        return out

    def block(self, prepared: pd.DataFrame) -> tuple[pd.DataFrame, blocking_mod.BlockingReport]:
        start = time.perf_counter()
        pairs, report = blocking_mod.block(prepared, self.settings.blocking)
        self.timings["block"] = time.perf_counter() - start
        return pairs, report

    def _weights(self, prepared: pd.DataFrame) -> np.ndarray | None:
        """Records each row stands for, when `prepared` holds collapsed representatives."""
        weight = self.record_weight
        return weight if weight is not None and len(weight) == len(prepared) else None

    def _weights_for(self, n: int) -> np.ndarray | None:
        weight = self.record_weight
        return weight if weight is not None and len(weight) == n else None

    def _represented(self, prepared: pd.DataFrame) -> int:
        weight = self._weights(prepared)
        return len(prepared) if weight is None else int(weight.sum())

    def _columns(self, prepared: pd.DataFrame) -> RecordColumns:
        """Record-level arrays, cached on the prepared frame for train and predict."""
        if self._record_columns is None or self._record_columns.records is not prepared:
            self._record_columns = RecordColumns(prepared, self._weights(prepared))
        return self._record_columns

    def _gammas(self, pairs: pd.DataFrame, prepared: pd.DataFrame,
                chunk: int = 250_000, fuzzy: bool = True) -> pd.DataFrame:
        """Levels for the pairs as a frame, computed in chunks (small samples, tests)."""
        cols = self._columns(prepared)
        parts = [compute_levels(pairs.iloc[k:k + chunk], cols, self.comparisons, fuzzy)
                 for k in range(0, len(pairs), chunk)]
        if not parts:
            return compute_levels(pairs, cols, self.comparisons, fuzzy)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def levels(self, pairs: pd.DataFrame, prepared: pd.DataFrame,
               chunk: int = CHUNK) -> "Levels":
        """Levels for every candidate pair into compact preallocated arrays, chunk by chunk:
        one int8 per comparison and a float32 shared-value count per term-frequency one."""
        cols = self._columns(prepared)
        total = len(pairs)
        matrix = np.zeros((total, len(self.comparisons)), np.int8)
        tf: dict[str, np.ndarray] = {}
        i_all, j_all = pairs["i"].to_numpy(), pairs["j"].to_numpy()
        for k in range(0, max(total, 1), chunk):
            part = pd.DataFrame({"i": i_all[k:k + chunk], "j": j_all[k:k + chunk]})
            found = compute_levels(part, cols, self.comparisons)
            for c, comp in enumerate(self.comparisons):
                matrix[k:k + len(part), c] = found[f"{comp.name}_gamma"].to_numpy(np.int8)
                name = f"{comp.name}_tf_count"
                if name in found.columns:
                    if name not in tf:
                        tf[name] = np.full(total, np.nan, np.float32)
                    tf[name][k:k + len(part)] = found[name].to_numpy(np.float32)
        return Levels(matrix, tf)

    def _gamma_matrix(self, gammas: "pd.DataFrame | Levels") -> np.ndarray:
        if isinstance(gammas, Levels):
            return gammas.matrix
        names = [f"{c.name}_gamma" for c in self.comparisons]
        return gammas[names].to_numpy(np.int8).reshape(len(gammas), len(names))

    def _random_pairs(self, n: int) -> pd.DataFrame:
        """A uniform sample of record pairs (all pairs when there are fewer)."""
        total = n * (n - 1) // 2
        want = min(self.settings.em.u_sample_pairs, total)
        rng = np.random.default_rng(self.settings.em.seed)
        weight = self._weights_for(n)
        if weight is not None and total > want:
            # random record pairs, not representative pairs: a representative is drawn as
            # often as the records it stands for
            p = weight / weight.sum()
            a = rng.choice(n, int(want * 1.1) + 10, p=p)
            b = rng.choice(n, len(a), p=p)
            keep = a != b
            i, j = np.minimum(a, b)[keep][:want], np.maximum(a, b)[keep][:want]
            return pd.DataFrame({"i": i, "j": j})
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
            gammas = self.levels(pairs, prepared)
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
        pair_weight, same_matrix, same_weight, same_rows = self._collapsed_pairs(
            prepared, pairs)
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
            session, weights = matrix[rows], None
            if pair_weight is not None:
                # identical records blocked together by this rule: all their keys present
                has_keys = np.ones(len(same_rows), bool)
                for key in rule.keys:
                    has_keys &= prepared[key].notna().to_numpy()[same_rows]
                session = np.concatenate([session, same_matrix[has_keys]])
                weights = np.concatenate([pair_weight[rows], same_weight[has_keys]])
            result = run_em(session, n_levels, m_start, u, 0.3, active,
                            self.settings.em.max_iterations, self.settings.em.tolerance,
                            weights)
            weight = result.lam * (len(rule_codes) if weights is None else weights.sum())
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
        if pair_weight is None:
            lam = population_lambda(matrix, m, u, n * (n - 1) / 2)
        else:
            total = self._represented(prepared)
            lam = population_lambda(np.concatenate([matrix, same_matrix]), m, u,
                                    total * (total - 1) / 2,
                                    weights=np.concatenate([pair_weight, same_weight]))
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

    def _collapsed_pairs(self, prepared: pd.DataFrame, pairs: pd.DataFrame) -> tuple:
        """For training on collapsed records as if every record were there: the record pairs
        each candidate pair stands for (w_i * w_j), and the levels of the pairs of identical
        records (a representative with itself) with their count, w * (w - 1) / 2."""
        weight = self._weights(prepared)
        if weight is None:
            return None, None, None, None
        pair_weight = (weight[pairs["i"].to_numpy()] * weight[pairs["j"].to_numpy()]
                       ).astype(float)
        rows = np.flatnonzero(weight >= 2)
        same = self._gamma_matrix(self._gammas(pd.DataFrame({"i": rows, "j": rows}), prepared))
        return pair_weight, same, (weight[rows] * (weight[rows] - 1) / 2).astype(float), rows

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

    def _score(self, pairs: pd.DataFrame, prepared: pd.DataFrame, model: TrainedModel,
               levels: Levels, rows: slice | np.ndarray) -> pd.DataFrame:
        """Evidence, rule and decision for some rows of the candidate pairs (a partition)."""
        part = pd.DataFrame({"i": pairs["i"].to_numpy()[rows], "j": pairs["j"].to_numpy()[rows]})
        if "blocking_rule" in pairs.columns:
            rule_of = pairs["blocking_rule"]
            if isinstance(rule_of.dtype, pd.CategoricalDtype):  # its codes, not its strings
                part["blocking_rule"] = pd.Categorical.from_codes(
                    rule_of.cat.codes.to_numpy()[rows], categories=rule_of.cat.categories)
            else:
                part["blocking_rule"] = rule_of.to_numpy()[rows]
        scored = score_partition(pd.concat([part, levels.frame(rows, self.comparisons)], axis=1),
                                 self.comparisons, model, self._represented(prepared))
        rule = apply_rules(self._rule_columns(part, prepared), scored, self.settings.rules)
        decision = decide_codes(scored["match_probability"].to_numpy(), rule, model.thresholds)
        rule_code = np.zeros(len(rule), np.int8)
        for k, name in enumerate(RULES_ALL[1:], start=1):
            rule_code[rule == name] = k
        scored["rule"] = pd.Categorical.from_codes(rule_code, categories=RULES_ALL)
        scored["decision"] = pd.Categorical.from_codes(decision, categories=DECISIONS)
        return scored

    def score_stream(self, pairs: pd.DataFrame, prepared: pd.DataFrame, model: TrainedModel,
                     levels: Levels, chunk: int = CHUNK) -> pd.DataFrame:
        """Probability, rule and decision of every pair, chunk by chunk, kept compact
        (float64 + two one-byte codes per pair): what clustering needs and nothing more."""
        total = len(pairs)
        prob = np.zeros(total)
        rule = np.zeros(total, np.int8)
        decision = np.zeros(total, np.int8)
        for k in range(0, total, chunk):
            rows = slice(k, min(k + chunk, total))
            scored = self._score(pairs, prepared, model, levels, rows)
            prob[rows] = scored["match_probability"].to_numpy()
            rule[rows] = scored["rule"].cat.codes.to_numpy()
            decision[rows] = scored["decision"].cat.codes.to_numpy()
        return pd.DataFrame({
            "i": pairs["i"].to_numpy(), "j": pairs["j"].to_numpy(), "match_probability": prob,
            "rule": pd.Categorical.from_codes(rule, categories=RULES_ALL),
            "decision": pd.Categorical.from_codes(decision, categories=DECISIONS)})

    def evidence(self, pairs: pd.DataFrame, prepared: pd.DataFrame, model: TrainedModel,
                 levels: Levels, rows: np.ndarray, chunk: int = CHUNK) -> pd.DataFrame:
        """Full evidence (levels, weights, rule, decision) of the chosen rows."""
        parts = [self._score(pairs, prepared, model, levels, rows[k:k + chunk])
                 for k in range(0, len(rows), chunk)]
        if not parts:
            parts = [self._score(pairs, prepared, model, levels, rows)]
        scored = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        keys = prepared["record_key"].to_numpy(object)
        scored.insert(0, "record_key_l", pd.Series(keys[scored["i"].to_numpy()], dtype=object))
        scored.insert(1, "record_key_r", pd.Series(keys[scored["j"].to_numpy()], dtype=object))
        drop = [c for c in scored.columns if c.endswith(("_gamma", "_tf_count"))]
        return scored.drop(columns=drop)

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
            tf = {c: gammas[c].to_numpy(np.float32) for c in gammas.columns
                  if c.endswith("_tf_count")}
            gammas = Levels(self._gamma_matrix(gammas), tf)
        scored = self.evidence(pairs.reset_index(drop=True), prepared, model, gammas,
                               np.arange(len(pairs)))
        self.timings["score"] = time.perf_counter() - start
        return scored

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

    def collapse_columns(self) -> list[str]:
        """Every record column comparisons, rules, constraints and blocking keys read."""
        cols = set(comparison_columns(self.comparisons)) | set(RULE_COLUMNS)
        cols |= {"bn_root_valid", "numbered_company", "name_std", "operating_name_std"}
        for rule in self.settings.blocking.rules:
            cols |= set(rule.keys)
        return sorted(cols - set(KEY_ALIASES))


def _shared_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Object string columns with one Python object per distinct value (cities, postal codes
    and street names repeat across millions of records: gigabytes of copies otherwise)."""
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object or _holds_lists(values):
            continue
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        if len(uniques) == 0:
            continue
        shared = np.asarray(uniques, dtype=object)[np.maximum(codes, 0)]
        shared[codes < 0] = None
        frame[col] = pd.Series(shared, index=frame.index, dtype=object)  # None stays None
    return frame


def _holds_lists(values: pd.Series) -> bool:
    first = values.dropna()
    return len(first) > 0 and isinstance(first.iloc[0], list)


def _identical_evidence(keys: np.ndarray, left: np.ndarray, right: np.ndarray) -> pd.DataFrame:
    """Pairs of records identical on every compared field: a match by construction."""
    return pd.DataFrame({
        "record_key_l": pd.Series(keys[left], dtype=object),
        "record_key_r": pd.Series(keys[right], dtype=object),
        "match_probability": np.ones(len(left)),
        "rule": pd.Categorical([IDENTICAL_RULE] * len(left), categories=RULES_ALL),
        "decision": pd.Categorical([MATCH] * len(left), categories=DECISIONS)})


def _expand(collapse: Collapse, evidence: pd.DataFrame, reps_keys: np.ndarray,
            keys: np.ndarray) -> pd.DataFrame:
    """Representative pairs as pairs of every record they stand for."""
    order, starts = collapse.members()
    position = pd.Series(np.arange(len(reps_keys)), index=reps_keys)
    a = position[evidence["record_key_l"].to_numpy()].to_numpy()
    b = position[evidence["record_key_r"].to_numpy()].to_numpy()
    size_a, size_b = starts[a + 1] - starts[a], starts[b + 1] - starts[b]
    count = size_a * size_b
    row = np.repeat(np.arange(len(evidence)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    left = order[starts[a[row]] + offset // size_b[row]]
    right = order[starts[b[row]] + offset % size_b[row]]
    out = evidence.iloc[row].reset_index(drop=True)
    out["record_key_l"] = keys[np.minimum(left, right)]
    out["record_key_r"] = keys[np.maximum(left, right)]
    return out


def record_pair_counts(scored: pd.DataFrame, record_weight: np.ndarray) -> dict[str, int]:
    """Record pairs per decision: the one count of matches and reviews a run reports.

    A scored pair of representatives stands for every pair of the records they represent,
    and records identical on every compared field are matched with each other.
    """
    weight = record_weight.astype(np.int64)
    pair_weight = weight[scored["i"].to_numpy()] * weight[scored["j"].to_numpy()]
    per_code = np.bincount(scored["decision"].cat.codes.to_numpy(), weights=pair_weight,
                           minlength=len(DECISIONS))
    counts = {d: int(per_code[k]) for k, d in enumerate(DECISIONS)}
    counts[MATCH] += int((weight * (weight - 1) // 2).sum())
    return counts


def link_records(records: pd.DataFrame, settings: MatchSettings | None = None,
                 progress: Progress | None = None, min_probability: float | None = None,
                 chunk: int = CHUNK, collapse: bool = True) -> LinkResult:
    """Standardise, collapse identical records, block, train (EM), score, decide and cluster.

    `min_probability`: keep the evidence of match and review pairs and of non-matches at or
    above this probability only (None: every candidate pair, each record pair written out).
    """
    linker = Linker(settings, progress)
    say = linker.progress
    prepared = linker.prepare(records)
    say(f"prepared {len(prepared):,} records in {linker.timings['prepare']:.2f}s")
    start = time.perf_counter()
    every = Collapse(np.arange(len(prepared)), np.arange(len(prepared)))
    wanted = collapse and linker.settings.collapse.enabled
    groups = identical_groups(prepared, linker.collapse_columns()) if wanted else every
    if groups.collapsed < linker.settings.collapse.min_share * len(prepared):
        groups = every
    # only what the engine reads from here on, representatives only; the full frame goes
    needed = [c for c in prepared.columns
              if c in set(linker.collapse_columns()) | LINK_COLUMNS]
    keys = prepared["record_key"].to_numpy(object)
    known = prepared[needed]  # every record's matching columns: the match state keeps them
    reps = _shared_strings(known.iloc[groups.reps].reset_index(drop=True))
    reps.attrs[PREPARED] = True
    linker.record_weight = np.bincount(groups.rep_of, minlength=len(groups.reps))
    del prepared
    linker.timings["collapse"] = time.perf_counter() - start
    say(f"collapsed {groups.collapsed:,} records identical on every compared field into their "
        f"representatives: {len(reps):,} to link")
    pairs, report = linker.block(reps)
    say(f"blocking: {report.total_pairs:,} candidate pairs from {len(report.rules)} rules "
        f"in {linker.timings['block']:.2f}s")
    if report.blocks_dropped:
        dropped = ", ".join(f"{r.rule} {r.blocks_dropped:,}" for r in report.rules
                            if r.blocks_dropped)
        say(f"warning: {report.blocks_dropped:,} blocking keys held by more records than their "
            f"rule's max_block_size were skipped ({dropped}; "
            f"{report.records_in_dropped_blocks:,} record memberships)")
    start = time.perf_counter()
    levels = linker.levels(pairs, reps, chunk)
    linker.timings["compare"] = time.perf_counter() - start
    rate = len(pairs) / max(linker.timings["compare"], 1e-9)
    say(f"compared {len(pairs):,} pairs in {linker.timings['compare']:.2f}s ({rate:,.0f}/s)")
    model = linker.train(reps, pairs, levels, report)
    start = time.perf_counter()
    scored = linker.score_stream(pairs, reps, model, levels, chunk)
    linker.timings["score"] = time.perf_counter() - start
    decision_counts = record_pair_counts(scored, linker.record_weight)
    say(f"scored {len(scored):,} candidate pairs in {linker.timings['score']:.2f}s; record "
        f"pairs: {decision_counts[MATCH]:,} match, {decision_counts[REVIEW]:,} review, "
        f"{decision_counts[NON_MATCH]:,} non-match")
    start = time.perf_counter()
    labels = cluster_positions(len(reps), scored, constraint_values(reps, linker.settings.rules),
                               linker.settings.clustering)
    clusters = clusters_frame(pd.Series(keys, dtype=object), labels[groups.rep_of])
    linker.timings["cluster"] = time.perf_counter() - start
    say(f"clustered {len(clusters):,} records into {clusters['cluster_id'].nunique():,} "
        f"clusters in {linker.timings['cluster']:.2f}s")
    start = time.perf_counter()
    keep = (scored["decision"].cat.codes.to_numpy() != DECISIONS.index(NON_MATCH))
    if min_probability is not None:
        keep |= scored["match_probability"].to_numpy() >= min_probability
    else:
        keep[:] = True
    evidence = linker.evidence(pairs, reps, model, levels, np.flatnonzero(keep), chunk)
    evidence = evidence.drop(columns=["i", "j"])
    if min_probability is None:
        if groups.collapsed:
            evidence = _expand(groups, evidence, reps["record_key"].to_numpy(object), keys)
        left, right = groups.group_pairs()
    else:
        left, right = groups.member_pairs()
    if len(left):
        evidence = pd.concat([evidence, _identical_evidence(keys, left, right)],
                             ignore_index=True)
        evidence["rule"] = pd.Categorical(evidence["rule"], categories=RULES_ALL)
        evidence["decision"] = pd.Categorical(evidence["decision"], categories=DECISIONS)
    linker.timings["evidence"] = time.perf_counter() - start
    state = MatchState(linker.settings, model, known.reset_index(drop=True),
                       linker.statistics)
    return LinkResult(evidence, clusters, model, report, linker.timings,
                      candidates=(groups.reps[pairs["i"].to_numpy()],
                                  groups.reps[pairs["j"].to_numpy()]),
                      collapse=groups, decision_counts=decision_counts, state=state)
