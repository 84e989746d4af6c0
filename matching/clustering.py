"""Clusters from auto-match edges, under cannot-link rules and a guard against chaining.

Measured lesson (DESIGN.md): pairwise F1 0.78 fell to 0.38 on clusters because weak links
chained unrelated businesses. So plain connected components are only the first cut: a
component whose records are not all linked to each other, or that holds two different valid
BN roots or numbered-company numbers, is rebuilt by constrained average linkage: groups are
merged in descending order of their average match probability over *all* their record
pairs (unscored pairs count as 0), only across an auto-match edge, never across a conflict,
and only while that average stays above `min_average_probability`. A single strong bridge
between two groups whose other pairs disagree is therefore refused.
"""

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matching.model import ClusterSettings
from matching.rules import NON_MATCH_RULES
from matching.scoring import MATCH


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer code per value, -1 for missing."""
    codes, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64)


def _isin(values: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    """values in wanted, on a categorical's one-byte codes when it is one (no string array)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        hits = [k for k, c in enumerate(values.cat.categories) if c in wanted]
        return np.isin(values.cat.codes.to_numpy(), hits)
    return np.isin(values.to_numpy(object), wanted)


def _conflicts(codes: list[np.ndarray]) -> np.ndarray:
    conflict = None
    for c in codes:
        here = (c[:, None] >= 0) & (c[None, :] >= 0) & (c[:, None] != c[None, :])
        conflict = here if conflict is None else conflict | here
    return conflict if conflict is not None else np.zeros((0, 0), bool)


def average_linkage(k: int, li: np.ndarray, lj: np.ndarray, prob: np.ndarray, auto: np.ndarray,
                    codes: list[np.ndarray], threshold: float) -> np.ndarray:
    """Constrained average-linkage clustering of one component (k records); local labels."""
    total = np.zeros((k, k))
    total[li, lj] = prob
    total[lj, li] = prob
    edge = np.zeros((k, k), bool)
    edge[li[auto], lj[auto]] = True
    edge |= edge.T
    size = np.ones(k)
    alive = np.ones(k, bool)
    label = np.arange(k)
    codes = [c.copy() for c in codes]
    upper = np.triu(np.ones((k, k), bool), 1)
    while True:
        allowed = edge & upper & alive[:, None] & alive[None, :]
        if codes:
            allowed &= ~_conflicts(codes)
        if not allowed.any():
            break
        avg = np.where(allowed, total / np.outer(size, size), -1.0)
        best = int(np.argmax(avg))
        a, b = divmod(best, k)
        if avg[a, b] < threshold:
            break
        total[a] += total[b]
        total[:, a] += total[:, b]
        total[a, a] = 0.0
        edge[a] |= edge[b]
        edge[:, a] |= edge[:, b]
        edge[a, a] = False
        size[a] += size[b]
        alive[b] = False
        edge[b] = False
        edge[:, b] = False
        label[label == b] = a
        for c in codes:
            if c[a] < 0:
                c[a] = c[b]
    return label


def greedy_constrained(k: int, li: np.ndarray, lj: np.ndarray, prob: np.ndarray,
                       auto: np.ndarray, codes: list[np.ndarray]) -> np.ndarray:
    """Union-find over auto edges in descending probability, refusing conflicting joins.

    Used only for components too large for average linkage; loops over their edges only.
    """
    parent = np.arange(k)
    value = [c.copy() for c in codes]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = np.argsort(-prob[auto], kind="stable")
    for a, b in zip(li[auto][order], lj[auto][order], strict=True):
        ra, rb = find(int(a)), find(int(b))
        if ra == rb or any(v[ra] >= 0 and v[rb] >= 0 and v[ra] != v[rb] for v in value):
            continue
        parent[rb] = ra
        for v in value:
            if v[ra] < 0:
                v[ra] = v[rb]
    return np.array([find(x) for x in range(k)])


def match_components(n: int, pairs: pd.DataFrame) -> np.ndarray:
    """Connected component of auto-match edges per record position: clustering never looks
    across them, so an incremental run re-clusters only the components a change touches."""
    auto = _isin(pairs["decision"], (MATCH,))
    i, j = pairs["i"].to_numpy(np.int64)[auto], pairs["j"].to_numpy(np.int64)[auto]
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def incomplete_components(comp: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """Components (numbers into `comp`) of three or more records not all auto-linked to each
    other: the ones the chain guard rebuilds."""
    auto = _isin(pairs["decision"], (MATCH,))
    size = np.bincount(comp)
    n_auto = np.bincount(comp[pairs["i"].to_numpy(np.int64)[auto]], minlength=len(size))
    return np.flatnonzero((size >= 3) & (n_auto < size * (size - 1) // 2))


def cluster_positions(n: int, pairs: pd.DataFrame, constraints: list[np.ndarray],
                      settings: ClusterSettings) -> np.ndarray:
    """Cluster number per record position (0..n-1), from scored pairs with decisions."""
    i, j = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    prob = pairs["match_probability"].to_numpy(float).copy()
    if "rule" in pairs.columns:
        prob[_isin(pairs["rule"], NON_MATCH_RULES)] = 0.0
        # a fact, not a score: full support in the chain guard
        prob[_isin(pairs["rule"], ("same_bn",))] = 1.0
    auto = _isin(pairs["decision"], (MATCH,))
    comp = match_components(n, pairs)
    size = np.bincount(comp)
    codes = [_codes(v) for v in constraints]
    conflict = np.zeros(len(size), bool)
    for c in codes:
        has = c >= 0
        distinct = pd.DataFrame({"comp": comp[has], "v": c[has]}).groupby("comp")["v"].nunique()
        conflict[distinct.index[distinct > 1].to_numpy()] = True
    rebuild = conflict.copy()
    rebuild[incomplete_components(comp, pairs)] = True
    repair = np.flatnonzero(rebuild)
    labels = comp.copy()
    if len(repair) == 0:
        return pd.factorize(labels)[0]
    inside = (comp[i] == comp[j]) & np.isin(comp[i], repair)
    sub = pd.DataFrame({"comp": comp[i[inside]], "i": i[inside], "j": j[inside],
                        "p": prob[inside], "auto": auto[inside]}).sort_values("comp", kind="stable")
    members_order = np.argsort(comp, kind="stable")
    starts = np.concatenate([[0], np.cumsum(size)])
    local = np.empty(n, np.int64)
    next_label = int(comp.max()) + 1
    for c_id, group in sub.groupby("comp", sort=True):
        members = members_order[starts[c_id]:starts[c_id + 1]]
        k = len(members)
        local[members] = np.arange(k)
        li, lj = local[group["i"].to_numpy()], local[group["j"].to_numpy()]
        p, a = group["p"].to_numpy(float), group["auto"].to_numpy(bool)
        member_codes = [c[members] for c in codes]
        if k <= settings.max_dense_component:
            lab = average_linkage(k, li, lj, p, a, member_codes,
                                  settings.min_average_probability)
        else:
            lab = greedy_constrained(k, li, lj, p, a, member_codes)
        labels[members] = next_label + lab
        next_label += k
    return pd.factorize(labels)[0]


def clusters_frame(record_keys: pd.Series, labels: np.ndarray) -> pd.DataFrame:
    """One row per record; a cluster is named by its smallest record key (stable across runs)."""
    frame = pd.DataFrame({"record_key": record_keys.to_numpy(), "_label": labels})
    frame["cluster_id"] = frame.groupby("_label")["record_key"].transform("min")
    frame["cluster_size"] = frame.groupby("_label")["record_key"].transform("size")
    return frame.drop(columns="_label")
