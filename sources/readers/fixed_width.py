"""Fixed-width text: columns at configured character positions, one record per line."""

from pathlib import Path

from sources.config import SourceConfig
from sources.readers.raw import (
    RawFile,
    bad_bytes_column,
    bad_encoding_reason,
    decode_file,
    physical_lines,
    string_frame,
    unreadable,
    visible,
)
from sources.readers.screen import screen_control_characters


def read_fixed_width(config: SourceConfig, path: Path) -> RawFile:
    """Slice each line by the layout; a line too short for the layout is quarantined."""
    layout = config.fixed_width or []
    header = [c.name for c in layout]
    # Trailing blanks are often trimmed, so a line must only reach into the last column.
    needed = max(c.start for c in layout)
    text, clean = decode_file(path, config.encoding)
    records: list[list[str | None]] = []
    lines: list[int] = []
    problems = []
    for number, line in enumerate(physical_lines(text), start=1):
        if not line.strip():
            continue
        if len(line) < needed:
            problems.append(unreadable(
                config.id, str(path), number,
                f"line has {len(line)} characters; the layout needs at least {needed}",
                visible(line),
            ))
            continue
        values = [line[c.start - 1: c.start - 1 + c.width].strip() or None for c in layout]
        if not clean and (column := bad_bytes_column(values, header)):
            problems.append(unreadable(
                config.id, str(path), number, bad_encoding_reason(config.encoding, column),
                visible(line), column=column,
            ))
            continue
        records.append(values)
        lines.append(number)
    raw = RawFile(config.id, str(path), string_frame(records, header, lines), header, problems)
    # A tab in a fixed-width line shifts every column after it: refused like other controls.
    return screen_control_characters(raw, config, allow_tab=False)
