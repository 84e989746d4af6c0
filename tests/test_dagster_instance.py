"""The Dagster instance UBR installs: read through Dagster's own instance schema, so a
misspelt key fails here instead of being ignored by the UI (issue 17: the community pop-up)."""

import shutil

import dagster as dg
import pytest

from ubr_cli.run import INSTANCE_TEMPLATE, ensure_dagster_home


def test_the_instance_template_turns_off_the_pop_up_and_telemetry(tmp_path):
    shutil.copy(INSTANCE_TEMPLATE, tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:  # validates the schema
        assert instance.nux_enabled is False
        assert instance.telemetry_enabled is False


def test_a_misspelt_key_is_refused_by_the_schema(tmp_path):
    """What the first test relies on: Dagster rejects keys its schema does not know."""
    (tmp_path / "dagster.yaml").write_text("nux_enabled: false\n", encoding="utf-8")
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.DagsterInstance.from_config(str(tmp_path))


def test_ubr_run_gives_a_new_dagster_home_the_template(tmp_path):
    home = ensure_dagster_home(tmp_path / "dagster")
    written = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert written == INSTANCE_TEMPLATE.read_text(encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.nux_enabled is False


def test_an_existing_instance_configuration_is_kept(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    ensure_dagster_home(tmp_path)
    assert "nux" not in (tmp_path / "dagster.yaml").read_text(encoding="utf-8")
