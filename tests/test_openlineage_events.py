"""OpenLineage events of a run: valid against the official schemas, honest about masking,
free of record values, and delivered to a file by default or to a lineage server over HTTP."""

import hashlib
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openlineage.client.serde import Serde
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from registry.openlineage_events import (
    JOB_NAME,
    SourceInput,
    build_run_events,
    dataset_names,
    emit_run_events,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = Path(__file__).parent / "data" / "openlineage"
UBR_FACETS = ROOT / "docs" / "openlineage" / "ubr-facets.json"
CORE_VERSION_URI = re.compile(r"^https://openlineage\.io/spec/\d+-\d+-\d+/OpenLineage\.json$")
PG_URL = "postgresql+psycopg://auditor:s3cr3t-pw@db.example:5433/ubr"
STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FINISHED = STARTED + timedelta(minutes=4)


# --- the official schemas, offline ------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec() -> tuple[dict[str, Any], Registry, dict[str, str]]:
    return load_spec()


def load_spec() -> tuple[dict[str, Any], Registry, dict[str, str]]:
    """Core schema, a registry resolving every $id to the local files, facet name -> $id."""
    core = _load(SPEC_DIR / "OpenLineage.json")
    documents = [core, _load(UBR_FACETS)]
    documents += [_load(path) for path in sorted((SPEC_DIR / "facets").glob("*.json"))]

    def retrieve(uri: str) -> Resource:
        # Facets point at the core schema of the version they were written against.
        if CORE_VERSION_URI.match(uri):
            return DRAFT202012.create_resource(core)
        raise NoSuchResource(ref=uri)  # never the network

    registry = Registry(retrieve=retrieve).with_resources(
        (document["$id"], DRAFT202012.create_resource(document)) for document in documents)
    facet_ids = {name: document["$id"] for document in documents[1:]
                 for name in document["$defs"]}
    return core, registry, facet_ids


def _facets(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(event["run"].get("facets", {}).values())
    found += list(event["job"].get("facets", {}).values())
    for dataset in event.get("inputs", []) + event.get("outputs", []):
        for key in ("facets", "inputFacets", "outputFacets"):
            found += list(dataset.get(key, {}).values())
    return found


def validate(event: dict[str, Any], spec) -> None:
    """The event against OpenLineage.json, then each facet against its own facet schema."""
    core, registry, facet_ids = spec
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER  # uuid among others
    jsonschema.Draft202012Validator(core, registry=registry, format_checker=checker).validate(
        event)
    datetime.fromisoformat(event["eventTime"])  # date-time is not format-checked without extras
    for facet in _facets(event):
        name = facet["_schemaURL"].rsplit("/", 1)[-1]
        assert name in facet_ids, f"no schema stored for facet {facet['_schemaURL']}"
        schema = {"$ref": f"{facet_ids[name]}#/$defs/{name}"}
        jsonschema.Draft202012Validator(schema, registry=registry,
                                        format_checker=checker).validate(facet)


# --- a run, as the lead's job will describe it -----------------------------------------------


def _run(status: str = "succeeded", **changes: Any) -> dict[str, Any]:
    run = {"run_id": str(uuid.uuid4()), "dagster_run_id": str(uuid.uuid4()),
           "started_at": STARTED, "finished_at": FINISHED, "status": status,
           "code_version": "git:v0.1-42-gabc1234", "config_hash": "c" * 64,
           "input_checksums": {"rjsc": "1" * 64, "wcb": "2" * 64}, "summary": {"businesses": 3}}
    run.update(changes)
    return run


INPUTS = [
    SourceInput("rjsc", "Registry of Joint Stock Companies",
                [("/data/rjsc/companies.csv", "a" * 64, 120)],
                {"legal_name": "Legal Name", "status": "Status", "owner_name": "Owner Name",
                 "business_number": "Business Number", "legal_form": "Legal Form"}),
    SourceInput("wcb", "Workers' Compensation Board",
                [("/data/wcb/employers_1.csv", "b" * 64, 70),
                 ("/data/wcb/employers_2.csv", "e" * 64, 30)],
                {"legal_name": "EMPLOYER_NAME", "phone": "PHONE", "business_number": "BN"}),
]
TREATMENTS = {
    "wcb": {"legal_name": "clear", "phone": "masked", "business_number": "pseudonym",
            "owner_name": "withheld"},
    "rjsc": {"legal_name": "clear", "owner_name": "clear"},
}


def _events(run: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    events = build_run_events(run or _run(), INPUTS, TREATMENTS, PG_URL, **kwargs)
    return [Serde.to_dict(event) for event in events]


def _output(event: dict[str, Any], name: str) -> dict[str, Any]:
    return next(output for output in event["outputs"] if output["name"] == name)


# --- validity ------------------------------------------------------------------------------


def test_complete_and_fail_events_are_valid_openlineage(spec) -> None:
    completed = _events()
    failed = _events(_run("failed", summary={"failed_steps": ["golden_records"]}))
    assert [e["eventType"] for e in completed + failed] == ["START", "COMPLETE", "START", "FAIL"]
    for event in completed + failed:
        validate(event, spec)


def test_validation_rejects_what_the_spec_forbids(spec) -> None:
    """The schemas bite: a transformation without a type, a non-boolean masking flag, a runId
    that is not a uuid and a facet without _producer are each refused."""
    def broken(change) -> dict[str, Any]:
        event = _events()[1]
        change(event)
        return event

    lineage = ("outputs", 0, "facets", "columnLineage", "fields", "legal_name", "inputFields", 0)

    def at(event: dict[str, Any], path: tuple) -> Any:
        for key in path:
            event = event[key]
        return event

    cases = [
        lambda e: at(e, lineage)["transformations"][0].pop("type"),
        lambda e: at(e, lineage)["transformations"][0].update(masking="yes"),
        lambda e: e["run"].update(runId="run-42"),
        lambda e: e["run"]["facets"]["ubr_run"].pop("_producer"),
        lambda e: e["inputs"][0]["facets"]["version"].pop("datasetVersion"),
    ]
    for change in cases:
        with pytest.raises(jsonschema.ValidationError):
            validate(broken(change), spec)


# --- content -------------------------------------------------------------------------------


def test_run_job_and_times(monkeypatch) -> None:
    run = _run()
    start, complete = _events(run)
    assert start["run"]["runId"] == complete["run"]["runId"] == run["run_id"]
    assert start["job"] == complete["job"] and start["job"]["name"] == JOB_NAME
    assert start["job"]["namespace"] == "ubr"
    assert datetime.fromisoformat(start["eventTime"]) == STARTED
    assert datetime.fromisoformat(complete["eventTime"]) == FINISHED
    facets = complete["run"]["facets"]
    assert datetime.fromisoformat(facets["nominalTime"]["nominalStartTime"]) == STARTED
    assert facets["ubr_run"]["codeVersion"] == "git:v0.1-42-gabc1234"
    assert facets["ubr_run"]["configHash"] == "c" * 64
    assert facets["ubr_run"]["dagsterRunId"] == run["dagster_run_id"]
    assert facets["ubr_run"]["inputChecksums"] == run["input_checksums"]
    assert facets["processing_engine"]["name"] == "UBR"
    assert "errorMessage" not in facets
    assert (start["run"]["facets"]["ubr_run"]["status"], facets["ubr_run"]["status"]) == (
        "running", "succeeded")

    monkeypatch.setenv("UBR_OPENLINEAGE_NAMESPACE", "ubr-prod")
    assert _events()[0]["job"]["namespace"] == "ubr-prod"


def test_events_from_a_runs_row_of_the_store(sqlite_url, spec) -> None:
    """The lead passes a row of the `runs` table as read back from the store."""
    import sqlalchemy as sa

    from registry.schema import runs
    from registry.store import RegistryStore

    with RegistryStore(sqlite_url) as store:
        store.migrate()
        run_id = store.start_run("f" * 64, dagster_run_id="dagster-run-1")
        store.finish_run(run_id, "failed", {"failed_steps": ["ingest_rjsc"]})
        with store.engine.connect() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.run_id == run_id)).one()
    events = [Serde.to_dict(e) for e in build_run_events(row._mapping, INPUTS, TREATMENTS,
                                                         sqlite_url)]
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    assert events[1]["run"]["runId"] == run_id
    assert "ingest_rjsc" in events[1]["run"]["facets"]["errorMessage"]["message"]
    database = str(Path(sa.make_url(sqlite_url).database).resolve())
    assert events[0]["outputs"][0]["namespace"] == "sqlite"
    assert events[0]["outputs"][0]["name"] == f"{database}.main.businesses"
    for event in events:
        validate(event, spec)


def test_a_running_run_has_only_its_start_event() -> None:
    events = _events(_run("running", finished_at=None))
    assert [event["eventType"] for event in events] == ["START"]


def test_one_input_dataset_per_file_with_its_sha256_and_row_count() -> None:
    inputs = _events()[1]["inputs"]
    assert [(i["namespace"], i["name"]) for i in inputs] == [
        ("file", "/data/rjsc/companies.csv"), ("file", "/data/wcb/employers_1.csv"),
        ("file", "/data/wcb/employers_2.csv")]
    assert [i["facets"]["version"]["datasetVersion"] for i in inputs] == [
        "a" * 64, "b" * 64, "e" * 64]
    assert [i["inputFacets"]["ubr_input"]["rowCount"] for i in inputs] == [120, 70, 30]
    assert [f["name"] for f in inputs[1]["facets"]["schema"]["fields"]] == [
        "EMPLOYER_NAME", "PHONE", "BN"]


def test_registry_column_lineage_follows_every_file_that_maps_a_field() -> None:
    registry = _output(_events()[1], "ubr.public.businesses")
    assert registry["namespace"] == "postgres://db.example:5433"
    columns = [f["name"] for f in registry["facets"]["schema"]["fields"]]
    assert columns[:4] == ["registry_id", "status", "retired_into", "legal_name"]
    lineage = registry["facets"]["columnLineage"]["fields"]
    feeds = {column: {(f["name"], f["field"]) for f in spec["inputFields"]}
             for column, spec in lineage.items()}
    assert feeds["legal_name"] == {("/data/rjsc/companies.csv", "Legal Name"),
                                   ("/data/wcb/employers_1.csv", "EMPLOYER_NAME"),
                                   ("/data/wcb/employers_2.csv", "EMPLOYER_NAME")}
    assert feeds["business_status"] == {("/data/rjsc/companies.csv", "Status")}
    # The legal form survives from the legal_form column or is parsed from the legal name.
    assert feeds["legal_form"] == {("/data/rjsc/companies.csv", "Legal Form"),
                                   *feeds["legal_name"]}
    assert "naics_code" not in lineage  # no source maps it
    for spec in lineage.values():
        for field in spec["inputFields"]:
            assert field["transformations"] == [{
                "type": "DIRECT", "subtype": "AGGREGATION", "masking": False,
                "description": field["transformations"][0]["description"]}]

    narrowed = _events(field_sources={"legal_name": ["legal_name"]})[1]
    lineage = _output(narrowed, "ubr.public.businesses")["facets"]["columnLineage"]["fields"]
    assert set(lineage) == {"legal_name"}


def test_share_lineage_flags_masking_and_leaves_withheld_fields_out() -> None:
    wcb = _output(_events()[1], "ubr.ubr_share_wcb.businesses")
    assert wcb["namespace"] == "postgres://db.example:5433"
    columns = [f["name"] for f in wcb["facets"]["schema"]["fields"]]
    assert columns == ["registry_id", "status", "retired_into", "legal_name", "phone",
                       "business_number"]
    lineage = wcb["facets"]["columnLineage"]["fields"]
    assert "owner_name" not in lineage and "owner_name" not in columns

    def transformation(column: str) -> dict[str, Any]:
        [source] = lineage[column]["inputFields"]
        assert (source["name"], source["field"]) == ("ubr.public.businesses", column)
        [only] = source["transformations"]
        return only

    assert transformation("phone")["masking"] is True
    assert transformation("business_number")["masking"] is True
    assert "HMAC" in transformation("business_number")["description"]
    assert transformation("legal_name") == {
        "type": "DIRECT", "subtype": "IDENTITY", "masking": False,
        "description": "clear: the published value"}
    assert transformation("registry_id")["masking"] is False

    rjsc = _output(_events()[1], "ubr.ubr_share_rjsc.businesses")
    assert "owner_name" in rjsc["facets"]["columnLineage"]["fields"]

    renamed = _events(share_schemas={"wcb": "wcb_view"})[1]
    assert _output(renamed, "ubr.wcb_view.businesses")


def test_unknown_treatment_or_field_is_a_sentence_naming_it() -> None:
    with pytest.raises(ValueError, match="ministry 'wcb'.*'phone'.*'hidden'.*clear, masked"):
        build_run_events(_run(), INPUTS, {"wcb": {"phone": "hidden"}}, PG_URL)
    with pytest.raises(ValueError, match="ministry 'wcb'.*'shoe_size' is not a golden field"):
        build_run_events(_run(), INPUTS, {"wcb": {"shoe_size": "clear"}}, PG_URL)


def test_fail_event_names_the_failed_steps_and_publishes_nothing() -> None:
    summary = {"failed_steps": ["golden_records", "publication"], "note": "Jeanne Tremblay"}
    start, fail = _events(_run("failed", summary=summary))
    assert start["outputs"] and fail["outputs"] == []
    error = fail["run"]["facets"]["errorMessage"]
    assert error["programmingLanguage"] == "PYTHON"
    assert "golden_records, publication" in error["message"]
    assert "Jeanne" not in json.dumps(fail)


def test_dataset_names_never_carry_credentials(tmp_path) -> None:
    assert dataset_names(PG_URL) == ("postgres://db.example:5433", "ubr", "public")
    assert dataset_names("postgresql://u:pw@localhost/ubr") == (
        "postgres://localhost:5432", "ubr", "public")
    sqlite = tmp_path / "registry.sqlite"
    assert dataset_names(f"sqlite:///{sqlite}") == ("sqlite", str(sqlite.resolve()), "main")
    text = json.dumps(_events())
    assert "s3cr3t-pw" not in text and "auditor" not in text


def test_no_record_value_reaches_any_event(tmp_path) -> None:
    """Built from a real register file: its cell values appear nowhere in the events."""
    rows = [["Legal Name", "Owner Name", "Owner Address", "Phone"],
            ["Tremblay Plumbing", "Jeanne Tremblay", "12 Rue des Érables", "902-555-0147"],
            ["MacLeod Bakery", "Angus MacLeod", "4 Harbour Lane", "902-555-0199"]]
    path = tmp_path / "register.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    source = SourceInput("rjsc", "Registry", [(str(path), hashlib.sha256(
        path.read_bytes()).hexdigest(), len(rows) - 1)], {
        "legal_name": "Legal Name", "owner_name": "Owner Name",
        "owner_address_line": "Owner Address", "phone": "Phone"})
    run = _run("failed", summary={"failed_steps": ["ingest"]})
    text = "\n".join(Serde.to_json(event) for event in build_run_events(
        run, [source], {"wcb": {"owner_name": "pseudonym", "phone": "masked"}}, PG_URL))
    for value in [cell for row in rows[1:] for cell in row]:
        assert value not in text


# --- emission ------------------------------------------------------------------------------


@pytest.fixture
def lineage_env(monkeypatch, tmp_path) -> Path:
    """A private UBR_HOME and no lineage configuration from the caller's shell."""
    for name in ("UBR_OPENLINEAGE_FILE", "OPENLINEAGE_URL", "OPENLINEAGE_API_KEY",
                 "OPENLINEAGE_ENDPOINT", "UBR_OPENLINEAGE_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("UBR_HOME", str(home))
    return home


def test_file_transport_appends_json_lines_to_one_default_file(lineage_env, spec) -> None:
    first = build_run_events(_run(), INPUTS, TREATMENTS, PG_URL)
    result = emit_run_events(first)
    assert result.ok and (result.emitted, result.total) == (2, 2)
    second = build_run_events(_run("failed"), INPUTS, TREATMENTS, PG_URL)
    assert emit_run_events(second).ok

    folder = lineage_env / "openlineage"
    assert [p.name for p in folder.iterdir()] == ["events.jsonl"]  # no timestamped files
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE", "START", "FAIL"]
    for event in events:
        validate(event, spec)


def test_file_transport_writes_where_configured(lineage_env, monkeypatch, tmp_path) -> None:
    target = tmp_path / "audit" / "lineage.jsonl"
    monkeypatch.setenv("UBR_OPENLINEAGE_FILE", str(target))
    result = emit_run_events(build_run_events(_run(), INPUTS, TREATMENTS, PG_URL))
    assert result.ok and result.transport == f"file {target}"
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2
    assert not (lineage_env / "openlineage").exists()


def test_a_file_that_cannot_be_written_is_reported_not_raised(
        lineage_env, monkeypatch, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("UBR_OPENLINEAGE_FILE", str(blocker / "events.jsonl"))
    result = emit_run_events(build_run_events(_run(), INPUTS, TREATMENTS, PG_URL))
    assert not result.ok and result.emitted == 0
    assert f"to file {blocker / 'events.jsonl'}" in result.error
    assert "were not recorded" in result.error


class _LineageServer:
    """A lineage server on 127.0.0.1 that records POSTs and stops itself after `expected`."""

    def __init__(self, expected: int, status: int = 201) -> None:
        received: list[tuple[str, dict[str, str], bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 0.2
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        deadline = time.monotonic() + 30  # a safety bound, not an assertion

        def serve() -> None:
            while len(received) < expected and time.monotonic() < deadline:
                self.server.handle_request()
            self.server.server_close()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join(timeout=35)


def test_http_transport_posts_to_the_lineage_server(lineage_env, monkeypatch, spec) -> None:
    server = _LineageServer(expected=2)
    monkeypatch.setenv("OPENLINEAGE_URL", server.url)
    monkeypatch.setenv("OPENLINEAGE_API_KEY", "key-123")
    events = build_run_events(_run(), INPUTS, TREATMENTS, PG_URL)
    result = emit_run_events(events)
    server.join()
    assert result.ok and result.emitted == 2
    assert result.transport == f"HTTP {server.url}/api/v1/lineage"
    assert [path for path, _, _ in server.received] == ["/api/v1/lineage"] * 2
    assert all(headers["Authorization"] == "Bearer key-123" for _, headers, _ in server.received)
    posted = [json.loads(body) for _, _, body in server.received]
    assert [e["eventType"] for e in posted] == ["START", "COMPLETE"]
    for event in posted:
        validate(event, spec)
    assert not (lineage_env / "openlineage").exists()  # no file when HTTP is configured


def test_a_refusing_lineage_server_is_reported_not_raised(lineage_env, monkeypatch) -> None:
    server = _LineageServer(expected=1, status=400)
    monkeypatch.setenv("OPENLINEAGE_URL", server.url.replace("http://", "http://ops:pw-9@"))
    monkeypatch.setenv("OPENLINEAGE_API_KEY", "key-123")
    result = emit_run_events(build_run_events(_run(), INPUTS, TREATMENTS, PG_URL))
    server.join()
    assert not result.ok and (result.emitted, result.total) == (0, 2)
    assert f"HTTP {server.url}/api/v1/lineage" in result.error
    assert "400" in result.error
    assert "pw-9" not in result.error and "key-123" not in result.error
