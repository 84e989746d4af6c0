"""The demo noise is real: each kind the matcher must cope with actually occurs, seeded."""

import json
import re
import sqlite3

import numpy as np
import openpyxl
import pandas as pd
import pytest
from numpy.dtypes import StringDType
from stdnum import luhn
from stdnum.ca import bn

from sources.demo import generate_demo_registers, noise
from sources.demo.population import valid_bn9
from sources.demo.vocab import BRANDS, SHARED_OFFICES

S = StringDType()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """A 2,000-business demo, each register joined to the answer key."""
    out = tmp_path_factory.mktemp("noise")
    generate_demo_registers(out, businesses=2000, seed=5)
    key = pd.read_csv(out / "answer_key.csv", dtype=str).set_index("source_record_id")
    frames = {
        "rjsc": pd.read_csv(out / "rjsc" / "companies.csv", dtype=str),
        "revenue": pd.DataFrame([json.loads(line) for line in (
            out / "revenue" / "registrants.jsonl").read_text(encoding="latin-1").splitlines()]),
    }
    with sqlite3.connect(out / "wcb" / "employers.sqlite") as connection:
        frames["wcb"] = pd.read_sql("SELECT * FROM employer_accounts", connection)
    rows = list(openpyxl.load_workbook(out / "permits" / "permis.xlsx", read_only=True)
                .active.iter_rows(values_only=True))
    frames["permits"] = pd.DataFrame(rows[1:], columns=rows[0])
    ids = {"rjsc": "Registry ID", "wcb": "account_no", "revenue": "bn", "permits": "No de permis"}
    for source, frame in frames.items():
        record_id = source + ":" + frame[ids[source]].astype(str)
        frame["business_id"] = key.loc[record_id, "business_id"].to_numpy()
    return frames


def test_some_business_numbers_fail_their_check_digit(demo) -> None:
    for source, column in (("rjsc", "Business Number"), ("wcb", "bn9"), ("permits", "NE")):
        numbers = demo[source][column].dropna().astype(str)
        valid = numbers.map(bn.is_valid)
        assert valid.mean() > 0.95, source
        assert (~valid).sum() >= 1, source
    assert demo["revenue"]["bn"].str[:9].map(bn.is_valid).all()  # the BN's own authority


def test_numbered_companies_and_consecutive_numbers(demo) -> None:
    names = demo["rjsc"]["Legal Name"].dropna()
    numbers = names.str.extract(r"^(\d{7}) Nova Scotia Limit")[0].dropna().astype(int)
    assert len(numbers) >= 20
    assert set(numbers + 1) & set(numbers), "no consecutive numbered companies"
    permits = demo["permits"]["Raison sociale"].dropna()
    assert permits.str.contains(r"\d{7} Nova Scotia Limitée").any()


def test_franchise_brand_is_carried_by_several_businesses(demo) -> None:
    rjsc = demo["rjsc"]
    carriers = {brand: rjsc.loc[rjsc["Registered Names"].fillna("").str.contains(
        re.escape(brand)), "business_id"].nunique() for brand in BRANDS}
    assert max(carriers.values()) >= 3


def test_duplicates_inside_registers(demo) -> None:
    for source in ("rjsc", "wcb", "permits"):
        per_business = demo[source]["business_id"].value_counts()
        assert (per_business > 1).any(), source
    wcb = demo["wcb"]
    twice = wcb[wcb.duplicated("business_id", keep=False)]
    assert twice["account_no"].nunique() == len(twice)  # different native ids


def test_shared_offices_and_holding_companies(demo) -> None:
    rjsc = demo["rjsc"]
    office = rjsc["Registered Office Address"].fillna("").str.upper()
    law_firm = SHARED_OFFICES[0][0].upper()
    assert rjsc.loc[office.str.startswith(law_firm[:20]), "business_id"].nunique() >= 5
    holdings = rjsc[rjsc["Legal Name"].fillna("").str.contains("Holdings|Investments")]
    both = holdings.merge(rjsc, on=["Registered Office Address", "Postal Code"])
    assert (both["business_id_x"] != both["business_id_y"]).any()


def test_french_forms_names_and_accents(demo) -> None:
    permits = demo["permits"]
    forms = set(permits["Forme juridique"].dropna())
    assert {"Ltée", "Limitée", "S.E.N.C."} & forms >= {"Ltée", "S.E.N.C."}
    assert permits["Raison sociale"].dropna().str.contains("Ltée|Limitée").any()
    wcb_names = demo["wcb"]["employer_name"].dropna()
    assert wcb_names.str.contains("[ÉÈÀÇ]").mean() < 0.05  # mostly accents stripped
    assert demo["rjsc"]["City"].eq("Chéticamp").any()


def test_moves_and_field_defects(demo) -> None:
    rjsc = demo["rjsc"].drop_duplicates("business_id").set_index("business_id")
    revenue = demo["revenue"].drop_duplicates("business_id").set_index("business_id")
    both = rjsc.join(revenue, how="inner")
    assert (both["Postal Code"] != both["postal_code"]).mean() > 0.02
    provinces = pd.concat([demo["rjsc"]["Province"], demo["wcb"]["mail_prov"],
                           demo["revenue"]["province"], demo["permits"]["Province"]])
    assert provinces.isin(["PQ", "NF"]).any()


def test_valid_bn9_matches_stdnum() -> None:
    numbers = valid_bn9(np.random.default_rng(1), 500).tolist()
    assert len(set(numbers)) == 500
    assert all(bn.is_valid(n) and luhn.calc_check_digit(n[:8]) == n[8] for n in numbers)


def test_noise_functions_touch_only_masked_rows() -> None:
    rng = np.random.default_rng(0)
    values = np.asarray(["Harbourview Limited", "100 Main Street", "Comeau Ltée"] * 50, dtype=S)
    mask = np.zeros(len(values), bool)
    mask[::2] = True
    for out in (noise.typo(values, mask, rng), noise.ocr(values, mask, rng),
                noise.abbreviate(values, mask), noise.strip_accents(values, mask)):
        assert (out[~mask] == values[~mask]).all()
        assert (out[mask] != values[mask]).any()
    bns = valid_bn9(rng, 50)
    broken = noise.mistype_digit(bns, np.ones(50, bool), rng)
    assert not any(bn.is_valid(b) for b in broken.tolist())
    assert noise.abbreviate(np.asarray(["5 Main Street"], dtype=S), np.ones(1, bool))[0] \
        == "5 Main St"
    assert noise.strip_accents(np.asarray(["Chéticamp"], dtype=S), np.ones(1, bool))[0] \
        == "Cheticamp"
    phones = noise.format_phone(np.asarray(["9025551234"] * 3, dtype=S), np.array([0, 1, 2]))
    assert phones.tolist() == ["(902) 555-1234", "902-555-1234", "902 555 1234"]
