"""Independent checks that a stored ministry share honours its agreement.

The publication writes shares through `sharing_policy.shared_rows`; these checks do not call
it. They compare a stored share with the publication it came from, cell by cell, and count
what an agreement forbids: rows it should not hold or lacks, values of withheld fields, owners'
names where personal information is not allowed, clear values that differ, pseudonymised or
masked values that equal the published value. Counts only: never a value.
"""

import pandas as pd

from registry.golden_schema import GOLDEN_COLUMNS
from registry.personal_names import NAME_FIELDS as OWNER_NAME_COLUMNS
from registry.personal_names import names_may_be_personal
from registry.sharing_agreement import SharingAgreement, Treatment


def _allowed_rows(published: pd.DataFrame, agreement: SharingAgreement) -> pd.Series:
    keep = pd.Series(True, index=published.index)
    for column, values in agreement.rows.items():
        keep &= published[column].isin(values).fillna(False).astype(bool)
    if agreement.personal_information == "excluded":
        keep &= ~names_may_be_personal(published["business_type"], published["legal_form"])
    return keep


def share_violations(published: pd.DataFrame, share: pd.DataFrame,
                     agreement: SharingAgreement) -> dict[str, int]:
    """Counts of what `share` holds against `agreement`, given the `published` rows.

    Both frames have registry_id and the golden columns (text); every count is 0 when the
    share is exactly what the agreement allows.
    """
    expected = set(published.loc[_allowed_rows(published, agreement), "registry_id"])
    held = set(share["registry_id"])
    joined = share.merge(published, on="registry_id", how="inner", suffixes=("", "_published"))
    owner = names_may_be_personal(joined["business_type_published"],
                                  joined["legal_form_published"])
    counts = {"rows_not_allowed": len(held - expected), "rows_missing": len(expected - held),
              "withheld_values": 0, "owner_names_shown": 0, "clear_values_changed": 0,
              "treated_values_in_clear": 0}
    for column in GOLDEN_COLUMNS:
        if column not in joined.columns:
            continue
        mine, theirs = joined[column], joined[f"{column}_published"]
        treatment = agreement.treatment(column)
        if treatment is Treatment.WITHHELD:
            counts["withheld_values"] += int(mine.notna().sum())
            continue
        if agreement.personal_information != "allowed" and column in OWNER_NAME_COLUMNS:
            counts["owner_names_shown"] += int((mine.notna() & owner).sum())
            mine, theirs = mine[~owner], theirs[~owner]
        both = mine.notna() & theirs.notna()
        same = (mine[both].astype(str) == theirs[both].astype(str))
        if treatment is Treatment.CLEAR:
            counts["clear_values_changed"] += int((~same).sum() + (mine.isna() != theirs.isna())
                                                  .sum())
        else:
            counts["treated_values_in_clear"] += int(same.sum())
    return counts
