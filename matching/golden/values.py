"""Multi-valued facts: every known name, program account, BN, address, phone and permit.

A golden record keeps one value per field, but stewards and partner ministries need all of
them with where each came from (a bakery's three trade names, its RT and RP accounts, its
registered office and its site). One row per (business, kind, value, source record). Built
on record positions and Arrow text, never a Python object per value.
"""

import numpy as np
import pandas as pd

from matching.golden.keys import codes_of, positions, split_text
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


def _kind(kind: str, value: pd.Series, linked: np.ndarray, detail: pd.Series | None = None,
          split: str | None = None, prefix: pd.Series | None = None) -> pd.DataFrame:
    """Rows (_row, _kind, value, detail) of one kind; `split` values give one row per part."""
    keep = value.notna().to_numpy(bool) & linked
    rows = np.flatnonzero(keep)
    text = value[keep].reset_index(drop=True)
    extra = detail[keep].reset_index(drop=True) if detail is not None else None
    head = prefix[keep].reset_index(drop=True) if prefix is not None else None
    if split:
        text, repeat = split_text(text, split)
        rows = rows[repeat]
        extra = extra.iloc[repeat].reset_index(drop=True) if extra is not None else None
        head = head.iloc[repeat].reset_index(drop=True) if head is not None else None
    if head is not None:
        text = head + text
    frame = pd.DataFrame({
        "_row": rows, "_kind": VALUE_KINDS.index(kind), "value": text,
        "detail": extra if extra is not None else pd.Series(pd.NA, index=text.index,
                                                            dtype="string"),
    })
    frame = frame[frame["value"].notna()]
    return frame.drop_duplicates() if split else frame


def _address(base: pd.DataFrame) -> pd.Series:
    """'line, city, PROV postal' from whatever parts are present."""
    line, city = _column(base, "address_line"), _column(base, "city")
    province, postal = _column(base, "province"), _column(base, "postal_code")
    tail = (province.fillna("") + " " + postal.fillna("")).str.strip()
    text = line.fillna("")
    for part in (city.fillna(""), tail):
        text = text + pd.Series(np.where((part != "").to_numpy(bool), ", ", ""),
                                index=text.index, dtype="string") + part
    return text.where(line.notna())


def multi_values(records: pd.DataFrame, clusters: pd.DataFrame,
                 operating_name_split: str | None = " | ") -> pd.DataFrame:
    """All values per business with their sources (VALUE_COLUMNS + `_row`), one per fact.

    Ordered by business, kind and (source, source_record_id): the same input gives the
    same frame whatever order the records came in.
    """
    base = records.reset_index(drop=True)
    at = positions(base["record_key"], clusters["record_key"])
    cluster_codes, names = codes_of(clusters["cluster_id"], sort=True)
    code = np.where(at >= 0, cluster_codes[np.maximum(at, 0)], -1)
    linked = code >= 0
    bn = _column(base, "bn_root")
    valid = base["bn_valid"].astype("boolean") if "bn_valid" in base.columns else \
        pd.Series(pd.NA, index=base.index, dtype="boolean")
    bn_detail = pd.Series(np.where(valid.fillna(False).to_numpy(bool), "valid",
                                   "check digit fails"), index=base.index, dtype="string")
    phone = _column(base, "phone_e164" if "phone_e164" in base.columns else "phone")
    email = _column(base, "email_std" if "email_std" in base.columns else "email")
    accounts = _column(base, "bn_program_accounts").where(bn.notna())
    parts = [
        _kind("legal_name", _column(base, "legal_name"), linked),
        _kind("operating_name", _column(base, "operating_name"), linked,
              split=operating_name_split),
        _kind("business_number", bn, linked, bn_detail),
        _kind("program_account", accounts, linked, split=";", prefix=bn),
        _kind("address", _address(base), linked, _column(base, "address_type")),
        _kind("phone", phone, linked),
        _kind("email", email, linked),
        _kind("permit", _column(base, "permit_number"), linked, _column(base, "permit_type")),
    ]
    out = pd.concat(parts, ignore_index=True)
    rows = out["_row"].to_numpy()
    source_code, sources = codes_of(base["source"], sort=True)
    record_ids = base["source_record_id"].astype("string")
    id_code = codes_of(record_ids, sort=True)[0]
    # one packed int64 key (business, kind, source, record id rank): a single stable sort
    rank = source_code.astype(np.int64) * (int(id_code.max(initial=0)) + 1) + id_code
    rank_bits = max(int(rank.max(initial=0)).bit_length(), 1)
    packed = ((code[rows].astype(np.int64) << 4 | out["_kind"].to_numpy()) << rank_bits) \
        | rank[rows]
    order = np.argsort(packed, kind="stable")
    out, rows = out.iloc[order].reset_index(drop=True), rows[order]
    return pd.DataFrame({
        "cluster_id": names.iloc[code[rows]].reset_index(drop=True),
        "kind": pd.Series(VALUE_KINDS, dtype="string").iloc[out["_kind"].to_numpy()]
        .reset_index(drop=True),
        "value": out["value"].astype("string"), "detail": out["detail"].astype("string"),
        "source": sources.iloc[source_code[rows]].reset_index(drop=True),
        "source_record_id": record_ids.iloc[rows].reset_index(drop=True),
        "_row": rows, "_cluster": code[rows],
    })
