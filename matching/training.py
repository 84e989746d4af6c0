"""Training sessions: m by EM, one session per blocking rule, then lambda over the population.

A comparison the session's rule blocked on is held fixed (every pair agrees on it by
construction, so its m cannot be learnt there). When identical records are collapsed, each
candidate pair stands for w_i * w_j record pairs and the pairs of identical records are
added with their count, so training sees the population as if every record were there.
"""

from collections.abc import Callable

import numpy as np
import pandas as pd

from matching.blocking import BlockingReport
from matching.compare import RecordColumns
from matching.comparisons import Comparison
from matching.em import population_lambda, run_em
from matching.estimated_quality import unmapped_comparisons
from matching.labels import LabelledLevels, supervised_m
from matching.lambda_floor import LambdaFloor, lambda_floor
from matching.levels import Levels, gamma_frame, gamma_matrix
from matching.model import MatchSettings, TrainedModel
from matching.term_frequency import tf_summary, tf_table

# Blocking keys that stand for other columns, so EM knows which comparison a rule fixes.
KEY_ALIASES = {"name_token": {"name_std", "operating_name_std"},
               "name_any": {"name_std", "operating_name_std"}}
# Standardised columns derived from public fields only (legal and operating names): their
# common values may be shown in the model file; any other column's values are hashed there.
PUBLIC_COLUMNS = {"name_std", "operating_name_std"}


def collapsed_pairs(cols: RecordColumns, comparisons: list[Comparison],
                    pairs: pd.DataFrame) -> tuple:
    """The record pairs each candidate pair stands for (w_i * w_j), and the levels of the
    pairs of identical records (a representative with itself) with their count w(w-1)/2."""
    weight = cols.weights
    if weight is None:
        return None, None, None, None
    pair_weight = (weight[pairs["i"].to_numpy()] * weight[pairs["j"].to_numpy()]).astype(float)
    rows = np.flatnonzero(weight >= 2)
    same = gamma_matrix(gamma_frame(pd.DataFrame({"i": rows, "j": rows}), cols, comparisons),
                        comparisons)
    return pair_weight, same, (weight[rows] * (weight[rows] - 1) / 2).astype(float), rows


def train_model(settings: MatchSettings, comparisons: list[Comparison], cols: RecordColumns,
                pairs: pd.DataFrame, levels: "Levels | pd.DataFrame", report: BlockingReport,
                u: list[np.ndarray], u_sample_pairs: int,
                progress: Callable[[str], None],
                link_only: np.ndarray | None = None,
                labelled: LabelledLevels | None = None) -> TrainedModel:
    """m by EM sessions over the blocked pairs, lambda over the population, as a model.

    `link_only`: each record's file when pairs within a file are never candidates: the
    population is then the pairs across files only. `labelled`: pairs a person judged; the
    matches among them refine m (matching/labels.py) before lambda is found."""
    prepared = cols.records
    n = len(prepared)
    n_levels = [c.n_levels for c in comparisons]
    matrix = gamma_matrix(levels, comparisons)
    codes = pairs["i"].to_numpy() * n + pairs["j"].to_numpy()
    order = np.argsort(codes)
    pair_weight, same_matrix, same_weight, same_rows = collapsed_pairs(cols, comparisons, pairs)
    m_start = [np.array(c.starting_m) for c in comparisons]
    estimates: list[list[tuple[np.ndarray, float]]] = [[] for _ in comparisons]
    sessions: list[dict[str, float | int | str]] = []
    training = settings.em.training_rules
    for rule in settings.blocking.rules:
        if training is not None and rule.name not in training:
            continue
        rule_codes = report.rule_pair_codes.get(rule.name, np.empty(0, np.int64))
        if len(rule_codes) > settings.em.max_pairs_per_session:
            rng = np.random.default_rng(settings.em.seed)
            rule_codes = np.sort(rng.choice(rule_codes, settings.em.max_pairs_per_session,
                                            replace=False))
        if len(rule_codes) < 10:
            continue
        rows = order[np.searchsorted(codes, rule_codes, sorter=order)]
        keys = set().union(*(KEY_ALIASES.get(k, {k}) for k in rule.keys))
        active = [not (c.record_columns & keys) for c in comparisons]
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
        result = run_em(session, n_levels, m_start, u, 0.3, active, settings.em.max_iterations,
                        settings.em.tolerance, weights)
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
    if labelled is not None and labelled.matches:
        m = supervised_m(m, labelled, comparisons, settings.em.label_strength)
        progress(f"labels: m refined by {labelled.matches:,} labelled matches (against a "
                 f"prior worth {settings.em.label_strength:g} pairs)")
    floor = _population_lambda(cols, comparisons, matrix, m, u, pair_weight, same_matrix,
                               same_weight, link_only)
    lam = floor.value
    progress(f"EM: {len(sessions)} sessions over {len(pairs):,} blocked pairs; "
             f"P(two random records match) = {lam:.2e}")
    if floor.binds:
        progress(_collapse_warning(floor, comparisons, cols))
    tf_names = [c for c in comparisons if c.settings.term_frequency]
    return TrainedModel(
        probability_two_random_records_match=lam,
        m={c.name: dict(zip(c.labels, map(float, m[k]), strict=True))
           for k, c in enumerate(comparisons)},
        u={c.name: dict(zip(c.labels, map(float, u[k]), strict=True))
           for k, c in enumerate(comparisons)},
        thresholds=settings.thresholds, config_hash=settings.config_hash(),
        n_records=n, n_blocked_pairs=len(pairs), u_sample_pairs=u_sample_pairs,
        em_sessions=sessions,
        lambda_source="exact_agreement" if floor.binds else "em", lambda_em=floor.em_lambda,
        exact_agreement_pairs=floor.exact_pairs,
        exact_agreement_recall=round(floor.recall, 4) if floor.binds else None,
        labels={"pairs": len(labelled.is_match), "matches": labelled.matches,
                "label_strength": settings.em.label_strength} if labelled is not None else {},
        tf_summary={c.name: tf_summary(tf_table(prepared, c.settings.columns), n,
                                       hashed=not set(c.settings.columns) <= PUBLIC_COLUMNS)
                    for c in tf_names},
    )


def _population_lambda(cols: RecordColumns, comparisons: list[Comparison], matrix: np.ndarray,
                       m: list[np.ndarray], u: list[np.ndarray], pair_weight: np.ndarray | None,
                       same_matrix: np.ndarray | None, same_weight: np.ndarray | None,
                       link_only: np.ndarray | None) -> LambdaFloor:
    """lambda over the population (every record pair, collapsed records counted; only the
    pairs across files when linking only), with the exact-agreement floor under it
    (matching/lambda_floor.py)."""
    if link_only is not None:  # identical records are not collapsed when linking only
        sizes = np.unique(link_only, return_counts=True)[1].astype(float)
        total_pairs = (sizes.sum() ** 2 - (sizes ** 2).sum()) / 2
        lam = population_lambda(matrix, m, u, total_pairs)
        return lambda_floor(lam, matrix, comparisons, total_pairs, m=m)
    if pair_weight is None:
        n = len(cols.records)
        total_pairs, weights = n * (n - 1) / 2, None
    else:
        total = int(cols.weights.sum())
        total_pairs = total * (total - 1) / 2
        matrix = np.concatenate([matrix, same_matrix])
        weights = np.concatenate([pair_weight, same_weight])
    lam = population_lambda(matrix, m, u, total_pairs, weights=weights)
    return lambda_floor(lam, matrix, comparisons, total_pairs, weights, m)


def _collapse_warning(floor: LambdaFloor, comparisons: list[Comparison],
                      cols: RecordColumns) -> str:
    """What happened, what was done instead, and which fields would help (those with no
    value in any record: not mapped, or empty)."""
    records = len(cols.records) if cols.weights is None else int(cols.weights.sum())
    unused = unmapped_comparisons(cols.records, comparisons)
    advice = (f"Map more of the fields it compares ({', '.join(unused)})" if unused
              else "Add fields to the mapping")
    return (f"warning: the mapped fields carry too little evidence among {records:,} records: "
            f"EM put P(two random records match) at {floor.em_lambda:.1e}, below the "
            f"{floor.exact_pairs:,.0f} record pairs that agree exactly on every field they "
            f"share (P = {floor.floor:.1e}); those pairs over the share of true pairs that "
            f"agree exactly ({floor.recall:.0%} by the model's m) are used instead: "
            f"P = {floor.value:.1e} (left alone, a model this weak can make every pair a "
            f"non-match). {advice} to decide on evidence rather than on exact agreement.")
