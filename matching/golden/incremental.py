"""The golden plan of an incremental run: only the businesses a change touches.

    scope = touched_scope(link.incremental.touched_keys, link.clusters, state, decisions)
    changes = plan_touched_run(run_id, records, link, state, decisions, provenance_of,
                               previous_queue, scope)

The scope is closed: every record of a touched business (before and after the run), and every
record a steward judgement ties to one, so ids, events and survivorship inside it come out as a
full plan would give them. Everything outside it is left as it is; the review queue of the last
run is carried over for the pairs outside the scope.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from canonical.golden import GoldenChanges
from matching.golden.keys import make_record_keys
from matching.golden.publish import LinkLike, awaiting_judgement, no_changes, plan_golden_run
from matching.golden.registry_ids import EVENT_KINDS
from matching.golden.settings import SurvivorshipSettings
from matching.golden.steward import DIFFERENT, SAME, judgements_in_force, prioritised

QUEUE_COLUMNS = ["record_key_l", "record_key_r", "registry_id_l", "registry_id_r", "priority",
                 "match_probability", "match_weight", "business_size", "evidence"]


def touched_scope(touched: Sequence[str], clusters: pd.DataFrame, cross_reference: pd.DataFrame,
                  decisions: pd.DataFrame) -> np.ndarray:
    """Record keys of every business (previous or current) and steward judgement that the
    `touched` records reach, repeated until nothing more is reached."""
    judged = judgements_in_force(decisions)
    judged = judged[judged["judgement"].isin([SAME, DIFFERENT])]
    xref_keys = cross_reference["record_key"].astype(str).to_numpy(object)
    xref_ids = cross_reference["registry_id"].astype(str).to_numpy(object)
    keys = clusters["record_key"].astype(str).to_numpy(object)
    cluster_ids = clusters["cluster_id"].astype(str).to_numpy(object)
    scope = pd.Index(pd.unique(np.asarray(touched, dtype=object)))
    while True:
        ids = np.unique(xref_ids[pd.Index(xref_keys).isin(scope)])
        grown = xref_keys[pd.Index(xref_ids).isin(ids)]  # hashed: np.isin sorts objects
        found = np.unique(cluster_ids[pd.Index(keys).isin(scope.append(pd.Index(grown)))])
        grown = np.concatenate([grown, keys[pd.Index(cluster_ids).isin(found)]])
        tied = judged["record_key_l"].isin(scope) | judged["record_key_r"].isin(scope)
        grown = np.concatenate([grown, judged.loc[tied, "record_key_l"].to_numpy(object),
                                judged.loc[tied, "record_key_r"].to_numpy(object)])
        wider = scope.append(pd.Index(grown)).unique()
        if len(wider) == len(scope):
            return scope.to_numpy(object)
        scope = wider


def plan_touched_run(run_id: str, records: pd.DataFrame, link: LinkLike, state: Any,  # noqa: ANN401
                     decisions: pd.DataFrame,
                     provenance_of: Callable[[Sequence[str]], pd.DataFrame],
                     previous_queue: pd.DataFrame, scope: np.ndarray,
                     settings: SurvivorshipSettings | None = None) -> GoldenChanges:
    """plan_golden_run over the records in `scope` only; the summary counts the whole
    registry, and the review queue is the last run's outside the scope plus the new one."""
    inside = pd.Index(scope)
    clusters = link.clusters[link.clusters["record_key"].isin(inside)].reset_index(drop=True)
    pairs = link.pairs[link.pairs["record_key_l"].isin(inside)
                       & link.pairs["record_key_r"].isin(inside)].reset_index(drop=True)
    part = records[make_record_keys(records).isin(inside).to_numpy(bool)].reset_index(drop=True)
    xref = state.cross_reference
    xref_in = xref[xref["record_key"].isin(inside)].reset_index(drop=True)
    ids_in = pd.Index(xref_in["registry_id"].unique())
    businesses_in = state.businesses[state.businesses["registry_id"].isin(ids_in)]
    scoped_state = replace(state, cross_reference=xref_in,
                           businesses=businesses_in.reset_index(drop=True))
    if len(clusters) or len(xref_in):
        changes = plan_golden_run(run_id, part, _Link(pairs, clusters, link.model),
                                  scoped_state, decisions, provenance_of, settings)
    else:  # nothing changed: nothing to plan
        changes = no_changes({"businesses": 0, "businesses_written": 0,
                              "events": {kind: 0 for kind in EVENT_KINDS},
                              "pending_reviews": 0, "steward": {}})
    outside = previous_queue[~(previous_queue["record_key_l"].isin(inside)
                               | previous_queue["record_key_r"].isin(inside))].copy()
    # the store reads the evidence back as a dict; it is written as JSON text
    outside["evidence"] = [text if isinstance(text, str) else json.dumps(text)
                           for text in outside["evidence"]]
    queue = prioritised(pd.concat([outside[QUEUE_COLUMNS[:4] + QUEUE_COLUMNS[5:]],
                                   changes.review_queue.drop(columns="priority")],
                                  ignore_index=True), link.model.thresholds.auto_match)
    summary = dict(changes.summary)
    summary["businesses"] = (len(state.businesses) - len(businesses_in)
                             + summary["businesses"])
    summary["records"] = int(len(link.clusters))
    summary["match_pairs"] = int((link.pairs["decision"] == "match").sum())
    summary["review_pairs"] = int(len(queue))
    summary["pending_reviews"] = int(summary["pending_reviews"] + (
        int(np.sum(awaiting_judgement(outside, decisions))) if len(outside) else 0))
    summary["scope_records"] = int(len(scope))
    return replace(changes, review_queue=queue[QUEUE_COLUMNS], summary=summary)


@dataclass
class _Link:
    """The part of a LinkResult inside the scope."""

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    model: Any
