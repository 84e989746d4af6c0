"""Control characters: found at read, over whole columns, and their rows quarantined.

A NUL byte in one cell stopped every run on PostgreSQL (its text type cannot hold U+0000, so
COPY failed with no file or line). No control character has a place in a register's values:
each reader hands its rows through `screen_control_characters`, which sends a row holding one
to quarantine (stage `read`) naming the file, the line, the column and the character's code
point, never the value. Tab, LF and CR are allowed where the format can hold them inside a
value (a quoted CSV field, a JSON string, a workbook cell, a database text); a fixed-width
line cannot, so there a tab is refused too (it shifts every column after it).
"""

import re

import numpy as np
import pandas as pd

from canonical.quarantine import raw_json, visible_controls
from sources.config import SourceConfig
from sources.readers.raw import LINE_COLUMN, RawFile

# RE2 (pyarrow) and Python alike. Lone surrogates cannot reach an Arrow column (not UTF-8):
# the JSON Lines reader, the only one where they can arise, refuses them line by line.
CONTROLS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
CONTROLS_AND_TAB = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\t]"
_NAME_LIMIT = 100


def column_label(column: str, config: SourceConfig | None = None) -> str:
    """'name' (legal_name): the source column, escaped and bounded, and what it maps onto."""
    name = visible_controls(str(column))
    name = name if len(name) <= _NAME_LIMIT else name[:_NAME_LIMIT] + "…"
    fields = [f for f, c in (config.mapping.items() if config else ()) if c == column]
    return f"'{name}'" + (f" ({', '.join(fields)})" if fields else "")


def control_character_reason(
    value: str, column: str, config: SourceConfig | None = None, pattern: str = CONTROLS
) -> str:
    """The sentence for one value: the first control character's code point, not the value."""
    found = re.search(pattern, value)
    code = ord(found.group()) if found else 0
    return f"control character U+{code:04X} in column {column_label(column, config)}"


def screen_control_characters(
    raw: RawFile, config: SourceConfig | None = None, allow_tab: bool = True
) -> RawFile:
    """Move every row holding a control character from `raw.rows` to `raw.problems`."""
    rows = raw.rows
    if rows.empty:
        return raw
    pattern = CONTROLS if allow_tab else CONTROLS_AND_TAB
    width = len(raw.columns)
    hits: dict[int, np.ndarray] = {}  # by position: a header may repeat a name
    for position in range(width):
        found = rows.iloc[:, position].str.contains(pattern, regex=True)
        found = found.fillna(False).to_numpy(bool)
        if found.any():
            hits[position] = found
    if not hits:
        return raw
    bad = np.logical_or.reduce(list(hits.values()))
    problems = list(raw.problems)
    line_numbers = rows[LINE_COLUMN].to_numpy()
    for index in np.flatnonzero(bad):
        values = rows.iloc[index, :width].tolist()
        where = [p for p, found in hits.items() if found[index]]
        reason = "; ".join(control_character_reason(
            str(values[p]), raw.columns[p], config, pattern) for p in where)
        problems.append({
            "source": raw.source, "source_file": raw.path,
            "source_line": int(line_numbers[index]), "source_record_id": None,
            "stage": "read", "reason": reason,
            "column": ",".join(dict.fromkeys(visible_controls(raw.columns[p]) for p in where)),
            "raw_record": raw_json({c: (None if pd.isna(v) else v)
                                    for c, v in zip(raw.columns, values, strict=True)}),
        })
    kept = rows.loc[~bad].reset_index(drop=True)
    return RawFile(raw.source, raw.path, kept, raw.columns, problems, raw.header_line)
