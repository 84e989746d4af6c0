"""`ubr dedupe` reads its input through the sources package: every protection a register gets
(control characters, size limits, unreadable lines, ids, SINs removed at intake), every row
accounted for in clusters.csv or quarantine.csv, and errors that never quote a cell."""

import csv
from pathlib import Path

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


HEADER = ["Id", "Site name", "Address", "Zip", "Phone"]
SITES = [
    ["1", "Maple Leaf Bakery Ltd.", "12 Main Street", "B3H 1A1", "902-555-0101"],
    ["2", "MAPLE LEAF BAKERY LIMITED", "12 Main St", "B3H1A1", "(902) 555-0101"],
    ["3", "Harbour Dental Clinic", "400 Water St", "B2Y 3Z4", "902 555 0199"],
    ["4", "Harbour Dental", "400 Water Street", "B2Y3Z4", ""],
    ["5", "Bluenose Roofing", "7 King St", "B4N 2P1", "902-555-0123"],
    ["6", "Atlantic Fisheries Inc", "99 Wharf Rd", "B0J 2E0", "902-555-0177"],
]
MAPPING = "id: Id\nfields: {name: Site name, address: Address, postal_code: Zip, phone: Phone}\n"
SECRET = "Jeanne Tremblay-Secret"  # a value that must never be quoted


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(tmp: Path, files: list[Path], mapping: str = MAPPING,
         extra: tuple[str, ...] = ()) -> tuple[int, str, Path]:
    (tmp / "mapping.yaml").write_text(mapping)
    out = tmp / "out"
    run = CliRunner().invoke(app, ["dedupe", "--mapping", str(tmp / "mapping.yaml"),
                                   "--out", str(out), *extra, *map(str, files)])
    return run.exit_code, run.output, out


def _outputs(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    clusters = pd.read_csv(out / "clusters.csv", dtype=str, keep_default_na=False)
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    return clusters, quarantine


def _all_text(*folders: Path) -> str:
    """Every file the run wrote, as text (Parquet and JSON included, bytes decoded leniently)."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace")
                     for folder in folders for p in folder.rglob("*") if p.is_file())


def test_good_input_has_an_empty_quarantine(tmp_path) -> None:
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", SITES)])
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 6 and quarantine.empty
    assert list(quarantine.columns) == ["file", "line", "record_id", "column", "reason"]
    assert "0 rows quarantined" in output and "quarantine.csv" in output


def test_control_character_row_is_quarantined_with_file_line_and_column(tmp_path) -> None:
    rows = [*SITES, ["7", SECRET + "\x00", "1 Rue X", "B3H 1A1", ""]]
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)])
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) + len(quarantine) == 7  # every row read is accounted for
    assert "7" not in set(clusters["record_id"])
    row = quarantine.iloc[0]
    assert (row["file"], row["line"], row["column"]) == ("a.csv", "8", "Site name")
    assert "U+0000" in row["reason"]
    assert "quarantined 1 of 7 rows" in output and "1 rows quarantined" in output
    assert SECRET not in output and SECRET not in _all_text(out)


def test_over_long_value_is_quarantined_and_the_mapping_can_raise_the_limit(tmp_path) -> None:
    long_name = "Maple " * 60  # 360 characters, over the default 300 for a name
    rows = [*SITES, ["7", long_name, "1 Main St", "B3H 1A1", ""]]
    files = [_write(tmp_path / "a.csv", rows)]
    code, output, out = _run(tmp_path, files)
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 6 and quarantine["line"].tolist() == ["8"]
    reason = quarantine["reason"].iloc[0]
    assert "longer than 300 characters" in reason and "mapping file" in reason
    assert "config/sources.yaml" not in reason and "Maple Maple" not in reason
    code, output, out = _run(tmp_path, files, MAPPING + "max_lengths: {name: 500}\n")
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 7 and quarantine.empty


def test_over_long_id_names_the_record_id_limit(tmp_path) -> None:
    rows = [*SITES, ["x" * 201, "Bluenose Roofing", "7 King St", "B4N 2P1", ""]]
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)])
    assert code == 0, output
    _, quarantine = _outputs(out)
    reason = quarantine["reason"].iloc[0]
    assert "longer than 200 characters, the limit for record ids" in reason
    assert quarantine["record_id"].iloc[0] == ""  # the id is the problem: not repeated


def test_unreadable_line_is_quarantined_not_fatal(tmp_path) -> None:
    path = _write(tmp_path / "a.csv", SITES)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"7,{SECRET},1 Main St,B3H 1A1,902-555-0000,extra\n")
    code, output, out = _run(tmp_path, [path])
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 6 and quarantine["line"].tolist() == ["8"]
    assert "expected 5 fields" in quarantine["reason"].iloc[0]
    assert SECRET not in _all_text(out)


def test_empty_id_is_quarantined(tmp_path) -> None:
    rows = [*SITES, ["", "Bluenose Roofing", "7 King St", "B4N 2P1", ""]]
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)])
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 6
    assert quarantine[["line", "column"]].values.tolist() == [["8", "Id"]]
    assert "record id column 'Id' is empty" in quarantine["reason"].iloc[0]


def test_repeated_id_quarantines_every_copy_naming_lines_not_the_id(tmp_path) -> None:
    rows = [list(r) for r in SITES]
    rows[3][0] = rows[5][0] = "=1+1"  # lines 5 and 7; formula-like, to check the writer
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)])
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 4 and "=1+1" not in set(clusters["record_id"])
    assert quarantine["line"].tolist() == ["5", "7"]
    assert set(quarantine["record_id"]) == {"'=1+1"}  # CSV-injection-safe writer
    reason = quarantine["reason"].iloc[0]
    assert "column 'Id' is not unique" in reason and "lines 5, 7" in reason
    assert "=1+1" not in reason


def test_ids_may_repeat_across_files(tmp_path) -> None:
    first = _write(tmp_path / "a.csv", SITES[:3])
    second = _write(tmp_path / "b.csv", SITES[3:])
    second_rows = pd.read_csv(second, dtype=str).assign(Id=["1", "2", "3"])
    second_rows.to_csv(second, index=False)
    code, output, out = _run(tmp_path, [first, second])
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 6 and quarantine.empty


def test_sin_in_a_field_is_removed_before_anything_is_written(tmp_path) -> None:
    rows = [*SITES, ["7", "Bluenose Roofing 046 454 286", "7 King St", "B4N 2P1", ""]]
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)],
                             extra=("--state", str(tmp_path / "state")))
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 7 and quarantine.empty  # linked, without the value
    assert "removed 1 SIN-like value(s) at intake (legal_name 1)" in output
    text = _all_text(out, tmp_path / "state")
    assert "046 454 286" not in text and "046454286" not in text


def test_sin_as_record_id_quarantines_the_record_without_the_id(tmp_path) -> None:
    rows = [*SITES, ["046 454 286", "Bluenose Roofing", "7 King St", "B4N 2P1", ""]]
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)],
                             extra=("--state", str(tmp_path / "state")))
    assert code == 0, output
    clusters, quarantine = _outputs(out)
    assert len(clusters) == 6
    assert quarantine[["line", "record_id", "column"]].values.tolist() == [["8", "", "Id"]]
    assert "social insurance number" in quarantine["reason"].iloc[0]
    assert "046 454 286" not in _all_text(out, tmp_path / "state") + output


def test_everything_quarantined_is_a_sentence_and_the_list_is_written(tmp_path) -> None:
    rows = [["", "Maple Leaf Bakery", "12 Main St", "B3H 1A1", ""]] * 2
    code, output, out = _run(tmp_path, [_write(tmp_path / "a.csv", rows)])
    assert code == 1 and "no record to link" in output and "Traceback" not in output
    assert len(pd.read_csv(out / "quarantine.csv")) == 2


def test_headerless_file_says_so_without_quoting_its_first_line(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"1,{SECRET},12 Main St,B3H 1A1,902-555-0101\n")
    code, output, _ = _run(tmp_path, [path])
    assert code == 1 and "a.csv" in output and "header line" in output
    assert "'Site name'" in output and SECRET not in output


def test_empty_file_is_a_sentence_naming_the_file(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("")
    code, output, _ = _run(tmp_path, [path])
    assert code == 1 and "a.csv is empty (expected a header line)" in output
    assert "source 'dedupe'" not in output


def test_the_same_file_twice_is_refused(tmp_path) -> None:
    path = _write(tmp_path / "a.csv", SITES)
    code, output, _ = _run(tmp_path, [path, path])
    assert code == 1 and "named more than once" in output


def test_repeated_header_name_used_by_the_mapping_is_refused(tmp_path) -> None:
    """On the reader's careful path (here: a short row), which keeps the header as written.
    (Its fast path gets names already made unique by pandas, 'Phone.1': see the report.)"""
    rows = [[*r, "x"] for r in SITES] + [["7", "short row"]]
    path = _write(tmp_path / "a.csv", rows, [*HEADER, "Phone"])
    code, output, _ = _run(tmp_path, [path])
    assert code == 1 and "'Phone'" in output and "more than once" in output


@pytest.mark.parametrize(("mapping", "expected"), [
    ("id: Id\nfields: {nme: Site name}\n", "key 'fields': 'nme' is not a field"),
    ("id: Id\nfields: {name: Site name}\ncolour: red\n",
     "key 'colour': unknown key; allowed: id, fields, max_lengths"),
    ("fields: {name: Site name}\n", "key 'id'"),
    ("id: Id\nfields: {name: Site name, legal_name: Address}\n", "mapped twice"),
    ("id: Id\nfields: {name: Site name}\nmax_lengths: {name: 0}\n", "key 'max_lengths.name'"),
    ("id: Id\nfields: [name\n", "not valid YAML"),
])
def test_mapping_errors_name_the_file_and_the_key(tmp_path, mapping, expected) -> None:
    code, output, _ = _run(tmp_path, [_write(tmp_path / "a.csv", SITES)], mapping)
    assert code == 1 and "mapping file" in output and "mapping.yaml" in output
    assert expected in output and "Traceback" not in output


def test_linked_fields_are_the_fields_the_matcher_reads() -> None:
    from matching.standardise import INPUT_COLUMNS
    from sources.adhoc import FIELD_ALIASES, LINKED_FIELDS

    assert LINKED_FIELDS == INPUT_COLUMNS
    assert set(FIELD_ALIASES.values()) <= set(LINKED_FIELDS)
