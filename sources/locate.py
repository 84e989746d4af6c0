"""Where a source's data is, and its fingerprint: what tells a changed input from an old one."""

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sources.config import FORMAT_BY_EXTENSION, SourceConfig, SourceFormat, expand
from sources.readers.raw import SourceIngestError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileFingerprint:
    """One input file (or SQL result) as ingested: path, SHA-256, size and rows read."""

    path: str
    sha256: str
    size_bytes: int
    rows: int = 0


def source_files(config: SourceConfig, data_dir: Path) -> list[Path]:
    """The files a file-based source reads, sorted; an error names the source and the path."""
    pattern = expand(config.location or "", data_dir, f"source '{config.id}' key 'location'")
    if not Path(pattern).is_absolute():
        pattern = str(data_dir / pattern)
    matches = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
    if not matches:
        raise SourceIngestError(
            f"source '{config.id}': no file found at {pattern} "
            f"(key 'location' in config/sources.yaml, relative to the data directory {data_dir})"
        )
    return matches


def file_format(config: SourceConfig, path: Path) -> SourceFormat:
    """The configured format, or for `auto` the one the file's extension names."""
    if config.format is not SourceFormat.AUTO:
        return config.format
    found = FORMAT_BY_EXTENSION.get(path.suffix.lower())
    if found is None:
        allowed = ", ".join(sorted(FORMAT_BY_EXTENSION))
        raise SourceIngestError(
            f"source '{config.id}': cannot tell the format of {path} from its extension "
            f"'{path.suffix}'; format 'auto' knows {allowed}"
        )
    return found


def sql_url(config: SourceConfig, data_dir: Path) -> str:
    return expand(config.url or "", data_dir, f"source '{config.id}' key 'url'")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def fingerprint_file(path: Path, rows: int = 0) -> FileFingerprint:
    return FileFingerprint(str(path), sha256_file(path), path.stat().st_size, rows)
