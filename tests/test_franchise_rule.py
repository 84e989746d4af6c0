"""A chain's name at two places is two sites; the same phone or postal code is one place."""

import numpy as np

from matching.model import RuleSettings
from matching.rules import apply_rules


def _frames(numbers: list[tuple[str, str]], postal: list[str], phone: list[str]):
    n = len(numbers)
    none = np.array([None] * n, dtype=object)
    attached = {f"{col}_{side}": none for col in ("bn_root_valid", "numbered_company")
                for side in "lr"}
    attached |= {"street_number_l": np.array([a for a, _ in numbers], object),
                 "street_number_r": np.array([b for _, b in numbers], object)}
    attached |= {f"chain_name_{side}": np.ones(n, bool) for side in "lr"}
    attached |= {f"shared_office_{side}": np.zeros(n, bool) for side in "lr"}
    scored = {"match_probability": np.full(n, 0.99), "name_level": np.array(["exact"] * n, object),
              "address_level": np.array(["fuzzy_90"] * n, object),
              "postal_code_level": np.array(postal, object),
              "phone_level": np.array(phone, object)}
    return attached, scored


def test_a_chain_name_at_another_street_number_is_another_site_unless_the_place_agrees() -> None:
    attached, scored = _frames([("12", "21")] * 4, ["else", "exact", "null", "else"],
                               ["null", "null", "null", "exact"])
    assert apply_rules(attached, scored, RuleSettings()).tolist() == [
        "franchise", "", "franchise", ""]  # the same postal code, or phone, is one place
    attached, scored = _frames([("12", "12")], ["else"], ["null"])
    assert apply_rules(attached, scored, RuleSettings()).tolist() == [""]
