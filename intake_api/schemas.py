"""Request and response bodies of the API, with the canonical field names of docs/api.md.

Unknown fields are refused (a 422 naming the field), so a misspelt field is never silently
ignored; lengths are bounded by the canonical schema's field limits.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
OptionalText = Annotated[str | None, Field(default=None)]
Decision = Literal["match", "review", "non_match"]

# API field -> canonical column (canonical/schema.py)
CANONICAL_OF: dict[str, str] = {
    "name": "legal_name", "operating_name": "operating_name", "address": "address_line",
    "city": "city", "province": "province", "postal_code": "postal_code", "phone": "phone",
    "email": "email", "business_number": "business_number",
}


class BusinessFields(BaseModel):
    """What a clerk knows about a business; `name` is required, any other subset will do."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(description="Legal or registered name, legal form included.")
    operating_name: Annotated[str | None, StringConstraints(max_length=500)] = None
    address: Annotated[str | None, StringConstraints(max_length=500)] = None
    city: Annotated[str | None, StringConstraints(max_length=200)] = None
    province: Annotated[str | None, StringConstraints(max_length=50)] = None
    postal_code: Annotated[str | None, StringConstraints(max_length=20)] = None
    phone: Annotated[str | None, StringConstraints(max_length=50)] = None
    email: Annotated[str | None, StringConstraints(max_length=320)] = None
    business_number: Annotated[str | None, StringConstraints(max_length=30)] = None

    def canonical(self) -> dict[str, str | None]:
        """The fields under their canonical column names; blank values are missing."""
        return {column: (getattr(self, name) or None) for name, column in CANONICAL_OF.items()}


class ResolveRequest(BusinessFields):
    limit: int = Field(5, ge=1, le=50, description="Most candidates returned.")
    min_probability: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Candidates below this match probability are left out "
        "(default: the server's, see `ubr serve --min-probability`).")


class ComparisonEvidence(BaseModel):
    level: str
    weight: float


class Candidate(BaseModel):
    registry_id: str
    match_probability: float
    match_weight: float
    decision: Decision
    evidence: dict[str, ComparisonEvidence] = Field(
        description="Per comparison: the level the pair reached and its weight (log2 Bayes "
        "factor, term-frequency adjustment included).")
    business: dict[str, str | None] = Field(
        description="The business as the caller's data-sharing agreement allows (withheld "
        "fields are null, masked and pseudonym fields as in its share).")


class ResolveResponse(BaseModel):
    candidates: list[Candidate]
    registry_version: str = Field(description="The registry run whose match state answered.")


class RecordRequest(BusinessFields):
    source_record_id: Annotated[str, StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")] = Field(
        description="The ministry's own id of the record (letters, digits, _ . : / -).")
    source: Annotated[str | None, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        None, description="Which of the ministry's sources the record belongs to (default: its "
        "first source in the sharing agreement).")


class RecordResponse(BaseModel):
    registry_id: str
    outcome: Literal["linked", "created"]
    source: str
    source_record_id: str
    decision: Decision | None = Field(description="The best candidate's decision, if any.")
    match_probability: float | None
    review_pairs: int = Field(description="Review-band pairs sent to the stewards' queue.")
    run_id: str = Field(description="The registry run that recorded it (`ubr trace`).")


class FailedExpectation(BaseModel):
    expectation: str
    column: str | None


class RejectedRecord(BaseModel):
    detail: str
    failed_expectations: list[FailedExpectation]


class BusinessResponse(BaseModel):
    registry_id: str
    status: str
    retired_into: str | None
    fields: dict[str, str | None]


class Problem(BaseModel):
    detail: str
