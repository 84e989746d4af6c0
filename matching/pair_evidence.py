"""Scoring candidate pairs: match weight and probability, the rules, the decision, evidence.

Pure functions of a partition of pairs (positions `i`, `j` into the records), so the same
code scores a whole run chunk by chunk, a worker's block, or one arriving record.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from matching.collapse import IDENTICAL_RULE
from matching.compare import RecordColumns, worker_columns
from matching.comparisons import Comparison
from matching.executors import Executor, LocalExecutor
from matching.levels import CHUNK, Levels
from matching.model import MatchSettings, TrainedModel
from matching.rules import RULE_COLUMNS, RULES, apply_rules
from matching.scoring import MATCH, NON_MATCH, REVIEW, decide_codes, score_partition

DECISIONS = [MATCH, REVIEW, NON_MATCH]
RULES_ALL = [*RULES, IDENTICAL_RULE]
_RULE_DTYPE = pd.CategoricalDtype(RULES_ALL)
_DECISION_DTYPE = pd.CategoricalDtype(DECISIONS)


def rule_columns(pairs: "pd.DataFrame | Mapping[str, object]",
                 cols: RecordColumns) -> dict[str, np.ndarray]:
    """What the rules read, as integer codes (-1 missing) rather than strings."""
    i, j = np.asarray(pairs["i"], np.int64), np.asarray(pairs["j"], np.int64)
    out: dict[str, np.ndarray] = {}
    for col in RULE_COLUMNS:
        if col in ("chain_name", "shared_office"):
            flags = cols.values(col).astype(bool)
            out[f"{col}_l"], out[f"{col}_r"] = flags[i], flags[j]
        else:
            codes = cols.codes(col, col)[0]
            out[f"{col}_l"], out[f"{col}_r"] = codes[i], codes[j]
    return out


def score_rows(pairs: pd.DataFrame, cols: RecordColumns, settings: MatchSettings,
               comparisons: list[Comparison], model: TrainedModel, levels: Levels,
               rows: slice | np.ndarray) -> pd.DataFrame:
    """Evidence, rule and decision for some rows of the candidate pairs (a partition)."""
    part: dict[str, object] = {"i": pairs["i"].to_numpy()[rows], "j": pairs["j"].to_numpy()[rows]}
    if "blocking_rule" in pairs.columns:
        rule_of = pairs["blocking_rule"]
        if isinstance(rule_of.dtype, pd.CategoricalDtype):  # its codes, not its strings
            part["blocking_rule"] = pd.Categorical.from_codes(
                rule_of.cat.codes.to_numpy()[rows], categories=rule_of.cat.categories)
        else:
            part["blocking_rule"] = rule_of.to_numpy()[rows]
    scored = score_columns(part, levels.columns(rows, comparisons), cols, settings,
                           comparisons, model)
    return pd.DataFrame(scored, index=pd.RangeIndex(len(scored["match_probability"])))


def score_columns(part: dict[str, object], level_columns: dict[str, np.ndarray],
                  cols: RecordColumns, settings: MatchSettings, comparisons: list[Comparison],
                  model: TrainedModel) -> dict[str, object]:
    """score_rows' columns as arrays: the pairs' columns (`i`, `j`, `blocking_rule`), their
    levels, weights, probability, rule and decision (what a real-time request reads without
    a frame)."""
    scored = score_partition({**part, **level_columns}, comparisons, model, cols.represented)
    rule = apply_rules(rule_columns(part, cols), scored, settings.rules)
    decision = decide_codes(scored["match_probability"], rule, model.thresholds)
    rule_code = np.zeros(len(rule), np.int8)
    for k, name in enumerate(RULES_ALL[1:], start=1):
        rule_code[rule == name] = k
    scored["rule"] = pd.Categorical.from_codes(rule_code, dtype=_RULE_DTYPE)
    scored["decision"] = pd.Categorical.from_codes(decision, dtype=_DECISION_DTYPE)
    return scored


def score_stream(pairs: pd.DataFrame, cols: RecordColumns, settings: MatchSettings,
                 comparisons: list[Comparison], model: TrainedModel, levels: Levels,
                 chunk: int = CHUNK, executor: Executor | None = None) -> pd.DataFrame:
    """Probability, rule and decision of every pair, chunk by chunk, kept compact
    (float64 + two one-byte codes per pair): what clustering needs and nothing more.

    `executor`: where the chunks are scored (default: here, one after the other)."""
    total = len(pairs)
    prob = np.zeros(total)
    rule = np.zeros(total, np.int8)
    decision = np.zeros(total, np.int8)
    starts = list(range(0, total, chunk))
    parts = _chunks(pairs, levels, comparisons, [slice(k, min(k + chunk, total))
                                                 for k in starts])
    executor = executor or LocalExecutor(1)
    scored_parts = executor.map(compact_scores, parts, _shared(cols, comparisons, executor),
                                settings, comparisons, model)
    for k, (p, r, d) in zip(starts, scored_parts, strict=True):
        rows = slice(k, k + len(p))
        prob[rows], rule[rows], decision[rows] = p, r, d
    return pd.DataFrame({
        "i": pairs["i"].to_numpy(), "j": pairs["j"].to_numpy(), "match_probability": prob,
        "rule": pd.Categorical.from_codes(rule, categories=RULES_ALL),
        "decision": pd.Categorical.from_codes(decision, categories=DECISIONS)})


def evidence(pairs: pd.DataFrame, cols: RecordColumns, settings: MatchSettings,
             comparisons: list[Comparison], model: TrainedModel, levels: Levels,
             rows: np.ndarray, chunk: int = CHUNK,
             executor: Executor | None = None) -> pd.DataFrame:
    """Full evidence (levels, weights, rule, decision) of the chosen rows, by record key."""
    selections = [rows[k:k + chunk] for k in range(0, len(rows), chunk)] or [rows]
    executor = executor or LocalExecutor(1)
    parts = list(executor.map(scored_chunk, _chunks(pairs, levels, comparisons, selections),
                              _shared(cols, comparisons, executor), settings, comparisons,
                              model))
    scored = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    keys = cols.values("record_key")
    scored.insert(0, "record_key_l", pd.Series(keys[scored["i"].to_numpy()], dtype=object))
    scored.insert(1, "record_key_r", pd.Series(keys[scored["j"].to_numpy()], dtype=object))
    drop = [c for c in scored.columns if c.endswith(("_gamma", "_tf_count"))]
    return scored.drop(columns=drop)


def _shared(cols: RecordColumns, comparisons: list[Comparison], executor: Executor) -> object:
    """The record columns scoring reads, as the executor's tasks receive them."""
    if not executor.distributed:
        return cols
    return executor.share(cols.subset(worker_columns(comparisons)))


def _chunks(pairs: pd.DataFrame, levels: Levels, comparisons: list[Comparison],
            selections: list[slice | np.ndarray]) -> list[tuple[pd.DataFrame, Levels]]:
    """Each selection of rows as a (pairs, levels) partition of its own: what a task ships."""
    columns = [c for c in ("i", "j", "blocking_rule") if c in pairs.columns]
    frame = pairs[columns]
    return [(frame.iloc[rows].reset_index(drop=True),
             Levels(levels.matrix[rows], {n: v[rows] for n, v in levels.tf.items()}))
            for rows in selections]


def scored_chunk(part: tuple[pd.DataFrame, Levels], cols: RecordColumns,
                 settings: MatchSettings, comparisons: list[Comparison],
                 model: TrainedModel) -> pd.DataFrame:
    """Evidence, rule and decision of one partition of pairs (a task)."""
    pairs, levels = part
    return score_rows(pairs, cols, settings, comparisons, model, levels, slice(0, len(pairs)))


def compact_scores(part: tuple[pd.DataFrame, Levels], cols: RecordColumns,
                   settings: MatchSettings, comparisons: list[Comparison],
                   model: TrainedModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability, rule code and decision code of one partition of pairs (a task)."""
    scored = scored_chunk(part, cols, settings, comparisons, model)
    return (scored["match_probability"].to_numpy(), scored["rule"].cat.codes.to_numpy(),
            scored["decision"].cat.codes.to_numpy())


def identical_evidence(keys: np.ndarray, left: np.ndarray, right: np.ndarray) -> pd.DataFrame:
    """Pairs of records identical on every compared field: a match by construction."""
    return pd.DataFrame({
        "record_key_l": pd.Series(keys[left], dtype=object),
        "record_key_r": pd.Series(keys[right], dtype=object),
        "match_probability": np.ones(len(left)),
        "rule": pd.Categorical([IDENTICAL_RULE] * len(left), categories=RULES_ALL),
        "decision": pd.Categorical([MATCH] * len(left), categories=DECISIONS)})


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
