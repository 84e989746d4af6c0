"""Checksums that name a source's inputs: one value per batch, whatever the file order.

The store records it per batch and the pipeline puts it in metadata, so the audit tables
and Dagster agree on which files a run read.
"""

import hashlib
from collections.abc import Iterable
from typing import Protocol


class Fingerprinted(Protocol):
    path: str
    sha256: str


def combined_checksum(files: Iterable[Fingerprinted]) -> str:
    """One checksum over all of a source's inputs, independent of their order.

    The store records the same value per batch, so metadata and audit tables agree.
    """
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda f: f.path):
        digest.update(f"{item.path}\0{item.sha256}\n".encode())
    return digest.hexdigest()
