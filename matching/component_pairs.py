"""Scoring the record pairs inside a match component that blocking never proposed.

The chain guard (matching/clustering.py) judges a component that is not fully auto-linked by
the average match probability over all its record pairs. A pair blocking did not propose has
no score and counted as 0: true clusters whose members each resemble one record but not each
other were split (FEBRL's duplicates of one original, each changed in other fields: pairwise
recall 0.954 against 0.971 for the plain components). Those pairs are now scored with the
trained model before the guard runs, for components of at most `complete_components_up_to`
records (few and small: 834 pairs on the demo registers at 10,000 businesses). Auto-match
components do not change: a pair inside one cannot join two.
"""

from collections.abc import Callable

import numpy as np
import pandas as pd

from matching.clustering import cluster_positions, incomplete_components, match_components
from matching.model import ClusterSettings

# (i, j) pairs in, (i, j, match_probability, rule, decision) out: the run's own scorer
PairScorer = Callable[[pd.DataFrame], pd.DataFrame]


def unscored_component_pairs(n: int, scored: pd.DataFrame, max_size: int,
                             link_only: np.ndarray | None = None) -> pd.DataFrame:
    """(i, j), i < j, of record positions inside one auto-match component that the guard
    will rebuild (of at most `max_size` records) and that `scored` does not hold. With
    `link_only` (a label per record), pairs of one label are left out: declared distinct,
    they keep counting as 0."""
    empty = pd.DataFrame({"i": np.zeros(0, np.int64), "j": np.zeros(0, np.int64)})
    if max_size < 3 or not len(scored):
        return empty
    comp = match_components(n, scored)
    repair = incomplete_components(comp, scored)
    repair = repair[np.bincount(comp)[repair] <= max_size]
    if not len(repair):
        return empty
    wanted = np.zeros(int(comp.max()) + 1, bool)
    wanted[repair] = True
    members = np.flatnonzero(wanted[comp])
    frame = pd.DataFrame({"comp": comp[members], "pos": members})
    both = frame.merge(frame, on="comp", suffixes=("_l", "_r"))
    both = both[both["pos_l"].to_numpy() < both["pos_r"].to_numpy()]
    i, j = both["pos_l"].to_numpy(np.int64), both["pos_r"].to_numpy(np.int64)
    si, sj = scored["i"].to_numpy(np.int64), scored["j"].to_numpy(np.int64)
    inside = wanted[comp[si]] & (comp[si] == comp[sj])  # only these can be among the wanted
    known = np.minimum(si[inside], sj[inside]) * n + np.maximum(si[inside], sj[inside])
    missing = ~np.isin(i * n + j, known)
    if link_only is not None:
        missing &= link_only[i] != link_only[j]
    return pd.DataFrame({"i": i[missing], "j": j[missing]})


def cluster_completed(n: int, scored: pd.DataFrame, constraints: list[np.ndarray],
                      settings: ClusterSettings, score: PairScorer | None,
                      link_only: np.ndarray | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, int]:
    """Cluster and auto-match component per record position, with the unproposed pairs
    inside the components the guard rebuilds scored first (none without a `score`); and how
    many were scored."""
    size = settings.complete_components_up_to if score is not None else 0
    extra = unscored_component_pairs(n, scored, size, link_only)
    pairs = scored
    if len(extra) and score is not None:
        found = score(extra)
        pairs = pd.concat([scored[list(found.columns)], found], ignore_index=True)
    return (cluster_positions(n, pairs, constraints, settings), match_components(n, scored),
            len(extra))
