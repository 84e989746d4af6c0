"""`ubr sharing check`: agreements at a glance, secrets said set or not, never shown."""

import pytest
from typer.testing import CliRunner

from ubr_cli.console import console
from ubr_cli.main import app

runner = CliRunner()
SECRET_VARIABLES = ("UBR_SHARING_SECRET_RJSC", "UBR_SHARING_SECRET_WCB",
                    "UBR_SHARING_SECRET_PERMITS")


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """A table wide enough that no cell wraps, and no secret inherited from the shell."""
    # The private attribute: undoing a set of the `width` property would pin the width that
    # was computed at the time (80 columns) for every later test.
    monkeypatch.setattr(console, "_width", 300)
    monkeypatch.delenv("UBR_SHARING_CONFIG", raising=False)
    for name in SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_check_lists_each_agreement_and_missing_secrets():
    result = runner.invoke(app, ["sharing", "check"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines()
             if line.startswith("│") and line.split("│")[1].strip()}
    assert set(lines) == {"rjsc", "wcb", "revenue", "permits"}
    assert "status in [active]; business_status in [active]" in lines["permits"]
    assert "excluded" in lines["permits"]
    assert "clear 11, masked 2, pseudonym 1, withheld 7" in lines["permits"]
    assert "UBR_SHARING_SECRET_WCB NOT SET" in lines["wcb"] and "withheld" in lines["wcb"]
    assert "not needed" in lines["revenue"] and "clear 21, masked 0" in lines["revenue"]
    assert "secret missing: agreement 'wcb': set UBR_SHARING_SECRET_WCB" in result.output
    assert "4 agreement(s) valid." in result.output
    strict = runner.invoke(app, ["sharing", "check", "--require-secrets"])
    assert strict.exit_code == 1
    assert "secrets missing: agreement 'rjsc': set UBR_SHARING_SECRET_RJSC" in strict.output


def test_check_says_a_secret_is_set_without_showing_it(monkeypatch):
    for number, name in enumerate(SECRET_VARIABLES):
        monkeypatch.setenv(name, f"very-private-value-{number}-long-enough-to-be-a-key")
    result = runner.invoke(app, ["sharing", "check", "--require-secrets"])
    assert result.exit_code == 0, result.output
    assert "UBR_SHARING_SECRET_WCB set" in result.output
    assert "very-private-value" not in result.output and "missing" not in result.output


def test_check_refuses_one_secret_for_two_ministries(monkeypatch):
    same = "same-private-value-long-enough-to-be-a-key"
    monkeypatch.setenv("UBR_SHARING_SECRET_WCB", same)
    monkeypatch.setenv("UBR_SHARING_SECRET_PERMITS", same)
    result = runner.invoke(app, ["sharing", "check"])
    assert result.exit_code == 1
    assert "agreements wcb, permits have the same secret" in result.output
    assert "same-private-value" not in result.output


def test_check_reports_a_bad_file_as_a_sentence(tmp_path, monkeypatch):
    bad = tmp_path / "sharing.yaml"
    bad.write_text("version: 1\nagreements:\n  - id: wcb\n    ministry: W\n    purpose: p\n"
                   "    sources: [wcb]\n    personal_information: allowed\n"
                   "    fields: {phone: hidden}\n", encoding="utf-8")
    monkeypatch.setenv("UBR_SHARING_CONFIG", str(bad))  # the option's environment variable
    result = runner.invoke(app, ["sharing", "check"])
    assert result.exit_code == 1
    assert "agreement 1 (id 'wcb'), key 'fields.phone.treatment'" in result.output
    assert "(got 'hidden')" in result.output and "Traceback" not in result.output
    missing = runner.invoke(app, ["sharing", "check", "--config", str(tmp_path / "no.yaml")])
    assert missing.exit_code == 1 and "no.yaml: configuration file not found" in missing.output
