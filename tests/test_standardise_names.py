"""Names: legal forms EN/FR, articles, '&'/'et', numbered companies, franchises, name_key."""

import pandas as pd
import pytest

from matching.legal_forms import default_table, legal_form_family
from matching.names import standardise_names
from matching.text import fold_text


def one(name: str | None) -> dict:
    return standardise_names(pd.Series([name], dtype="string")).iloc[0].to_dict()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Acme Limited", "limited"), ("Acme Ltd.", "limited"), ("ACME LTD", "limited"),
        ("Acme Limitée", "limited"), ("Acme Ltée", "limited"), ("Acme ltee", "limited"),
        ("Acme LTÉE", "limited"), ("Acme Incorporated", "incorporated"),
        ("Acme Inc.", "incorporated"), ("Acme inc", "incorporated"),
        ("Acme Incorporée", "incorporated"), ("Acme Corporation", "corporation"),
        ("Acme Corp.", "corporation"), ("Acme Company", "company"), ("Acme Co.", "company"),
        ("Acme Compagnie", "company"), ("Acme Cie", "company"), ("Acme S.A.R.F.", "sarf"),
        ("Acme s.a.r.f.", "sarf"), ("Acme S.E.N.C.", "senc"), ("Acme SENC", "senc"),
        ("Acme S.E.N.C.R.L.", "sencrl"), ("Acme S.E.C.", "sec"),
        ("Acme Société en nom collectif", "senc"), ("Acme société en commandite", "sec"),
        ("Acme ULC", "unlimited"), ("Acme Unlimited", "unlimited"),
        ("Acme Unlimited Liability Company", "unlimited"), ("Acme LLP", "llp"),
        ("Acme L.L.P.", "llp"), ("Acme Co-operative Limited", "cooperative"),
        ("Acme Coopérative", "cooperative"), ("Acme Co-op", "cooperative"),
        ("Acme Society", "society"),
    ],
)
def test_legal_forms_are_recognised_and_removed(name: str, code: str) -> None:
    result = one(name)
    assert result["name_legal_form"] == code
    assert result["name_std"] == "acme"


def test_two_trailing_forms_keep_the_last_one() -> None:
    assert one("Acme Co. Ltd.")["name_legal_form"] == "limited"
    assert one("Acme Co. Ltd.")["name_std"] == "acme"
    assert one("Acme Ltd./Ltée")["name_std"] == "acme"


def test_a_name_that_is_only_a_form_word_is_kept() -> None:
    result = one("Limited")
    assert result["name_std"] == "limited"
    assert pd.isna(result["name_legal_form"])


@pytest.mark.parametrize(
    "variant",
    ["Smith & Jones Ltd.", "Smith and Jones Limited", "SMITH ET JONES LTÉE", "Smith + Jones"],
)
def test_ampersand_and_et_are_unified(variant: str) -> None:
    assert one(variant.replace(" + ", " & "))["name_std"] == "smith and jones"


def test_trailing_and_company_is_dropped() -> None:
    assert one("Smith & Co.")["name_std"] == "smith"
    assert one("Tremblay et Cie")["name_std"] == "tremblay"


@pytest.mark.parametrize(
    "name",
    ["The Bakery Ltd.", "Le Bakery", "La Bakery inc.", "Les Bakery", "L'Bakery", "L’Bakery"],
)
def test_leading_articles_are_removed(name: str) -> None:
    assert one(name)["name_std"] == "bakery"


def test_accents_punctuation_and_case() -> None:
    assert one("  Pêcheries   Côté-Bérubé  Ltée ")["name_std"] == "pecheries cote berube"
    assert one("Joe's Café")["name_std"] == "joes cafe"
    assert one("Œuvres d'Art inc.")["name_std"] == "oeuvres d art"
    assert one("Boulangerie Ste-Foy")["name_std"] == one("Boulangerie Sainte-Foy")["name_std"]


@pytest.mark.parametrize(
    ("name", "number", "jurisdiction"),
    [
        ("3012345 Nova Scotia Limited", "3012345", "ns"),
        ("3012345 N.S. Ltd", "3012345", "ns"),
        ("3012345 NOVA SCOTIA LIMITÉE", "3012345", "ns"),
        ("3012345 Nova Scotia Unlimited Company", "3012345", "ns"),
        ("654321 N.B. Ltd.", "654321", "nb"),
        ("654321 New Brunswick Inc.", "654321", "nb"),
        ("654321 N.-B. Ltée", "654321", "nb"),
        ("9012-3456 Québec inc.", "90123456", "qc"),
        ("9012 3456 Quebec Inc", "90123456", "qc"),
        ("90123456 Québec inc.", "90123456", "qc"),
        ("12345678 Canada Inc.", "12345678", "ca"),
        ("1234567 Canada Ltd.", "1234567", "ca"),
        ("1234567 Ontario Limited", "1234567", "on"),
    ],
)
def test_numbered_companies(name: str, number: str, jurisdiction: str) -> None:
    result = one(name)
    assert result["numbered_company"] == number
    assert result["numbered_jurisdiction"] == jurisdiction
    assert result["name_std"] == number  # the jurisdiction word stays out of name_std
    assert result["name_key"] == number


def test_numbers_that_are_not_numbered_companies() -> None:
    assert pd.isna(one("2020 Holdings Inc.")["numbered_company"])
    assert pd.isna(one("1867 Inc.")["numbered_company"])  # short number without jurisdiction
    assert one("1234567 Inc.")["numbered_company"] == "1234567"
    assert pd.isna(one("Highway 102 Auto Ltd.")["numbered_company"])


def test_franchise_store_numbers_go_to_their_own_column() -> None:
    plain, store = one("TIM HORTONS"), one("Tim Hortons #1234")
    assert plain["name_std"] == store["name_std"] == "tim hortons"
    assert pd.isna(plain["name_store_number"])
    assert store["name_store_number"] == "1234"
    assert one("Tim Hortons Store No. 55")["name_store_number"] == "55"
    assert one("Pharmaprix # 012 inc.")["name_std"] == "pharmaprix"


@pytest.mark.parametrize(
    "name",
    ["Acme Ltd. o/a Joe's Diner", "Acme Ltd. O/A Joe's Diner", "Acme Ltd DBA Joe's Diner",
     "Acme Ltée faisant affaire sous Chez Joe", "Acme Inc. operating as Joe's"],
)
def test_trade_name_after_an_operating_as_marker_is_cut(name: str) -> None:
    assert one(name)["name_std"] == "acme"


def test_name_key_is_order_free_and_skips_generic_words() -> None:
    assert one("Joe's Pizza Ltd.")["name_key"] == "joes pizza"
    assert one("Pizza Joe's")["name_key"] == "joes pizza"
    assert one("Joe's Pizza & Subs")["name_key"] == "joes pizza"
    assert one("Les Entreprises Gagnon et Fils Ltée")["name_key"] == "fils gagnon"
    assert one("Holdings Services Ltd.")["name_key"] == "holdings services"


def test_null_and_empty_names() -> None:
    for value in (None, "", "   ", "..."):
        result = one(value)
        assert all(pd.isna(v) for v in result.values())


def test_output_is_string_dtype_and_keeps_the_index() -> None:
    values = pd.Series(["A Ltd", None, "A Ltd"], index=[10, 20, 30])
    result = standardise_names(values)
    assert list(result.index) == [10, 20, 30]
    assert all(str(dtype) == "string" for dtype in result.dtypes)
    assert result.loc[30, "name_std"] == "a"


def test_fold_text() -> None:
    folded = fold_text(pd.Series(["Québec", "ÉCOLE", "naïve", None, "Straße"]))
    assert folded.tolist()[:3] == ["quebec", "ecole", "naive"]
    assert pd.isna(folded.iloc[3])
    assert folded.iloc[4] == "strasse"


def test_legal_form_table_and_families() -> None:
    table = default_table()
    assert table.code_by_variant["sencrl"] == "sencrl"
    assert table.code_by_variant["ltee"] == "limited"
    assert legal_form_family("limited") == legal_form_family("incorporated") == "corporation"
    assert legal_form_family("senc") == "partnership"
    assert legal_form_family(None) is None
