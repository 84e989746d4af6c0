"""Outputs passed between pipeline steps, kept beside the registry, never in Dagster's storage.

A step's output (a source batch, the canonical records, the match result) holds business and
personal values. Dagster's default IO manager would pickle it whole into DAGSTER_HOME, where
the registry's protections do not reach. Here every DataFrame of an output becomes its own
Parquet file (columnar, read back column by column) and every large NumPy array its own
`.npy` file; only the small remainder (counts, settings, the trained model's parameters) is
pickled, and it refers to those files by name. Folders are 0700 and files 0600.

    save_stage(output, folder)      # replaces what was there, atomically
    output = load_stage(folder)
"""

import io
import pickle
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.private_files import private_dir

SKELETON = "object.pkl"
FRAME_PREFIX = "frame-"
ARRAY_PREFIX = "array-"
ARRAY_MIN_BYTES = 1 << 16  # smaller arrays stay in the skeleton


class StageFileError(RuntimeError):
    """A stage output could not be read back (missing or written by another version)."""


class _Pickler(pickle.Pickler):
    """Pickles the skeleton; frames and big arrays go to files named by persistent ids."""

    def __init__(self, handle: io.BufferedWriter, folder: Path) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.folder = folder
        self.count = 0

    def persistent_id(self, obj: Any) -> str | None:  # noqa: ANN401 - any object
        if isinstance(obj, pd.DataFrame):
            name = f"{FRAME_PREFIX}{self.count}.parquet"
            _frame_for_parquet(obj).to_parquet(self.folder / name, index=True)
        elif isinstance(obj, np.ndarray) and obj.dtype != object and obj.nbytes >= ARRAY_MIN_BYTES:
            name = f"{ARRAY_PREFIX}{self.count}.npy"
            np.save(self.folder / name, obj, allow_pickle=False)
        else:
            return None
        self.count += 1
        return name


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle: io.BufferedReader, folder: Path) -> None:
        super().__init__(handle)
        self.folder = folder

    def persistent_load(self, pid: Any) -> Any:  # noqa: ANN401 - a frame or an array
        path = self.folder / str(pid)
        if not path.is_file():
            raise StageFileError(f"stage output {self.folder.name}: {path.name} is missing")
        if path.name.startswith(FRAME_PREFIX):
            return pd.read_parquet(path)
        return np.load(path, allow_pickle=False)


def _frame_for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet needs string column names; other frames are written as they are."""
    if all(isinstance(c, str) for c in frame.columns):
        return frame
    raise StageFileError(
        f"a stage frame has non-text column names ({len(frame.columns)} columns); "
        "name every column before passing the frame between steps")


def save_stage(output: Any, folder: Path) -> None:  # noqa: ANN401 - any step output
    """Write `output` to `folder` (replacing it whole, so a reader never sees half of it)."""
    parent = private_dir(folder.parent)
    staging = private_dir(parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with (staging / SKELETON).open("wb") as handle:
            _Pickler(handle, staging).dump(output)
        old = parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.old"
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_stage(folder: Path) -> Any:  # noqa: ANN401 - any step output
    """Read back what `save_stage` wrote in `folder`."""
    skeleton = folder / SKELETON
    if not skeleton.is_file():
        raise StageFileError(
            f"no stage output at {folder}: run the step that produces it first")
    with skeleton.open("rb") as handle:
        return _Unpickler(handle, folder).load()
