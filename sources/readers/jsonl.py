"""JSON Lines: one JSON object per line, in the source's declared encoding."""

import json
from pathlib import Path
from typing import Any

from sources.config import SourceConfig
from sources.readers.raw import (
    RawFile,
    bad_bytes_column,
    bad_encoding_reason,
    decode_file,
    string_frame,
    unreadable,
    visible,
)


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
    for number, text in enumerate(content.splitlines(), start=1):
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
        if reason:
            problems.append(unreadable(config.id, str(path), number, reason, visible(text)))
            continue
        objects.append(value)
        lines.append(number)
    columns = list(dict.fromkeys(key for obj in objects for key in obj))
    records = [[_as_text(obj.get(c)) for c in columns] for obj in objects]
    return RawFile(config.id, str(path), string_frame(records, columns, lines), columns, problems)
