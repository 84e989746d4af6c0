"""Mapping to canonical: value maps, constants, dates, numbers, ids, and clear failures."""

import json
from pathlib import Path

import pandas as pd
import pytest

from canonical.schema import CANONICAL_COLUMNS
from sources.config import SourceConfig
from sources.ingest import fingerprint_source, ingest_source
from sources.readers import SourceIngestError


def config(**overrides) -> SourceConfig:
    base = {
        "id": "wcb", "ministry": "Workers' Compensation", "format": "csv",
        "location": "wcb/*.csv",
        "record_id": {"columns": ["Account", "Location"], "prefix": "wcb-acct"},
        "mapping": {"legal_name": "Name", "status": "Status", "registration_date": "Opened",
                    "naics_code": "NAICS", "owner_name": "Owner"},
        "constants": {"address_type": "mailing"},
        "value_maps": {"status": {"A": "active", "C": "closed"}},
        "date_formats": {"registration_date": "%Y/%m/%d"},
        "number_columns": ["NAICS"],
        "optional_columns": ["Owner"],
    }
    base.update(overrides)
    return SourceConfig.model_validate(base)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "wcb" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_value_maps_constants_and_canonical_shape(tmp_path):
    write(tmp_path, "a.csv",
          "Account,Location,Name,Status,Opened,NAICS\n"
          "100, 01 ,  FUNDY FISHERIES LTD  ,A,2001/02/03,114113\n"
          "101,01,CLOSED CO,C,,\n"
          "102,01,ODD CO,Z,2001/02/03,311\n")
    batch = ingest_source(config(), tmp_path)
    records = batch.records
    assert list(records.columns) == list(CANONICAL_COLUMNS)
    assert records["source_record_id"].tolist() == ["wcb-acct:100:01", "wcb-acct:101:01",
                                                    "wcb-acct:102:01"]
    assert records["legal_name"].iloc[0] == "FUNDY FISHERIES LTD"
    assert records["status"].tolist() == ["active", "closed", "Z"]  # unknown codes kept
    assert (records["address_type"] == "mailing").all()
    assert records["owner_name"].isna().all()  # optional column absent
    assert records["registration_date"].isna().iloc[1]
    assert records["record_hash"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert records["record_hash"].nunique() == 3


def test_bad_date_number_and_empty_id_are_quarantined_with_every_reason(tmp_path):
    write(tmp_path, "a.csv",
          "Account,Location,Name,Status,Opened,NAICS,Owner\n"
          "100,01,GOOD LTD,A,2001/02/03,114113,\n"
          "101,01,BAD DATE LTD,A,03-02-2001,1141x3,Jane Roe\n"
          ",01,NO ID LTD,A,2001/02/03,1,\n")
    batch = ingest_source(config(), tmp_path)
    assert batch.records["source_record_id"].tolist() == ["wcb-acct:100:01"]
    quarantine = batch.quarantine.set_index("source_line")
    assert quarantine.at[3, "reason"] == (
        "value in column 'Opened' is not a date in the format %Y/%m/%d; "
        "value in column 'NAICS' is not a number")
    assert quarantine.at[3, "column"] == "Opened,NAICS"
    assert quarantine.at[3, "source_record_id"] == "wcb-acct:101:01"
    assert quarantine.at[3, "stage"] == "map"
    assert "Jane Roe" not in quarantine.at[3, "reason"]
    assert json.loads(quarantine.at[3, "raw_record"])["Name"] == "BAD DATE LTD"
    assert quarantine.at[4, "reason"] == "record id column 'Account' is empty"
    assert batch.rows_read == 3
    batch.reconcile()


def test_missing_required_column_fails_the_source_naming_it(tmp_path):
    path = write(tmp_path, "a.csv", "Account,Location,Name,Opened,NAICS\n1,1,X,2001/01/01,1\n")
    with pytest.raises(SourceIngestError) as error:
        ingest_source(config(), tmp_path)
    message = str(error.value)
    assert "source 'wcb'" in message and str(path) in message and "'Status'" in message
    # Counts, not the names found: a first line may be data (tests/test_error_messages.py).
    assert "it has 5 column(s), 5 of the 6 required among them" in message
    assert "Location" not in message and "NAICS" not in message


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(SourceIngestError, match=r"source 'wcb': no file found at .*wcb/\*\.csv"):
        ingest_source(config(), tmp_path)
    write(tmp_path, "a.dbf", "x")
    with pytest.raises(SourceIngestError, match=r"cannot tell the format of .*a\.dbf"):
        ingest_source(config(format="auto", location="wcb/*"), tmp_path)


def test_several_files_and_checksums(tmp_path):
    header = "Account,Location,Name,Status,Opened,NAICS\n"
    first = write(tmp_path, "a.csv", header + "1,1,A,A,2001/01/01,1\n")
    write(tmp_path, "b.csv", header + "2,1,B,A,2001/01/01,1\n3,1,C,A,2001/01/01,1\n")
    batch = ingest_source(config(), tmp_path)
    assert batch.rows_read == 3 and [f.rows for f in batch.files] == [1, 2]
    before = batch.checksum
    assert ingest_source(config(), tmp_path).checksum == before  # unchanged: same checksum
    assert [f.sha256 for f in fingerprint_source(config(), tmp_path)] == [
        f.sha256 for f in batch.files]
    first.write_text(header + "1,1,A CHANGED,A,2001/01/01,1\n", encoding="utf-8")
    assert ingest_source(config(), tmp_path).checksum != before


def test_empty_file_body_gives_no_records(tmp_path):
    write(tmp_path, "a.csv", "Account,Location,Name,Status,Opened,NAICS\n")
    batch = ingest_source(config(), tmp_path)
    assert batch.rows_read == 0 and batch.records.empty
    assert isinstance(batch.records, pd.DataFrame)
