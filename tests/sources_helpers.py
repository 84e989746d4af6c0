"""Builders shared by the reader, control-character and field-limit tests (no tests here)."""

from sources.config import SourceConfig


def make_config(**overrides) -> SourceConfig:
    """A small CSV source (`in.csv`: id, name, date) with any key overridden."""
    base = {
        "id": "test_src", "ministry": "Test", "format": "csv", "location": "in.csv",
        "record_id": {"columns": ["id"]},
        "mapping": {"legal_name": "name", "registration_date": "date"},
    }
    base.update(overrides)
    return SourceConfig.model_validate(base)
