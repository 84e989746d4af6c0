"""The steward review pages, as stewards and strangers use them: over HTTP and in Chromium.

One registry for the module (demo registers, `ubr run`), served by `ubr serve` with two
steward keys. The browser test is a whole steward session: sign in, filter the queue, read a
pair, decide, undo, unmerge a business and undo that, move a record; then the next batch run
applies what is still in force, and the pair ids the steward saw are the same afterwards.
Screenshots go to UBR_SCREENSHOT_DIR (docs/images with `make screenshots`), else tmp_path.
"""

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa
from browser import chromium_page, screenshot_dir
from served_registry import KEYS, batch_run, environment, served

from canonical.pair_ids import pair_id
from registry.golden_store import GoldenStore
from registry.steward_desk import QueueFilter, StewardDesk
from registry.store import RegistryStore
from sources.demo import generate_demo_registers

STEWARDS = {"UBR_STEWARD_KEY_ANA": "ana-steward-key-0123456789",
            "UBR_STEWARD_KEY_BO": "bo-steward-key-0123456789abc"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("registers")
    generate_demo_registers(data, businesses=300, seed=5)  # a run with review pairs
    home = tmp_path_factory.mktemp("home")
    url = f"sqlite:///{home / 'registry.sqlite'}"
    env = environment(data, url, home, **STEWARDS)
    batch_run(env)
    return {"url": url, "env": env, "home": home}


@pytest.fixture(scope="module")
def server(registry) -> dict:
    with served(registry["env"], registry["home"] / "server.log") as up:
        yield up


def desk(registry: dict) -> StewardDesk:
    return StewardDesk(GoldenStore(RegistryStore(registry["url"])))


@contextmanager
def signed_in(server: dict, name: str = "ana") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server["base"], timeout=60) as client:
        answer = client.post("/review/login", data={
            "name": name, "key": STEWARDS[f"UBR_STEWARD_KEY_{name.upper()}"]})
        assert answer.status_code == 303 and answer.headers["location"] == "/review"
        yield client


def test_pages_need_a_steward_and_refuse_ministry_keys(registry, server):
    with httpx.Client(base_url=server["base"], timeout=60) as stranger:
        first = stranger.get("/review")
        assert first.status_code == 303
        assert first.headers["location"] == "/review/login?next=%2Freview"
        assert stranger.post("/review/decisions/1/undo",
                             data={"token": "x", "reason": "x"}).status_code == 401
        wrong = stranger.post("/review/login", data={"name": "ana", "key": "bo-steward-key-"
                                                     "0123456789abc"})  # bo's key, ana's name
        assert wrong.status_code == 401 and "do not match a steward" in wrong.text
        ministry = stranger.get("/review", headers={"X-API-Key": KEYS["revenue"]})
        assert ministry.status_code == 403 and "ministry API keys" in ministry.text
        forged = stranger.get("/review", cookies={"ubr_steward": "ana|9999999999|" + "0" * 64})
        assert forged.status_code == 303  # a cookie not signed by ana's key is no session
    with signed_in(server) as ana:
        cookie = ana.cookies.jar
        (session,) = [c for c in cookie if c.name == "ubr_steward"]
        assert session.path == "/review" and session.has_nonstandard_attr("HttpOnly")
        page = ana.get("/review")
        assert page.status_code == 200 and 'data-testid="steward">ana<' in page.text
        # a crafted link cannot put words on the page: only messages this server signed show
        crafted = ana.get("/review", params={"done": "Your key expired: call 555-0100"})
        assert "Your key expired" not in crafted.text
        first = desk(registry).queue().iloc[0]
        names = desk(registry).names([first["record_key_l"], first["record_key_r"]])
        assert all(names.values()) and len(names) == 2  # each record by its name in the queue
        assert all(html.escape(name) in page.text for name in names.values())
        # a decision posted without this session's form token (another site's form) is refused
        chosen = desk(registry).queue()["pair_id"].iloc[0]
        stale = ana.post(f"/review/pairs/{chosen}/decide",
                         data={"token": "0" * 64, "judgement": "same", "reason": "x"})
        assert stale.status_code == 403 and "stale or came from another site" in stale.text
        # with an API key alongside the session, still refused: keys never reach the pages
        assert ana.get("/review", headers={"X-API-Key": KEYS["wcb"]}).status_code == 403
    with sa.create_engine(registry["url"]).connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM steward_decisions")).scalar() == 0


def test_a_whole_steward_session_in_chromium(registry, server, tmp_path):
    shots = screenshot_dir(tmp_path)
    before = desk(registry).queue(QueueFilter(status="all"))
    assert len(before) >= 4, "the demo run should queue a few pairs for review"
    base = server["base"]
    with chromium_page() as page:
        page.goto(f"{base}/review")
        assert page.url.startswith(f"{base}/review/login")  # sent to sign in first
        page.fill("input[name=name]", "ana")
        page.fill("input[name=key]", STEWARDS["UBR_STEWARD_KEY_ANA"])
        page.click("button[type=submit]")
        rows = page.locator("[data-testid=queue] tbody tr")
        assert rows.count() == len(before)
        page.screenshot(path=str(shots / "review-queue.png"), full_page=True)

        # filter: the middle band holds exactly the pairs scored 0.5 to 0.8
        page.select_option("select[name=band]", "middle")
        page.click("text=Filter")
        middle = before[before["match_probability"].between(0.5, 0.8)]
        assert page.locator("[data-testid=queue] tbody tr").count() == len(middle)
        page.select_option("select[name=band]", "all")
        page.click("text=Filter")

        # one pair side by side, with evidence and the businesses it would join
        first, second, third = (before["pair_id"].iloc[i] for i in range(3))
        page.click(f"a[href='/review/pairs/{first}']")
        assert page.inner_text("[data-testid=pair-id]") == first
        assert page.locator("[data-testid=evidence] tbody tr").count() >= 3
        assert "become one of" in page.inner_text("[data-testid=would-join]")
        assert page.locator("[data-testid=side-by-side] tr.differs").count() >= 1
        page.screenshot(path=str(shots / "review-pair.png"), full_page=True)

        # decide 'different', then undo it from the log: the pair is pending again
        page.fill("[data-testid=decide] textarea[name=reason]", "two firms at one office")
        page.click("[data-testid=decide] button[value=different]")
        assert f"pair {first} is different" in page.inner_text("[role=status]")
        assert page.locator(f"a[href='/review/pairs/{first}']").count() == 0
        page.goto(f"{base}/review/decisions")
        undo_row = page.locator("[data-testid=decisions] tbody tr").first
        undo_row.locator("input[name=reason]").fill("decided too fast")
        undo_row.locator("button").click()
        assert "back as they were" in page.inner_text("[role=status]")
        page.goto(f"{base}/review")
        assert page.locator(f"a[href='/review/pairs/{first}']").count() == 1

        # 'same' on the second pair, 'different' on the third: these stay in force
        for chosen, judgement in ((second, "same"), (third, "different")):
            page.goto(f"{base}/review/pairs/{chosen}")
            page.fill("[data-testid=decide] textarea[name=reason]", "checked the BN")
            page.click(f"[data-testid=decide] button[value={judgement}]")
            assert f"is {judgement}" in page.inner_text("[role=status]")

        # unmerge a business of the queue, then undo the whole unmerge (one the 'same'
        # decision above does not join to another: that merge may keep the other's id)
        joined = set(before.set_index("pair_id").loc[second, ["registry_id_l", "registry_id_r"]])
        big = before[~before["registry_id_l"].isin(joined)].sort_values("business_size").iloc[-1]
        target = big["registry_id_l"]
        members = desk(registry).business(target)["members"]
        page.goto(f"{base}/review/businesses/{target}")
        assert page.locator("[data-testid=members] li").count() == len(members)
        page.fill("[data-testid=unmerge] textarea[name=reason]", "several businesses?")
        page.click("[data-testid=unmerge] button")
        pairs = len(members) * (len(members) - 1) // 2
        assert f"{pairs} 'different' decisions" in page.inner_text("[role=status]")
        page.screenshot(path=str(shots / "review-decisions.png"), full_page=True)
        unmerge_row = page.locator("[data-testid=decisions] tbody tr").first
        unmerge_row.locator("input[name=reason]").fill("it was one business")
        unmerge_row.locator("button").click()
        assert f"{pairs} pair(s) back as they were" in page.inner_text("[role=status]")

        # sign out: the pages ask for a steward again
        page.click("text=Sign out")
        page.goto(f"{base}/review/decisions")
        assert page.url.startswith(f"{base}/review/login")
    for name in ("review-queue.png", "review-pair.png", "review-decisions.png"):
        assert (shots / name).stat().st_size > 10_000, name

    # the next run applies what is in force; the ids the steward saw are still the ids
    in_force = desk(registry).decisions_in_force().set_index(["record_key_l", "record_key_r"])
    assert set(in_force["judgement"]) == {"same", "different", "unsure"}
    batch_run(registry["env"])
    xref = GoldenStore(RegistryStore(registry["url"])).table("cross_reference")
    business = dict(zip(xref["source"] + ":" + xref["source_record_id"], xref["registry_id"],
                        strict=True))
    for chosen, together in ((second, True), (third, False)):
        row = before.set_index("pair_id").loc[chosen]
        assert (business[row["record_key_l"]] == business[row["record_key_r"]]) is together
    assert desk(registry).business(target)["members"] == members  # the unmerge was undone
    after = desk(registry).queue(QueueFilter(status="all"))
    for row in after.itertuples():
        assert row.pair_id == pair_id(row.record_key_l, row.record_key_r)
    assert first in set(after["pair_id"])  # undone: queued again, under the same id
    assert re.fullmatch(r"[0-9a-f]{12}", first)
