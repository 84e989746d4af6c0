"""Evidence profiles: one stored copy of each distinct set of comparison levels and weights.

A run's match pairs share few evidence sets (at 100,000 businesses, 11 thousand distinct ones
among 642 thousand pairs), and the JSON text was most of `match_evidence`'s bytes (440 MB of
a 1.5 GB registry). Each distinct set is stored once in `evidence_profiles` under an id
derived from its content, so every run and every database name the same set the same way,
and a pair row names its profile.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

PROFILE_ID_LENGTH = 16


def canonical_evidence(evidence: Mapping[str, Any] | str) -> str:
    """The evidence as JSON text with sorted keys: one text per evidence set."""
    value = json.loads(evidence) if isinstance(evidence, str) else evidence
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()[:PROFILE_ID_LENGTH]


def profile_id(evidence: Mapping[str, Any] | str) -> str:
    """The first 16 hex digits of SHA-256 over the evidence's canonical text."""
    return _digest(canonical_evidence(evidence))


def profiles_of(evidence: Iterable[Mapping[str, Any] | str]) -> tuple[list[str], list[str]]:
    """(profile ids, canonical texts) of evidence sets, in their order."""
    canonical = [canonical_evidence(item) for item in evidence]
    return [_digest(text) for text in canonical], canonical
