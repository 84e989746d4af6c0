"""Multi-valued facts: every known name, program account, BN, address, phone and permit.

A golden record keeps one value per field, but stewards and partner ministries need all of
them with where each came from (a bakery's three trade names, its RT and RP accounts, its
registered office and its site). One row per (business, kind, value, source record).
"""

import numpy as np
import pandas as pd

from matching.golden.survivorship import as_text

VALUE_COLUMNS = ["cluster_id", "kind", "value", "detail", "source", "source_record_id"]
VALUE_KINDS: tuple[str, ...] = (
    "legal_name", "operating_name", "business_number", "program_account", "address", "phone",
    "email", "permit",
)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return as_text(frame[name]).str.strip().replace("", pd.NA)
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _kind(base: pd.DataFrame, kind: str, value: pd.Series, detail: pd.Series | None = None,
          split: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({
        "cluster_id": base["cluster_id"].to_numpy(object), "kind": kind, "value": value,
        "detail": detail if detail is not None else pd.Series(pd.NA, index=base.index,
                                                              dtype="string"),
        "source": base["source"].to_numpy(object),
        "source_record_id": base["source_record_id"].to_numpy(object),
    })
    frame = frame[frame["value"].notna()]
    if split:
        frame = frame.assign(value=frame["value"].str.split(split, regex=False)).explode("value")
        frame["value"] = frame["value"].astype("string").str.strip().replace("", pd.NA)
        frame = frame[frame["value"].notna()]
    return frame


def _address(base: pd.DataFrame) -> pd.Series:
    """'line, city, PROV postal' from whatever parts are present."""
    line, city = _column(base, "address_line"), _column(base, "city")
    province, postal = _column(base, "province"), _column(base, "postal_code")
    tail = (province.fillna("") + " " + postal.fillna("")).str.strip().replace("", pd.NA)
    parts = [line, city, tail]
    text = parts[0].fillna("")
    for part in parts[1:]:
        text = text + np.where(part.notna() & (text != ""), ", ", "") + part.fillna("")
    return text.astype("string").replace("", pd.NA).where(line.notna())


def _program_accounts(base: pd.DataFrame, bn: pd.Series, accounts: pd.Series) -> pd.DataFrame:
    """Each program account as its BN15 (root + account): an account means nothing alone."""
    frame = _kind(base, "program_account", accounts).assign(_bn=bn)
    frame = frame[frame["_bn"].notna()]
    frame = frame.assign(value=frame["value"].str.split(";", regex=False)).explode("value")
    frame["value"] = frame["_bn"] + frame["value"].astype("string").str.strip()
    return frame.drop(columns="_bn")


def multi_values(records: pd.DataFrame, clusters: pd.DataFrame,
                 operating_name_split: str | None = " | ") -> pd.DataFrame:
    """All values per business with their sources (VALUE_COLUMNS), sorted and de-duplicated."""
    base = records.merge(clusters[["record_key", "cluster_id"]], on="record_key", how="inner")
    bn = _column(base, "bn_root")
    valid = base["bn_valid"].astype("boolean") if "bn_valid" in base.columns else \
        pd.Series(pd.NA, index=base.index, dtype="boolean")
    bn_detail = pd.Series(np.where(valid.fillna(False).to_numpy(bool), "valid",
                                   "check digit fails"), index=base.index, dtype="string")
    accounts = _column(base, "bn_program_accounts").where(bn.notna())
    phone = _column(base, "phone_e164") if "phone_e164" in base.columns \
        else _column(base, "phone")
    email = _column(base, "email_std") if "email_std" in base.columns \
        else _column(base, "email")
    frames = [
        _kind(base, "legal_name", _column(base, "legal_name")),
        _kind(base, "operating_name", _column(base, "operating_name"), split=operating_name_split),
        _kind(base, "business_number", bn, bn_detail),
        _program_accounts(base, bn, accounts),
        _kind(base, "address", _address(base), _column(base, "address_type")),
        _kind(base, "phone", phone),
        _kind(base, "email", email),
        _kind(base, "permit", _column(base, "permit_number"), _column(base, "permit_type")),
    ]
    out = pd.concat(frames, ignore_index=True)
    out = out.astype("string").drop_duplicates()
    return out.sort_values(VALUE_COLUMNS, kind="stable", na_position="first")[VALUE_COLUMNS] \
        .reset_index(drop=True)
