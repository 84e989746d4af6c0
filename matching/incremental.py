"""Incremental linking: a day's changes matched against the match state of the last run.

    decision = when_to_retrain(state, changes, settings)      # None: go incremental
    result = link_changes(records, state, changes)            # a LinkResult, state updated

Only what changed costs work. New and changed records are prepared with the stored population
statistics, blocked against the stored records (the same rules and block-size limits as a full
run, counting every stored record), compared and scored with the stored model. Clustering never
looks across auto-match components (matching/clustering.py), so only the components a change
touches are clustered again: those that held a changed or removed record, and those an
arriving record matches into; every other record keeps its cluster. Match and review evidence
of untouched pairs is carried over.

The difference from a full run is the model: it is not retrained, and the population
statistics are not recounted, until `when_to_retrain` says so (docs/incremental.md).
"""

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from matching.blocking import BlockingReport, RuleReport, block_against
from matching.clustering import clusters_frame
from matching.collapse import Collapse, identical_groups
from matching.compare import PREPARED, RecordColumns, standard_columns
from matching.comparisons import compile_comparisons
from matching.component_pairs import PairScorer, cluster_completed
from matching.levels import CHUNK, levels_of
from matching.linker import Linker, LinkResult, Progress
from matching.model import MatchSettings
from matching.pair_evidence import DECISIONS, RULES_ALL, evidence, score_stream
from matching.parallel import available_workers, using_workers
from matching.record_changes import RecordChanges, compare_records, input_hashes
from matching.rules import constraint_values
from matching.scoring import MATCH, NON_MATCH, REVIEW
from matching.state import MatchState

# the retrain rule (docs/incremental.md): a full run with a newly trained model when the model
# is older than this, or when this share of the records changed since it was trained
RETRAIN_AFTER_DAYS = 7
RETRAIN_AFTER_CHANGED_SHARE = 0.10


@dataclass(frozen=True)
class IncrementalReport:
    """What an incremental run did, for the run's summary and metadata."""

    changes: RecordChanges
    # records whose cluster was computed again, and those that left: what the golden stage
    # plans again (matching/golden/incremental.py)
    touched_keys: np.ndarray
    rescored_pairs: int  # candidate pairs compared and scored this run
    touched_records: int  # records whose cluster was computed again
    reclustered_pairs: int  # candidate pairs among them

    def counts(self) -> dict[str, int]:
        return {**self.changes.counts(), "rescored_pairs": self.rescored_pairs,
                "touched_records": self.touched_records,
                "regrouped_records": len(self.touched_keys)}


def changes_since(state: MatchState, records: pd.DataFrame) -> RecordChanges:
    """New, changed, removed and unchanged records against the state's records."""
    if state.clusters is None:
        raise ValueError("the match state keeps no clusters (written by `ubr dedupe` with a "
                         "probability floor, or by an older UBR): run a full run")
    current = pd.DataFrame({"record_key": records["record_key"].astype(str).to_numpy(object),
                            "record_hash": input_hashes(records)})
    return compare_records(state.clusters[["record_key", "record_hash"]], current)


def when_to_retrain(state: MatchState, changes: RecordChanges, settings: MatchSettings,
                    now: datetime | None = None) -> str | None:
    """Why this run must be a full one (train the model again), or None to go incremental."""
    if state.clusters is None or state.pairs is None:
        return "the match state keeps no clusters or pairs"
    if state.settings.config_hash() != settings.config_hash():
        return "the match settings changed since the model was trained"
    training = state.training
    too_old = model_age_reason(training, now)
    if too_old:
        return too_old
    changed = training.get("changes_since_training", 0) + changes.total
    base = max(int(training.get("records_at_training", 0)), 1)
    if changed > RETRAIN_AFTER_CHANGED_SHARE * base:
        return (f"{changed:,} records changed since the model was trained, more than "
                f"{RETRAIN_AFTER_CHANGED_SHARE:.0%} of the {base:,} it was trained on")
    return None


def model_age_reason(training: dict, now: datetime | None = None) -> str | None:
    """Why the model is due to be retrained by its age alone, or None (the retrain rule's
    part that needs no change counts: a run with nothing changed still retrains weekly)."""
    trained = training.get("trained_at")
    if not trained:
        return "the match state does not say when its model was trained"
    age = ((now or datetime.now(UTC)) - datetime.fromisoformat(trained)).total_seconds()
    if age > RETRAIN_AFTER_DAYS * 86400:
        return f"the model is older than {RETRAIN_AFTER_DAYS} days"
    return None


def _prepare_arrivals(state: MatchState, records: pd.DataFrame, workers: int) -> pd.DataFrame:
    """New and changed records prepared as the population was (stored statistics)."""
    from matching.standardise import standardise_records

    with using_workers(workers):
        frame = standardise_records(records.reset_index(drop=True))
    out = state.statistics.apply(standard_columns(frame), counted=False)
    out["record_key"] = records["record_key"].astype(str).to_numpy(object)
    return out[list(state.records.columns)]


def _scored(pairs: pd.DataFrame, cols: RecordColumns, comparisons: list, state: MatchState,
            workers: int, chunk: int) -> tuple[pd.DataFrame, object]:
    levels = levels_of(pairs, cols, comparisons, chunk, workers)
    return score_stream(pairs, cols, state.settings, comparisons, state.model, levels,
                        chunk), levels


def _report(pairs: pd.DataFrame, n: int, settings: MatchSettings) -> BlockingReport:
    counts = pairs["blocking_rule"].value_counts()
    rules = [RuleReport(r.name, int(counts.get(r.name, 0)), int(counts.get(r.name, 0)), 0, 0)
             for r in settings.blocking.rules]
    return BlockingReport(n_records=n, total_pairs=len(pairs), rules=rules)


def _cluster_touched(part: pd.DataFrame, pairs: pd.DataFrame, state: MatchState,
                     score: PairScorer) -> tuple[np.ndarray, np.ndarray]:
    """Cluster and auto-match component per touched record. Records identical on every field
    the engine reads are clustered as one, as the full run that trained the model did
    (matching/collapse.py): the chain guard weighs a group of copies once. `score` scores
    pairs of positions into `part` (the pairs inside components blocking did not propose)."""
    if state.training.get("collapsed"):
        groups = identical_groups(part, Linker(state.settings).collapse_columns())
    else:
        groups = Collapse(np.arange(len(part)), np.arange(len(part)))
    rep_position = np.full(len(part), -1, np.int64)
    rep_position[groups.reps] = np.arange(len(groups.reps))
    i, j = rep_position[pairs["i"].to_numpy()], rep_position[pairs["j"].to_numpy()]
    between = (i >= 0) & (j >= 0)
    reps = pairs[between].assign(i=i[between], j=j[between])

    def score_reps(extra: pd.DataFrame) -> pd.DataFrame:
        found = score(extra.assign(i=groups.reps[extra["i"].to_numpy()],
                                   j=groups.reps[extra["j"].to_numpy()]))
        return found.assign(i=extra["i"].to_numpy(), j=extra["j"].to_numpy())

    labels, components, _ = cluster_completed(
        len(groups.reps), reps, constraint_values(
            part.iloc[groups.reps].reset_index(drop=True), state.settings.rules),
        state.settings.clustering, score_reps)
    return labels[groups.rep_of], components[groups.rep_of]


def _regrouped(new: pd.DataFrame, old: pd.DataFrame, arriving: np.ndarray) -> np.ndarray:
    """Keys of the re-clustered records whose cluster is not exactly one it was before (same
    members, none of them new or changed): what the golden stage must plan again. Most
    clusters of a touched component come out as they were."""
    before = old.set_index("record_key")["cluster_id"].reindex(new["record_key"].to_numpy())
    size_before = old.groupby("cluster_id")["record_key"].size().reindex(before.to_numpy())
    frame = pd.DataFrame({
        "cluster": new["cluster_id"].to_numpy(object),
        "before": before.to_numpy(object),
        "size": new["cluster_size"].to_numpy(np.int64),
        "size_before": size_before.to_numpy(float),
        "arrived": new["record_key"].isin(arriving).to_numpy(bool),
    })
    groups = frame.groupby("cluster", sort=False)
    kept = (groups["before"].transform("nunique").eq(1)
            & frame["before"].notna()
            & frame["size_before"].eq(frame["size"])
            & ~groups["arrived"].transform("any"))
    return new["record_key"].to_numpy(object)[~kept.to_numpy(bool)]


def _unchanged_result(state: MatchState, changes: RecordChanges) -> LinkResult:
    clusters = state.clusters[["record_key", "cluster_id"]].copy()
    clusters["cluster_size"] = clusters.groupby("cluster_id")["record_key"].transform("size")
    pairs = state.pairs
    counts = {d: int((pairs["decision"] == d).sum()) for d in DECISIONS}
    return LinkResult(pairs, clusters, state.model, _report(
        pd.DataFrame({"blocking_rule": []}), len(clusters), state.settings),
        decision_counts=counts, state=state, incremental=IncrementalReport(
            changes, np.empty(0, object), 0, 0, 0))


def link_changes(records: pd.DataFrame, state: MatchState, changes: RecordChanges | None = None,
                 progress: Progress | None = None, workers: int | None = None,
                 chunk: int = CHUNK) -> LinkResult:
    """Link `records` (every current record, with `record_key`) starting from `state`.

    Returns the whole population's clusters and match/review evidence, as `link_records`
    does, with `incremental` saying what was done and `state` the updated match state.
    """
    say = progress or (lambda _line: None)
    workers = workers or available_workers()
    timings: dict[str, float] = {}
    changes = changes or changes_since(state, records)
    if changes.total == 0:
        say(f"no record changed since the last run ({changes.unchanged:,} unchanged): "
            "clusters and evidence kept")
        return _unchanged_result(state, changes)
    start = time.perf_counter()
    stored_keys = state.records["record_key"].to_numpy(object)
    if not np.array_equal(stored_keys, state.clusters["record_key"].to_numpy(object)):
        raise ValueError("the match state's records and clusters are not in the same order")
    leaving = np.concatenate([changes.changed, changes.removed]).astype(object)
    kept = ~pd.Index(stored_keys).isin(leaving)
    arriving_keys = np.concatenate([changes.new, changes.changed]).astype(object)
    raw = records[records["record_key"].isin(arriving_keys)]
    arrivals = _prepare_arrivals(state, raw, workers)
    known = state.records[kept]
    frame = pd.concat([known, arrivals], ignore_index=True)
    frame.attrs[PREPARED] = True
    n_known = len(known)
    timings["prepare"] = time.perf_counter() - start
    say(f"changes: {changes.summary()}; prepared {len(arrivals):,} arriving records in "
        f"{timings['prepare']:.2f}s")

    # 1. the arriving records against every stored record (and each other)
    start = time.perf_counter()
    pairs = block_against(frame, n_known, state.settings.blocking)
    cols = RecordColumns(frame)
    comparisons = compile_comparisons(state.settings.comparisons)
    scored, levels = _scored(pairs, cols, comparisons, state, workers, chunk)
    timings["compare"] = time.perf_counter() - start
    say(f"scored {len(pairs):,} candidate pairs of arriving records in "
        f"{timings['compare']:.2f}s")

    # 2. the auto-match components they touch: re-clustered with every pair inside them
    start = time.perf_counter()
    old = state.clusters
    component = old["component"].to_numpy(np.int64)
    auto = scored["decision"].to_numpy(object) == MATCH
    reached = scored["i"].to_numpy()[auto]
    touched_components = np.union1d(component[~kept],
                                    component[kept][reached[reached < n_known]])
    inside = np.isin(component[kept], touched_components)
    touched = np.concatenate([np.flatnonzero(inside), np.arange(n_known, len(frame))])
    local = np.full(len(frame), -1, np.int64)
    local[touched] = np.arange(len(touched))
    # pairs among the touched stored records, as a full run blocks them (every record counts
    # towards max_block_size): stored records outside first, the touched ones after them
    order = np.concatenate([np.flatnonzero(~inside), np.flatnonzero(inside)])
    outside = int((~inside).sum())
    again = block_against(known.iloc[order].reset_index(drop=True), outside,
                          state.settings.blocking)
    again = again[again["i"].to_numpy() >= outside]
    again = pd.DataFrame({"i": order[again["i"].to_numpy()], "j": order[again["j"].to_numpy()],
                          "blocking_rule": again["blocking_rule"].to_numpy()})
    rescored, _ = _scored(again, cols, comparisons, state, workers, chunk)
    both = local[scored["i"].to_numpy()] >= 0
    cluster_pairs = pd.concat([rescored, scored[both]], ignore_index=True)
    cluster_pairs["i"] = local[cluster_pairs["i"].to_numpy()]
    cluster_pairs["j"] = local[cluster_pairs["j"].to_numpy()]
    part = frame.iloc[touched].reset_index(drop=True)

    def score_touched(extra: pd.DataFrame) -> pd.DataFrame:  # positions into `part`
        found, _ = _scored(extra.assign(i=touched[extra["i"].to_numpy()],
                                        j=touched[extra["j"].to_numpy()]),
                           cols, comparisons, state, workers, chunk)
        return found.assign(i=extra["i"].to_numpy(), j=extra["j"].to_numpy())

    labels, components = _cluster_touched(part, cluster_pairs, state, score_touched)
    new_clusters = clusters_frame(part["record_key"], labels)
    new_component = components + int(component.max()) + 1
    timings["cluster"] = time.perf_counter() - start
    say(f"re-clustered {len(part):,} records of the touched components "
        f"({len(cluster_pairs):,} pairs) in {timings['cluster']:.2f}s")

    # 3. the updated clusters, evidence and state
    start = time.perf_counter()
    stays = old[kept].reset_index(drop=True)
    stays = stays[~inside].assign(position=np.flatnonzero(~inside))
    moved = new_clusters.assign(component=new_component, position=touched)
    # input hashes in the order of `frame`: the stored ones, then the arrivals'
    frame_hash = np.concatenate([old["record_hash"].to_numpy(object)[kept], input_hashes(raw)])
    moved["record_hash"] = frame_hash[touched]
    clusters = pd.concat([stays, moved], ignore_index=True).sort_values("position")
    clusters = clusters.drop(columns=["position"]).reset_index(drop=True)
    wanted = np.flatnonzero(scored["decision"].isin([MATCH, REVIEW]).to_numpy(bool))
    fresh = evidence(pairs.reset_index(drop=True), cols, state.settings, comparisons,
                     state.model, levels, wanted, chunk).drop(columns=["i", "j"])
    carried = state.pairs[~(state.pairs["record_key_l"].isin(leaving)
                            | state.pairs["record_key_r"].isin(leaving))]
    pairs_out = pd.concat([carried, fresh], ignore_index=True)
    for name, categories in (("decision", DECISIONS), ("rule", RULES_ALL)):
        pairs_out[name] = pd.Categorical(pairs_out[name].astype(object), categories=categories)
    training = {**state.training, "changes_since_training":
                int(state.training.get("changes_since_training", 0)) + changes.total}
    updated = replace(state, records=frame.reset_index(drop=True), clusters=clusters[
        ["record_key", "cluster_id", "component", "record_hash"]], pairs=pairs_out,
        training=training)
    updated.records.attrs.pop(PREPARED, None)
    out = clusters[["record_key", "cluster_id"]].copy()
    out["cluster_size"] = out.groupby("cluster_id")["record_key"].transform("size")
    counts = {d: int((pairs_out["decision"] == d).sum()) for d in DECISIONS}
    counts[NON_MATCH] = int((scored["decision"] == NON_MATCH).sum())
    timings["evidence"] = time.perf_counter() - start
    touched_keys = np.concatenate([_regrouped(new_clusters, old, arriving_keys),
                                   changes.removed])
    report = IncrementalReport(changes, touched_keys, len(pairs) + len(again), len(part),
                               len(cluster_pairs))
    return LinkResult(pairs_out, out, state.model, _report(pairs, len(frame), state.settings),
                      timings=timings, decision_counts=counts, state=updated,
                      incremental=report)
