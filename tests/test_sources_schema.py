"""The canonical schema: its document is in step, and conform() guards the shape."""

from pathlib import Path

import pandas as pd
import pytest

from canonical.schema import (
    CANONICAL_COLUMNS,
    PERSONAL_FIELDS,
    conform,
    empty_canonical_frame,
    schema_markdown,
)


def test_schema_document_is_in_step_with_the_code():
    document = Path(__file__).parents[1] / "docs" / "canonical-schema.md"
    assert document.read_text(encoding="utf-8") == schema_markdown(), (
        "regenerate with: python -c \"from canonical.schema import schema_markdown; "
        "open('docs/canonical-schema.md','w').write(schema_markdown())\"")


def test_personal_fields_are_the_owner_fields():
    assert {"owner_name", "owner_address_line", "owner_city",
                               "owner_postal_code"} == PERSONAL_FIELDS


def test_conform_orders_types_and_refuses_extra_columns():
    frame = conform(pd.DataFrame({"legal_name": ["Acadia Ltd"], "source_line": [3],
                                  "registration_date": ["2020-02-03"]}))
    assert list(frame.columns) == list(CANONICAL_COLUMNS)
    assert str(frame["source_line"].dtype) == "Int64"
    assert frame.at[0, "registration_date"] == pd.Timestamp("2020-02-03")
    assert frame["city"].isna().all()
    with pytest.raises(ValueError, match="not in the canonical schema: sin"):
        conform(pd.DataFrame({"sin": ["046454286"]}))
    assert empty_canonical_frame().empty
