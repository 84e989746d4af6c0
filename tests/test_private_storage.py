"""After a run, no SIN anywhere and no personal value in Dagster's storage; files owner-only.

A hostile tester found raw rows, personal values and SINs pickled in DAGSTER_HOME/storage
(mode 644), written before SIN removal. Every file under DAGSTER_HOME and UBR_HOME is read
back byte by byte after a run with planted values.
"""

import os
import stat
from pathlib import Path

import dagster as dg
import pandas as pd
from stdnum.ca import sin as sin_numbers

from pipelines.definitions import JOB_NAME, build_definitions
from sources.demo import generate_demo_registers
from ubr_cli.run import ensure_dagster_home

PLANTED_SIN = "193-456-787"  # passes the SIN check digit; made up for this test


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _plant(data: Path) -> set[str]:
    """Plant a SIN in a sole proprietor's home address and in an unreadable row."""
    companies = data / "rjsc" / "companies.csv"
    frame = pd.read_csv(companies, dtype=str, keep_default_na=False)
    owners = frame.loc[frame["Owner Name"] != "", "Owner Name"]
    homes = frame.loc[frame["Owner Address"] != "", "Owner Address"]
    assert len(owners) >= 5, "the demo must have sole proprietors for this test to mean anything"
    first = owners.index[0]
    frame.loc[first, "Owner Address"] = f"{frame.at[first, 'Owner Address']} NAS {PLANTED_SIN}"
    frame.to_csv(companies, index=False)
    with companies.open("a", encoding="utf-8") as handle:  # unreadable: quarantined at read
        handle.write(f"9999999,Business Name,Too Many Fields,{PLANTED_SIN},x,y\n")
    return {v for v in set(owners) | set(homes) if len(v) >= 8}


def test_no_sin_anywhere_no_personal_value_in_dagster_home_and_files_owner_only(
    tmp_path, monkeypatch, sqlite_url
):
    assert sin_numbers.is_valid(PLANTED_SIN)
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=300, seed=11)
    personal = _plant(data)
    ubr_home = tmp_path / "ubr_home"
    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    monkeypatch.setenv("UBR_DATABASE_URL", f"sqlite:///{ubr_home / 'registry.sqlite'}")
    monkeypatch.setenv("UBR_HOME", str(ubr_home))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    dagster_home = ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        result = build_definitions().resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False)
        assert result.success
    dagster_files, ubr_files = _files(dagster_home), _files(ubr_home)
    assert len(dagster_files) >= 3 and len(ubr_files) >= 3
    assert any(p.suffix == ".parquet" for p in ubr_files), "step outputs are kept as Parquet"

    digits = PLANTED_SIN.replace("-", "").encode()
    spellings = (PLANTED_SIN.encode(), digits, PLANTED_SIN.replace("-", " ").encode())
    for path in dagster_files + ubr_files:
        content = path.read_bytes()
        assert not any(s in content for s in spellings), f"a SIN is in {path.name}"
    for path in dagster_files:
        content = path.read_bytes()
        leaked = [v for v in personal if v.encode() in content]
        assert not leaked, f"{len(leaked)} personal value(s) in Dagster's {path.name}"
    for path in [dagster_home, ubr_home, *dagster_files, *ubr_files,
                 *(p for p in (*dagster_home.rglob("*"), *ubr_home.rglob("*")) if p.is_dir())]:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is readable by others ({mode:o})"
