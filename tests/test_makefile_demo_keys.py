"""The Makefile's demo-only pseudonym keys: set for `make demo`, `make ui` and `make serve`
only (which also sets demo-only API keys), said so, long enough to be accepted, and never
leaking into `make test` or any other target.

The targets run against a fake tool folder (BIN) whose `ubr`, `dagster`, `ruff`, `lint-imports`
and `python` record the environment they were started with, so nothing is installed or run
for real.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from canonical.paths import PROJECT_ROOT

NAMES = ("UBR_SHARING_SECRET_RJSC", "UBR_SHARING_SECRET_WCB", "UBR_SHARING_SECRET_PERMITS")
NOTICE = "Using demo-only pseudonym keys"


@pytest.fixture
def fake_bin(tmp_path) -> Path:
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("ubr", "dagster", "ruff", "lint-imports", "python"):
        script = tools / tool
        script.write_text("#!/bin/bash\nenv | grep -E '^UBR_(SHARING_SECRET|API_KEY)_' "
                          f'>> "{tmp_path}/{tool}.env"\nexit 0\n')
        script.chmod(0o755)
    (tools / ".installed").touch()  # newer than pyproject.toml: no install
    (tmp_path / "dagster_home").mkdir()
    (tmp_path / "dagster_home" / "dagster.yaml").touch()
    return tools


def make(target: str, tools: Path, **extra: str) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        pytest.skip("GNU make is not installed")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("UBR_SHARING_SECRET_", "UBR_API_KEY_"))}
    env.update(extra)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_ROOT), target, f"BIN={tools}",
         f"DAGSTER_HOME={tools.parent / 'dagster_home'}", f"DEMO_DIR={tools.parent / 'demo'}"],
        env=env, capture_output=True, text=True, timeout=60, check=False)


def seen(tools: Path, tool: str) -> dict[str, str]:
    path = tools.parent / f"{tool}.env"
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.parametrize(("target", "tool"), [("demo", "ubr"), ("ui", "dagster")])
def test_demo_and_ui_set_long_demo_only_keys_and_say_so(fake_bin, target, tool):
    result = make(target, fake_bin)
    assert result.returncode == 0, result.stderr
    assert NOTICE in result.stdout and "docs/sharing.md" in result.stdout
    keys = seen(fake_bin, tool)
    assert set(keys) == set(NAMES)
    assert all(value.startswith("demo-only-not-secret-") for value in keys.values())
    assert all(len(value.encode()) >= 32 for value in keys.values())
    assert len(set(keys.values())) == 3  # one key per ministry


def test_serve_sets_long_demo_only_api_keys_and_says_so(fake_bin):
    result = make("serve", fake_bin)
    assert result.returncode == 0, result.stderr
    assert "demo-only API keys" in result.stdout and "docs/api.md" in result.stdout
    keys = seen(fake_bin, "ubr")
    api = {k: v for k, v in keys.items() if k.startswith("UBR_API_KEY_")}
    assert set(api) == {f"UBR_API_KEY_{m}" for m in ("RJSC", "WCB", "REVENUE", "PERMITS")}
    assert all(v.startswith("demo-only-not-secret-") and len(v) >= 32 for v in api.values())
    assert set(keys) - set(api) == set(NAMES)


def test_an_operators_own_keys_win_and_no_notice(fake_bin):
    own = {name: f"operator-key-{name.lower()}-0123456789abcdef" for name in NAMES}
    result = make("demo", fake_bin, **own)
    assert result.returncode == 0, result.stderr
    assert NOTICE not in result.stdout
    assert seen(fake_bin, "ubr") == own


@pytest.mark.parametrize(("target", "tool"), [("test", "python"), ("lint", "ruff")])
def test_other_targets_get_no_demo_key(fake_bin, target, tool):
    result = make(target, fake_bin)
    assert result.returncode == 0, result.stderr
    assert (fake_bin.parent / f"{tool}.env").exists()  # the tool ran...
    assert seen(fake_bin, tool) == {}  # ...without any pseudonym key
    assert NOTICE not in result.stdout
