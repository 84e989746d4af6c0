"""Each ministry's share of a new publication, written as the difference from the previous one.

A share row depends only on its business's published row and on the agreement, its key and
the policy (registry.sharing_policy.share_fingerprint). So when a ministry's fingerprint is
the one the previous publication used, only the businesses whose published row was closed or
opened by this publication are shared again: their open share rows are closed, and the
policy is applied to their new versions. Otherwise (a new ministry, an edited agreement, a
rotated key, a store migrated without fingerprints) the share is rewritten whole. A ministry
no longer configured has its rows closed: it shares nothing from this publication on.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from registry import bulk
from registry.publication_schema import published_businesses, shared_businesses
from registry.publication_versions import close_all
from registry.sharing_agreement import SharingFile
from registry.sharing_policy import SHARED_COLUMNS, share_fingerprint, shared_rows


@dataclass
class ShareWrite:
    """What a publication wrote: rows in each ministry's share, their fingerprints, and the
    share rows it closed or opened."""

    counts: dict[str, int] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0  # share rows closed or opened


def write_shares(connection: sa.Connection, sharing: SharingFile,
                 secrets: Mapping[str, bytes | None], publication_id: int,
                 previous: tuple[dict[str, int], dict[str, str]] | None,
                 read_published: Callable[[sa.Connection, int], pd.DataFrame],
                 read_opened: Callable[[sa.Connection, int], pd.DataFrame]) -> ShareWrite:
    """Close and open share rows for publication `publication_id`; `previous` holds the
    previous publication's counts and fingerprints (None when there is none)."""
    counts, hashes = previous or ({}, {})
    written = ShareWrite()
    configured = [agreement.id for agreement in sharing.agreements]
    written.rows_written += close_all(connection, shared_businesses, publication_id,
                                      shared_businesses.c.ministry.not_in(configured))
    whole: pd.DataFrame | None = None
    opened: pd.DataFrame | None = None
    for agreement in sharing.agreements:
        secret = secrets[agreement.id]
        fingerprint = share_fingerprint(agreement, secret)
        mine = shared_businesses.c.ministry == agreement.id
        if hashes.get(agreement.id) == fingerprint and agreement.id in counts:
            touched = sa.select(published_businesses.c.registry_id).where(
                published_businesses.c.valid_until == publication_id)
            closed = close_all(connection, shared_businesses, publication_id, mine,
                               shared_businesses.c.registry_id.in_(touched))
            opened = read_opened(connection, publication_id) if opened is None else opened
            rows = shared_rows(opened, agreement, secret)
            count = counts[agreement.id] - closed
        else:
            closed = close_all(connection, shared_businesses, publication_id, mine)
            whole = read_published(connection, publication_id) if whole is None else whole
            rows = shared_rows(whole, agreement, secret)
            count = 0
        added = 0
        if len(rows):
            added = bulk.insert_frame(connection, shared_businesses, rows[list(SHARED_COLUMNS)],
                                      {"valid_from": publication_id, "ministry": agreement.id})
        written.counts[agreement.id] = count + added
        written.rows_written += closed + added
        written.hashes[agreement.id] = fingerprint
    return written
