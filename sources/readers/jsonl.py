"""JSON Lines: one JSON object per line, in the source's declared encoding."""

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from sources.config import SourceConfig
from sources.readers.raw import (
    LINE_COLUMN,
    RawFile,
    bad_bytes_column,
    bad_encoding_reason,
    decode_file,
    physical_lines,
    unreadable,
    visible,
)
from sources.readers.screen import column_label, screen_control_characters

# A JSON escape of a lone surrogate ("\udc80") decodes to a string no UTF-8 store can hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _as_text(value: Any) -> str | None:
    """Flatten a JSON value into the raw string the mapping expects."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return ";".join(str(v) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def read_jsonl(config: SourceConfig, path: Path) -> RawFile:
    """Read line by line so that a broken line is quarantined and the rest goes on."""
    objects: list[dict[str, Any]] = []
    lines: list[int] = []
    problems = []
    content, clean = decode_file(path, config.encoding)
    for number, text in enumerate(physical_lines(content), start=1):
        if not text.strip():
            continue
        reason = None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON ({exc.msg} at character {exc.pos})"
        else:
            if not isinstance(value, dict):
                reason = f"expected a JSON object, found {type(value).__name__}"
            elif not clean and (key := bad_bytes_column(
                    [_as_text(v) for v in value.values()], list(value))):
                reason = bad_encoding_reason(config.encoding, key)
            elif _SURROGATE_ESCAPE.search(text):
                reason = _surrogate_reason(value, config)
        if reason:
            problems.append(unreadable(config.id, str(path), number, reason, visible(text)))
            continue
        objects.append(value)
        lines.append(number)
    # Key orders are few (usually one), so collect them once rather than per object.
    columns = list(dict.fromkeys(k for keys in set(map(tuple, objects)) for k in keys))
    frame = pd.DataFrame({
        column: pd.array([_text(obj.get(column)) for obj in objects], dtype="string")
        for column in columns
    })
    for column in columns:
        frame[column] = frame[column].mask(frame[column] == "")
    frame[LINE_COLUMN] = pd.array(lines, dtype="Int64")
    return screen_control_characters(RawFile(config.id, str(path), frame, columns, problems),
                                     config)


def _surrogate_reason(value: dict[str, Any], config: SourceConfig) -> str | None:
    """Why a line whose JSON escapes a lone surrogate is refused, or None if none decoded so."""
    for key, item in value.items():
        for text in (key, json.dumps(item, ensure_ascii=False) if not isinstance(item, str)
                     else item):
            found = _SURROGATE.search(text)
            if found:
                return (f"lone surrogate U+{ord(found.group()):04X} (not a character) in column "
                        f"{column_label(key, config)}")
    return None


def _text(value: Any) -> str | None:
    """Strings (nearly every value) pass untouched; the rest are flattened."""
    return value if value.__class__ is str else _as_text(value)
