"""Batch-level verdicts: invalid-share threshold (with a per-source override) and schema drift."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from expectations.schema import check_empty_mapped, check_frame, check_raw_columns
from expectations.settings import load_expectation_settings
from expectations.synthetic import synthetic_canonical_frame, synthetic_config
from expectations.validate import validate_source

TODAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """100 rows, 4 with a bad postal code."""
    frame = synthetic_canonical_frame(100, "demo", seed=5)
    frame.loc[[3, 10, 20, 30], "postal_code"] = "00000"
    return frame


@pytest.fixture(scope="module")
def raw_columns() -> list[str]:
    return ["ID", *synthetic_config().mapping.values()]


def _settings(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "expectations.yaml"
    path.write_text(text, encoding="utf-8")
    return load_expectation_settings(path)


def test_under_threshold_passes_over_per_source_threshold_fails(
    frame: pd.DataFrame, raw_columns: list[str], tmp_path: Path
) -> None:
    settings = _settings(tmp_path, "defaults:\n  max_invalid_share: 0.05\n"
                         "sources:\n  strict:\n    max_invalid_share: 0.01\n")
    passing = validate_source(frame, synthetic_config("demo"), raw_columns=raw_columns,
                              settings=settings, today=TODAY)
    assert passing.batch_passed and passing.batch_failures == []
    assert len(passing.quarantine) == 4

    strict = frame.assign(source="strict")  # dtype str, not string: conformed, not drift
    failing = validate_source(strict, synthetic_config("strict"), raw_columns=raw_columns,
                              settings=settings, today=TODAY)
    assert not failing.batch_passed
    [message] = failing.batch_failures
    assert "Source 'strict'" in message
    assert "4 of 100 rows (4.0%)" in message and "1.0% threshold" in message
    assert "postal_code_format (4 rows, column postal_code)" in message
    assert "quarantine rows with stage 'validate'" in message
    assert "FAILED" in failing.summary_text


def test_schema_drift_renamed_raw_column(frame: pd.DataFrame, raw_columns: list[str]) -> None:
    renamed = [c if c != "PHONE" else "PHONE_NUMBER" for c in raw_columns]
    outcome = validate_source(frame, synthetic_config("demo"), raw_columns=renamed, today=TODAY)
    assert not outcome.batch_passed
    [message] = outcome.batch_failures
    assert "schema drift" in message and "raw_columns_present" in message
    assert "'PHONE' (mapped to phone)" in message and "renamed to 'PHONE_NUMBER'" in message
    drift = [r for r in outcome.expectation_results if r["kind"] == "batch"]
    assert drift[0]["column"] == "phone" and not drift[0]["success"]


def test_schema_drift_dtypes_and_extra_columns(frame: pd.DataFrame) -> None:
    bad = frame.assign(registration_date=frame["registration_date"].dt.strftime("%Y-%m-%d"))
    bad["surprise"] = "x"
    findings = check_frame(bad)
    assert {f.expectation for f in findings} == {"canonical_dtypes", "canonical_columns_only"}
    outcome = validate_source(bad, synthetic_config("demo"), today=TODAY)
    assert not outcome.batch_passed
    assert any("registration_date" in m and "dtype" in m for m in outcome.batch_failures)
    assert "surprise" not in outcome.accepted.columns
    assert outcome.reconciles


def test_raw_and_empty_mapped_checks_without_gx(frame: pd.DataFrame) -> None:
    config = synthetic_config("demo")
    assert check_raw_columns(config, None) == []
    assert check_raw_columns(config, ["ID", *config.mapping.values()]) == []
    emptied = frame.assign(email=pd.Series(pd.NA, index=frame.index, dtype="string"))
    [finding] = check_empty_mapped(config, emptied)
    assert finding.expectation == "mapped_fields_not_empty" and finding.column == "email"
    assert check_empty_mapped(config, frame.iloc[:0]) == []


def test_empty_batch(frame: pd.DataFrame) -> None:
    outcome = validate_source(frame.iloc[:0], synthetic_config("demo"), today=TODAY)
    assert outcome.batch_passed and len(outcome.accepted) == 0 and len(outcome.quarantine) == 0
