"""Personal values never reach Dagster's event log or metadata; a SIN reaches no table."""

import shutil

import dagster as dg
import pandas as pd
import sqlalchemy as sa
from stdnum.ca import sin as sin_numbers

from pipelines.definitions import JOB_NAME, build_definitions
from sources.demo import generate_demo_registers

PLANTED_SIN = "193 456 787"  # passes the SIN check digit; made up for this test


def test_no_personal_value_in_events_and_no_sin_in_the_store(tmp_path, monkeypatch, sqlite_url):
    assert sin_numbers.is_valid(PLANTED_SIN)
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=300, seed=11)
    companies = data / "rjsc" / "companies.csv"
    frame = pd.read_csv(companies, dtype=str, keep_default_na=False)
    owners = frame.loc[frame["Owner Name"] != "", "Owner Name"]
    assert len(owners) >= 5, "the demo must have sole proprietors for this test to mean anything"
    homes = frame.loc[frame["Owner Address"] != "", "Owner Address"]
    first_owner = owners.index[0]
    frame.loc[first_owner, "Owner Address"] = f"{frame.at[first_owner, 'Owner Address']} " \
        f"NAS {PLANTED_SIN}"
    frame.to_csv(companies, index=False)
    with companies.open("a", encoding="utf-8") as handle:  # unreadable: quarantined at read
        handle.write(f"9999999,Business Name,Too Many Fields,{PLANTED_SIN},x,y\n")

    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    monkeypatch.setenv("UBR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    with dg.DagsterInstance.ephemeral() as instance:
        result = build_definitions().resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False)
        assert result.success
        logged = "\n".join(
            f"{record.user_message} {record.dagster_event!r}"
            for record in instance.all_logs(result.run_id))
        built = {e.asset_key for e in result.get_asset_materialization_events()}
        assert dg.AssetKey("registry_publication") in built  # publication metadata was logged
    lineage = (tmp_path / "home" / "openlineage" / "events.jsonl").read_text(encoding="utf-8")
    assert '"COMPLETE"' in lineage
    personal = set(owners) | set(homes)
    digits = PLANTED_SIN.replace(" ", "")
    for where, text in (("Dagster's event log", logged), ("the OpenLineage events", lineage)):
        leaked = sorted(value for value in personal if value in text)
        assert not leaked, f"{len(leaked)} personal value(s) in {where}"
        assert PLANTED_SIN not in text and digits not in text, f"SIN in {where}"

    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).fetchall()
            text = " ".join(str(value) for row in rows for value in row)
            assert PLANTED_SIN not in text and digits not in text, f"SIN stored in {table}"
    engine.dispose()
    shutil.rmtree(data)
