"""Match-quality measures judged on clusters, as a registry is judged.

A registry publishes clusters, not scored pairs, so the headline figures are computed from
cluster labels: pairwise precision/recall/F1 over every pair of records that share a cluster,
and B-cubed precision/recall/F1 (per-record, so one giant wrong cluster cannot hide behind many
right singletons). Blocking recall says how many true pairs the candidate generation kept,
which caps every other figure.

Records are identified by any hashable key (the harness uses "file/record_id" strings).
Conventions: records in the truth but missing from the prediction count as singletons;
records only in the prediction are ignored; precision with no predicted pair, and recall with
no true pair, are 1.0 (nothing claimed, nothing missed).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    """Precision, recall and their harmonic mean."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total


@dataclass(frozen=True)
class BlockingScores:
    """How many distinct candidate pairs were generated and how many true pairs they hold."""

    candidate_pairs: int
    true_pairs_kept: int
    true_pairs: int

    @property
    def recall(self) -> float:
        return 1.0 if self.true_pairs == 0 else self.true_pairs_kept / self.true_pairs


def _pairs(sizes: pd.Series | np.ndarray) -> int:
    """Number of unordered pairs inside groups of the given sizes."""
    n = np.asarray(sizes, dtype=np.int64)
    return int((n * (n - 1) // 2).sum())


def _aligned(predicted: pd.Series, truth: pd.Series) -> pd.DataFrame:
    """Frame of (pred, true) labels over the truth's records; unpredicted records are singletons.

    Labels are factorised to integers so that label types (str vs int) never matter and the
    singleton labels cannot collide with real ones.
    """
    if not truth.index.is_unique:
        raise ValueError("truth has repeated record keys")
    if not predicted.index.is_unique:
        raise ValueError("prediction has repeated record keys")
    pred = predicted.reindex(truth.index)
    codes, _ = pd.factorize(pred, use_na_sentinel=True)
    missing = codes < 0
    codes = codes.astype(np.int64)
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    true_codes, _ = pd.factorize(truth)
    if (true_codes < 0).any():
        raise ValueError("truth has records without an entity label")
    return pd.DataFrame({"pred": codes, "true": true_codes})


def pairwise(predicted: pd.Series, truth: pd.Series) -> Scores:
    """Pairwise precision/recall over all record pairs that share a cluster.

    `predicted` and `truth` map record key -> cluster label / entity label.
    """
    labels = _aligned(predicted, truth)
    both = _pairs(labels.groupby(["pred", "true"]).size())
    claimed = _pairs(labels.groupby("pred").size())
    actual = _pairs(labels.groupby("true").size())
    precision = 1.0 if claimed == 0 else both / claimed
    recall = 1.0 if actual == 0 else both / actual
    return Scores(precision, recall)


def bcubed(predicted: pd.Series, truth: pd.Series) -> Scores:
    """B-cubed precision/recall: per record, the share of its cluster (entity) that is right.

    For a record in predicted cluster C and true entity T: precision |C∩T|/|C|, recall
    |C∩T|/|T|, each averaged over all records.
    """
    labels = _aligned(predicted, truth)
    if labels.empty:
        return Scores(1.0, 1.0)
    cells = labels.groupby(["pred", "true"]).size().rename("n").reset_index()
    pred_size = labels.groupby("pred").size()
    true_size = labels.groupby("true").size()
    n = cells["n"].to_numpy(dtype=np.float64)
    squared = n * n
    precision = (squared / pred_size.loc[cells["pred"]].to_numpy()).sum() / len(labels)
    recall = (squared / true_size.loc[cells["true"]].to_numpy()).sum() / len(labels)
    return Scores(float(precision), float(recall))


@dataclass(frozen=True)
class MixedClusters:
    """Clusters holding records of more than one true entity; of them, those where two
    entities meet at a shared office (an address many records hold: a law firm's registered
    office, an accountant's suite), the false merges a registry must not make."""

    clusters: int
    at_shared_office: int


def mixed_clusters(predicted: pd.Series, truth: pd.Series, address: pd.Series | None = None,
                   shared_min_records: int = 10) -> MixedClusters:
    """Count the mixed clusters. `address`: record key -> address, compared on its letters
    and digits only; one held by at least `shared_min_records` records is a shared office."""
    labels = _aligned(predicted, truth)
    entities = labels.groupby("pred")["true"].nunique()
    mixed = entities.index[entities > 1]
    if address is None or not len(mixed):
        return MixedClusters(len(mixed), 0)
    place = (address.reindex(truth.index).astype("string").str.upper()
             .str.replace(r"[^0-9A-Z]", "", regex=True).replace("", pd.NA))
    labels["place"] = place.to_numpy()
    held = labels["place"].map(labels["place"].value_counts())
    shared = labels[labels["pred"].isin(mixed) & (held >= shared_min_records).to_numpy()]
    meeting = shared.groupby(["pred", "place"])["true"].nunique()
    return MixedClusters(len(mixed), int(meeting[meeting > 1].index
                                         .get_level_values("pred").nunique()))


def blocking(key_l: pd.Series, key_r: pd.Series, truth: pd.Series) -> BlockingScores:
    """Blocking recall: the share of true pairs found among the candidate pairs.

    `key_l`/`key_r` are the two record keys of each candidate pair, in any order and possibly
    repeated; self-pairs are dropped. Candidate pairs with a record outside the truth still
    count as candidates but can never be true.
    """
    codes, uniques = pd.factorize(pd.concat([key_l, key_r], ignore_index=True))
    left, right = codes[: len(key_l)], codes[len(key_l) :]
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    distinct = pd.DataFrame({"lo": lo, "hi": hi})
    distinct = distinct[distinct["lo"] != distinct["hi"]].drop_duplicates()
    entity = pd.Series(pd.factorize(truth)[0], index=truth.index)
    entity_code = entity.reindex(uniques).to_numpy(dtype=np.float64, na_value=np.nan)
    e_lo = entity_code[distinct["lo"].to_numpy()]
    e_hi = entity_code[distinct["hi"].to_numpy()]
    kept = int(np.sum((e_lo == e_hi) & ~np.isnan(e_lo)))
    return BlockingScores(len(distinct), kept, _pairs(truth.value_counts()))


def blocking_from_csv(pairs_csv: Path, truth: pd.Series) -> BlockingScores:
    """`blocking` for a pairs.csv too large for pandas (hundreds of millions of rows).

    Same measure, computed out of core by DuckDB straight from the file: record keys are
    "file/record_id", as `datasets.record_keys` builds them.
    """
    import duckdb

    keys = pd.DataFrame({"key": truth.index.astype(str), "entity": truth.astype(str).to_numpy()})
    con = duckdb.connect()
    con.register("truth_keys", keys)
    query = f"""
        WITH p AS (
            SELECT file_l || '/' || record_id_l AS a, file_r || '/' || record_id_r AS b
            FROM read_csv('{pairs_csv}', all_varchar = true, header = true)
        ), q AS (SELECT DISTINCT least(a, b) AS lo, greatest(a, b) AS hi FROM p WHERE a <> b)
        SELECT count(*), count(*) FILTER (WHERE tl.entity = th.entity)
        FROM q LEFT JOIN truth_keys tl ON tl.key = q.lo LEFT JOIN truth_keys th ON th.key = q.hi
    """
    candidates, kept = con.execute(query).fetchall()[0]
    con.close()
    return BlockingScores(int(candidates), int(kept or 0), _pairs(truth.value_counts()))
