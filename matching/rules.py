"""Deterministic rules on top of the probabilities, and the cannot-link constraints.

Some facts outweigh any score: one valid BN root is one business; two different valid roots
are two businesses however alike they look; 1234567 Nova Scotia Ltd and 1234568 Nova Scotia
Ltd are two companies; Tim Hortons at two addresses is two sites. Rules are evaluated on an
attached pairs partition (`<col>_l`, `<col>_r`) and name the rule that fired.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from matching.model import RuleSettings

RULE_COLUMNS = ["bn_root_valid", "numbered_company", "chain_name", "street_number",
                "shared_office"]
# comparisons whose exact agreement makes two addresses one place for the franchise rule: the
# same phone, or the same postal code (a block face: a chain's two sites seldom share one; a
# typo in a street number often does)
SAME_PLACE_COMPARISONS = ("phone", "postal_code")
CANNOT_LINK_RULES = ("different_bn", "different_numbered_company")
# rules whose pairs give no support in clustering (a franchise pair keeps its score: the
# rule stops the direct link, but two sites strongly tied to the same records may still join)
NON_MATCH_RULES = (*CANNOT_LINK_RULES, "different_names")
# every value apply_rules can give ('' : the score decides), for compact categorical codes
RULES = ["", "same_bn", "different_bn", "different_numbered_company", "franchise",
         "different_names"]


def _both(frame: Mapping[str, np.ndarray], col: str) -> tuple[np.ndarray, ...]:
    """Both sides and where both are present; sides may be values or integer codes (-1 null)."""
    a, b = np.asarray(frame[f"{col}_l"]), np.asarray(frame[f"{col}_r"])
    if a.dtype.kind in "iu":
        return a, b, (a >= 0) & (b >= 0)
    a, b = a.astype(object), b.astype(object)
    present = pd.notna(a) & pd.notna(b) & (a != None) & (b != None)  # noqa: E711
    return a, b, present


def _level(scored: Mapping[str, object], name: str, label: str) -> np.ndarray:
    """Where comparison `name` is at level `label`; on the categorical's codes when it is one
    (turning millions of categorical cells into Python strings is what a rule must not cost)."""
    values = scored[f"{name}_level"]
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.array
    if isinstance(values, pd.Categorical):
        categories = list(values.categories)
        if label not in categories:
            return np.zeros(len(values), bool)
        return np.asarray(values.codes) == categories.index(label)
    return np.asarray(values, dtype=object) == label


def _identifies(scored: Mapping[str, object], name: str, shared_min: int) -> np.ndarray:
    """Where comparison `name` agrees exactly on a value held by fewer than `shared_min`
    records: an office's switchboard number, held by every firm at a shared office, says
    nothing about which firm a record is."""
    exact = _level(scored, name, "exact")
    count = scored.get(f"{name}_tf_count")
    if count is None:
        return exact
    held = np.asarray(count, float)
    return exact & ~(held >= shared_min)  # NaN (no count kept) stays an identifier


def apply_rules(attached: Mapping[str, np.ndarray], scored: Mapping[str, object],
                settings: RuleSettings) -> np.ndarray:
    """Name of the rule that decides each pair ('' where the score decides).

    Precedence: cannot-link first (a conflict is never overruled), then the same BN,
    then unlike names without a shared identifier, then the franchise rule.
    """
    rule = np.full(len(scored["match_probability"]), "", dtype=object)
    if len(rule) == 0:
        return rule
    bn_a, bn_b, bn_both = _both(attached, "bn_root_valid")
    nc_a, nc_b, nc_both = _both(attached, "numbered_company")
    if "name_level" in scored and "address_level" in scored:
        chain = (np.asarray(attached["chain_name_l"], bool)
                 & np.asarray(attached["chain_name_r"], bool))
        same_name = _level(scored, "name", "exact")
        # a different site: the addresses disagree outright, or carry different street numbers
        num_a, num_b, num_both = _both(attached, "street_number")
        different_place = _level(scored, "address", "else") | (
            num_both & (num_a != num_b))
        for same_place in SAME_PLACE_COMPARISONS:
            if f"{same_place}_level" in scored:
                different_place &= ~_level(scored, same_place, "exact")
        rule[chain & same_name & different_place] = "franchise"
    if settings.different_names_need_identifier and "name_level" in scored:
        unlike = np.logical_or.reduce(
            [_level(scored, "name", label) for label in settings.unlike_name_levels]) & np.asarray(
            attached["shared_office_l"], bool) & np.asarray(attached["shared_office_r"], bool)
        for name in settings.identifier_comparisons:
            if f"{name}_level" in scored:
                unlike &= ~_identifies(scored, name, settings.shared_office_min_records)
        rule[unlike] = "different_names"
    if settings.same_bn_is_match:
        rule[bn_both & (bn_a == bn_b)] = "same_bn"
    if settings.different_numbered_company_cannot_link:
        rule[nc_both & (nc_a != nc_b)] = "different_numbered_company"
    if settings.different_bn_cannot_link:
        rule[bn_both & (bn_a != bn_b)] = "different_bn"
    return rule


def constraint_values(records: pd.DataFrame, settings: RuleSettings) -> list[np.ndarray]:
    """Per-record values a cluster may hold at most one of (None: unconstrained)."""
    out = []
    if settings.different_bn_cannot_link:
        out.append(records["bn_root_valid"].to_numpy(object))
    if settings.different_numbered_company_cannot_link:
        out.append(records["numbered_company"].to_numpy(object))
    return out


def one_record_per_label(labels: np.ndarray) -> list[np.ndarray]:
    """Constraints that let a cluster hold at most one record of each label (file): one
    array per label, each record's own position where it has that label, None elsewhere, so
    two records of one file in one cluster are two different values: a conflict."""
    positions = np.arange(len(labels)).astype(object)
    return [np.where(labels == label, positions, None) for label in np.unique(labels)]
