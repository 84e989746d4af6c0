"""member_of answers as isin does, for keys, nulls and repeated pools."""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from canonical.membership import member_of

keys = st.lists(st.one_of(st.none(), st.text(max_size=3)), max_size=30)


@given(keys, keys)
def test_member_of_agrees_with_isin(values, pool):
    expected = pd.Series(values, dtype=object).isin(pool).to_numpy(bool)
    assert member_of(values, pool).tolist() == expected.tolist()
    assert member_of(pd.Series(values, dtype=object), pd.Index(pool, dtype=object)).tolist() \
        == expected.tolist()


def test_member_of_takes_numpy_and_pandas_string_arrays():
    pool = pd.Series(["a:1", "b:2"], dtype="string")
    values = np.array(["b:2", "c:3"], dtype=object)
    assert member_of(values, pool).tolist() == [True, False]
