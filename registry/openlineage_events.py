"""OpenLineage events for a UBR run: what it read, what it wrote, which columns fed which.

An auditor's lineage server (Marquez or any OpenLineage consumer) sees each run as a START and
a COMPLETE or FAIL event of the job `ubr_job`: one input dataset per source file read (its
columns, sha256 and row count), the registry's `businesses` table with column lineage from
every source column that feeds each golden field, and one dataset per ministry share whose
column lineage says which columns are masked or pseudonymised (withheld ones are absent).

Pure builders over plain data (a `runs` row, the files read and their mappings, the sharing
treatments), so this module needs neither Dagster nor matching; `emit_run_events` (from
registry/openlineage_emit.py) appends them to a JSON-lines file or posts them to a server.
Events carry names, ids, checksums and counts only: never a record value.
"""

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import attr
import sqlalchemy as sa
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    InputDatasetFacet,
    RunFacet,
    column_lineage_dataset,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    nominal_time_run,
    processing_engine_run,
    schema_dataset,
)

from canonical.schema import FIELDS_BY_NAME
from registry.golden_schema import CANONICAL_COLUMN_OF, GOLDEN_COLUMNS
from registry.openlineage_emit import EmitResult, emit_run_events
from registry.sharing_agreement import Treatment

__all__ = [
    "EmitResult", "SourceInput", "build_run_events", "dataset_names", "default_field_sources",
    "emit_run_events", "job_namespace",
]

NAMESPACE_ENV = "UBR_OPENLINEAGE_NAMESPACE"
DEFAULT_NAMESPACE = "ubr"
JOB_NAME = "ubr_job"
FILE_NAMESPACE = "file"  # OpenLineage naming: local files are namespace "file", name the path
ID_COLUMNS: tuple[str, ...] = ("registry_id", "status", "retired_into")
REGISTRY_COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *GOLDEN_COLUMNS)
UBR_FACETS_SCHEMA = "urn:ubr:openlineage:facets:1-0-0"  # docs/openlineage/*.json


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


UBR_VERSION = _version("ubr")
CLIENT_VERSION = _version("openlineage-python")
PRODUCER = f"urn:ubr:registry:{UBR_VERSION}"


@attr.define
class UbrRunFacet(RunFacet):
    """The registry's own record of the run: ids, code version and configuration hash."""

    registryRunId: str  # noqa: N815 (OpenLineage facets are camelCase)
    codeVersion: str  # noqa: N815
    configHash: str  # noqa: N815
    status: str
    dagsterRunId: str | None = attr.field(default=None)  # noqa: N815
    inputChecksums: dict[str, str] | None = attr.field(default=None)  # noqa: N815
    _additional_skip_redact: ClassVar[list[str]] = ["registryRunId", "dagsterRunId"]

    @staticmethod
    def _get_schema() -> str:
        return f"{UBR_FACETS_SCHEMA}#/$defs/UbrRunFacet"


@attr.define
class UbrInputFacet(InputDatasetFacet):
    """Which register a file belongs to and how many rows were read from it."""

    source: str
    ministry: str
    rowCount: int  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return f"{UBR_FACETS_SCHEMA}#/$defs/UbrInputFacet"


@dataclass(frozen=True)
class SourceInput:
    """One register as read by a run: its files (path, sha256, rows read) and column mapping."""

    source: str
    ministry: str
    files: list[tuple[str, str, int]]
    mapping: dict[str, str]  # canonical field -> source column


def default_field_sources() -> dict[str, list[str]]:
    """Canonical fields feeding each golden field: same name, except where survivorship reads
    another (business_status is the source's status; legal_form is also parsed from the name)."""
    sources = {name: [CANONICAL_COLUMN_OF.get(name, name)] for name in GOLDEN_COLUMNS}
    sources["legal_form"] = ["legal_form", "legal_name"]
    return sources


def job_namespace() -> str:
    return os.environ.get(NAMESPACE_ENV, "").strip() or DEFAULT_NAMESPACE


def dataset_names(database_url: str | sa.URL) -> tuple[str, str, str]:
    """(namespace, database, schema of `businesses`) per OpenLineage naming; never credentials.

    PostgreSQL: postgres://host:port and database.schema.table; SQLite (no OpenLineage naming
    of its own): namespace "sqlite" and the absolute file path as the database.
    """
    url = sa.make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ":memory:"
        if path != ":memory:":
            path = str(Path(path).expanduser().resolve())
        return "sqlite", path, "main"
    host = url.host or "localhost"
    if backend == "postgresql":
        return f"postgres://{host}:{url.port or 5432}", url.database or "postgres", "public"
    authority = f"{host}:{url.port}" if url.port else host
    return f"{backend}://{authority}", url.database or backend, "public"


def build_run_events(
    run: Mapping[str, Any],
    inputs: Sequence[SourceInput],
    treatments: Mapping[str, Mapping[str, str]],
    database_url: str | sa.URL,
    field_sources: Mapping[str, Sequence[str]] | None = None,
    *,
    share_schemas: Mapping[str, str] | None = None,
    namespace: str | None = None,
) -> list[RunEvent]:
    """START (at started_at) and, once the run has finished, COMPLETE or FAIL (at finished_at).

    `run` is a row of the `runs` table; `treatments` maps a ministry id to its golden field ->
    clear|masked|pseudonym|withheld (unlisted fields are withheld); `share_schemas` overrides a
    ministry's schema name (default ubr_share_<id>). A FAIL event carries no outputs: a failed
    run publishes nothing and the previous publication stays current.
    """
    run_id = str(run["run_id"])
    sources = dict(field_sources) if field_sources is not None else default_field_sources()
    job = Job(namespace=namespace or job_namespace(), name=JOB_NAME, facets={
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="UBR", jobType="JOB", producer=PRODUCER)})
    input_datasets = [_input_dataset(source, *file) for source in inputs for file in source.files]
    ns, database, schema = dataset_names(database_url)
    registry_name = f"{database}.{schema}.businesses"
    outputs = [_registry_dataset(ns, registry_name, inputs, sources)]
    for ministry, fields in treatments.items():
        share_schema = (share_schemas or {}).get(ministry) or f"ubr_share_{ministry}"
        share_name = f"{database}.{share_schema}.businesses"
        outputs.append(_share_dataset(ns, share_name, registry_name, ministry, fields))

    started = _timestamp(run["started_at"], "started_at", run_id)
    events = [_event(RunState.START, started, run, job, input_datasets, outputs)]
    status = str(run.get("status") or "running")
    if status == "running" or run.get("finished_at") is None:
        return events
    finished = _timestamp(run["finished_at"], "finished_at", run_id)
    if status == "succeeded":
        events.append(_event(RunState.COMPLETE, finished, run, job, input_datasets, outputs))
    else:
        events.append(_event(RunState.FAIL, finished, run, job, input_datasets, []))
    return events


def _event(state: RunState, when: str, run: Mapping[str, Any], job: Job,
           inputs: list[InputDataset], outputs: list[OutputDataset]) -> RunEvent:
    facets: dict[str, RunFacet] = {
        "nominalTime": nominal_time_run.NominalTimeRunFacet(
            nominalStartTime=_timestamp(run["started_at"], "started_at", str(run["run_id"])),
            producer=PRODUCER),
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=UBR_VERSION, name="UBR", openlineageAdapterVersion=CLIENT_VERSION,
            producer=PRODUCER),
        "ubr_run": UbrRunFacet(
            registryRunId=str(run["run_id"]), codeVersion=str(run["code_version"]),
            configHash=str(run["config_hash"]),
            status="running" if state is RunState.START else str(run.get("status") or "running"),
            dagsterRunId=run.get("dagster_run_id"),
            inputChecksums=dict(run["input_checksums"]) if run.get("input_checksums") else None,
            producer=PRODUCER),
    }
    if state is RunState.FAIL:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=_failure_message(run), programmingLanguage="PYTHON", producer=PRODUCER)
    return RunEvent(eventType=state, eventTime=when, run=Run(runId=str(run["run_id"]),
                    facets=facets), job=job, inputs=inputs, outputs=outputs, producer=PRODUCER)


def _failure_message(run: Mapping[str, Any]) -> str:
    """Step names only: exception texts are kept out (they might quote a record)."""
    summary = run.get("summary") or {}
    steps = summary.get("failed_steps") if isinstance(summary, Mapping) else None
    message = f"UBR run {run['run_id']} failed"
    if steps:
        message += " in step(s): " + ", ".join(str(step) for step in steps)
    return message + "; the previous publication stays current."


def _timestamp(value: datetime | str, key: str, run_id: str) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"run {run_id}: {key} is not an ISO 8601 timestamp") from error
    if value.tzinfo is None:
        raise ValueError(f"run {run_id}: {key} must be timezone-aware")
    return value.astimezone(UTC).isoformat()


def _input_dataset(source: SourceInput, path: str, sha256: str, rows: int) -> InputDataset:
    columns = list(dict.fromkeys(source.mapping.values()))
    mapped_to = {col: [c for c, s in source.mapping.items() if s == col] for col in columns}
    fields = [schema_dataset.SchemaDatasetFacetFields(
        name=column, type="STRING", fields=None,
        description="mapped to canonical " + ", ".join(mapped_to[column])) for column in columns]
    return InputDataset(
        namespace=FILE_NAMESPACE, name=str(path),
        facets={"schema": schema_dataset.SchemaDatasetFacet(fields=fields, producer=PRODUCER),
                "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                    datasetVersion=sha256, producer=PRODUCER)},
        inputFacets={"ubr_input": UbrInputFacet(source=source.source, ministry=source.ministry,
                                                rowCount=int(rows), producer=PRODUCER)})


def _column_description(column: str) -> str:
    if column in ID_COLUMNS:
        return {"registry_id": "Persistent registry id of the business.",
                "status": "Registry status of the business: active or retired.",
                "retired_into": "Registry id a retired business was merged into."}[column]
    canonical = FIELDS_BY_NAME["status" if column == "business_status" else column]
    return f"{canonical.description} Classification: {canonical.classification}."


def _schema_facet(columns: Iterable[str]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(producer=PRODUCER, fields=[
        schema_dataset.SchemaDatasetFacetFields(
            name=column, type="TEXT", description=_column_description(column), fields=None)
        for column in columns])


SURVIVORSHIP = ("survivorship: one value kept for the business among its member records, "
                "after standardisation (rules in config/survivorship.yaml)")


def _registry_dataset(namespace: str, name: str, inputs: Sequence[SourceInput],
                      field_sources: Mapping[str, Sequence[str]]) -> OutputDataset:
    lineage: dict[str, column_lineage_dataset.Fields] = {}
    for golden in GOLDEN_COLUMNS:
        feeds = [
            column_lineage_dataset.InputField(
                namespace=FILE_NAMESPACE, name=str(path), field=source.mapping[canonical],
                transformations=[column_lineage_dataset.Transformation(
                    type="DIRECT", subtype="AGGREGATION", description=SURVIVORSHIP,
                    masking=False)])
            for canonical in field_sources.get(golden, ())
            for source in inputs if canonical in source.mapping
            for path, _sha256, _rows in source.files
        ]
        if feeds:
            lineage[golden] = column_lineage_dataset.Fields(inputFields=feeds)
    return OutputDataset(namespace=namespace, name=name, facets={
        "schema": _schema_facet(REGISTRY_COLUMNS),
        "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
            fields=lineage, producer=PRODUCER)})


TREATMENT_LINEAGE: dict[str, tuple[str, str, bool]] = {  # subtype, description, masking
    Treatment.CLEAR: ("IDENTITY", "clear: the published value", False),
    Treatment.MASKED: ("TRANSFORMATION", "masked: all but the first or last few characters "
                       "replaced by '*' (config/sharing.yaml)", True),
    Treatment.PSEUDONYM: ("TRANSFORMATION", "keyed pseudonym: HMAC-SHA256 with the ministry's "
                          "own secret, not joinable across ministries", True),
}


def _share_dataset(namespace: str, name: str, registry_name: str, ministry: str,
                   fields: Mapping[str, str]) -> OutputDataset:
    treatments = {column: Treatment.CLEAR for column in ID_COLUMNS}
    for golden, treatment in fields.items():
        if golden not in GOLDEN_COLUMNS:
            raise ValueError(f"sharing treatments of ministry '{ministry}': '{golden}' is not a "
                             f"golden field (expected one of {', '.join(GOLDEN_COLUMNS)})")
        try:
            treatments[golden] = Treatment(treatment)
        except ValueError:
            allowed = ", ".join(t.value for t in Treatment)
            raise ValueError(f"sharing treatments of ministry '{ministry}': field '{golden}' "
                             f"has treatment '{treatment}', expected one of {allowed}") from None
    visible = [column for column, treatment in treatments.items()
               if treatment is not Treatment.WITHHELD]
    lineage = {}
    for column in visible:
        subtype, description, masking = TREATMENT_LINEAGE[treatments[column]]
        lineage[column] = column_lineage_dataset.Fields(inputFields=[
            column_lineage_dataset.InputField(
                namespace=namespace, name=registry_name, field=column,
                transformations=[column_lineage_dataset.Transformation(
                    type="DIRECT", subtype=subtype, description=description, masking=masking)])])
    return OutputDataset(namespace=namespace, name=name, facets={
        "schema": _schema_facet(visible),
        "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
            fields=lineage, producer=PRODUCER)})
