"""Configuration errors name the file, the entry, the key and what is allowed."""

from pathlib import Path

import pytest

from sources.config import ConfigError, load_sources

GOOD_ENTRY = """
  - id: rjsc
    ministry: Registry of Joint Stock Companies
    format: csv
    location: rjsc/companies.csv
    record_id: {columns: [Registry ID]}
    mapping: {legal_name: Legal Name}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads(tmp_path):
    config = load_sources(write(tmp_path, "version: 1\nsources:" + GOOD_ENTRY))
    source = config.get("rjsc")
    assert source.required_columns == ["Registry ID", "Legal Name"]


def test_unknown_format_names_entry_key_and_allowed_values(tmp_path):
    entry = GOOD_ENTRY.replace("format: csv", "format: dbf")
    path = write(tmp_path, "version: 1\nsources:" + entry)
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert str(path) in message
    assert "entry 1 (id 'rjsc')" in message
    assert "key 'format'" in message
    assert "'csv'" in message and "'fixed_width'" in message and "'dbf'" in message


def test_unknown_canonical_field_lists_allowed_fields(tmp_path):
    path = write(tmp_path, "version: 1\nsources:" + GOOD_ENTRY.replace(
        "mapping: {legal_name: Legal Name}", "mapping: {company_name: Legal Name}"))
    with pytest.raises(ConfigError, match=r"key 'mapping'.*company_name.*allowed: .*legal_name"):
        load_sources(path)


def test_unknown_key_is_refused(tmp_path):
    path = write(tmp_path, "version: 1\nsources:" + GOOD_ENTRY + "    delimter: ';'\n")
    with pytest.raises(ConfigError, match=r"entry 1 \(id 'rjsc'\), key 'delimter': unknown key"):
        load_sources(path)


def test_sql_source_needs_url_and_one_of_table_or_query(tmp_path):
    entry = GOOD_ENTRY.replace("format: csv", "format: sql").replace(
        "location: rjsc/companies.csv", "url: sqlite:///x.db")
    with pytest.raises(ConfigError, match="exactly one of 'table' or 'query'"):
        load_sources(write(tmp_path, "version: 1\nsources:" + entry))


def test_duplicate_ids_and_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"unique; repeated: \['rjsc'\]"):
        load_sources(write(tmp_path, "version: 1\nsources:" + GOOD_ENTRY + GOOD_ENTRY))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_sources(write(tmp_path, "sources: [unclosed"))
    with pytest.raises(ConfigError, match="not found"):
        load_sources(tmp_path / "nope.yaml")


def test_date_formats_only_for_date_fields(tmp_path):
    entry = GOOD_ENTRY + "    date_formats: {legal_name: '%d/%m/%Y'}\n"
    with pytest.raises(ConfigError, match="non-date field"):
        load_sources(write(tmp_path, "version: 1\nsources:" + entry))


def test_project_configuration_is_valid():
    config = load_sources(Path(__file__).parents[1] / "config" / "sources.yaml")
    assert {s.id for s in config.sources} == {"rjsc", "wcb", "revenue", "permits"}
