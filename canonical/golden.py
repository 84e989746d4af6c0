"""The golden registry's shape, shared by the code that plans a run's changes (matching/golden)
and the store that writes them (registry/golden_store): the golden columns, and the changes
of one run as DataFrames.
"""

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Golden columns with a column of their own in `businesses`; any other configured field is
# still kept in field_provenance.
GOLDEN_COLUMNS: tuple[str, ...] = (
    "legal_name", "operating_name", "business_type", "legal_form", "business_number",
    "business_status", "status_date", "registration_date", "address_type", "address_line", "city",
    "province", "postal_code", "phone", "email", "naics_code", "employee_band", "owner_name",
    "owner_address_line", "owner_city", "owner_postal_code",
)
# Golden fields whose canonical (source record) column has another name; the others share it.
CANONICAL_COLUMN_OF: dict[str, str] = {"business_status": "status"}


@dataclass
class GoldenChanges:
    """Everything one run changes in the golden registry; empty frames mean nothing to write.

    Made by matching/golden (a pure plan), written by registry.golden_store in one
    transaction.
    """

    businesses: pd.DataFrame  # full rows of new or changed businesses (businesses columns)
    replaced_ids: list[str]  # existing businesses whose provenance/values are rewritten
    retired: pd.DataFrame  # registry_id, retired_into
    cross_reference: pd.DataFrame  # source, source_record_id, registry_id: new or moved
    stale_records: pd.DataFrame  # source, source_record_id: rows to delete (moved or gone)
    provenance: pd.DataFrame  # field_provenance rows of the written businesses
    values: pd.DataFrame  # business_values rows of the written businesses
    events: pd.DataFrame  # registry_id, kind, other_registry_id, source, source_record_id, reason
    review_queue: pd.DataFrame  # review_queue columns but pair_id/run_id
    match_evidence: pd.DataFrame  # match_evidence columns but run_id
    evidence_profiles: pd.DataFrame  # profile_id, evidence (JSON text) of match_evidence rows
    summary: dict[str, Any] = field(default_factory=dict)
