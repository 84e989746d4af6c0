"""One whole linking run: prepare, collapse identical records, block, compare, train, score,
decide, cluster, and keep the match state. The stages are the Linker's (matching/linker.py).
"""

import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from matching.clustering import clusters_frame
from matching.collapse import Collapse, expand_pairs, identical_groups
from matching.compare import PREPARED
from matching.component_pairs import cluster_completed
from matching.estimated_quality import (
    estimate_quality,
    unmapped_comparisons,
    weak_mapping_warning,
)
from matching.executors import Executor
from matching.labels import LabelledLevels, labelled_threshold
from matching.levels import CHUNK, gamma_matrix
from matching.linker import LINK_COLUMNS, Linker, LinkResult, Progress
from matching.model import MatchSettings, TrainedModel
from matching.one_to_one import one_to_one_probabilities
from matching.pair_evidence import DECISIONS, RULES_ALL, identical_evidence, record_pair_counts
from matching.record_changes import input_hashes
from matching.rules import constraint_values, one_record_per_label
from matching.score_summary import score_summary
from matching.scoring import MATCH, NON_MATCH, REVIEW, decide_codes
from matching.shared_strings import shared_strings
from matching.state import MatchState


def link_records(records: pd.DataFrame, settings: MatchSettings | None = None,
                 progress: Progress | None = None, min_probability: float | None = None,
                 chunk: int = CHUNK, collapse: bool = True,
                 non_matches: bool = True, workers: int | None = None,
                 executor: Executor | None = None,
                 link_only: np.ndarray | None = None, one_to_one: bool = False,
                 labels: pd.DataFrame | None = None) -> LinkResult:
    """Standardise, collapse identical records, block, train (EM), score, decide and cluster.

    `min_probability`: keep the evidence of match and review pairs and of non-matches at or
    above this probability only (None: every candidate pair, each record pair written out).
    `non_matches=False`: keep no non-match pair's evidence at all (the pipeline's golden stage
    reads match and review pairs only; at 374 k records the non-matches are 12 M record pairs).
    `workers`: processes standardising and comparing side by side (default: every core).
    `executor`: run standardising, comparing and scoring there instead (a Dask cluster,
    matching/executors.py): the same clusters, evidence and match state.
    `link_only`: each record's file; records of one file are then never paired (lists each
    free of duplicates, linked to each other only) and identical records are not collapsed.
    `one_to_one` (with `link_only`): a cluster holds at most one record of each file.
    `labels`: pairs a person judged (record_key_l, record_key_r, match: bool): they refine m
    and choose the auto-match threshold (matching/labels.py).
    """
    if one_to_one and link_only is None:
        raise ValueError("one_to_one needs link_only: the file of each record")
    linker = Linker(settings, progress, workers=workers, executor=executor)
    if link_only is not None:
        link_only = pd.factorize(np.asarray(link_only, dtype=object))[0]
        collapse = False
    say = linker.progress
    hashes = input_hashes(records)  # what each record says: the next run's change detection
    prepared = linker.prepare(records)
    say(f"prepared {len(prepared):,} records in {linker.timings['prepare']:.2f}s")
    start = time.perf_counter()
    every = Collapse(np.arange(len(prepared)), np.arange(len(prepared)))
    wanted = collapse and linker.settings.collapse.enabled
    least = linker.settings.collapse.min_share * len(prepared)
    groups = identical_groups(prepared, linker.collapse_columns(),
                              int(np.ceil(least))) if wanted else every
    if groups.collapsed < least:
        groups = every
    # only what the engine reads from here on, representatives only; the full frame goes
    needed = [c for c in prepared.columns
              if c in set(linker.collapse_columns()) | LINK_COLUMNS]
    keys = prepared["record_key"].to_numpy(object)
    known = prepared[needed]  # every record's matching columns: the match state keeps them
    reps = shared_strings(known.iloc[groups.reps].reset_index(drop=True))
    reps.attrs[PREPARED] = True
    linker = linker.representing(np.bincount(groups.rep_of, minlength=len(groups.reps)))
    linker.link_only = link_only
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
    labelled = _labelled_pairs(labels, keys, groups, reps, linker)
    model = linker.train(reps, pairs, levels, report,
                         labelled=labelled[0] if labelled else None)
    start = time.perf_counter()
    scored = linker.score_stream(pairs, reps, model, levels, chunk)
    if labelled:
        model, scored = _threshold_from_labels(model, scored, labelled, pairs, reps, levels,
                                               linker, chunk)
    if one_to_one:
        scored = _one_to_one(scored, link_only, model)
    linker.timings["score"] = time.perf_counter() - start
    decision_counts = record_pair_counts(scored, linker.weights)
    say(f"scored {len(scored):,} candidate pairs in {linker.timings['score']:.2f}s; record "
        f"pairs: {decision_counts[MATCH]:,} match, {decision_counts[REVIEW]:,} review, "
        f"{decision_counts[NON_MATCH]:,} non-match")
    model = _with_estimated_quality(model, scored, linker, reps)
    model = model.model_copy(update={"score_summary": score_summary(
        scored, linker.weights, pairs["blocking_rule"], report, model.thresholds,
        decision_counts)})
    start = time.perf_counter()
    constraints = constraint_values(reps, linker.settings.rules)
    if one_to_one:
        constraints += one_record_per_label(link_only)
    labels, rep_components, completed = cluster_completed(
        len(reps), scored, constraints, linker.settings.clustering,
        lambda extra: linker.score_stream(extra, reps, model, linker.levels(extra, reps, chunk),
                                          chunk), link_only)
    clusters = clusters_frame(pd.Series(keys, dtype=object), labels[groups.rep_of])
    components = rep_components[groups.rep_of]
    linker.timings["cluster"] = time.perf_counter() - start
    say(f"clustered {len(clusters):,} records into {clusters['cluster_id'].nunique():,} "
        f"clusters in {linker.timings['cluster']:.2f}s ({completed:,} pairs blocking did not "
        "propose scored inside components)")
    start = time.perf_counter()
    keep = (scored["decision"].cat.codes.to_numpy() != DECISIONS.index(NON_MATCH))
    if non_matches and min_probability is not None:
        keep |= scored["match_probability"].to_numpy() >= min_probability
    elif non_matches:
        keep[:] = True
    evidence = linker.evidence(pairs, reps, model, levels, np.flatnonzero(keep), chunk)
    if one_to_one:  # the pairs' own evidence, with the probability the competition gave
        evidence["match_probability"] = scored["match_probability"].to_numpy()[keep]
        evidence["decision"] = scored["decision"].to_numpy()[keep]
    evidence = evidence.drop(columns=["i", "j"])
    if min_probability is None:
        if groups.collapsed:
            evidence = expand_pairs(groups, evidence, reps["record_key"].to_numpy(object), keys)
        left, right = groups.group_pairs()
    else:
        left, right = groups.member_pairs()
    if len(left):
        evidence = pd.concat([evidence, identical_evidence(keys, left, right)],
                             ignore_index=True)
        evidence["rule"] = pd.Categorical(evidence["rule"], categories=RULES_ALL)
        evidence["decision"] = pd.Categorical(evidence["decision"], categories=DECISIONS)
    linker.timings["evidence"] = time.perf_counter() - start
    reviewed = evidence["decision"].isin(["match", "review"]).to_numpy(bool)
    state = MatchState(
        linker.settings, model, known.reset_index(drop=True), linker.statistics,
        clusters=clusters[["record_key", "cluster_id"]].assign(
            component=components.astype(np.int64), record_hash=hashes),
        pairs=evidence[reviewed].reset_index(drop=True),
        training={"trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  "records_at_training": len(keys), "changes_since_training": 0,
                  "collapsed": bool(groups.collapsed)})
    return LinkResult(evidence, clusters, model, report, linker.timings,
                      candidates=(groups.reps[pairs["i"].to_numpy()],
                                  groups.reps[pairs["j"].to_numpy()]),
                      collapse=groups, decision_counts=decision_counts, state=state)


def _one_to_one(scored: pd.DataFrame, file_of: np.ndarray,
                model: TrainedModel) -> pd.DataFrame:
    """Probabilities and decisions of a one-to-one linkage (matching/one_to_one.py); pairs a
    deterministic rule decided keep their decision."""
    i, j = scored["i"].to_numpy(), scored["j"].to_numpy()
    probability = one_to_one_probabilities(i, j, scored["match_probability"].to_numpy(),
                                           file_of, model.probability_two_random_records_match)
    ruled = scored["rule"].to_numpy(object) != ""
    probability = np.where(ruled, scored["match_probability"].to_numpy(), probability)
    codes = decide_codes(probability, scored["rule"].to_numpy(object), model.thresholds)
    return scored.assign(match_probability=probability, decision=pd.Categorical.from_codes(
        codes, categories=DECISIONS))


def _labelled_pairs(labels: pd.DataFrame | None, keys: np.ndarray, groups: Collapse,
                    reps: pd.DataFrame, linker: Linker,
                    ) -> tuple[LabelledLevels, np.ndarray] | None:
    """The labelled pairs of records in this run, as representative pairs with their levels,
    and their pair codes (i * n + j) to find them among the candidates."""
    if labels is None or labels.empty:
        return None
    index = pd.Index(keys)
    left = index.get_indexer(labels["record_key_l"].astype(object))
    right = index.get_indexer(labels["record_key_r"].astype(object))
    present = (left >= 0) & (right >= 0)
    rep_l, rep_r = groups.rep_of[left[present]], groups.rep_of[right[present]]
    distinct = rep_l != rep_r  # two identical records: nothing for the model to learn
    i = np.minimum(rep_l, rep_r)[distinct]
    j = np.maximum(rep_l, rep_r)[distinct]
    is_match = labels["match"].to_numpy(bool)[present][distinct]
    linker.progress(f"labels: {int(present.sum()):,} of {len(labels):,} labelled pairs are "
                    f"of records in this run ({int(is_match.sum()):,} matches)")
    if not len(i):
        return None
    levels = linker.levels(pd.DataFrame({"i": i, "j": j}), reps)
    matrix = gamma_matrix(levels, linker.comparisons)
    return LabelledLevels(matrix, is_match), i.astype(np.int64) * len(reps) + j


def _threshold_from_labels(model: TrainedModel, scored: pd.DataFrame,
                           labelled: tuple[LabelledLevels, np.ndarray], pairs: pd.DataFrame,
                           reps: pd.DataFrame, levels: object, linker: Linker,
                           chunk: int) -> tuple[TrainedModel, pd.DataFrame]:
    """The auto-match threshold the labelled candidate pairs choose, the pairs scored again
    with it; the model records what the labels did."""
    found, codes = labelled
    candidate = scored["i"].to_numpy(np.int64) * len(reps) + scored["j"].to_numpy(np.int64)
    row = pd.Index(candidate).get_indexer(codes)
    among = row >= 0
    threshold = labelled_threshold(scored["match_probability"].to_numpy()[row[among]],
                                   found.is_match[among])
    record = {"pairs": int(len(codes)), "matches": found.matches,
              "candidate_pairs": int(among.sum()), "threshold_from_labels": threshold}
    if threshold is not None:
        review = min(model.thresholds.review, threshold)
        model = model.model_copy(update={"thresholds": model.thresholds.model_copy(
            update={"auto_match": threshold, "review": review})})
        linker.progress(f"labels: auto-match threshold {threshold:.3f} (F1 over "
                        f"{int(among.sum()):,} labelled candidate pairs)")
        scored = linker.score_stream(pairs, reps, model, levels, chunk)
    return model.model_copy(update={"labels": {**model.labels, **record}}), scored


def _with_estimated_quality(model: TrainedModel, scored: pd.DataFrame, linker: Linker,
                            reps: pd.DataFrame) -> TrainedModel:
    """The model with its own estimate of precision and recall, said on the run's output,
    and a warning naming the fields that would help when the estimate is poor."""
    quality = estimate_quality(scored, linker.weights)
    linker.progress(f"the model's own estimate: its auto-matches are {quality.precision:.1%} "
                    f"right and find {quality.recall:.1%} of the matches among the candidate "
                    f"pairs ({quality.recall_with_review:.1%} with the review band)")
    warning = weak_mapping_warning(quality, unmapped_comparisons(reps, linker.comparisons))
    if warning:
        linker.progress(warning)
    return model.model_copy(update={"estimated_quality": quality.as_dict()})
