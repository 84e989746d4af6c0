"""Dagster metadata built from batches: counts, checksums, schemas. Never a personal value."""

from typing import Any

import dagster as dg

from canonical.schema import CANONICAL_FIELDS
from sources.ingest import SourceBatch

CANONICAL_TABLE_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn(f.name, f.type.value, description=f"[{f.classification}] {f.description}")
    for f in CANONICAL_FIELDS
])


def ingestion_metadata(batch: SourceBatch, changed: bool | None) -> dict[str, Any]:
    """What a data engineer needs to see about one source's read, and nothing personal."""
    by_stage = {str(k): int(v) for k, v in batch.quarantine["stage"].value_counts().items()}
    metadata: dict[str, Any] = {
        "dagster/row_count": batch.rows_accepted,
        "rows_read": batch.rows_read,
        "rows_accepted": batch.rows_accepted,
        "rows_quarantined": batch.rows_quarantined,
        "quarantined_by_stage": dg.MetadataValue.json(by_stage),
        "reconciles": batch.rows_read == batch.rows_accepted + batch.rows_quarantined,
        "input_checksum": batch.checksum,
        "files": dg.MetadataValue.table(
            records=[dg.TableRecord({"path": f.path, "sha256": f.sha256, "bytes": f.size_bytes,
                                     "rows": f.rows}) for f in batch.files],
            schema=dg.TableSchema(columns=[
                dg.TableColumn("path", "string"), dg.TableColumn("sha256", "string"),
                dg.TableColumn("bytes", "int"), dg.TableColumn("rows", "int"),
            ]),
        ),
        "source_columns": dg.MetadataValue.json(batch.raw_columns),
        "dagster/column_schema": CANONICAL_TABLE_SCHEMA,
    }
    if changed is not None:
        metadata["changed_since_last_run"] = changed
    return metadata
