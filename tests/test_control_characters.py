"""Control characters are quarantined at read, in every reader, and never reach the store.

A hostile tester put a NUL byte in one cell: every run on PostgreSQL then stopped with
`CharacterNotInRepertoire` in COPY, naming no file or line. Now the row goes to quarantine
(file, line, column, code point), the rest of the register is accepted, and the batch, the
quarantined raw row included, is stored on SQLite and on PostgreSQL.
"""

import json

import openpyxl
import pytest
import sqlalchemy as sa
from sources_helpers import make_config

from canonical.quarantine import raw_json
from registry import RegistryStore
from sources.ingest import ingest_source


def nul_register(tmp_path, careful: bool = False):
    """Three rows; the second's name holds a NUL. `careful`: a quoted line break too."""
    name = '"Multi\nline Inc."' if careful else "Gamma Inc."
    (tmp_path / "in.csv").write_text(
        "id,name,date\n1,Alpha Ltd,2020-01-01\n2,Be\x00ta Ltd,2020-01-02\n"
        f"3,{name},2020-01-03\n", encoding="utf-8")
    return ingest_source(make_config(), tmp_path)


@pytest.mark.parametrize("careful", [False, True], ids=["fast_reader", "careful_reader"])
def test_csv_nul_row_quarantined_with_file_line_column(tmp_path, careful):
    batch = nul_register(tmp_path, careful)
    assert batch.records["source_record_id"].tolist() == ["test_src:1", "test_src:3"]
    row = batch.quarantine.iloc[0]
    assert len(batch.quarantine) == 1
    assert (row["source_file"], row["source_line"], row["stage"], row["column"]) == (
        str(tmp_path / "in.csv"), 3, "read", "name")
    assert row["reason"] == "control character U+0000 in column 'name' (legal_name)"
    assert "\x00" not in row["raw_record"]
    assert json.loads(row["raw_record"])["name"] == "Be\\x00ta Ltd"  # a visible escape
    batch.reconcile()


def test_batch_with_a_nul_is_stored_on_both_backends(tmp_path, database_url):
    batch = nul_register(tmp_path)
    with RegistryStore(database_url) as store:
        store.migrate()
        run_id = store.start_run("cfg", "v1")
        files = [(f.path, f.sha256, f.size_bytes, f.rows) for f in batch.files]
        store.save_source_batch(run_id, batch.source, batch.records, batch.quarantine, files,
                                batch.rows_read)
        stored = store.load_source_records()
        kept = store.list_quarantine(include_raw=True)
    assert stored["legal_name"].tolist() == ["Alpha Ltd", "Gamma Inc."]
    assert kept["source_line"].tolist() == [3]
    assert kept["reason"].tolist() == ["control character U+0000 in column 'name' (legal_name)"]
    assert json.loads(kept["raw_record"].iloc[0])["name"] == "Be\\x00ta Ltd"


def test_raw_record_of_any_control_character_or_surrogate_is_storable(database_url):
    raw = raw_json({"a": "x\x00y\x1f\x7f\x85\ud800z", "tab": "a\tb\nc\rd"})
    for bad in ("\x00", "\x1f", "\x7f", "\x85", "\ud800"):
        assert bad not in raw
    assert json.loads(raw) == {"a": "x\\x00y\\x1f\\x7f\\x85\\ud800z", "tab": "a\tb\nc\rd"}
    with RegistryStore(database_url) as store:
        store.migrate()
        run_id = store.start_run("cfg", "v1")
        from canonical.quarantine import quarantine_frame
        quarantine = quarantine_frame([{"source": "s", "stage": "read", "reason": "r",
                                        "raw_record": raw}])
        store.save_source_batch(run_id, "s", store.load_source_records([]), quarantine, [], 1)
        assert store.list_quarantine(include_raw=True)["raw_record"].tolist() == [raw]


def test_jsonl_nul_escape_lone_surrogate_and_line_separators(tmp_path):
    lines = [
        '{"id": 1, "name": "Alpha\\u0000 Ltd", "date": "2020-01-01"}',
        '{"id": 2, "name": "Beta \\ud800 Ltd", "date": "2020-01-02"}',
        # U+2028 and U+0085 may stand unescaped in a JSON string: one line, not three
        '{"id": 3, "name": "Gamma\u2028Inc.", "date": "2020-01-03"}',
        '{"id": 4, "name": "Delta\x85Inc.", "date": "2020-01-04"}',
        '{"id": 5, "name": "Epsilon Inc.", "date": "2020-01-05"}',
    ]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = ingest_source(make_config(format="jsonl", location="in.jsonl"), tmp_path)
    assert batch.records["source_record_id"].tolist() == ["test_src:3", "test_src:5"]
    assert batch.records["source_line"].tolist() == [3, 5]
    reasons = dict(zip(batch.quarantine["source_line"], batch.quarantine["reason"],
                       strict=True))
    assert reasons == {
        1: "control character U+0000 in column 'name' (legal_name)",
        2: "lone surrogate U+D800 (not a character) in column 'name' (legal_name)",
        4: "control character U+0085 in column 'name' (legal_name)",
    }
    batch.reconcile()


def test_xlsx_c1_control_character(tmp_path):
    workbook = openpyxl.Workbook()  # XML cannot hold C0 controls; C1 ones it can
    workbook.active.append(["id", "name", "date"])
    workbook.active.append([1, "Alpha\x9b Ltd", "2020-01-01"])
    workbook.active.append([2, "Beta Ltd", "2020-01-02"])
    workbook.save(tmp_path / "in.xlsx")
    batch = ingest_source(make_config(format="xlsx", location="in.xlsx"), tmp_path)
    assert batch.records["legal_name"].tolist() == ["Beta Ltd"]
    assert batch.quarantine["source_line"].tolist() == [2]
    assert batch.quarantine["reason"].tolist() == [
        "control character U+009B in column 'name' (legal_name)"]


def test_fixed_width_nul_and_tab(tmp_path):
    rows = [("0001", "Alpha\x00Ltd"), ("0002", "Beta Ltd"), ("0003", "Gam\tma Inc.")]
    lines = [f"{key}{name:<20}2020010{n}" for n, (key, name) in enumerate(rows, start=1)]
    lines.append("\x0c")  # a form feed alone: str.splitlines would count it as a line break
    lines.append(f"0004{'Delta Inc.':<20}20200104")
    (tmp_path / "in.dat").write_text("\n".join(lines) + "\n", encoding="utf-8")
    layout = [{"name": "id", "start": 1, "width": 4}, {"name": "name", "start": 5, "width": 20},
              {"name": "date", "start": 25, "width": 8}]
    config = make_config(format="fixed_width", location="in.dat", fixed_width=layout,
                         date_formats={"registration_date": "%Y%m%d"})
    batch = ingest_source(config, tmp_path)
    assert batch.records["legal_name"].tolist() == ["Beta Ltd", "Delta Inc."]
    assert batch.records["source_line"].tolist() == [2, 5]
    assert batch.quarantine.sort_values("source_line")["reason"].tolist() == [
        "control character U+0000 in column 'name' (legal_name)",
        "control character U+0009 in column 'name' (legal_name)",
    ]


def test_sql_nul(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (id INTEGER, name TEXT, date TEXT)"))
        connection.execute(sa.text("INSERT INTO t VALUES (:i, :n, '2020-01-01')"),
                           [{"i": 1, "n": "Alpha\x00 Ltd"}, {"i": 2, "n": "Beta Ltd"}])
    engine.dispose()
    batch = ingest_source(make_config(format="sql", location=None, url=url, table="t"), tmp_path)
    assert batch.records["legal_name"].tolist() == ["Beta Ltd"]
    assert batch.quarantine["source_line"].tolist() == [1]
    assert batch.quarantine["reason"].tolist() == [
        "control character U+0000 in column 'name' (legal_name)"]
