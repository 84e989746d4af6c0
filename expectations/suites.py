"""Turn the declarative checks into one GX ExpectationSuite per source.

GX is passed in (imported lazily by the caller) because importing it costs ~4 s.
"""

from types import ModuleType
from typing import Any

from expectations.catalogue import Check, Kind
from expectations.severity import Severity


def gx_expectation(gx: ModuleType, check: Check) -> Any:
    """The GX expectation for one check; our name and severity travel in `meta`, and the
    severity in GX's own field too (a warning is GX's "warning", blocking its "critical")."""
    E = gx.expectations  # noqa: N806 (GX's own module alias)
    common: dict[str, Any] = {
        "column": check.gx_column,
        "meta": {"ubr_check": check.name, "severity": str(check.severity)},
        "severity": "warning" if check.severity is Severity.WARNING else "critical",
        "description": f"{check.name} ({check.severity}): {check.reason}",
    }
    match check.kind:
        case Kind.NOT_NULL:
            return E.ExpectColumnValuesToNotBeNull(**common)
        case Kind.UNIQUE:
            return E.ExpectColumnValuesToBeUnique(**common)
        case Kind.REGEX:
            return E.ExpectColumnValuesToMatchRegex(regex=check.regex, **common)
        case Kind.IN_SET:
            return E.ExpectColumnValuesToBeInSet(value_set=list(check.value_set or ()), **common)
        case Kind.TRUE:
            return E.ExpectColumnValuesToBeInSet(value_set=[True], **common)
    raise ValueError(f"unknown check kind {check.kind}")


def build_suite(gx: ModuleType, name: str, checks: list[Check]) -> Any:
    """One suite for one source, built whole (add_expectation needs a context)."""
    return gx.ExpectationSuite(name=name, expectations=[gx_expectation(gx, c) for c in checks])
