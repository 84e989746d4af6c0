"""Field size limits: a value longer than its field's limit is quarantined, raw rows bounded.

A hostile tester put a 1 MB legal name in a register: it became the golden name of a business
in every export. Now each canonical text field has a documented maximum length (overridable
per source with `max_lengths`), a longer value sends its row to quarantine with a reason
naming the column and the limit, and the raw row kept in quarantine is cut to a bounded size.
"""

import csv
import json

import pandas as pd
import pytest
from sources_helpers import make_config

from canonical.field_limits import (
    DEFAULT_MAX_LENGTHS,
    RAW_RECORD_LIMIT,
    RAW_VALUE_LIMIT,
)
from canonical.quarantine import raw_json
from registry import RegistryStore
from sources.config import ConfigError, load_sources
from sources.ingest import ingest_source
from sources.readers import SourceIngestError
from sources.readers.delimited import FIELD_SIZE_LIMIT

MEGABYTE = 1_000_000
REASON = ("value in column 'name' is longer than 300 characters, the limit for legal_name "
          "(max_lengths in config/sources.yaml)")


def register(tmp_path, name: str) -> None:
    (tmp_path / "in.csv").write_text(
        f"id,name,date\n1,Alpha Ltd,2020-01-01\n2,{name},2020-01-02\n3,Gamma Inc.,2020-01-03\n",
        encoding="utf-8")


def test_megabyte_legal_name_is_quarantined_and_nothing_stored_is_long(tmp_path, database_url):
    register(tmp_path, "Beta " * (MEGABYTE // 5))
    batch = ingest_source(make_config(), tmp_path)
    assert batch.records["legal_name"].tolist() == ["Alpha Ltd", "Gamma Inc."]
    assert len(batch.quarantine) == 1
    row = batch.quarantine.iloc[0]
    assert (row["source_line"], row["stage"], row["column"], row["reason"]) == (
        3, "map", "name", REASON)
    assert row["source_record_id"] == "test_src:2"
    assert len(row["raw_record"]) <= RAW_RECORD_LIMIT
    shown = json.loads(row["raw_record"])["name"]
    assert len(shown) < RAW_VALUE_LIMIT + 40 and shown.endswith("[cut: 1,000,000 characters]")
    batch.reconcile()

    with RegistryStore(database_url) as store:
        store.migrate()
        run_id = store.start_run("cfg", "v1")
        store.save_source_batch(run_id, batch.source, batch.records, batch.quarantine,
                                [(f.path, f.sha256, f.size_bytes, f.rows) for f in batch.files],
                                batch.rows_read)
        stored = store.load_source_records()
        kept = store.list_quarantine(include_raw=True)
    assert stored["legal_name"].str.len().max() <= DEFAULT_MAX_LENGTHS["legal_name"]
    assert kept["reason"].tolist() == [REASON]
    assert kept["raw_record"].str.len().max() <= RAW_RECORD_LIMIT


def test_limit_is_per_field_and_per_source(tmp_path):
    register(tmp_path, "B" * 400)
    assert ingest_source(make_config(), tmp_path).rows_quarantined == 1
    raised = ingest_source(make_config(max_lengths={"legal_name": 500}), tmp_path)
    assert raised.rows_quarantined == 0 and raised.rows_accepted == 3
    lowered = ingest_source(make_config(max_lengths={"legal_name": 9}), tmp_path)
    assert lowered.records["legal_name"].tolist() == ["Alpha Ltd"]  # 9 characters: kept
    assert set(lowered.quarantine["reason"].str.contains("longer than 9 characters")) == {True}


def test_overlong_record_id_is_quarantined_without_storing_the_id(tmp_path):
    (tmp_path / "in.csv").write_text(
        f"id,name,date\n{'9' * 500},Alpha Ltd,2020-01-01\n2,Beta Ltd,2020-01-02\n",
        encoding="utf-8")
    batch = ingest_source(make_config(), tmp_path)
    assert batch.records["source_record_id"].tolist() == ["test_src:2"]
    row = batch.quarantine.iloc[0]
    assert row["column"] == "id" and "limit for source_record_id" in row["reason"]
    assert pd.isna(row["source_record_id"])  # not kept: it is the over-long value


def test_every_text_field_has_a_default_limit():
    from canonical.schema import DATE_FIELDS, MAPPABLE_FIELDS

    assert set(MAPPABLE_FIELDS) - DATE_FIELDS <= set(DEFAULT_MAX_LENGTHS)
    assert DEFAULT_MAX_LENGTHS["email"] == 254 and DEFAULT_MAX_LENGTHS["legal_name"] == 300


@pytest.mark.parametrize(("limits", "expected"), [
    ({"legal_nme": 500}, "key 'max_lengths': max_lengths names unknown canonical field(s) "
                         "['legal_nme']"),
    ({"legal_name": 0}, "key 'max_lengths.legal_name': Input should be greater than or equal "
                        "to 1"),
    ({"legal_name": "long"}, "key 'max_lengths.legal_name': Input should be a valid integer"),
])
def test_max_lengths_is_validated_naming_file_source_and_key(tmp_path, limits, expected):
    path = tmp_path / "sources.yaml"
    entry = {"id": "rjsc", "ministry": "RJSC", "format": "csv", "location": "a.csv",
             "record_id": {"columns": ["id"]}, "mapping": {"legal_name": "name"},
             "max_lengths": limits}
    path.write_text(json.dumps({"version": 1, "sources": [entry]}), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert message.startswith(f"{path}: entry 1 (id 'rjsc'), ")
    assert expected in message


def test_raw_record_is_bounded_with_a_marker():
    one = json.loads(raw_json({"name": "x" * 5000, "id": "7"}))
    assert one == {"name": "x" * RAW_VALUE_LIMIT + "… [cut: 5,000 characters]", "id": "7"}
    wide = raw_json({f"column_{i}": "y" * 5000 for i in range(100)})
    assert len(wide) <= RAW_RECORD_LIMIT
    assert json.loads(wide)["cut"].startswith("raw row of ")
    # A cut never leaves part of a number behind (part of a SIN, say)
    digits = json.loads(raw_json({"v": "a" * (RAW_VALUE_LIMIT - 4) + " 046 454 286"}))["v"]
    assert digits == "a" * (RAW_VALUE_LIMIT - 4) + "… [cut: 1,008 characters]"


def test_csv_field_over_the_csv_modules_limit_fails_naming_file_and_line(tmp_path):
    (tmp_path / "in.csv").write_text(
        'id,name,date\n1,Alpha Ltd,2020-01-01\n2,"' + "B" * 2000 + '",2020-01-02\n'
        "3,x,y,z\n", encoding="utf-8")  # ragged: read by the csv module
    csv.field_size_limit(1000)
    try:
        with pytest.raises(SourceIngestError) as error:
            ingest_source(make_config(), tmp_path)
    finally:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    message = str(error.value)
    assert str(tmp_path / "in.csv") in message and "after line 2" in message
    assert "BBB" not in message


def test_documented_defaults_match_the_code():
    """docs/configuration.md lists every default limit as the code has it."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text("utf-8")
    for field, limit in DEFAULT_MAX_LENGTHS.items():
        assert f"| `{field}` | {limit} |" in text, field
    words = " ".join(text.split())
    assert f"cut at {RAW_VALUE_LIMIT:,} characters" in words
    assert f"longer than {RAW_RECORD_LIMIT:,} characters" in words
