"""Write register columns in each ministry's own format, byte-for-byte reproducibly.

Empty strings become empty cells / NULL / JSON null. Files that embed a time stamp (the xlsx
zip entries and its document properties) get a fixed one, so that the same seed gives the same
bytes and the pipeline's input fingerprints do not change between two generations.
"""

import re
import sqlite3
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
FIXED_ISO_TIME = b"2025-01-01T00:00:00Z"


def as_objects(values: np.ndarray) -> np.ndarray:
    """A column as Python objects, None where empty (object columns pass through)."""
    if values.dtype == object:
        return values
    out = values.astype(object)
    out[np.strings.str_len(values) == 0] = None
    return out


def frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    # dtype=object: no copy into Arrow strings just to write them out again
    return pd.DataFrame({name: as_objects(values) for name, values in columns.items()},
                        dtype=object)


def write_csv(path: Path, columns: Mapping[str, np.ndarray], delimiter: str = ",") -> None:
    """UTF-8 CSV with a header line; quoting only where a value needs it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame(columns).to_csv(path, index=False, sep=delimiter, encoding="utf-8",
                          lineterminator="\n")


def write_jsonl(path: Path, columns: Mapping[str, np.ndarray], encoding: str,
                chunk_rows: int = 200_000) -> None:
    """One JSON object per line, non-ASCII written as is, in the given encoding.

    Written in chunks so that a 2-million-line extract never exists as one giant string.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = len(next(iter(columns.values())))
    with path.open("w", encoding=encoding, newline="\n") as handle:
        for start in range(0, rows, chunk_rows):
            part = {k: v[start:start + chunk_rows] for k, v in columns.items()}
            text = frame(part).to_json(orient="records", lines=True, force_ascii=False)
            handle.write(text if text.endswith("\n") else text + "\n")


def write_sqlite(path: Path, table: str, columns: Mapping[str, np.ndarray],
                 types: Mapping[str, str]) -> None:
    """A fresh SQLite file holding one table; `types` gives each column's SQL type."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    names = list(columns)
    ddl = ", ".join(f'"{n}" {types.get(n, "TEXT")}' for n in names)
    data = [as_objects(columns[n]) for n in names]
    for i, name in enumerate(names):
        if types.get(name, "TEXT").startswith("INTEGER"):
            data[i] = columns[name].astype(np.int64).tolist()
        else:
            data[i] = data[i].tolist()
    marks = ", ".join("?" for _ in names)
    connection = sqlite3.connect(path)
    try:
        connection.execute(f'CREATE TABLE "{table}" ({ddl})')
        connection.executemany(f'INSERT INTO "{table}" VALUES ({marks})', zip(*data, strict=True))
        connection.commit()
    finally:
        connection.close()


def write_xlsx(path: Path, columns: Mapping[str, np.ndarray], sheet: str) -> None:
    """An .xlsx workbook (openpyxl write-only mode), every cell as text."""
    import openpyxl  # imported here: only the xlsx path pays for it

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(columns))
    data = [as_objects(v).tolist() for v in columns.values()]
    for row in zip(*data, strict=True):
        worksheet.append(row)
    workbook.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the zip with fixed entry times and document dates (reproducible bytes)."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>"
                              + FIXED_ISO_TIME, data)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
