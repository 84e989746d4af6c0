"""One Python string object per distinct value in a frame's string columns."""

import numpy as np
import pandas as pd


def shared_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Object string columns with one Python object per distinct value (cities, postal codes
    and street names repeat across millions of records: gigabytes of copies otherwise)."""
    for col in frame.columns:
        values = frame[col]
        first = values.dropna()
        if values.dtype != object or (len(first) and isinstance(first.iloc[0], list)):
            continue
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        if len(uniques) == 0:
            continue
        shared = np.asarray(uniques, dtype=object)[np.maximum(codes, 0)]
        shared[codes < 0] = None
        frame[col] = pd.Series(shared, index=frame.index, dtype=object)  # None stays None
    return frame
