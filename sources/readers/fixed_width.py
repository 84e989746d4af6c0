"""Fixed-width text: columns at configured character positions, one record per line."""

from pathlib import Path

from sources.config import SourceConfig
from sources.readers.raw import RawFile, split_bad_encoding, string_frame, unreadable


def read_fixed_width(config: SourceConfig, path: Path) -> RawFile:
    """Slice each line by the layout; a line too short for the layout is quarantined."""
    layout = config.fixed_width or []
    header = [c.name for c in layout]
    # Trailing blanks are often trimmed, so a line must only reach into the last column.
    needed = max(c.start for c in layout)
    records: list[list[str | None]] = []
    lines: list[int] = []
    problems = []
    with path.open(encoding=config.encoding, errors="surrogateescape", newline="") as handle:
        for number, text in enumerate(handle, start=1):
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            if len(text) < needed:
                problems.append(unreadable(
                    config.id, str(path), number,
                    f"line has {len(text)} characters; the layout needs at least {needed}", text,
                ))
                continue
            values = [text[c.start - 1: c.start - 1 + c.width].strip() or None for c in layout]
            records.append(values)
            lines.append(number)
    raw = RawFile(config.id, str(path), string_frame(records, header, lines), header, problems)
    return split_bad_encoding(raw, config.encoding)
