"""Error messages name the source, file, line and column names or counts, never a cell value.

A hostile tester fed a CSV whose first line was data (no header): the error printed that row,
a person's name, home address and SIN, as "columns found: ...", into the terminal and the
Dagster event log. Every reader's failure path is checked here with such a row.
"""

import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from canonical.schema import conform
from sources.config import SourceConfig
from sources.ingest import ingest_source
from sources.readers import SourceIngestError

NAME, STREET, SIN = "Josée Thibodeau", "12 rue des Érables", "046 454 286"
PERSONAL = (NAME, "Thibodeau", "Érables", SIN, "046454286", "454 286")


def make_config(**overrides) -> SourceConfig:
    base = {
        "id": "test_src", "ministry": "Test", "format": "csv", "location": "in.csv",
        "record_id": {"columns": ["id"]},
        "mapping": {"owner_name": "owner", "owner_address_line": "street",
                    "permit_number": "permit", "registration_date": "date"},
    }
    base.update(overrides)
    return SourceConfig.model_validate(base)


def failure(config: SourceConfig, data_dir: Path) -> str:
    with pytest.raises(SourceIngestError) as error:
        ingest_source(config, data_dir)
    return str(error.value)


def assert_no_personal_value(message: str) -> None:
    for value in PERSONAL:
        assert value not in message, f"{value!r} in: {message}"


@pytest.mark.parametrize("ragged", [False, True], ids=["fast_reader", "careful_reader"])
def test_csv_without_header_line_names_file_and_counts_not_the_row(tmp_path, ragged):
    lines = [f"1,{NAME},{STREET},{SIN},2020-01-02", "2,Jean Roy,3 ch. du Lac,,2021-03-04"]
    if ragged:  # a row with a field too many sends the file to the csv module's reader
        lines.append("3,x,y,z,2021-03-04,extra")
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = failure(make_config(), tmp_path)
    assert str(tmp_path / "in.csv") in message and "source 'test_src'" in message
    assert "'owner'" in message and "'street'" in message  # the configured names: safe
    assert "5 column(s), 0 of the 5 required" in message
    assert "may lack its header line" in message
    assert_no_personal_value(message)


def test_xlsx_without_header_row(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append([1, NAME, STREET, SIN, "2020-01-02"])
    workbook.save(tmp_path / "in.xlsx")
    message = failure(make_config(format="xlsx", location="in.xlsx"), tmp_path)
    assert str(tmp_path / "in.xlsx") in message and "may lack its header line" in message
    assert_no_personal_value(message)


def test_jsonl_of_arrays_has_no_columns_and_quotes_none(tmp_path):
    (tmp_path / "in.jsonl").write_text(
        json.dumps([1, NAME, STREET, SIN], ensure_ascii=False) + "\n", encoding="utf-8")
    message = failure(make_config(format="jsonl", location="in.jsonl"), tmp_path)
    assert str(tmp_path / "in.jsonl") in message and "0 column(s)" in message
    assert_no_personal_value(message)


def test_a_header_with_one_column_renamed_is_still_explained(tmp_path):
    (tmp_path / "in.csv").write_text(
        f"id,owner_name,street,permit,date\n1,{NAME},{STREET},{SIN},2020-01-02\n",
        encoding="utf-8")
    message = failure(make_config(), tmp_path)
    assert "has no column 'owner'" in message and "4 of the 5 required" in message
    assert "header line" not in message  # a header is there: no such hint
    assert_no_personal_value(message)


def test_sql_error_that_quotes_a_value_is_blanked(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    bad = (NAME + ", ").encode("utf-8").hex() + "e9"  # a latin-1 byte: not UTF-8
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (id TEXT, owner TEXT, street TEXT, "
                                   "permit TEXT, date TEXT)"))
        connection.execute(sa.text(
            f"INSERT INTO t VALUES ('1', CAST(x'{bad}' AS TEXT), :street, :sin, '2020-01-02')"),
            {"street": STREET, "sin": SIN})
    engine.dispose()
    message = failure(make_config(format="sql", location=None, url=url, table="t"), tmp_path)
    assert "source 'test_src'" in message and "table t" in message
    assert "OperationalError" in message
    assert_no_personal_value(message)


def test_xlsx_date_cell_holding_text_quarantines_its_row_without_quoting_it(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "owner", "street", "permit", "date"])
    workbook.active.append([1, "x", "y", "z", "2020-01-02"])
    workbook.active.append([2, "x", "y", "z", "2020-01-03"])
    workbook.save(tmp_path / "plain.xlsx")
    # A date cell holding text (openpyxl failed the whole workbook on it, quoting the cell):
    # calamine reads it as text, so the row is quarantined as a bad date, the other kept.
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "in.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="E2" t="inlineStr"><is><t>2020-01-02</t></is></c>',
                                    f'<c r="E2" t="d"><v>{NAME} {SIN}</v></c>'.encode())
            target.writestr(item, data)
    batch = ingest_source(make_config(format="xlsx", location="in.xlsx"), tmp_path)
    assert len(batch.records) == 1 and batch.records["source_line"].tolist() == [3]
    assert list(batch.quarantine["source_line"]) == [2]
    for reason in batch.quarantine["reason"]:
        assert_no_personal_value(reason)


def test_unreadable_xlsx_names_the_file_not_its_content(tmp_path):
    (tmp_path / "in.xlsx").write_bytes(b"PK\x03\x04" + f"{NAME} {SIN}".encode() * 20)
    message = failure(make_config(format="xlsx", location="in.xlsx"), tmp_path)
    assert str(tmp_path / "in.xlsx") in message and "not a readable .xlsx workbook" in message
    assert_no_personal_value(message)


def test_conform_says_which_column_and_how_many_not_what():
    with pytest.raises(ValueError) as error:
        conform(pd.DataFrame({"registration_date": [NAME, "2020-01-02", SIN]}))
    message = str(error.value)
    assert "column 'registration_date'" in message and "2 value(s)" in message
    assert_no_personal_value(message)


def test_quarantine_reasons_hold_no_value(tmp_path):
    """Every quarantine reason of a bad register is free of the values it is about."""
    (tmp_path / "in.csv").write_text(
        "id,owner,street,permit,date\n"
        f"1,{NAME},{STREET},{SIN},{NAME}\n"  # a name where a date belongs
        f"2,{NAME}\x00,{STREET},x,2020-01-02\n"  # a control character
        f"3,{NAME},{STREET},{SIN},2020-01-02,too many\n"  # a field too many
        f"4,{NAME * 30},{STREET},x,2020-01-02\n",  # longer than owner_name's limit
        encoding="utf-8")
    batch = ingest_source(make_config(), tmp_path)
    assert batch.rows_quarantined == 4
    for reason in batch.quarantine["reason"]:
        assert_no_personal_value(reason)
