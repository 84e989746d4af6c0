"""Term-frequency adjustment: a shared rare name is stronger evidence than a shared common one.

Splink's formula: on the exact level, replace the average u by the frequency of the value
actually shared, i.e. add log2(u_exact / tf(value)) to the level's weight. 'tim hortons' held
by 5% of records gets a large negative adjustment; a name held once gets a positive one.
"""

import hashlib

import numpy as np
import pandas as pd


def tf_table(records: pd.DataFrame, columns: list[str]) -> pd.Series:
    """How many records hold each value across `columns` (a record counts once per value)."""
    stacked = pd.concat(
        [pd.DataFrame({"row": np.arange(len(records)), "value": records[c]}) for c in columns]
    ).dropna().drop_duplicates()
    if stacked.empty:
        return pd.Series(dtype=float)
    return stacked["value"].value_counts()


def tf_adjustment(counts: np.ndarray, u_exact: float | np.ndarray,
                  n_records: int) -> np.ndarray:
    """log2(u_exact / tf) per pair from the shared value's record count; 0 where none.

    tf is the chance that another record holds the value: (count - 1) / n, leaving out the
    record itself. A value held by the pair alone is no evidence of being common, so it can
    only raise the weight; a penalty needs a third record sharing the value.
    """
    out = np.zeros(len(counts))
    u = np.broadcast_to(np.asarray(u_exact, float), counts.shape)
    present = ~np.isnan(counts) & (u > 0)
    if not present.any() or n_records < 2:
        return out
    held = np.maximum(counts[present], 2.0)
    adjustment = np.log2(u[present] * n_records / (held - 1))
    out[present] = np.where(held >= 3, adjustment, np.maximum(adjustment, 0.0))
    return out


def tf_summary(table: pd.Series, n_records: int, top: int = 20,
               hashed: bool = False) -> dict[str, float]:
    """The most common values and their relative frequencies, for the saved model.

    `hashed` replaces each value by a SHA-256 prefix: phones and e-mails may be a sole
    proprietor's, and the model file is kept with the run (no personal data in artefacts).
    """
    def label(value: object) -> str:
        if not hashed:
            return str(value)
        return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]

    return {label(k): round(float(v) / max(n_records, 1), 6) for k, v in table.head(top).items()}
