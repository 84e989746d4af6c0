"""The facade: columns, dtypes, absent input columns, purity, legal_form column fallback."""

import pandas as pd

from canonical.schema import empty_canonical_frame
from matching.standardise import INPUT_COLUMNS, STANDARDISED_COLUMNS, standardise_records


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "legal_name": ["3012345 N.S. Ltd", "Boulangerie Tremblay", None],
            "operating_name": ["Joe's Diner", None, "TIM HORTONS #12"],
            "legal_form": [None, "S.E.N.C.", "Société en commandite"],
            "business_number": ["123456782RT0001", "123456789", None],
            "program_accounts": ["RP0001", None, None],
            "address_line": ["200-1234 Main St", "123 rue Main", "C.P. 45"],
            "city": ["St. John's", "Québec", None],
            "province": ["NF", "PQ", "Nova Scotia"],
            "postal_code": ["a1c5h2", "G1R 4P5", "bad"],
            "phone": ["709.555.0100 ext 3", None, "123"],
            "email": ["Joe@Diner.ca", "x@gmail.com", None],
        },
        index=[11, 12, 13],
    )


def test_every_column_is_added_with_its_dtype() -> None:
    result = standardise_records(sample())
    assert list(result.columns) == list(sample().columns) + list(STANDARDISED_COLUMNS)
    for column in STANDARDISED_COLUMNS:
        expected = "boolean" if column == "bn_valid" else "string"
        assert str(result[column].dtype) == expected, column
    assert list(result.index) == [11, 12, 13]


def test_values_end_to_end() -> None:
    result = standardise_records(sample())
    first = result.loc[11]
    assert first["name_std"] == "3012345" and first["numbered_company"] == "3012345"
    assert first["name_legal_form"] == "limited"
    assert first["operating_name_std"] == "joes diner"
    assert (first["unit"], first["address_std"]) == ("200", "1234 main street")
    assert first["city_std"] == "saint johns"
    assert (first["province_std"], first["postal_code_std"], first["fsa"]) == (
        "NL", "A1C 5H2", "A1C"
    )
    assert first["phone_e164"] == "+17095550100"
    assert (first["email_std"], first["email_domain"]) == ("joe@diner.ca", "diner.ca")
    assert (first["bn_root"], bool(first["bn_valid"])) == ("123456782", True)
    assert first["bn_program_accounts"] == "RP0001;RT0001"
    second = result.loc[12]
    assert second["name_legal_form"] == "senc"  # from the legal_form column
    assert second["address_std"] == "123 main street"
    assert second["province_std"] == "QC" and pd.isna(second["email_domain"])
    assert not second["bn_valid"]
    third = result.loc[13]
    assert third["name_legal_form"] == "sec"
    assert third["operating_name_std"] == "tim hortons"
    assert third["po_box"] == "45" and third["address_std"] == "po box 45"
    assert pd.isna(third["postal_code_std"]) and pd.isna(third["phone_e164"])


def test_the_name_form_wins_over_the_legal_form_column() -> None:
    frame = pd.DataFrame({"legal_name": ["Acme Inc."], "legal_form": ["Limited"]})
    assert standardise_records(frame)["name_legal_form"].iloc[0] == "incorporated"


def test_absent_columns_are_all_null() -> None:
    frame = pd.DataFrame({"legal_name": ["Acme Ltd"]})
    result = standardise_records(frame)
    assert result["name_std"].iloc[0] == "acme"
    others = [c for c in STANDARDISED_COLUMNS if c not in {"name_std", "name_legal_form",
                                                            "name_key"}]
    assert result[others].isna().all().all()
    assert list(standardise_records(pd.DataFrame(index=[0, 1])).columns) == list(
        STANDARDISED_COLUMNS
    )


def test_empty_canonical_frame() -> None:
    result = standardise_records(empty_canonical_frame())
    assert len(result) == 0
    assert set(STANDARDISED_COLUMNS) <= set(result.columns)


def test_pure_the_input_is_untouched_and_results_repeat() -> None:
    frame = sample()
    before = frame.copy()
    first = standardise_records(frame)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(first, standardise_records(frame))


def test_object_and_default_str_inputs_work() -> None:
    frame = sample().astype(object)
    result = standardise_records(frame)
    assert result.loc[12, "address_std"] == "123 main street"
    assert set(INPUT_COLUMNS) == set(sample().columns)


def test_duplicate_index_labels_keep_rows_apart() -> None:
    frame = pd.concat([sample(), sample().iloc[::-1]])
    result = standardise_records(frame)
    assert list(result.index) == [11, 12, 13, 13, 12, 11]
    assert result["name_std"].iloc[0] == result["name_std"].iloc[5] == "3012345"
    assert result["address_std"].iloc[2] == result["address_std"].iloc[3] == "po box 45"
    assert result["bn_program_accounts"].iloc[5] == "RP0001;RT0001"
