"""Steward judgements that stick: must-link and cannot-link constraints over the clusters.

The decisions are an append-only log of edges between two source records (as in
nomenklatura's resolver): `same`, `different` or `unsure`, with who, when and why. The latest
decision on a pair is the one in force; earlier ones stay in the log.

They are applied after the model's clustering (matching/clustering.py is left untouched):
1. clusters joined by a `same` pair are merged (must-link);
2. a cluster that then holds both records of a `different` pair is re-clustered: union-find
   over its must-link edges first, then its auto-match edges by descending probability,
   refusing any union that would put a `different` pair together (cannot-link).
A `different` therefore wins over a chain of `same` decisions that contradicts it. Only the
clusters a decision touches are re-clustered, so the cost is that of the decisions.
"""

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from canonical.membership import member_of
from canonical.schema import PERSONAL_FIELDS

SAME, DIFFERENT, UNSURE = "same", "different", "unsure"
MASK = "(personal: steward role only)"
DECISION_COLUMNS = ["decision_id", "record_key_l", "record_key_r", "judgement", "steward",
                    "reason", "at"]


def judgements_in_force(decisions: pd.DataFrame) -> pd.DataFrame:
    """The latest decision per pair (a later decision supersedes, never erases, an earlier)."""
    if decisions.empty:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    latest = decisions.sort_values("decision_id", kind="stable").drop_duplicates(
        ["record_key_l", "record_key_r"], keep="last")
    return latest.reset_index(drop=True)


def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = int(parent[x])
    return x


def _recluster(keys: np.ndarray, must: list[tuple[int, int]], edges: pd.DataFrame,
               cannot: set[tuple[int, int]]) -> np.ndarray:
    """Union-find over one cluster's local positions that never joins a cannot-link pair."""
    k = len(keys)
    parent = np.arange(k)
    members: dict[int, set[int]] = {x: {x} for x in range(k)}
    forbidden: dict[int, set[int]] = {x: set() for x in range(k)}
    for a, b in cannot:
        forbidden[a].add(b)
        forbidden[b].add(a)
    order = [*must, *zip(edges["a"].tolist(), edges["b"].tolist(), strict=True)]
    for a, b in order:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra == rb or any(forbidden[x] & members[rb] for x in members[ra]):
            continue
        parent[rb] = ra
        members[ra] |= members.pop(rb)
    return np.array([_find(parent, x) for x in range(k)])


def apply_steward_constraints(clusters: pd.DataFrame, pairs: pd.DataFrame,
                              decisions: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Clusters (record_key, cluster_id, cluster_size) with the judgements in force applied.

    `pairs`: the LinkResult pairs (record_key_l/_r, match_probability, decision);
    `decisions`: the steward log (DECISION_COLUMNS). Returns the new clusters and counts.
    """
    current = judgements_in_force(decisions)
    counts = {"must_link": 0, "cannot_link": 0, "clusters_merged": 0, "clusters_split": 0}
    if current.empty:
        return clusters, counts
    keys = clusters["record_key"].to_numpy(object)
    position = pd.Series(np.arange(len(keys)), index=keys)
    known = member_of(current["record_key_l"], position.index) & member_of(
        current["record_key_r"], position.index)
    current = current[known]
    counts["must_link"] = int((current["judgement"] == SAME).sum())
    counts["cannot_link"] = int((current["judgement"] == DIFFERENT).sum())
    if current.empty:
        return clusters, counts
    label = pd.factorize(clusters["cluster_id"])[0]
    n_before = label.max() + 1 if len(label) else 0
    same = current[current["judgement"] == SAME]
    li = label[position[same["record_key_l"]].to_numpy()]
    ri = label[position[same["record_key_r"]].to_numpy()]
    graph = coo_matrix((np.ones(len(li)), (li, ri)), shape=(n_before, n_before))
    _, merged = connected_components(graph, directed=False)
    label = merged[label]
    counts["clusters_merged"] = int(n_before - (label.max() + 1 if len(label) else 0))
    diff = current[current["judgement"] == DIFFERENT]
    dl = position[diff["record_key_l"]].to_numpy()
    dr = position[diff["record_key_r"]].to_numpy()
    broken = np.unique(label[dl][label[dl] == label[dr]])
    next_label = int(label.max()) + 1 if len(label) else 0
    if len(broken):
        auto = pairs[pairs["decision"] == "match"]
        al = position.reindex(auto["record_key_l"]).to_numpy()
        ar = position.reindex(auto["record_key_r"]).to_numpy()
        ok = ~(np.isnan(al) | np.isnan(ar))
        edges = pd.DataFrame({"l": al[ok].astype(np.int64), "r": ar[ok].astype(np.int64),
                              "p": auto["match_probability"].to_numpy(float)[ok]})
        edges = edges[np.isin(label[edges["l"]], broken) & (label[edges["l"]] == label[
            edges["r"]])].sort_values("p", ascending=False, kind="stable")
        sl = position[same["record_key_l"]].to_numpy()
        sr = position[same["record_key_r"]].to_numpy()
        for cluster in broken:
            members = np.flatnonzero(label == cluster)
            local = pd.Series(np.arange(len(members)), index=members)
            inside = np.isin(sl, members) & np.isin(sr, members)
            must = list(zip(local[sl[inside]].tolist(), local[sr[inside]].tolist(), strict=True))
            here = np.isin(dl, members) & np.isin(dr, members)
            cannot = set(zip(local[dl[here]].tolist(), local[dr[here]].tolist(), strict=True))
            mine = edges[np.isin(edges["l"].to_numpy(), members)]
            local_edges = pd.DataFrame({"a": local[mine["l"]].to_numpy(),
                                        "b": local[mine["r"]].to_numpy()})
            parts = _recluster(keys[members], must, local_edges, cannot)
            label[members] = next_label + parts
            next_label += len(members)
            counts["clusters_split"] += 1
    frame = pd.DataFrame({"record_key": keys, "_label": label})
    frame["cluster_id"] = frame.groupby("_label")["record_key"].transform("min")
    frame["cluster_size"] = frame.groupby("_label")["record_key"].transform("size")
    return frame.drop(columns="_label"), counts


def review_pairs(pairs: pd.DataFrame, registry_ids: pd.Series, business_size: pd.Series,
                 auto_match_probability: float) -> pd.DataFrame:
    """The review-band pairs in priority order, with their evidence as a dict per pair.

    Priority: closest to the auto-match threshold in match weight first (the pairs the model
    nearly linked), then the largest pair of businesses. `registry_ids` and `business_size`
    are indexed by record_key.
    """
    review = pairs[(pairs["decision"] == "review").to_numpy(bool)]
    left = review["record_key_l"].astype("string").to_numpy(object)
    right = review["record_key_r"].astype("string").to_numpy(object)
    swap = left > right  # stored as the decision log stores pairs: smaller key first
    left, right = np.where(swap, right, left), np.where(swap, left, right)
    id_l = registry_ids.reindex(left).to_numpy(object)
    id_r = registry_ids.reindex(right).to_numpy(object)
    size_l = business_size.reindex(left).to_numpy(float)
    size_r = business_size.reindex(right).to_numpy(float)
    size = np.where(id_l == id_r, size_l, size_l + size_r)  # records the decision touches
    out = pd.DataFrame({
        "record_key_l": left, "record_key_r": right,
        "registry_id_l": id_l, "registry_id_r": id_r,
        "match_probability": review["match_probability"].to_numpy(float),
        "match_weight": review["match_weight"].to_numpy(float),
        "business_size": np.nan_to_num(size).astype(np.int64),
        "evidence": evidence_json(review),
    })
    return prioritised(out, auto_match_probability)


def prioritised(queue: pd.DataFrame, auto_match_probability: float) -> pd.DataFrame:
    """Review pairs in priority order, numbered from 1 (see review_pairs)."""
    out = queue
    threshold = float(np.log2(auto_match_probability / (1 - auto_match_probability)))
    distance = np.abs(out["match_weight"].to_numpy() - threshold)
    order = np.lexsort((out["record_key_r"].to_numpy(str), out["record_key_l"].to_numpy(str),
                        -out["business_size"].to_numpy(), distance))
    out = out.iloc[order].reset_index(drop=True)
    out["priority"] = np.arange(1, len(out) + 1)
    return out


def evidence_columns(pairs: pd.DataFrame) -> list[str]:
    """The per-comparison evidence columns of LinkResult pairs (levels, weights, adjustments)."""
    return [c for c in pairs.columns
            if c.endswith(("_level", "_weight", "_tf_adjustment")) and c != "match_weight"]


def evidence_sets(pairs: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each pair's evidence set as (a code per pair, the JSON text of each distinct set):
    comparison levels, weights and the rule (vectorised).

    Pairs share few distinct evidence rows (at 374 k records, 10 k for 669 k match pairs):
    each distinct row is written once.
    """
    extra = [c for c in ("blocking_rule", "rule") if c in pairs.columns]
    columns = [*evidence_columns(pairs), *extra]
    if not len(pairs):
        return np.array([], dtype=np.int64), []
    frame = pairs[columns].reset_index(drop=True)
    group = frame.groupby(columns, dropna=False, sort=False, observed=True).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]
    text = frame.iloc[first].to_json(orient="records", lines=True, double_precision=6)
    return group, text.rstrip("\n").split("\n")


def evidence_json(pairs: pd.DataFrame) -> np.ndarray:
    """One JSON text per pair: comparison levels, weights and the rule."""
    group, texts = evidence_sets(pairs)
    return np.array(texts, dtype=object)[group] if len(group) else np.array([], dtype=object)


def mask_personal(record: dict[str, object], role: str) -> dict[str, object]:
    """A record for display: personal fields masked unless the role is `steward`."""
    if role == "steward":
        return dict(record)
    return {k: (MASK if k in PERSONAL_FIELDS and v is not None and not pd.isna(v) else v)
            for k, v in record.items()}
