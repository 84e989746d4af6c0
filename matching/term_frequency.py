"""Term-frequency adjustment: a shared rare name is stronger evidence than a shared common one.

Splink's formula: on the exact level, replace the average u by the frequency of the value
actually shared, i.e. add log2(u_exact / tf(value)) to the level's weight. 'tim hortons' held
by 5% of records gets a large negative adjustment; a name held once gets a positive one.
"""

import numpy as np
import pandas as pd


def tf_table(records: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Relative frequency of each value across `columns` (a record counts once per value)."""
    stacked = pd.concat(
        [pd.DataFrame({"row": np.arange(len(records)), "value": records[c]}) for c in columns]
    ).dropna().drop_duplicates()
    if stacked.empty:
        return pd.Series(dtype=float)
    counts = stacked["value"].value_counts()
    return counts / max(len(records), 1)


def tf_adjustment(values: np.ndarray, table: pd.Series, u_exact: float,
                  n_records: int) -> np.ndarray:
    """log2(u_exact / tf(value)) per pair; 0 where no value is shared."""
    out = np.zeros(len(values))
    present = pd.notna(values) & (values != None)  # noqa: E711
    if not present.any() or u_exact <= 0:
        return out
    floor = 1.0 / max(n_records, 1)
    tf = pd.Series(values[present]).map(table).to_numpy(dtype=float)
    tf = np.where(np.isnan(tf), floor, np.maximum(tf, floor))
    out[present] = np.log2(u_exact / tf)
    return out


def tf_summary(table: pd.Series, top: int = 20) -> dict[str, float]:
    """The most common values and their frequencies, for the saved model."""
    return {str(k): round(float(v), 6) for k, v in table.head(top).items()}
