"""The match state: what a run learnt, kept so that one more record is matched without
redoing the population's work.

    state = result.state                       # from link_records
    state.save(Path("state"))                  # Parquet + JSON, format-versioned
    state = MatchState.load(Path("state"))
    candidates = state.match_arrivals(new_records)   # blocked against the state, scored
    evidence = state.score_pairs(pairs)              # the same scores as the run gave

A state folder holds `manifest.json` (format, version, counts, checksums), `settings.json`
(the match settings), `model.json` (m, u, lambda, thresholds), `records.parquet` (every
record's prepared matching columns, blocking keys included) and `statistics/*.parquet`
(name-word rarity, names and their places, shared offices), `clusters.parquet` (each record's
cluster, auto-match component and input hash, in the order of `records.parquet`) and
`pairs.parquet` (the evidence of every match and review pair). The manifest's `training`
says when the model was trained and how many records changed since. Incremental runs
(matching/incremental.py), the real-time API and distributed workers start from it.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from canonical.membership import member_of
from matching.blocking import block_against
from matching.compare import PREPARED, RecordColumns, standard_columns
from matching.comparisons import compile_comparisons
from matching.levels import levels_of
from matching.model import MatchSettings, TrainedModel
from matching.pair_evidence import evidence
from matching.population import PopulationStatistics

STATE_FORMAT = "ubr-match-state"
STATE_VERSION = 3
LIST_COLUMNS = ("name_token", "name_any")


class StateError(ValueError):
    """A state folder that cannot be used; the message names the folder and what is wrong."""


@dataclass
class MatchState:
    """Settings, trained model, prepared records and population statistics of one run."""

    settings: MatchSettings
    model: TrainedModel
    records: pd.DataFrame  # record_key + every column blocking, comparisons and rules read
    statistics: PopulationStatistics
    # record_key, cluster_id, component, record_hash: one row per record, as `records`
    clusters: pd.DataFrame | None = None
    pairs: pd.DataFrame | None = None  # evidence of the match and review pairs
    # trained_at, records_at_training, changes_since_training (incremental.py's retrain rule)
    training: dict = field(default_factory=dict)

    # -- saving and loading ------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """Write the state to `folder` (created); returns the manifest's path."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "statistics").mkdir(exist_ok=True)
        (folder / "settings.json").write_text(
            json.dumps(self.settings.model_dump(mode="json"), indent=2), encoding="utf-8")
        self.model.save(folder / "model.json")
        self.records.to_parquet(folder / "records.parquet", index=False)
        for name, frame in (("clusters", self.clusters), ("pairs", self.pairs)):
            if frame is not None:
                frame.to_parquet(folder / f"{name}.parquet", index=False)
        for name, frame in self.statistics.frames().items():
            frame.to_parquet(folder / "statistics" / f"{name}.parquet", index=False)
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                       if p.is_file() and p.name != "manifest.json")
        manifest = {
            "format": STATE_FORMAT, "version": STATE_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "records": len(self.records), "config_hash": self.settings.config_hash(),
            "statistics_settings": self.statistics.settings(),
            "training": self.training,
            "files": {name: _sha256(folder / name) for name in files},
        }
        path = folder / "manifest.json"
        path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path) -> "MatchState":
        """Read a state written by `save`; checks its format, version and checksums."""
        manifest = _manifest(folder)
        for name, digest in manifest["files"].items():
            if not (folder / name).is_file() or _sha256(folder / name) != digest:
                raise StateError(f"match state {folder}: {name} is missing or was changed "
                                 "after the state was written; write the state again")
        settings = MatchSettings.model_validate_json(
            (folder / "settings.json").read_text(encoding="utf-8"))
        frames = {p.stem: pd.read_parquet(p) for p in (folder / "statistics").glob("*.parquet")}
        optional = {name: pd.read_parquet(folder / f"{name}.parquet")
                    if f"{name}.parquet" in manifest["files"] else None
                    for name in ("clusters", "pairs")}
        return cls(settings, TrainedModel.load(folder / "model.json"),
                   _read_records(folder / "records.parquet"),
                   PopulationStatistics.from_frames(frames, **manifest["statistics_settings"]),
                   optional["clusters"], optional["pairs"], manifest.get("training", {}))

    # -- matching with it --------------------------------------------------------------------
    def prepare_arrivals(self, records: pd.DataFrame) -> pd.DataFrame:
        """Prepare new records exactly as the population was: standardised, then the
        population-dependent columns from the stored statistics."""
        from matching.standardise import standardise_records

        keys = records["record_key"].astype("string")
        if keys.isna().any() or keys.duplicated().any():
            raise ValueError("arriving records need a present, unique 'record_key'")
        clash = int(member_of(keys, self.records["record_key"]).sum())
        if clash:
            raise ValueError(f"{clash} arriving record key(s) are already in the match state; "
                             "score known records with score_pairs")
        frame = records if "name_std" in records.columns else standardise_records(records)
        out = self.statistics.apply(standard_columns(frame), counted=False)
        out["record_key"] = keys.to_numpy(object)
        return out[list(self.records.columns)]

    def match_arrivals(self, records: pd.DataFrame) -> pd.DataFrame:
        """Candidates for each new record among the known ones (and the other new ones), with
        the run's model: one row per candidate pair with its evidence, probability and
        decision. `record_key_r` is the arriving record."""
        arrivals = self.prepare_arrivals(records)
        combined = _with_prepared(pd.concat([self.records, arrivals], ignore_index=True))
        pairs = block_against(combined, len(self.records), self.settings.blocking)
        return self._evidence(combined, pairs)

    def score_pairs(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Evidence, probability and decision of pairs of known records (`record_key_l`,
        `record_key_r`), as the run that made the state scored them."""
        index = pd.Series(np.arange(len(self.records)), index=self.records["record_key"])
        missing = ~member_of(pairs["record_key_l"], index.index) | ~member_of(
            pairs["record_key_r"], index.index)
        if missing.any():
            raise ValueError(f"{int(missing.sum())} pair(s) name records not in the state")
        i = index[pairs["record_key_l"]].to_numpy()
        j = index[pairs["record_key_r"]].to_numpy()
        positions = pd.DataFrame({"i": np.minimum(i, j), "j": np.maximum(i, j)})
        return self._evidence(_with_prepared(self.records.copy()), positions)

    def _evidence(self, records: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
        comparisons = compile_comparisons(self.settings.comparisons)
        cols = RecordColumns(records)
        levels = levels_of(pairs, cols, comparisons)
        return evidence(pairs.reset_index(drop=True), cols, self.settings, comparisons,
                        self.model, levels, np.arange(len(pairs)))


def _with_prepared(records: pd.DataFrame) -> pd.DataFrame:
    records.attrs[PREPARED] = True
    return records


def training_record(folder: Path) -> dict:
    """When the state's model was trained and on how many records, from the manifest alone
    (the frames are not read): enough to tell whether the model is due to be retrained."""
    return dict(_manifest(folder).get("training", {}))


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise StateError(f"{folder} holds no match state (no manifest.json); write one with "
                         "`ubr dedupe --state DIR` or a pipeline run")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != STATE_FORMAT:
        raise StateError(f"{path}: not a UBR match state (format {manifest.get('format')!r})")
    if manifest.get("version") != STATE_VERSION:
        raise StateError(f"{path}: match state version {manifest.get('version')}, this UBR "
                         f"reads version {STATE_VERSION}; write the state again")
    return manifest


def _read_records(path: Path) -> pd.DataFrame:
    """Records as the engine holds them: text as objects with None, lists as lists."""
    table = pq.read_table(path)
    out = {}
    for name in table.column_names:
        column = table.column(name)
        if name in LIST_COLUMNS:
            out[name] = pd.Series(column.to_pylist(), dtype=object)
            continue
        series = column.to_pandas()
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            series = series.astype(object).where(series.notna(), None)
        out[name] = series
    return pd.DataFrame(out)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
