"""Builders shared by the golden-record, registry-id and review tests (no tests here).

Records are canonical frames; a `FakeLink` stands for a LinkResult with hand-made clusters
and pairs, so these tests pin the golden/id/steward logic whatever the match model does.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from stdnum import luhn

from canonical.schema import conform
from matching.golden.keys import with_record_keys
from matching.model import ThresholdSettings

EVIDENCE = {"name_level": "jw_0.95", "name_weight": 4.2, "address_level": "else",
            "address_weight": -2.0}


def valid_bn(stem: str) -> str:
    """A nine-digit BN root with a correct check digit, from eight digits."""
    return stem + luhn.calc_check_digit(stem)


def invalid_bn(stem: str) -> str:
    good = valid_bn(stem)
    return good[:-1] + str((int(good[-1]) + 1) % 10)


def canonical(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Canonical records (with record keys) from partial rows."""
    return with_record_keys(conform(pd.DataFrame(rows)))


@dataclass
class FakeLink:
    clusters: pd.DataFrame
    pairs: pd.DataFrame
    model: Any = field(default_factory=lambda: SimpleNamespace(thresholds=ThresholdSettings()))


def pair_rows(pairs: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    """LinkResult-style pairs (record_key_l < record_key_r) with evidence columns."""
    rows = []
    for a, b, probability, decision in pairs:
        left, right = sorted((a, b))
        weight = float(np.log2(probability / (1 - probability)))
        rows.append({"record_key_l": left, "record_key_r": right, **EVIDENCE,
                     "match_weight": weight, "match_probability": probability, "rule": "",
                     "decision": decision})
    columns = ["record_key_l", "record_key_r", *EVIDENCE, "match_weight", "match_probability",
               "rule", "decision"]
    return pd.DataFrame(rows, columns=columns)


def fake_link(records: pd.DataFrame, groups: list[list[str]],
              review: list[tuple[str, str, float]] = ()) -> FakeLink:
    """Clusters from `groups` (records not named are singletons), auto-match edges chaining
    each group, and review-band pairs."""
    label = {key: key for key in records["record_key"]}
    pairs: list[tuple[str, str, float, str]] = []
    for group in groups:
        for key in group:
            label[key] = min(group)
        pairs += [(a, b, 0.99, "match") for a, b in zip(group, group[1:], strict=False)]
    pairs += [(a, b, p, "review") for a, b, p in review]
    frame = pd.DataFrame({"record_key": list(label), "cluster_id": list(label.values())})
    frame["cluster_size"] = frame.groupby("cluster_id")["record_key"].transform("size")
    return FakeLink(frame, pair_rows(pairs))


def bakery(n: int = 1, stem: str = "1234567") -> list[dict[str, Any]]:
    """Bakery number `n` in four registers, spelled four ways."""
    bn = valid_bn(stem + str(n % 10))
    return [
        {"source": "rjsc", "source_record_id": f"R{n}", "business_type": "corporation",
         "legal_name": "Boulangerie Côté Limited", "operating_name": "Côté Bakery | Pain Côté",
         "business_number": bn, "status": "active", "registration_date": "2001-05-04",
         "status_date": "2010-01-01", "address_line": "12 Main Street", "city": "Halifax",
         "province": "NS", "address_type": "registered_office",
         "owner_name": "Zoë Côté"},
        {"source": "wcb", "source_record_id": f"W{n}", "legal_name": "BOULANGERIE COTE LTD",
         "operating_name": "COTE BAKERY", "business_number": bn, "status": "active",
         "registration_date": "2003-02-01", "address_line": "PO Box 4", "city": "Halifax",
         "province": "NS", "postal_code": "B3H 1A1", "phone": "902-555-0101",
         "naics_code": "311811", "employee_band": "5-9", "address_type": "mailing"},
        {"source": "revenue", "source_record_id": f"{bn}RT0001",
         "legal_name": "Boulangerie Cote Ltd", "business_number": f"{bn}RT0001",
         "program_accounts": "RT0001", "status": "active", "registration_date": "2001-06-01",
         "address_line": "12 Main St", "city": "Halifax", "province": "NS",
         "postal_code": "B3H 1A1", "address_type": "mailing"},
        {"source": "permits", "source_record_id": f"P-{n}", "legal_name": "Boulangerie Côté Ltée",
         "operating_name": "Pain Côté", "permit_number": f"P-{n}", "permit_type": "food",
         "registration_date": "2015-03-03", "address_line": "14 Water St", "city": "Halifax",
         "province": "NS", "phone": "(902) 555-0199", "address_type": "site"},
    ]


def publish(golden, records, link) -> tuple[str, dict]:
    """Publish one run of `link` over `records` as a finished registry run."""
    from matching.golden.publish import publish_golden_records

    run_id = golden.store.start_run("cfg", "test")
    summary = publish_golden_records(golden, run_id, records, link)
    golden.store.finish_run(run_id, "succeeded", summary)
    return run_id, summary


def ids_by_record(golden) -> dict[str, str]:
    """registry_id by record key ('source:source_record_id') from the cross-reference."""
    xref = golden.table("cross_reference")
    return dict(zip(xref["source"] + ":" + xref["source_record_id"], xref["registry_id"],
                    strict=True))
