"""`ubr serve --processes 2`: two forked server processes on one port, tested over HTTP.

A record registered through one process must be a candidate in the other at once; a server
started later serves the records registered online since the last batch run; stopping the
server stops every process.
"""

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from served_registry import KEYS, UBR, batch_run, environment, free_port
from stdnum import luhn

from sources.demo import generate_demo_registers

NEW_BUSINESS = {"name": "Zyqvor Beacon Cartography Incorporated", "city": "Wolfville",
                "province": "NS", "postal_code": "B4P 2R6"}
NUMBER = f"86420975{luhn.calc_check_digit('86420975')}"  # a valid BN root, held by no one


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("registers")
    generate_demo_registers(data, businesses=200, seed=31)
    home = tmp_path_factory.mktemp("home")
    env = environment(data, f"sqlite:///{home / 'registry.sqlite'}", home)
    batch_run(env)
    return {"home": home, "env": env}


def _start(registry: dict, processes: int, name: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = registry["home"] / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen([UBR, "serve", "--port", str(port), "--processes",
                                    str(processes), "--reload-every", "0"],
                                   env=registry["env"], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                return process, base, log
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the server did not start in 180 s"
        time.sleep(0.5)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


def _resolve(base: str) -> httpx.Response:
    """One call on a connection of its own (so either process may take it)."""
    return httpx.post(f"{base}/v1/resolve", json=NEW_BUSINESS, timeout=30,
                      headers={"X-API-Key": KEYS["revenue"], "Connection": "close"})


def _answers_from_each_process(base: str, tries: int = 200) -> dict[str, httpx.Response]:
    answers: dict[str, httpx.Response] = {}
    for _ in range(tries):
        answer = _resolve(base)
        assert answer.status_code == 200, answer.text
        answers.setdefault(answer.headers["x-ubr-process"], answer)
        if len(answers) == 2:
            break
    return answers


def test_two_processes_answer_and_a_registration_reaches_both_at_once(registry) -> None:
    process, base, log = _start(registry, 2, "two")
    try:
        before = _answers_from_each_process(base)
        assert set(before) == {"0", "1"}, "both processes answer on the one port"
        for answer in before.values():
            assert all(c["match_probability"] < 0.5 for c in answer.json()["candidates"])

        created = httpx.post(f"{base}/v1/records", timeout=30, headers={
            "X-API-Key": KEYS["revenue"]}, json={"source_record_id": "DESK-TWO-1",
                                                  "business_number": NUMBER, **NEW_BUSINESS})
        assert created.status_code == 201, created.text
        registry_id = created.json()["registry_id"]
        registered_by = created.headers["x-ubr-process"]

        after = _answers_from_each_process(base)
        assert set(after) == {"0", "1"}
        for answer in after.values():  # the other process found it without a reload
            best = answer.json()["candidates"][0]
            assert best["registry_id"] == registry_id and best["decision"] == "match"
        other = next(p for p in after if p != registered_by)
        assert after[other].json()["candidates"][0]["registry_id"] == registry_id
        assert "2 server processes answer" in log.read_text()
    finally:
        _stop(process)
    port = int(base.rsplit(":", 1)[1])
    deadline = time.monotonic() + 10
    while True:  # every process stopped: nothing accepts on the port any more
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                break
        assert time.monotonic() < deadline, "a server process outlived the server"
        time.sleep(0.2)
    registry["registered"] = registry_id


def test_a_server_started_later_serves_what_was_registered_online_since_the_run(
        registry) -> None:
    registry_id = registry.get("registered")
    assert registry_id, "runs after the two-process test, which registers the record"
    process, base, _ = _start(registry, 1, "later")
    try:
        answer = _resolve(base)
        assert answer.status_code == 200, answer.text
        best = answer.json()["candidates"][0]
        assert best["registry_id"] == registry_id and best["decision"] == "match"
        assert "x-ubr-process" not in answer.headers  # one process: no header
    finally:
        _stop(process)
