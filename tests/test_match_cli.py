"""`ubr dedupe` end to end through typer's CliRunner, and its error sentences."""

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from ubr_cli.dedupe import dedupe

app = typer.Typer()
app.command()(dedupe)


@app.callback()
def _root() -> None:
    """Test app with `dedupe` as a sub-command, as ubr_cli.main registers it."""


SITES = [
    ("1", "Maple Leaf Bakery Ltd.", "12 Main Street", "B3H 1A1", "902-555-0101"),
    ("2", "MAPLE LEAF BAKERY LIMITED", "12 Main St", "B3H1A1", "(902) 555-0101"),
    ("3", "Harbour Dental Clinic", "400 Water St", "B2Y 3Z4", "902 555 0199"),
    ("4", "Harbour Dental", "400 Water Street", "B2Y3Z4", ""),
    ("5", "Bluenose Roofing", "7 King St", "B4N 2P1", "902-555-0123"),
    ("6", "Atlantic Fisheries Inc", "99 Wharf Rd", "B0J 2E0", "902-555-0177"),
]


@pytest.fixture
def inputs(tmp_path):
    frame = pd.DataFrame(SITES, columns=["Id", "Site name", "Address", "Zip", "Phone"])
    first = tmp_path / "a.csv"
    frame.iloc[:4].to_csv(first, index=False)
    second = tmp_path / "b.csv"
    frame.iloc[4:].assign(Id=["1", "2"]).to_csv(second, index=False)  # ids repeat across files
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("id: Id\nfields: {name: Site name, address: Address, postal_code: Zip, "
                       "phone: Phone}\n")
    return tmp_path, mapping, [first, second]


def test_dedupe_writes_clusters_pairs_and_model(inputs) -> None:
    tmp, mapping, files = inputs
    out = tmp / "out"
    run = CliRunner().invoke(app, ["dedupe", "--mapping", str(mapping), "--out", str(out),
                                   *map(str, files)])
    assert run.exit_code == 0, run.output
    assert "clusters" in run.output and "blocking" in run.output
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    assert list(clusters.columns) == ["file", "record_id", "cluster_id"]
    assert len(clusters) == 6
    by_id = clusters.set_index(["file", "record_id"])["cluster_id"]
    assert by_id[("a.csv", "1")] == by_id[("a.csv", "2")]
    assert by_id[("a.csv", "1")] != by_id[("b.csv", "1")]
    pairs = pd.read_csv(out / "pairs.csv", dtype=str)
    assert list(pairs.columns[:6]) == ["file_l", "record_id_l", "file_r", "record_id_r",
                                       "match_probability", "decision"]
    assert {"name_level", "name_weight", "rule", "match_weight"} <= set(pairs.columns)
    assert (out / "model.json").exists()


def _run(args: list[str]) -> tuple[int, str]:
    run = CliRunner().invoke(app, ["dedupe", *args])
    return run.exit_code, run.output + (run.stderr if run.stderr_bytes is not None else "")


def test_missing_file_is_a_sentence(inputs) -> None:
    tmp, mapping, _ = inputs
    code, text = _run(["--mapping", str(mapping), "--out", str(tmp / "o"), str(tmp / "no.csv")])
    assert code == 1 and "does not exist" in text and "Traceback" not in text


def test_mapped_column_missing_names_file_and_column(inputs) -> None:
    tmp, _, files = inputs
    mapping = tmp / "bad.yaml"
    mapping.write_text("id: Id\nfields: {name: Site name, phone: Telephone}\n")
    code, text = _run(["--mapping", str(mapping), "--out", str(tmp / "o"), str(files[0])])
    assert code == 1 and "a.csv" in text and "'Telephone'" in text


def test_duplicate_id_is_quarantined_not_linked(inputs) -> None:
    """A repeated id names no single record: every copy goes to quarantine.csv (with its
    lines), the other records are linked (tests/test_dedupe_intake.py has the details)."""
    tmp, mapping, files = inputs
    frame = pd.read_csv(files[0], dtype=str)
    frame.loc[1, "Id"] = "1"
    frame.to_csv(files[0], index=False)
    code, text = _run(["--mapping", str(mapping), "--out", str(tmp / "o"), str(files[0])])
    assert code == 0, text
    assert "quarantined 2 of 4 rows" in text
    clusters = pd.read_csv(tmp / "o" / "clusters.csv", dtype=str)
    assert sorted(clusters["record_id"]) == ["3", "4"]
    quarantine = pd.read_csv(tmp / "o" / "quarantine.csv", dtype=str)
    assert quarantine["line"].tolist() == ["2", "3"] and set(quarantine["record_id"]) == {"1"}
    assert "column 'Id' is not unique" in quarantine["reason"].iloc[0]


def test_missing_mapping_file_is_a_sentence(inputs) -> None:
    tmp, _, files = inputs
    code, text = _run(["--mapping", str(tmp / "none.yaml"), "--out", str(tmp / "o"),
                       str(files[0])])
    assert code == 1 and "none.yaml" in text and "not found" in text and "Traceback" not in text


def test_help_explains_the_mapping() -> None:
    run = CliRunner().invoke(app, ["dedupe", "--help"])
    assert run.exit_code == 0 and "--mapping" in run.output and "clusters.csv" in run.output


def test_all_pairs_flag_writes_every_candidate_and_blocking_json(inputs) -> None:
    import json

    tmp, mapping, files = inputs
    runs = {}
    for flag in ([], ["--all-pairs"], ["--candidates"]):
        out = tmp / ("out" + "".join(flag))
        run = CliRunner().invoke(app, ["dedupe", "--mapping", str(mapping), "--out", str(out),
                                       *flag, *map(str, files)])
        assert run.exit_code == 0, run.output
        runs[tuple(flag)] = out
    every = pd.read_csv(runs[("--all-pairs",)] / "pairs.csv", dtype=str)
    kept = pd.read_csv(runs[()] / "pairs.csv", dtype=str)
    blocking = json.loads((runs[()] / "blocking.json").read_text())
    identical = int((every["rule"] == "identical_fields").sum())
    assert identical == blocking["identical_records_collapsed"] == 1  # 'Ltd.' = 'LIMITED'
    assert blocking["candidate_pairs"] + identical == len(every) >= len(kept)
    assert {r["rule"] for r in blocking["rules"]} >= {"postal_code", "phone"}
    assert (kept["decision"] != "non_match").all() or (
        kept["match_probability"].astype(float) >= 0.01).all()
    candidates = pd.read_parquet(runs[("--candidates",)] / "candidate_pairs.parquet")
    assert len(candidates) == len(every) and candidates["identical"].sum() == identical


def test_state_option_writes_a_match_state_that_loads(inputs) -> None:
    from matching.state import MatchState

    tmp, mapping, files = inputs
    code, output = _run(["--mapping", str(mapping), "--out", str(tmp / "out"),
                         "--state", str(tmp / "state"), *map(str, files)])
    assert code == 0, output
    assert "match state in" in output
    state = MatchState.load(tmp / "state")
    assert len(state.records) == 6
    assert state.model.thresholds.auto_match > 0
