"""`ubr demo-data`: options, help text, stage lines and summary."""

from pathlib import Path

import typer
from typer.testing import CliRunner

from ubr_cli.demo_data import demo_data

app = typer.Typer()
app.command("demo-data")(demo_data)
app.command("noop", hidden=True)(lambda: None)  # two commands: invoke by name as `ubr` does


def test_help_names_every_option() -> None:
    result = CliRunner().invoke(app, ["demo-data", "--help"])
    assert result.exit_code == 0
    for option in ("--businesses", "--seed", "--out", "answer_key.csv"):
        assert option in result.output


def test_writes_registers_and_reports_counts(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo-data", "-n", "150", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for stage in ("population: 150 businesses", "rjsc:", "wcb:", "revenue:", "permits:",
                  "answer key:", "Done in"):
        assert stage in result.output
    assert (out / "answer_key.csv").is_file() and (out / "manifest.json").is_file()


def test_rejects_zero_businesses(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo-data", "-n", "0", "--out", str(tmp_path)])
    assert result.exit_code != 0
