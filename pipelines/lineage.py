"""Column lineage for Dagster metadata and the run's OpenLineage events (wiring only)."""

import logging

import dagster as dg

from pipelines.resources import RegistryStoreResource, SourceCatalog, run_resources
from pipelines.settings import RunSettings
from registry.golden_schema import CANONICAL_COLUMN_OF, GOLDEN_COLUMNS
from registry.sharing_agreement import SharingAgreement, SharingFile


def golden_column_lineage() -> dg.TableColumnLineage:
    """Each golden column from the canonical column survivorship picks it from."""
    return dg.TableColumnLineage(deps_by_column={
        column: [dg.TableColumnDep(asset_key=dg.AssetKey("canonical_records"),
                                   column_name=CANONICAL_COLUMN_OF.get(column, column))]
        for column in GOLDEN_COLUMNS})


def share_column_lineage(sharing: SharingFile) -> dg.TableColumnLineage:
    """Each ministry's shared column (`<ministry>.<column>`) from its golden column.

    Dagster's lineage has no masking flag: `share_treatments` carries it beside this.
    """
    golden = dg.AssetKey("golden_records")
    return dg.TableColumnLineage(deps_by_column={
        f"{agreement.id}.{column}": [dg.TableColumnDep(asset_key=golden, column_name=column)]
        for agreement in sharing.agreements
        for column in agreement.visible_columns() if column in GOLDEN_COLUMNS})


def share_treatments_of(agreement: SharingAgreement) -> dict[str, str]:
    """golden field -> treatment (clear, masked, pseudonym, withheld) of one agreement."""
    return {column: agreement.treatment(column).value for column in GOLDEN_COLUMNS}


def share_treatments(sharing: SharingFile) -> dict[str, dict[str, str]]:
    """ministry -> golden field -> treatment."""
    return {agreement.id: share_treatments_of(agreement) for agreement in sharing.agreements}


def emit_openlineage(store: RegistryStoreResource, catalog: SourceCatalog, run_id: str,
                     sharing: SharingFile | None) -> str | None:
    """Emit the finished registry run's OpenLineage events (START, then COMPLETE or FAIL).

    Returns a sentence when they could not be emitted: lineage never fails a run. A failed
    run may have no readable sharing configuration; its FAIL event has no outputs anyway.
    """
    from registry.openlineage_events import SourceInput, build_run_events, emit_run_events

    registry = store.open()
    run = registry.get_run(run_id)
    if run is None:
        return f"OpenLineage events not emitted: no registry run {run_id}"
    inputs = []
    for source in catalog.load().sources:
        files = registry.source_files(source.id)
        current = files[files["is_current"].astype(bool)]
        inputs.append(SourceInput(
            source=source.id, ministry=source.ministry,
            files=list(zip(current["path"], current["sha256"], current["rows"].astype(int),
                           strict=True)),
            mapping=dict(source.mapping)))
    agreements = sharing.agreements if sharing is not None else []
    events = build_run_events(
        run, inputs, {a.id: share_treatments_of(a) for a in agreements}, store.url(),
        share_schemas={a.id: a.schema_name() for a in agreements})
    result = emit_run_events(events, home=store.home())  # beside this store, not UBR_HOME
    return None if result.ok else f"OpenLineage events not emitted: {result.error}"


def close_failed_run(
    dagster_run_id: str, failed_steps: list[str], store: RegistryStoreResource | None = None,
    catalog: SourceCatalog | None = None,
) -> bool:
    """Mark the registry run of a failed Dagster run failed and emit its FAIL event.

    `store` and `catalog` are the failed run's own (`ubr run` and the run-failure sensor pass
    them); without them, the environment's settings. False when there was no open registry
    run (nothing to close).
    """
    if store is None or catalog is None:
        defaults = run_resources(RunSettings.resolve())
        store = store or defaults["store"]
        catalog = catalog or defaults["catalog"]
    if not store.fail_run(dagster_run_id, failed_steps):
        return False
    run = store.open().find_dagster_run(dagster_run_id)
    problem = emit_openlineage(store, catalog, run["run_id"], None)
    if problem:
        logging.getLogger("ubr.lineage").warning(problem)
    return True
