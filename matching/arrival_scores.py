"""Scoring one arriving record against its few candidates, pair by pair: the real-time path.

    scorer = ArrivalScorer(comparisons, settings, model)
    scored = scorer.score(candidates, arriving, value_count, population)

gives, for each candidate (a mapping of column to value), what `level_columns` and
`score_columns` give for the pair (candidate left, arriving record right): levels, weights,
term-frequency adjustments, match weight and probability, rule and decision.

The vectorised path is built for millions of pairs; on the half-dozen pairs of an intake
desk's request it pays numpy and pandas set-up (masks per level, a categorical per
comparison) hundreds of times, about 2 ms a request. Here the levels are walked pair by pair
with rapidfuzz's scalar scorers, and only the arithmetic (level weights, term-frequency
adjustments, probabilities) stays in numpy, called once per request with the batch path's own
functions. tests/test_arrival_scores.py holds the two paths equal on every candidate pair of a
sample: a change to a comparison, a rule or the decision fails those tests until it is
mirrored here. What the vectorised path does that is mirrored:

- a side is present when its value is not None; values are equal when both are present, not
  NaN, and equal (`factorize` codes);
- a similarity is rapidfuzz's with the lowest cutoff any level of the comparison asks of that
  scorer, rounded to float32 (`cpdist(dtype=float32)`), and a (scorer, column, column) score
  is computed once per pair, with the cutoff first asked;
- token sort is the plain ratio of token-sorted strings (`level_columns` screens it with token
  set, which bounds it from above: a shortcut that changes no level, not needed here);
- the shared value's count for a term-frequency comparison is the population's plus the
  arriving record (the first equal column combination, as `PairPartition.shared_count`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from matching.compare import _lowest_cutoffs, _sort_tokens
from matching.comparisons import NULL_LABEL, Comparison
from matching.model import MatchSettings, RuleSettings, TrainedModel
from matching.pair_scores import SCORERS, _combos
from matching.rules import SAME_PLACE_COMPARISONS
from matching.scoring import DECISIONS, NON_MATCH_BY_RULE, level_weights, prior_weight
from matching.term_frequency import tf_adjustment

Row = Mapping[str, object]
ValueCount = Callable[[tuple[str, ...], object], int]  # (column group, value) -> records

_EPSILON = 1e-9  # a level is reached at its threshold less this (as the vectorised path)
_MATCH, _NON_MATCH = DECISIONS.index("match"), DECISIONS.index("non_match")


def _missing(value: object) -> bool:
    return value is None or value != value  # NaN


def _equal(left: object, right: object) -> bool:
    return not _missing(left) and not _missing(right) and left == right


@dataclass(frozen=True)
class _Level:
    gamma: int
    same: tuple[str, ...]
    scorer: str | None
    combos: tuple[tuple[str, str], ...]  # (left column, right column) the scorer reads
    threshold: float
    cutoff: float | None


@dataclass(frozen=True)
class _Plan:
    """One comparison, compiled for walking one pair at a time."""

    name: str
    columns: tuple[str, ...]
    levels: tuple[_Level, ...]
    labels: tuple[str, ...]  # by gamma, 'null' last (gamma -1)
    weights: np.ndarray  # by gamma
    u: np.ndarray  # by gamma: the u a term-frequency adjustment replaces (Comparison.tf_u)
    exact_gammas: list[int]  # where the term-frequency adjustment applies (tf only)
    tf_group: tuple[str, ...] | None
    tf_combos: tuple[tuple[str, str], ...]
    null_at_shared_office: bool


def _plan(comp: Comparison, model: TrainedModel) -> _Plan:
    s = comp.settings
    cutoffs = _lowest_cutoffs(comp)
    levels = []
    for index, level in enumerate(s.levels):
        threshold = 1.0 if level.scorer == "exact" else float(level.min or 0)
        levels.append(_Level(comp.gamma_of(index), tuple(level.same), level.scorer,
                             tuple(_combos(level.using or s.columns, s.cross)), threshold,
                             cutoffs.get(level.scorer) if level.scorer else None))
    tf = s.term_frequency and bool(comp.exact_gammas)
    return _Plan(comp.name, tuple(s.columns), tuple(levels), (*comp.labels, NULL_LABEL),
                 level_weights(comp, model),
                 np.array(comp.tf_u(model.u[comp.name])),
                 list(comp.exact_gammas if tf else ()),
                 tuple(sorted(set(s.columns))) if tf else None,
                 tuple(_combos(s.columns, s.cross)), s.null_at_shared_office)


class _Candidates:
    """The candidates' columns (left) and the arriving record (right), with the scores so far,
    worked a column at a time: a request's few dozen pairs cost list comprehensions, not a
    Python call per pair and level."""

    def __init__(self, column: Callable[[str], list], n: int, arriving: Row) -> None:
        self.column, self.n, self.right = column, n, arriving
        # (scorer, left column, right column) -> {candidate: score}
        self._scores: dict[tuple[str, str, str], dict[int, float]] = {}

    def scores(self, scorer: str, a: str, b: str, rows: list[int],
               cutoff: float | None) -> list[float]:
        """Left `a` against right `b` for `rows`; -1 where a side is missing."""
        known = self._scores.setdefault((scorer, a, b), {})
        todo = [k for k in rows if k not in known]
        if todo:
            y, values = self.right[b], self.column(a)
            present = [] if y is None else [k for k in todo if values[k] is not None]
            if len(present) < len(todo):
                known.update(dict.fromkeys(todo, -1.0))
            if scorer == "exact":
                same = not _missing(y)  # then == is False for a missing value too
                known.update({k: 1.0 if same and values[k] == y else 0.0 for k in present})
            elif present:
                function, y_text = SCORERS[scorer], y
                if scorer == "token_sort_ratio":
                    function, y_text = fuzz.ratio, _sort_tokens(y)
                    xs = [_sort_tokens(values[k]) for k in present]
                else:
                    xs = [values[k] for k in present]
                found = np.array([function(x, y_text, score_cutoff=cutoff) for x in xs],
                                 np.float32)  # cpdist's dtype
                known.update(zip(present, found.tolist(), strict=True))
        return [known[k] for k in rows]

    def best(self, scorer: str, combos: tuple[tuple[str, str], ...], rows: list[int],
             cutoff: float | None) -> list[float]:
        best = self.scores(scorer, *combos[0], rows, cutoff)
        for a, b in combos[1:]:
            best = list(map(max, best, self.scores(scorer, a, b, rows, cutoff)))
        return best

    def gammas(self, plan: _Plan) -> list[int]:
        """The comparison's level (gamma) per candidate: the first level reached."""
        right, n = self.right, self.n
        if all(right[c] is None for c in plan.columns):
            return [-1] * n
        lefts = [self.column(c) for c in plan.columns]
        gamma = [0 if any(values[k] is not None for values in lefts) else -1 for k in range(n)]
        todo = [k for k in range(n) if gamma[k] == 0]
        for level in plan.levels:
            if not todo:
                break
            hit = todo
            for c in level.same:
                y, values = right[c], self.column(c)
                hit = [] if _missing(y) else [k for k in hit if values[k] == y]
            if level.scorer is not None and hit:
                floor = level.threshold - _EPSILON
                scores = self.best(level.scorer, level.combos, hit, level.cutoff)
                hit = [k for k, score in zip(hit, scores, strict=True) if score >= floor]
            if hit:
                for k in hit:
                    gamma[k] = level.gamma
                todo = [k for k in todo if gamma[k] == 0]
        if plan.null_at_shared_office:  # no evidence there (model.ComparisonSettings)
            office = [True] * n if right["shared_office"] else self.column("shared_office")
            gamma = [-1 if office[k] else g for k, g in enumerate(gamma)]
        return gamma

    def shared_value(self, plan: _Plan, k: int) -> object:
        """The value candidate `k` shares with the arriving record in the comparison's
        columns (the first combination that is equal)."""
        for a, b in plan.tf_combos:
            x = self.column(a)[k]
            if _equal(x, self.right[b]):
                return x
        return None


def _rules(pairs: _Candidates, levels: Mapping[str, list[str]],
           held: Mapping[str, np.ndarray], rules: RuleSettings) -> list[str]:
    """`rules.apply_rules` for the candidates: the rule that decides each ('' : the score),
    set in the same order, so that the same rule wins. `held`: per term-frequency
    comparison, the records holding the value a candidate shares (an identifier held by a
    shared office's every firm identifies none of them)."""
    n, right, column = pairs.n, pairs.right, pairs.column
    rule = [""] * n
    if "name" in levels and "address" in levels and right["chain_name"]:
        chain, name, address = column("chain_name"), levels["name"], levels["address"]
        number, y = column("street_number"), right["street_number"]
        same_place = [levels[c] for c in SAME_PLACE_COMPARISONS if c in levels]
        for k in range(n):
            if not (chain[k] and name[k] == "exact"):
                continue
            different_place = address[k] == "else" or (
                not _missing(number[k]) and not _missing(y) and number[k] != y)
            if different_place and not any(found[k] == "exact" for found in same_place):
                rule[k] = "franchise"
    if rules.different_names_need_identifier and "name" in levels and right["shared_office"]:
        office, name = column("shared_office"), levels["name"]
        shared = rules.shared_office_min_records
        identifiers = [(levels[c], held.get(c)) for c in rules.identifier_comparisons
                       if c in levels]
        unlike = set(rules.unlike_name_levels)
        for k in range(n):
            if name[k] in unlike and office[k] and not any(
                    found[k] == "exact" and not (count is not None and count[k] >= shared)
                    for found, count in identifiers):
                rule[k] = "different_names"
    bn_y, nc_y = right["bn_root_valid"], right["numbered_company"]
    bn, nc = column("bn_root_valid"), column("numbered_company")
    for k in range(n):
        bn_both = not _missing(bn_y) and not _missing(bn[k])
        if rules.same_bn_is_match and bn_both and bn[k] == bn_y:
            rule[k] = "same_bn"
        if (rules.different_numbered_company_cannot_link and not _missing(nc_y)
                and not _missing(nc[k]) and nc[k] != nc_y):
            rule[k] = "different_numbered_company"
        if rules.different_bn_cannot_link and bn_both and bn[k] != bn_y:
            rule[k] = "different_bn"
    return rule


class ArrivalScorer:
    """The comparisons, model, rules and thresholds of a match state, for one record's pairs."""

    def __init__(self, comparisons: list[Comparison], settings: MatchSettings,
                 model: TrainedModel) -> None:
        self.rules = settings.rules
        self.thresholds = model.thresholds
        self.prior = prior_weight(model)
        self.plans = [_plan(comp, model) for comp in comparisons]

    def score(self, column: Callable[[str], list], n: int, arriving: Row,
              value_count: ValueCount, population: int) -> dict[str, list | np.ndarray]:
        """Per candidate (`column(name)`: that column's values of the `n` candidates), in
        their order: `<name>_level`, `<name>_weight` (and `<name>_tf_adjustment` for a
        term-frequency comparison), `match_weight`, `match_probability`, `rule` and
        `decision`, as `score_columns` names them. `value_count(group, value)`: records of
        the population holding `value` in any of the group's columns; `population`: its
        records, the arriving one included."""
        pairs = _Candidates(column, n, arriving)
        out: dict[str, list | np.ndarray] = {}
        levels: dict[str, list[str]] = {}
        held: dict[str, np.ndarray] = {}  # records holding the shared value, tf comparisons
        total = [self.prior] * n
        for plan in self.plans:
            gamma = pairs.gammas(plan)
            weights = plan.weights.tolist()
            weight = [weights[g] if g >= 0 else 0.0 for g in gamma]
            if plan.tf_group is not None:
                counts = np.full(n, np.nan)
                for k, g in enumerate(gamma):
                    value = pairs.shared_value(plan, k) if g in plan.exact_gammas else None
                    if value is not None:
                        counts[k] = value_count(plan.tf_group, value) + 1
                held[plan.name] = counts
                adjustment = tf_adjustment(counts, plan.u[np.maximum(gamma, 0)], population)
                out[f"{plan.name}_tf_adjustment"] = adjustment
                weight = [w + a for w, a in zip(weight, adjustment.tolist(), strict=True)]
            levels[plan.name] = out[f"{plan.name}_level"] = [plan.labels[g] for g in gamma]
            out[f"{plan.name}_weight"] = np.array(weight)
            total = [t + w for t, w in zip(total, weight, strict=True)]
        match_weight = np.array(total)
        probability = 1.0 / (1.0 + np.exp2(-np.clip(match_weight, -1000, 1000)))
        out["match_weight"], out["match_probability"] = match_weight, probability
        out["rule"] = rules = _rules(pairs, levels, held, self.rules)
        out["decision"] = [DECISIONS[self._decision(p, rule)]
                           for p, rule in zip(probability.tolist(), rules, strict=True)]
        return out

    def _decision(self, probability: float, rule: str) -> int:
        """`scoring.decide_codes` for one pair."""
        if rule == "same_bn":
            return _MATCH
        if rule in NON_MATCH_BY_RULE:
            return _NON_MATCH
        if probability >= self.thresholds.auto_match:
            return _MATCH
        return 1 if probability >= self.thresholds.review else _NON_MATCH
