"""`ubr review` end to end through typer's CliRunner (mounted on a test app until it is wired)."""

import pytest
import typer
from test_golden_helpers import bakery, canonical, fake_link
from typer.testing import CliRunner

from canonical.pair_ids import pair_id
from canonical.quarantine import quarantine_frame
from matching.golden.publish import publish_golden_records
from registry.access_log import read_access_log
from registry.golden_store import GoldenStore
from registry.store import RegistryStore
from ubr_cli.review_cmd import review_app

app = typer.Typer()
app.add_typer(review_app, name="review")


@pytest.fixture
def published(database_url):
    """Two bakeries in the registry with one review pair between them."""
    records = canonical(bakery(1) + bakery(2))
    k = list(records["record_key"])
    with RegistryStore(database_url) as store:
        store.migrate()
        run_id = store.start_run("cfg", "test")
        for source, part in records.groupby("source"):
            store.save_source_batch(run_id, source, part.drop(columns="record_key"),
                                    quarantine_frame(), [], len(part))
        link = fake_link(records, [k[0:4], k[4:8]], review=[(k[0], k[4], 0.8)])
        publish_golden_records(GoldenStore(store), run_id, records, link)
        store.finish_run(run_id, "succeeded")
        yield database_url, records, link, k


def run(url: str, *args: str):
    result = CliRunner().invoke(app, ["review", *args, "--database-url", url],
                                env={"COLUMNS": "250"})
    return result


def test_list_show_decide_and_list_again(published):
    url, records, link, k = published
    pair = pair_id(k[0], k[4])  # the same id on every run
    listed = run(url, "list")
    assert listed.exit_code == 0, listed.output
    assert "rjsc:R1" in listed.output and "rjsc:R2" in listed.output
    assert "1 pending of 1 pairs" in listed.output
    assert pair in listed.output
    shown = run(url, "show", pair)
    assert shown.exit_code == 0, shown.output
    assert "Boulangerie Côté Limited" in shown.output and "name" in shown.output
    assert "jw_0.95" in shown.output and "+4.20" in shown.output
    assert "Zoë Côté" not in shown.output and "steward role only" in shown.output
    as_steward = run(url, "show", pair, "--role", "steward", "--user", "ana")
    assert "Zoë Côté" in as_steward.output
    with RegistryStore(url) as store:  # both reads are in the access log, newest first
        log = read_access_log(store.engine)
    assert list(log["action"]) == ["review", "review"] and list(log["row_count"]) == [2, 2]
    assert log["who"].iloc[0] == "ana" and log["detail"].iloc[0] == {"pair_id": pair,
                                                                     "role": "steward"}
    decided = run(url, "decide", pair, "--different", "--steward", "ana",
                  "--reason", "two bakeries")
    assert decided.exit_code == 0, decided.output
    assert f"pair {pair} is different" in decided.output
    assert "0 pending of 1 pairs" in run(url, "list").output
    assert "different (ana)" in run(url, "list", "--all").output
    assert "two bakeries" in run(url, "show", pair).output
    logged = run(url, "log")
    assert logged.exit_code == 0 and "two bakeries" in logged.output and "#1" in logged.output
    undone = run(url, "undo", "1", "--steward", "ana", "--reason", "checked again")
    assert undone.exit_code == 0 and "1 pair(s) back" in undone.output
    assert "1 pending of 1 pairs" in run(url, "list").output


def test_decide_needs_exactly_one_judgement_and_a_known_pair(published):
    url, records, link, k = published
    both = run(url, "decide", pair_id(k[0], k[4]), "--same", "--different", "--steward", "a",
               "--reason", "r")
    assert both.exit_code == 1 and "exactly one of" in both.output
    missing = run(url, "decide", "0123456789ab", "--same", "--steward", "a", "--reason", "r")
    assert missing.exit_code == 1 and "no review pair 0123456789ab" in missing.output


def test_unmerge_records_different_between_every_member(published):
    url, records, link, k = published
    with RegistryStore(url) as store:
        golden = GoldenStore(store)
        target = golden.table("cross_reference", source="rjsc", source_record_id="R1")[
            "registry_id"].iloc[0]
        result = run(url, "unmerge", target, "--steward", "ana", "--reason", "four businesses")
        assert result.exit_code == 0, result.output
        assert "6 'different' decisions over 4 records" in result.output
        log = golden.steward_decisions()
        assert (log["scope"] == "unmerge").all() and (log["registry_id"] == target).all()
        run_id = store.start_run("cfg", "test")
        summary = publish_golden_records(golden, run_id, records, link)
        assert summary["events"]["split"] == 3
    unknown = run(url, "unmerge", "UBR-000000999", "--steward", "a", "--reason", "r")
    assert unknown.exit_code == 1 and "no business UBR-000000999" in unknown.output
