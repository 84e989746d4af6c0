"""Validation of canonical frames: GX suites per source, quarantine, flags, SIN removal.

Public API: `validate_source` (the facade), `ValidationOutcome`, `load_expectation_settings`.
GX itself is imported only when a validation runs.
"""

from expectations.settings import ExpectationSettings, load_expectation_settings
from expectations.severity import Severity
from expectations.validate import ValidationOutcome, validate_source

__all__ = [
    "ExpectationSettings",
    "Severity",
    "ValidationOutcome",
    "load_expectation_settings",
    "validate_source",
]
