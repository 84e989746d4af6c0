"""At a shared office (a registered office holding many firms), names that share little are
not linked on the address alone: the levels that count as unlike are configurable."""

import numpy as np
import pytest

from matching.model import MatchSettings, RuleSettings, load_settings
from matching.rules import apply_rules


def _pair_frames(name_levels: list[str], office: bool = True,
                 phone_levels: list[str] | None = None) -> tuple[dict, dict]:
    n = len(name_levels)
    none = np.array([None] * n, dtype=object)
    attached = {f"{col}_{side}": none for col in ("bn_root_valid", "numbered_company",
                                                  "street_number") for side in "lr"}
    attached |= {f"chain_name_{side}": np.zeros(n, bool) for side in "lr"}
    attached |= {f"shared_office_{side}": np.full(n, office) for side in "lr"}
    scored = {"match_probability": np.full(n, 0.99), "name_level": np.array(name_levels, object),
              "address_level": np.array(["exact"] * n, object),
              "phone_level": np.array(phone_levels or ["null"] * n, object)}
    return attached, scored


def test_names_at_the_configured_unlike_levels_need_an_identifier_at_a_shared_office() -> None:
    rules = RuleSettings(unlike_name_levels=["else", "token_set_65"])
    attached, scored = _pair_frames(["else", "token_set_65", "token_sort_80", "token_set_65"],
                                    phone_levels=["null", "null", "null", "exact"])
    assert apply_rules(attached, scored, rules).tolist() == [
        "different_names", "different_names", "", ""]  # the last shares a phone
    attached, scored = _pair_frames(["else", "token_set_65"], office=False)
    assert apply_rules(attached, scored, rules).tolist() == ["", ""]


def test_the_default_settings_count_a_weak_token_overlap_as_unlike() -> None:
    assert load_settings().rules.unlike_name_levels == ["else", "token_set_65"]
    assert RuleSettings().unlike_name_levels == ["else"]  # the rule's historical default


def test_an_unknown_unlike_level_is_refused_with_the_allowed_labels() -> None:
    data = load_settings().model_dump()
    data["rules"]["unlike_name_levels"] = ["else", "token_set_66"]
    with pytest.raises(ValueError, match="token_set_66.*allowed"):
        MatchSettings.model_validate(data)


def test_a_phone_the_whole_office_shares_is_no_identifier() -> None:
    rules = RuleSettings(unlike_name_levels=["else"], shared_office_min_records=10)
    attached, scored = _pair_frames(["else", "else", "else"],
                                    phone_levels=["exact", "exact", "exact"])
    # records holding the phone: the switchboard's 12, a firm's own 2, and no count kept
    scored["phone_tf_count"] = np.array([12.0, 2.0, np.nan])
    assert apply_rules(attached, scored, rules).tolist() == ["different_names", "", ""]
