"""Pair ids a steward can quote on every run: derived from the two record keys.

A review pair used to be a row number, so pair 7 of one run was pair 129 of the next and a
note "see pair 7" went stale. The id is now the first 12 hex digits of SHA-256 over the two
record keys in order, the same whichever side each record is on and whichever run found them.
"""

import hashlib
from collections.abc import Iterable

PAIR_ID_LENGTH = 12


def ordered_pair(key_a: str, key_b: str) -> tuple[str, str]:
    """A pair of record keys in the order the decision log stores it (smaller first)."""
    if key_a == key_b:
        raise ValueError("a decision needs two different records")
    return (key_a, key_b) if key_a < key_b else (key_b, key_a)


def unmerge_pairs(member_keys: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair of a business's records: `different` judgements on all of them unmerge it."""
    keys = sorted(set(member_keys))
    return [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]]


def pair_id(key_a: str, key_b: str) -> str:
    """The pair's id: the same for (a, b) and (b, a), on every run and every database."""
    left, right = sorted((key_a, key_b))
    digest = hashlib.sha256(f"{left}\x1f{right}".encode()).hexdigest()
    return digest[:PAIR_ID_LENGTH]


def pair_ids(lefts: Iterable[str], rights: Iterable[str]) -> list[str]:
    """`pair_id` of each (left, right), for a whole review queue at once."""
    return [pair_id(left, right) for left, right in zip(lefts, rights, strict=True)]
