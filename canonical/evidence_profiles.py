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


def profile_id(evidence: Mapping[str, Any] | str) -> str:
    """The first 16 hex digits of SHA-256 over the evidence's canonical text."""
    digest = hashlib.sha256(canonical_evidence(evidence).encode()).hexdigest()
    return digest[:PROFILE_ID_LENGTH]


def profiles_of(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """(profile ids, canonical texts) of distinct evidence texts, in their order."""
    canonical = [canonical_evidence(text) for text in texts]
    ids = [hashlib.sha256(text.encode()).hexdigest()[:PROFILE_ID_LENGTH] for text in canonical]
    return ids, canonical
