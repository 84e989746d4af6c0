"""Addresses EN/FR, units, PO boxes, rural routes, cities, postal codes, provinces."""

import pandas as pd
import pytest

from matching.addresses import (
    standardise_addresses,
    standardise_cities,
    standardise_postal_codes,
    standardise_provinces,
)


def parse(line: str | None) -> dict:
    return standardise_addresses(pd.Series([line], dtype="string")).iloc[0].to_dict()


def std(line: str) -> str:
    return parse(line)["address_std"]


@pytest.mark.parametrize(
    "line",
    ["123 Main St", "123 Main Street", "123 MAIN ST.", "123 rue Main", "123, Rue Main",
     "123 main str"],
)
def test_street_and_rue_give_the_same_address(line: str) -> None:
    result = parse(line)
    assert result["address_std"] == "123 main street"
    assert (result["street_number"], result["street_name"], result["street_type"]) == (
        "123", "main", "street"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("45 Portland Ave", "45 portland avenue"),
        ("45 Portland Avenue", "45 portland avenue"),
        ("45 avenue Portland", "45 portland avenue"),
        ("1 Avenue du Parc", "1 parc avenue"),
        ("1234 boul. René-Lévesque O.", "1234 rene levesque boulevard w"),
        ("1234 René-Lévesque Blvd West", "1234 rene levesque boulevard w"),
        ("123 chemin du Lac", "123 lac road"),
        ("123 Lac Road", "123 lac road"),
        ("10 Sussex Dr", "10 sussex drive"),
        ("10 promenade Sussex", "10 sussex drive"),
        ("5 Maple Cres", "5 maple crescent"),
        ("5 croissant Maple", "5 maple crescent"),
        ("45 Highway 2", "45 2 highway"),
        ("45 Hwy 2", "45 2 highway"),
        ("45 Route 2", "45 2 highway"),
        ("55 St. George St", "55 saint george street"),
        ("55 rue Saint-Georges", "55 saint georges street"),
        ("12 Pleasant Lane", "12 pleasant lane"),
        ("3 Oak Court", "3 oak court"),
        ("3 Oak Place", "3 oak place"),
    ],
)
def test_street_types_english_and_french(line: str, expected: str) -> None:
    assert std(line) == expected


@pytest.mark.parametrize(
    ("line", "direction"),
    [
        ("100 Main St N", "n"), ("100 Main Street North", "n"), ("100 rue Main Nord", "n"),
        ("100 Main St S", "s"), ("100 rue Main Sud", "s"), ("100 Main St E", "e"),
        ("100 rue Main Est", "e"), ("100 Main St W", "w"), ("100 rue Main Ouest", "w"),
        ("100 rue Main O.", "w"), ("100 Main St NE", "ne"), ("100 rue Main Nord-Ouest", "nw"),
        ("100 Main St SW", "sw"),
    ],
)
def test_directions_english_and_french(line: str, direction: str) -> None:
    result = parse(line)
    assert result["street_direction"] == direction
    assert result["street_name"] == "main"
    assert result["street_type"] == "street"


def test_a_direction_word_that_is_the_name_stays_the_name() -> None:
    assert parse("12 rue du Nord")["street_name"] == "nord"
    assert pd.isna(parse("12 rue du Nord")["street_direction"])
    assert parse("5 North St")["street_name"] == "north"


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("1234 Main St, Suite 200", "200"), ("Suite 200, 1234 Main St", "200"),
        ("Unit 3, 1234 Main St", "3"), ("200-1234 Main St", "200"), ("200 - 1234 Main St", "200"),
        ("1234 rue Main, app. 4", "4"), ("1234 rue Main, bureau 110", "110"),
        ("1234 Main St #5", "5"), ("1234 Main St Apt 4B", "4b"), ("1234 Main St, Ste 7", "7"),
    ],
)
def test_unit_forms(line: str, unit: str) -> None:
    result = parse(line)
    assert result["unit"] == unit
    assert result["address_std"] == "1234 main street"


def test_ste_before_a_name_is_sainte_not_a_suite() -> None:
    result = parse("1234 rue Ste-Catherine")
    assert pd.isna(result["unit"])
    assert result["street_name"] == "sainte catherine"


@pytest.mark.parametrize(
    "line", ["PO Box 123", "P.O. Box 123", "p o box 123", "C.P. 123", "CP 123",
             "Case postale 123", "Box 123", "PO Box #123"],
)
def test_po_box_forms(line: str) -> None:
    result = parse(line)
    assert result["po_box"] == "123"
    assert result["address_std"] == "po box 123"


@pytest.mark.parametrize(
    "line", ["RR 2", "R.R. 2", "R.R. #2", "RR#2", "RR2", "Rural Route 2", "Route rurale 2",
             "R.R. #2, Site 5, Comp 10"],
)
def test_rural_route_forms(line: str) -> None:
    result = parse(line)
    assert result["rural_route"] == "2"
    assert result["address_std"] == "rr 2"


def test_po_box_with_a_street_keeps_the_street_as_the_address() -> None:
    result = parse("P.O. Box 99, 10 Water Street")
    assert result["po_box"] == "99"
    assert result["address_std"] == "10 water street"
    assert parse("RR 1 PO Box 7")["address_std"] == "rr 1 po box 7"


@pytest.mark.parametrize(
    "line", ["500 George Place, 3rd Floor", "500 George Pl 3rd floor", "500 George Place Floor 3",
             "500 place George, 3e étage"],
)
def test_floors_are_dropped(line: str) -> None:
    assert std(line) == "500 george place"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("54 Victoria Sreet", "54 victoria street"), ("54 Victoria Streeth", "54 victoria street"),
        ("53 Victoria Avenre", "53 victoria avenue"), ("24 GEORGE BOLEVARD", "24 george boulevard"),
        ("362 Pleasant Crnscent", "362 pleasant crescent"),
        ("10 boulevrd Saint-Laurent", "10 saint laurent boulevard"),
        ("8 Plaice Street", "8 plaice street"), ("5 Mount Pleasant", "5 mount pleasant"),
    ],
)
def test_street_types_one_typo_away_are_mended(line: str, expected: str) -> None:
    assert std(line) == expected


def test_a_street_called_floor_is_kept() -> None:
    assert std("3 Floor Rd") == "3 floor road"


def test_accents_and_case_do_not_matter() -> None:
    assert std("12 RUE DE L'ÉGLISE") == std("12 rue de l'Eglise") == "12 eglise street"


def test_null_and_unparseable_lines() -> None:
    assert all(pd.isna(v) for v in parse(None).values())
    assert all(pd.isna(v) for v in parse("  ").values())
    result = parse("General Delivery")
    assert result["address_std"] == "general delivery"
    assert pd.isna(result["street_number"])


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("St. John's", "saint johns"), ("Saint John's", "saint johns"),
        ("ST JOHN'S", "saint johns"), ("Ste-Foy", "sainte foy"), ("Sainte-Foy", "sainte foy"),
        ("Montréal", "montreal"), ("  HALIFAX ", "halifax"), ("Mt. Uniacke", "mount uniacke"),
        ("Saint-Jean-sur-Richelieu", "saint jean sur richelieu"),
    ],
)
def test_cities(city: str, expected: str) -> None:
    assert standardise_cities(pd.Series([city])).iloc[0] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("B3H 4R2", "B3H 4R2"), ("B3H4R2", "B3H 4R2"), ("b3h 4r2", "B3H 4R2"),
        (" b3h-4r2 ", "B3H 4R2"), ("E1C 4M3", "E1C 4M3"), ("H2X 1Y4", "H2X 1Y4"),
        ("D3H 4R2", None), ("B3H 4R", None), ("12345", None), ("B3H 4R2 X", None),
        ("W1A 1AA", None), ("", None), (None, None),
        # look-alike characters in an impossible place are repaired
        ("83H 4R2", "B3H 4R2"), ("B3H 4RZ", "B3H 4R2"), ("84P1A1", "B4P 1A1"),
        ("B3H 4R", None), ("OOOOOO", None),
    ],
)
def test_postal_codes(raw: str | None, expected: str | None) -> None:
    result = standardise_postal_codes(pd.Series([raw], dtype="string")).iloc[0]
    if expected is None:
        assert pd.isna(result["postal_code_std"]) and pd.isna(result["fsa"])
    else:
        assert result["postal_code_std"] == expected
        assert result["fsa"] == expected[:3]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("NS", "NS"), ("ns", "NS"), ("N.S.", "NS"), ("Nova Scotia", "NS"),
        ("Nouvelle-Écosse", "NS"), ("NOUVELLE ECOSSE", "NS"), ("NB", "NB"),
        ("Nouveau-Brunswick", "NB"), ("New Brunswick", "NB"), ("QC", "QC"), ("PQ", "QC"),
        ("Québec", "QC"), ("Que.", "QC"), ("NF", "NL"), ("NL", "NL"), ("Nfld", "NL"),
        ("Terre-Neuve-et-Labrador", "NL"), ("Newfoundland and Labrador", "NL"),
        ("PEI", "PE"), ("P.E.I.", "PE"), ("Île-du-Prince-Édouard", "PE"), ("ON", "ON"),
        ("Ontario", "ON"), ("BC", "BC"), ("Colombie-Britannique", "BC"),
    ],
)
def test_provinces(raw: str, code: str) -> None:
    assert standardise_provinces(pd.Series([raw])).iloc[0] == code


def test_unknown_province_is_null() -> None:
    result = standardise_provinces(pd.Series(["Narnia", None, ""], dtype="string"))
    assert result.isna().all()
