"""The registry audits behind the golden asset checks catch what they should."""

import pandas as pd

from matching.golden.audit import (
    events_consistent,
    one_valid_bn_root_per_business,
    records_in_one_business,
    registry_ids_valid,
)
from matching.golden.registry_ids import format_registry_id

ID_1, ID_2, ID_3 = (format_registry_id(n) for n in (1, 2, 3))


def records(bns: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({
        "source": "rjsc", "source_record_id": [f"rjsc:{n}" for n in range(len(bns))],
        "business_number": pd.array(bns, dtype="string"),
        "program_accounts": pd.array([None] * len(bns), dtype="string"),
    })


def xref(ids: list[str]) -> pd.DataFrame:
    keys = [f"rjsc:{n}" for n in range(len(ids))]
    return pd.DataFrame({"source": "rjsc", "source_record_id": keys, "registry_id": ids})


def test_every_record_in_exactly_one_business():
    assert records_in_one_business(records([None, None]), xref([ID_1, ID_1])).passed
    missing = records_in_one_business(records([None, None]), xref([ID_1]))
    assert not missing.passed and missing.failures == 1 and "rjsc:1" in missing.detail
    twice = pd.concat([xref([ID_1, ID_2]), xref([ID_3])], ignore_index=True)
    assert not records_in_one_business(records([None, None]), twice).passed


def test_two_valid_bn_roots_in_one_business_are_caught():
    valid_a, valid_b, invalid = "120568381", "503591976", "123456789"
    assert one_valid_bn_root_per_business(records([valid_a, invalid]), xref([ID_1, ID_1])).passed
    caught = one_valid_bn_root_per_business(records([valid_a, valid_b]), xref([ID_1, ID_1]))
    assert not caught.passed and ID_1 in caught.detail
    apart = one_valid_bn_root_per_business(records([valid_a, valid_b]), xref([ID_1, ID_2]))
    assert apart.passed


def test_registry_ids_well_formed_and_unique():
    assert registry_ids_valid(pd.DataFrame({"registry_id": [ID_1, ID_2]})).passed
    assert not registry_ids_valid(pd.DataFrame({"registry_id": [ID_1, ID_1]})).passed
    bad_check_digit = ID_1[:-1] + str((int(ID_1[-1]) + 1) % 10)
    assert not registry_ids_valid(pd.DataFrame({"registry_id": [bad_check_digit]})).passed


def test_events_agree_with_business_states():
    businesses = pd.DataFrame({"registry_id": [ID_1, ID_2], "status": ["active", "retired"],
                               "retired_into": [None, ID_1]})
    events = pd.DataFrame({"registry_id": [ID_1, ID_2, ID_2],
                           "kind": ["created", "created", "retired"]})
    assert events_consistent(businesses, events).passed
    assert not events_consistent(businesses, events[events["registry_id"] == ID_2]).passed
    dangling = businesses.assign(retired_into=[None, ID_3])
    assert not events_consistent(dangling, events).passed
