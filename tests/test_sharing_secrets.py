"""Pseudonym keys must be strong: under 32 bytes is refused, everywhere, before any work.

A one-character key let 4,292 of 4,292 pseudonymised Business Numbers be reversed from a list
of candidates: guess the key, then hash the candidates. The refusal names the agreement, the
ministry and the variable, says how to make a key, and never shows the key.
"""

import time

import pytest
from typer.testing import CliRunner

from canonical.paths import DEFAULT_SOURCES_CONFIG
from registry.sharing_agreement import load_sharing
from registry.sharing_policy import (
    MIN_SECRET_BYTES,
    SharingError,
    agreement_secret,
    require_sharing_secrets,
    secret_problem,
)
from ubr_cli.console import console
from ubr_cli.main import app

runner = CliRunner()
WCB = "UBR_SHARING_SECRET_WCB"
WEAK = {"one character": "§", "31 bytes": "w" * 31, "31 bytes in UTF-8": "é" * 15 + "w"}
HOW = ('`python -c "import secrets; print(secrets.token_urlsafe(32))"`',
       "`openssl rand -base64 32`")


def assert_refusal_sentence(message: str, secret: str) -> None:
    assert "agreement 'wcb'" in message and WCB in message
    assert "Workers' Compensation Board" in message  # the ministry
    assert "at least 32 bytes" in message
    assert all(how in message for how in HOW)
    assert secret not in message


@pytest.mark.parametrize("kind", list(WEAK))
def test_a_short_secret_is_refused_with_the_sentence(monkeypatch, kind):
    secret = WEAK[kind]
    monkeypatch.setenv(WCB, secret)
    wcb = load_sharing().get("wcb")
    with pytest.raises(SharingError) as error:
        agreement_secret(wcb)
    assert_refusal_sentence(str(error.value), secret)
    assert "shorter than 32 bytes" in str(error.value)
    assert secret_problem(wcb) == str(error.value)


def test_32_bytes_are_accepted_counted_in_utf8(monkeypatch):
    assert MIN_SECRET_BYTES == 32
    wcb = load_sharing().get("wcb")
    for secret in ("s" * 32, "é" * 16, "a-much-longer-random-looking-key-0123456789"):
        monkeypatch.setenv(WCB, secret)
        assert agreement_secret(wcb) == secret.encode("utf-8")
        assert secret_problem(wcb) is None


def test_require_sharing_secrets_lists_every_problem(monkeypatch):
    sharing = load_sharing()
    require_sharing_secrets(sharing.agreements)  # the test keys (conftest) are strong
    monkeypatch.setenv(WCB, "§")
    monkeypatch.delenv("UBR_SHARING_SECRET_PERMITS")
    with pytest.raises(SharingError) as error:
        require_sharing_secrets(sharing.agreements)
    message = str(error.value)
    assert_refusal_sentence(message, "§")
    assert "agreement 'permits'" in message and "UBR_SHARING_SECRET_PERMITS" in message
    assert "not set" in message and "rjsc" not in message and "revenue" not in message


def test_missing_secret_says_how_to_make_one(monkeypatch):
    monkeypatch.delenv(WCB)
    with pytest.raises(SharingError) as error:
        agreement_secret(load_sharing().get("wcb"))
    assert_refusal_sentence(str(error.value), "§")
    assert "is not set" in str(error.value)


def test_sharing_check_reports_a_weak_secret(monkeypatch):
    monkeypatch.setattr(console, "_width", 300)
    monkeypatch.delenv("UBR_SHARING_CONFIG", raising=False)
    monkeypatch.setenv(WCB, "tiny-key")
    result = runner.invoke(app, ["sharing", "check"])
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if line.startswith("│ wcb"))
    assert f"{WCB} TOO SHORT" in line
    rjsc = next(line for line in result.output.splitlines() if line.startswith("│ rjsc"))
    assert "UBR_SHARING_SECRET_RJSC set" in rjsc
    assert "shorter than 32 bytes" in result.output and "token_urlsafe(32)" in result.output
    assert "tiny-key" not in result.output


def test_ubr_run_refuses_a_weak_secret_before_any_work(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("UBR_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("UBR_DATA_DIR", str(tmp_path / "data"))  # restored if `run` sets them
    monkeypatch.setenv("UBR_SOURCES_CONFIG", str(DEFAULT_SOURCES_CONFIG))
    monkeypatch.delenv("UBR_SHARING_CONFIG", raising=False)
    monkeypatch.setenv(WCB, "¤")
    started = time.perf_counter()
    result = runner.invoke(app, ["run", "--data-dir", str(tmp_path / "data")])
    seconds = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert seconds < 2, seconds
    assert_refusal_sentence(result.output, "¤")
    assert "Traceback" not in result.output
    assert not home.exists()  # no Dagster instance was opened, so no run was started
    assert not (tmp_path / "store.sqlite").exists()  # nor the registry touched
