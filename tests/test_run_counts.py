"""One set of match counts with one meaning: record pairs, the same in every report of a run.

The hostile tester read `10,042 match, 100 review` on the terminal, `122 pair(s) awaiting
review` in the summary and `auto_matches 32860` in Dagster: three meanings of "pairs".
"""

import logging
import re
from pathlib import Path

import dagster as dg

from pipelines.definitions import JOB_NAME, build_definitions
from registry.golden_store import GoldenStore
from registry.store import RegistryStore
from sources.demo import generate_demo_registers


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_terminal_summary_dagster_metadata_and_store_agree_on_pair_counts(
    tmp_path, monkeypatch, sqlite_url, caplog
):
    data = tmp_path / "data"
    generate_demo_registers(data, businesses=300, seed=4)
    monkeypatch.setenv("UBR_DATA_DIR", str(data))
    monkeypatch.setenv("UBR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UBR_HOME", str(tmp_path / "home"))
    with caplog.at_level(logging.INFO, logger="ubr.progress"), \
            dg.DagsterInstance.ephemeral() as instance:
        result = build_definitions().resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False)
    assert result.success
    lines = [r.getMessage() for r in caplog.records if r.name == "ubr.progress"]
    (scored,) = [line for line in lines if line.startswith("scored ")]
    match, review = (_number(x) for x in re.search(
        r"record pairs: ([\d,]+) match, ([\d,]+) review", scored).groups())
    (registry_line,) = [line for line in lines if line.startswith("registry: ")]
    matched, band, waiting = (_number(x) for x in re.search(
        r"record pairs: ([\d,]+) matched, ([\d,]+) in the review band, ([\d,]+) awaiting",
        registry_line).groups())
    matching = result.asset_materializations_for_node("record_matches")[0].metadata
    golden = result.asset_materializations_for_node("golden_records")[0].metadata
    store = RegistryStore(sqlite_url)
    summary = store.find_dagster_run(result.run_id)["summary"]
    assert match > 0 and review > 0
    assert match == matched == matching["match_pairs"].value == golden["match_pairs"].value \
        == summary["match_pairs"]
    assert review == band == matching["review_pairs"].value == golden["review_pairs"].value \
        == summary["review_pairs"]
    estimate = matching["estimated_quality"].value  # the model's own, in the run's metadata
    assert 0.5 < estimate["precision"] <= 1 and 0.5 < estimate["recall"] <= 1
    assert estimate["recall"] <= estimate["recall_with_review"]
    from matching.state import MatchState  # the run keeps its match state beside its model

    state = MatchState.load(Path(matching["match_state"].value))
    assert len(state.records) == summary["records"]
    queue = GoldenStore(store).review_queue()
    assert len(queue) == review and waiting == summary["pending_reviews"] == review
