"""Every reader: rows as they were, line numbers, and unreadable rows quarantined."""

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from sources_helpers import make_config

from sources.ingest import ingest_source
from sources.readers import LINE_COLUMN, SourceIngestError


def test_csv_line_numbers_field_count_and_bad_bytes(tmp_path):
    (tmp_path / "in.csv").write_bytes(
        b'id,name,date\n'
        b'1,"Boulangerie Ch\xc3\xa9ticamp Lt\xc3\xa9e",2020-01-02\n'
        b'2,"Multi\nline Inc.",2020-01-03\n'
        b'\n'
        b'3,Too,many,fields\n'
        b'4,Bad \xff byte Ltd,2020-01-04\n'
        b'5,Last Co,2020-01-05\n'
    )
    batch = ingest_source(make_config(), tmp_path)
    records = batch.records.set_index("source_record_id")
    assert list(records.index) == ["test_src:1", "test_src:2", "test_src:5"]
    assert records.loc["test_src:1", "legal_name"] == "Boulangerie Chéticamp Ltée"
    assert records.loc["test_src:2", "legal_name"] == "Multi\nline Inc."
    assert records["source_line"].tolist() == [2, 3, 8]
    quarantine = batch.quarantine.sort_values("source_line")
    assert quarantine["source_line"].tolist() == [6, 7]
    assert quarantine["reason"].iloc[0] == "expected 3 fields separated by ',', found 4"
    assert quarantine["reason"].iloc[1] == "bytes not valid in encoding utf-8 in column 'name'"
    assert set(quarantine["stage"]) == {"read"}
    assert batch.rows_read == 5 == batch.rows_accepted + batch.rows_quarantined


def test_semicolon_csv_with_french_dates(tmp_path):
    (tmp_path / "in.csv").write_text(
        "No;Raison sociale;Date\nP-1;Les Élégants S.E.N.C.;31/12/2019\n", encoding="utf-8")
    config = make_config(delimiter=";", record_id={"columns": ["No"]},
                         mapping={"legal_name": "Raison sociale", "registration_date": "Date"},
                         date_formats={"registration_date": "%d/%m/%Y"})
    batch = ingest_source(config, tmp_path)
    assert batch.records.at[0, "registration_date"] == dt.datetime(2019, 12, 31)
    assert batch.records.at[0, "source_record_id"] == "test_src:P-1"


def test_jsonl_latin1_broken_lines_and_lists(tmp_path):
    lines = [
        json.dumps({"id": 1, "name": "Société Générale Ltée", "date": "2021-05-06",
                    "programs": ["RT0001", "RP0001"]}, ensure_ascii=False),
        "{not json",
        "[1, 2]",
        json.dumps({"id": 2, "name": "Acadie Co.", "date": None}, ensure_ascii=False),
    ]
    (tmp_path / "in.jsonl").write_bytes("\n".join(lines).encode("latin-1"))
    config = make_config(format="jsonl", location="in.jsonl", encoding="latin-1",
                         mapping={"legal_name": "name", "registration_date": "date",
                                  "program_accounts": "programs"})
    batch = ingest_source(config, tmp_path)
    assert batch.records["legal_name"].tolist() == ["Société Générale Ltée", "Acadie Co."]
    assert batch.records.at[0, "program_accounts"] == "RT0001;RP0001"
    assert batch.records["source_line"].tolist() == [1, 4]
    reasons = batch.quarantine.sort_values("source_line")["reason"].tolist()
    assert reasons[0].startswith("not valid JSON")
    assert reasons[1] == "expected a JSON object, found list"
    batch.reconcile()


def test_xlsx_typed_cells_and_missing_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Permis"
    sheet.append(["id", "name", "date"])
    sheet.append([101, "Pêcheries Arichat Ltée", dt.datetime(2018, 3, 4)])
    sheet.append([None, None, None])
    sheet.append([102, "Cap-Pelé Inc.", "05/06/2017"])
    workbook.save(tmp_path / "in.xlsx")
    config = make_config(format="auto", location="in.*",
                         date_formats={"registration_date": "%d/%m/%Y"})
    batch = ingest_source(config, tmp_path)
    assert batch.records["source_record_id"].tolist() == ["test_src:101", "test_src:102"]
    assert batch.records["registration_date"].tolist() == [
        dt.datetime(2018, 3, 4), dt.datetime(2017, 6, 5)]
    assert batch.records["source_line"].tolist() == [2, 4]
    with pytest.raises(SourceIngestError, match="no sheet 'Licences'; sheets: \\['Permis'\\]"):
        ingest_source(make_config(format="xlsx", location="in.xlsx", sheet="Licences"), tmp_path)


def test_fixed_width_short_line(tmp_path):
    (tmp_path / "in.dat").write_text(
        "0001Alpha Ltd           20200101\n"
        "0002Beta\n"
        "0003Gamma Inc.          20200202\n", encoding="utf-8")
    layout = [{"name": "id", "start": 1, "width": 4}, {"name": "name", "start": 5, "width": 20},
              {"name": "date", "start": 25, "width": 8}]
    config = make_config(format="fixed_width", location="in.dat", fixed_width=layout,
                         date_formats={"registration_date": "%Y%m%d"})
    batch = ingest_source(config, tmp_path)
    assert batch.records["legal_name"].tolist() == ["Alpha Ltd", "Gamma Inc."]
    assert batch.quarantine["reason"].tolist() == [
        "line has 8 characters; the layout needs at least 25"]
    assert batch.quarantine["source_line"].tolist() == [2]


def test_sql_table_and_query(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE accounts (id INTEGER, name TEXT, date TEXT)"))
        connection.execute(sa.text(
            "INSERT INTO accounts VALUES (7, 'ÉPICERIE DU QUAI', '2015-07-01'), (8, 'X', NULL)"))
    engine.dispose()
    batch = ingest_source(make_config(format="sql", location=None, url=url, table="accounts"),
                          tmp_path)
    assert batch.records["legal_name"].tolist() == ["ÉPICERIE DU QUAI", "X"]
    assert batch.records["source_record_id"].tolist() == ["test_src:7", "test_src:8"]
    query = make_config(format="sql", location=None, url=url,
                        query="SELECT id, name, date FROM accounts WHERE id = 8")
    assert ingest_source(query, tmp_path).rows_read == 1
    with pytest.raises(SourceIngestError, match="table 'missing' not found in sqlite:///"):
        ingest_source(make_config(format="sql", location=None, url=url, table="missing"),
                      tmp_path)


def test_sql_url_uses_data_dir_variable(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (id TEXT, name TEXT, date TEXT)"))
    engine.dispose()
    config = make_config(format="sql", location=None, url="sqlite:///${UBR_DATA_DIR}/db.sqlite",
                         table="t")
    assert ingest_source(config, tmp_path).rows_read == 0


def test_raw_rows_keep_line_column(tmp_path):
    from sources.config import SourceFormat
    from sources.readers import read_file

    (tmp_path / "in.csv").write_text("id,name,date\n1,A,\n", encoding="utf-8")
    raw = read_file(make_config(), tmp_path / "in.csv", SourceFormat.CSV)
    assert raw.rows[LINE_COLUMN].tolist() == [2]
    assert raw.rows["date"].isna().all()


def test_missing_sqlite_file_is_an_error_not_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'absent.sqlite'}"
    with pytest.raises(SourceIngestError, match=r"source 'test_src': database file .* not found"):
        ingest_source(make_config(format="sql", location=None, url=url, table="t"), tmp_path)
    assert not (tmp_path / "absent.sqlite").exists()


def test_fast_and_careful_csv_paths_read_the_same_rows(tmp_path):
    from sources.readers.delimited import _read_with_arrow, _read_with_csv_module
    from sources.readers.raw import decode_file

    path = tmp_path / "in.csv"
    path.write_text(
        "\ufeffid,name,date\n"
        '007,"Pêcheries ""Le Quai"" Ltée",2020-01-02\n'
        "\n"
        "008,  spaced  ,\n"
        '009,"Virgule, Inc.",2021-03-04\n', encoding="utf-8")
    text, clean = decode_file(path, "utf-8")
    fast = _read_with_arrow(make_config(), path, text)
    careful = _read_with_csv_module(make_config(), path, text, clean)
    assert fast is not None
    assert fast.columns == careful.columns == ["id", "name", "date"]
    pd.testing.assert_frame_equal(fast.rows, careful.rows)
    assert fast.rows["id"].tolist() == ["007", "008", "009"]
    assert fast.rows[LINE_COLUMN].tolist() == [2, 4, 5]

    path.write_text('id,name,date\n1,"two\nlines",\n', encoding="utf-8")
    text, _ = decode_file(path, "utf-8")
    assert _read_with_arrow(make_config(), path, text) is None  # a record spans lines


def test_fast_path_matches_on_the_demo_register(tmp_path):
    from canonical.paths import DEFAULT_SOURCES_CONFIG
    from sources.config import load_sources
    from sources.demo import generate_demo_registers
    from sources.readers.delimited import _read_with_arrow, _read_with_csv_module
    from sources.readers.raw import decode_file

    generate_demo_registers(tmp_path, businesses=400, seed=5)
    config = load_sources(DEFAULT_SOURCES_CONFIG).get("rjsc")
    path = tmp_path / "rjsc" / "companies.csv"
    text, clean = decode_file(path, config.encoding)
    fast = _read_with_arrow(config, path, text)
    assert fast is not None
    pd.testing.assert_frame_equal(fast.rows, _read_with_csv_module(config, path, text, clean).rows)
