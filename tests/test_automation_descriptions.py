"""The schedule and the sensors say, on the page where an operator turns them on, what starts
them, what they need and why they are off (issue 17)."""

import dagster as dg

from pipelines.automation import FILES_SENSOR, NIGHTLY_SCHEDULE
from pipelines.definitions import build_definitions


def test_the_nightly_schedule_names_its_time_how_to_turn_it_on_and_the_daemon():
    definitions = build_definitions()
    schedule = definitions.resolve_schedule_def(NIGHTLY_SCHEDULE)
    text = schedule.description or ""
    assert schedule.cron_schedule == "0 2 * * *" and "02:00" in text
    assert schedule.execution_timezone in text
    assert schedule.default_status is dg.DefaultScheduleStatus.STOPPED
    assert "Off until turned on" in text and f"dagster schedule start {NIGHTLY_SCHEDULE}" in text
    assert "daemon" in text


def test_the_file_sensor_names_what_it_watches_and_how_to_turn_it_on(tmp_path):
    definitions = build_definitions(data_dir=tmp_path)
    sensor = definitions.resolve_sensor_def(FILES_SENSOR)
    text = sensor.description or ""
    assert "checksums" in text and "new or changed" in text  # its trigger
    assert "UBR_DATA_DIR" in text and str(tmp_path.resolve()) in text  # the folder watched
    assert sensor.default_status is dg.DefaultSensorStatus.STOPPED
    assert "Off until turned on" in text and f"dagster sensor start {FILES_SENSOR}" in text
    assert "daemon" in text


def test_the_failed_run_sensor_says_what_starts_it_and_that_it_is_on():
    sensor = build_definitions().resolve_sensor_def("close_failed_registry_runs")
    text = sensor.description or ""
    assert "failed job run" in text and "On by default" in text
    assert sensor.default_status is dg.DefaultSensorStatus.RUNNING
