"""Labelled pairs (a steward's decisions, a file of pairs a person checked) improve the model.

Two uses, as the dedupe library and Splink's users rely on them:
1. **m from labelled matches**: each comparison's m is a Dirichlet blend of EM's m (a prior
   worth `strength` pairs) and the levels the labelled matches show, so fifty labels move it
   without overturning what EM learnt from thousands of pairs. u stays with random sampling:
   labelled non-matches are the hard cases, not a sample of the population.
2. **the auto-match threshold**: where at least ten matches and ten non-matches are labelled
   among the candidate pairs, the threshold is the one that maximises F1 over them (labels
   near the boundary, where active learning puts them, are what a threshold decides).
`most_informative` proposes the pairs to label next: those the model is least sure of.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.comparisons import Comparison

LABEL_COLUMNS = ("record_key_l", "record_key_r", "match")
MIN_EACH_FOR_THRESHOLD = 10
TRUE_WORDS = {"1", "true", "yes", "y", "match", "same"}
FALSE_WORDS = {"0", "false", "no", "n", "non_match", "different"}


class LabelError(ValueError):
    """A labels file that cannot be read as pairs and verdicts; the message says where."""


@dataclass(frozen=True)
class LabelledLevels:
    """The comparison levels of the labelled pairs both of whose records are in the run."""

    matrix: np.ndarray  # gamma by labelled pair and comparison (-1: a record lacks the field)
    is_match: np.ndarray  # bool by labelled pair

    @property
    def matches(self) -> int:
        return int(self.is_match.sum())


def verdicts(values: pd.Series, where: str) -> np.ndarray:
    """Booleans from a labels column (1/0, true/false, yes/no, match/non_match, same/different);
    anything else is refused with the row's number."""
    text = values.astype("string").str.strip().str.lower()
    known = text.isin(TRUE_WORDS | FALSE_WORDS)
    if not known.all():
        row = int(np.flatnonzero(~known.to_numpy(bool))[0])
        raise LabelError(f"{where}, row {row + 2}: the match column must say 1/0, true/false, "
                         "yes/no or match/non_match")
    return text.isin(TRUE_WORDS).to_numpy(bool)


def supervised_m(m: list[np.ndarray], labelled: LabelledLevels,
                 comparisons: list[Comparison], strength: float) -> list[np.ndarray]:
    """m blended with the labelled matches' levels: (count + strength * m) / (n + strength)
    per comparison, over the labelled matches that carry it."""
    matched = labelled.matrix[labelled.is_match]
    blended = []
    for c, comparison in enumerate(comparisons):
        gammas = matched[:, c]
        gammas = gammas[gammas >= 0]
        counts = np.bincount(gammas, minlength=comparison.n_levels).astype(float)
        prior = np.asarray(m[c], float)
        value = (counts + strength * prior) / (len(gammas) + strength)
        blended.append(value / value.sum())
    return blended


def labelled_threshold(probability: np.ndarray, is_match: np.ndarray) -> float | None:
    """The auto-match probability that maximises F1 over labelled candidate pairs (between
    two neighbouring labelled probabilities); None with too few labels of either kind."""
    if is_match.sum() < MIN_EACH_FOR_THRESHOLD or (~is_match).sum() < MIN_EACH_FOR_THRESHOLD:
        return None
    order = np.argsort(-probability, kind="stable")
    p, y = probability[order], is_match[order]
    true_positives = np.cumsum(y)
    linked = np.arange(1, len(p) + 1)
    f1 = 2 * true_positives / (linked + y.sum())
    distinct = np.append(p[1:] < p[:-1], True)  # cut only between different probabilities
    best = int(np.argmax(np.where(distinct, f1, -1.0)))
    below = p[best + 1] if best + 1 < len(p) else 0.0
    return float(np.clip((p[best] + below) / 2, 0.01, 0.999))


def most_informative(pairs: pd.DataFrame, count: int,
                     labelled: set[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The `count` candidate pairs the model is least sure of (probability nearest 0.5 in
    log-odds), no record twice, none already labelled: what to label next."""
    labelled = labelled or set()
    p = pairs["match_probability"].clip(1e-9, 1 - 1e-9).to_numpy(float)
    doubt = np.abs(np.log(p / (1 - p)))
    chosen, seen = [], set()
    for row in np.argsort(doubt, kind="stable"):
        left, right = pairs["record_key_l"].iat[row], pairs["record_key_r"].iat[row]
        if (min(left, right), max(left, right)) in labelled or left in seen or right in seen:
            continue
        chosen.append(row)
        seen.update((left, right))
        if len(chosen) == count:
            break
    return pairs.iloc[chosen].reset_index(drop=True)
