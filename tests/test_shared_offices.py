"""A shared office is a place (an address line and its postal code) where many different names
are registered (a law firm's registered office), not one business that every register lists;
there the address, city and postal code are no evidence either way, and a record arriving
later is flagged exactly as it would have been in the batch."""

import pandas as pd
import pytest

from matching.compare import compute_levels, standard_columns
from matching.comparisons import compile_comparisons
from matching.model import load_settings
from matching.population import PopulationStatistics, office_keys
from matching.prepare_one import prepare_record
from matching.standardise import standardise_records

LAW_FIRM = "1959 Upper Water Street, Suite 900"


def _raw(name: str, address: str, postal: str = "B3J 3N2", city: str = "Halifax") -> dict:
    return {"legal_name": name, "operating_name": None, "address_line": address, "city": city,
            "province": "NS", "postal_code": postal, "phone": None, "email": None,
            "business_number": None}


def _prepared(rows: list[dict]) -> tuple[pd.DataFrame, PopulationStatistics]:
    records = standard_columns(standardise_records(pd.DataFrame(rows)))
    statistics = PopulationStatistics.of(records, shared_office_min_names=8)
    return statistics.apply(records), statistics


FIRMS = ["Gillis Pharmacy Limited", "Young Bakery Ltd", "Doyle Motel Inc",
         "Chisholm Construction Limited", "Graham Trucking Ltd", "Mosher Seafoods Limited",
         "Beaton Software Ltd", "Martin Restaurant Ltd", "Seaside Vineyards Ltd"]


def test_an_address_many_names_give_is_shared_and_one_firms_many_records_is_not() -> None:
    rows = [_raw(name, LAW_FIRM) for name in FIRMS[:8]]
    # one firm listed twelve times (tax lines, permits, a typo): two spellings, one business
    rows += [_raw("Sullivan Excavating Limited", "104 Reeves Street", "B4P 9B2")] * 11
    rows += [_raw("Sulivan Excavating Limited", "104 Reeves Street", "B4P 9B2")]
    records, statistics = _prepared(rows)
    assert records["shared_office"].tolist() == [True] * 8 + [False] * 12
    assert statistics.office_names.max() == 8


@pytest.mark.parametrize(("name", "shared"), [("Seaside Vineyards Ltd", True),
                                              ("Gillis Pharmacy Limited", False)])
def test_a_record_arriving_one_name_short_of_a_shared_office_counts_only_a_new_name(
        name: str, shared: bool) -> None:
    _, statistics = _prepared([_raw(firm, LAW_FIRM) for firm in FIRMS[:7]])
    arriving = _raw(name, LAW_FIRM)
    batch = statistics.apply(standard_columns(standardise_records(pd.DataFrame([arriving]))),
                             counted=False)
    assert bool(batch["shared_office"].iloc[0]) is shared
    assert prepare_record(arriving, statistics, ["shared_office"])["shared_office"] is shared


def test_address_city_and_postal_code_are_null_where_either_record_is_at_a_shared_office(
        ) -> None:
    rows = [_raw(name, LAW_FIRM) for name in FIRMS[:8]]
    rows += [_raw("Gillis Pharmacy Limited", "102 Barrington Street", "B2X 7V4", "Dartmouth"),
             _raw("Gillis Pharmacy Ltd", "102 Barrington St", "B2X 7V4", "Dartmouth")]
    records, _ = _prepared(rows)
    comparisons = compile_comparisons(load_settings().comparisons)
    pairs = pd.DataFrame({"i": [0, 0, 8], "j": [1, 8, 9]})  # office-office, office-site, sites
    levels = compute_levels(pairs, records, comparisons)
    for name in ("address", "city", "postal_code"):
        gamma = levels[f"{name}_gamma"].tolist()
        assert gamma[:2] == [-1, -1], name
        assert gamma[2] > 0, name  # two records at the firm's own site still agree
    assert (levels["name_gamma"] >= 0).all()


def test_a_stored_statistics_keeps_what_decides_an_arriving_record() -> None:
    records, statistics = _prepared([_raw(firm, LAW_FIRM) for firm in FIRMS[:7]])
    loaded = PopulationStatistics.from_frames(statistics.frames(), **statistics.settings())
    office = office_keys(records).iloc[0]
    known = loaded.is_known(pd.Series([office, office, "12 main street|B3J3N2"]),
                            pd.Series([records["name_std"].iloc[0], "seaside vineyards",
                                       "seaside vineyards"]))
    assert len(statistics.office_edge) == 7
    assert loaded.office_names.to_dict() == statistics.office_names.to_dict()
    assert known.tolist() == [True, False, True]  # elsewhere one more name changes nothing


def test_every_exact_name_level_is_adjusted_against_the_plain_exact_levels_u() -> None:
    name = compile_comparisons(load_settings().comparisons)[0]
    u = {label: 0.001 * (k + 1) for k, label in enumerate(name.labels)}
    tf_u = dict(zip(name.labels, name.tf_u(u), strict=True))
    assert tf_u["exact_both"] == tf_u["exact_legal"] == tf_u["exact"] == u["exact"]
    assert tf_u["jw_0.95"] == u["jw_0.95"] and tf_u["else"] == u["else"]


def test_one_street_line_in_two_towns_is_two_places() -> None:
    rows = [_raw(name, "12 Main Street", "B4N 2T2", "Kentville") for name in FIRMS[:4]]
    rows += [_raw(name, "12 Main Street", "B2G 9W2", "Antigonish") for name in FIRMS[4:8]]
    records, statistics = _prepared(rows)
    assert not records["shared_office"].any()
    assert sorted(statistics.office_names.tolist()) == [4, 4]
