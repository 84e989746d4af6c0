"""Apply a data-sharing agreement to the published registry: the rows and values a ministry gets.

Pure functions of DataFrames, so the publication, the PostgreSQL ministry views and
`ubr export` all share one policy. Order: row filters, then the personal-information mode, then
each field's treatment. Pseudonyms are HMAC-SHA256 keyed by the ministry's own secret over the
field name and the value: stable for one ministry (it can follow a business from one publication
to the next) and different between ministries (two shares cannot be joined on them). Values
never appear in exception messages; secrets never appear anywhere.

A key must be at least 32 bytes: with a short one, an attacker who knows a few values guesses
the key, then reverses every pseudonym by hashing a list of candidates (a one-character key
gave up 4,292 of 4,292 Business Numbers). `require_sharing_secrets` checks every key before a
run does any work; `agreement_secret` refuses a weak or missing key where keys are read.
"""

import hashlib
import hmac
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from registry import personal_names
from registry.golden_schema import GOLDEN_COLUMNS
from registry.personal_names import NAME_FIELDS, names_may_be_personal
from registry.sharing_agreement import (
    FieldRule,
    SharingAgreement,
    Treatment,
)

ID_COLUMNS: tuple[str, ...] = ("registry_id", "status", "retired_into")
SHARED_COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *GOLDEN_COLUMNS)
# The business's names, which for a sole proprietorship or partnership are the owner's name.
OWNER_NAME_COLUMNS: tuple[str, ...] = NAME_FIELDS
MASK_CHAR = "*"
# Characters a mask keeps so the value's shape stays readable: spaces - . @ / ( ) ,
_MASKED_CHARACTER = r"[^ \t\n\r\f\v\-.@/(),]"  # explicit spaces: pyarrow's regex, not Python's
PSEUDONYM_LENGTH = 32  # hex characters: 128 bits of the HMAC
MIN_SECRET_BYTES = 32  # UTF-8 bytes of a ministry's key: 256 bits if random
# The policy's own code (this module and the owner-name rule): when it changes, every share's
# fingerprint changes and the next publication rewrites it whole rather than trusting rows
# that an older policy wrote. A comment edited costs one full rewrite, never a stale share.
POLICY_CODE = hashlib.sha256(b"".join(
    Path(module.__file__ or "").read_bytes() for module in (sys.modules[__name__],
                                                            personal_names))).hexdigest()
MAKE_A_SECRET = ('`python -c "import secrets; print(secrets.token_urlsafe(32))"` or '
                 '`openssl rand -base64 32`')


class SharingError(ValueError):
    """An agreement cannot be applied (e.g. its secret is not set); names ids, never values."""


def agreement_secret(agreement: SharingAgreement) -> bytes | None:
    """The ministry's HMAC key from its environment variable; None when it has no pseudonyms.

    Raises SharingError naming the variable, the agreement and the ministry (never the key)
    when the agreement has pseudonym fields and the variable is unset or empty, or when the
    variable holds a key shorter than MIN_SECRET_BYTES.
    """
    problem = secret_problem(agreement)
    if problem:
        raise SharingError(problem)
    value = os.environ.get(agreement.secret_env) if agreement.secret_env else None
    return value.encode("utf-8") if value else None


def secret_problem(agreement: SharingAgreement) -> str | None:
    """Why the agreement's key cannot be used (needed but not set, or too short), or None.

    A key that is set is checked even without pseudonym fields: it is read all the same.
    """
    value = os.environ.get(agreement.secret_env) if agreement.secret_env else None
    if value:
        if len(value.encode("utf-8")) >= MIN_SECRET_BYTES:
            return None
        return (f"the secret of agreement '{agreement.id}' ({agreement.ministry}) in the "
                f"environment variable {agreement.secret_env} is shorter than "
                f"{MIN_SECRET_BYTES} bytes, so its pseudonyms could be reversed by guessing it: "
                f"{_make_one(agreement)}")
    if agreement.fields_with(Treatment.PSEUDONYM):
        return _missing_secret(agreement)
    return None


def require_sharing_secrets(agreements: Iterable[SharingAgreement]) -> None:
    """Refuse to start when any agreement's key is missing or weak: one SharingError listing
    every problem, so that a run stops before any work rather than at its publication."""
    problems = [problem for agreement in agreements if (problem := secret_problem(agreement))]
    if problems:
        raise SharingError("; ".join(problems))


def _make_one(agreement: SharingAgreement) -> str:
    return (f"set {agreement.secret_env} to a random secret of at least {MIN_SECRET_BYTES} "
            f"bytes, made with {MAKE_A_SECRET}, and keep it in the deployment's secret store")


def _missing_secret(agreement: SharingAgreement) -> str:
    if not agreement.secret_env:
        return (f"agreement '{agreement.id}' ({agreement.ministry}) has pseudonym fields but "
                "no secret_env: name the environment variable that holds its secret")
    return (f"agreement '{agreement.id}' ({agreement.ministry}) has pseudonym fields but its "
            f"secret is not set: {_make_one(agreement)}")


def share_fingerprint(agreement: SharingAgreement, secret: bytes | None) -> str:
    """What a ministry's share depends on besides the published rows: the agreement, its key
    (as a keyed check value: HMAC of a constant, never the key) and the policy's code. An
    equal fingerprint lets a publication rewrite only the rows of businesses that changed."""
    key_check = hmac.new(secret, b"ubr share key check", hashlib.sha256).hexdigest() \
        if secret else ""
    material = "|".join((POLICY_CODE, ",".join(SHARED_COLUMNS),
                         agreement.model_dump_json(), key_check))
    return hashlib.sha256(material.encode()).hexdigest()


def shared_rows(published: pd.DataFrame, agreement: SharingAgreement,
                secret: bytes | None) -> pd.DataFrame:
    """The rows and values `agreement` allows, columns registry_id, status, retired_into and
    every golden column (withheld ones null), treatments applied; nulls are None."""
    missing = [c for c in SHARED_COLUMNS if c not in published.columns]
    if missing:
        raise SharingError(f"agreement '{agreement.id}': the published frame lacks column(s) "
                           f"{missing}")
    if agreement.fields_with(Treatment.PSEUDONYM) and not secret:
        raise SharingError(_missing_secret(agreement))
    keep = pd.Series(True, index=published.index)
    for column, allowed in agreement.rows.items():
        keep &= published[column].isin(allowed).fillna(False).astype(bool)
    frame = published.loc[keep]
    owner_rows = names_may_be_personal(frame["business_type"], frame["legal_form"])
    if agreement.personal_information == "excluded":
        frame, owner_rows = frame.loc[~owner_rows], owner_rows.loc[~owner_rows]
    out = {c: _text(frame[c]) for c in ID_COLUMNS}
    for column in GOLDEN_COLUMNS:
        rule = agreement.fields.get(column)
        if rule is None or rule.treatment is Treatment.WITHHELD:
            out[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            continue
        values = _text(frame[column])
        if agreement.personal_information == "withheld" and column in OWNER_NAME_COLUMNS:
            values = values.where(~owner_rows, None)
        out[column] = _apply(values, column, rule, secret)
    return pd.DataFrame(out, index=frame.index, columns=list(SHARED_COLUMNS)).reset_index(
        drop=True)


def _text(column: pd.Series) -> pd.Series:
    """Values as Python strings, nulls as None (the shared tables hold text)."""
    as_text = column.astype("string")
    return as_text.astype(object).where(as_text.notna(), None)


def _apply(values: pd.Series, field: str, rule: FieldRule, secret: bytes | None) -> pd.Series:
    if rule.treatment is Treatment.CLEAR:
        return values
    if rule.treatment is Treatment.MASKED:
        return mask_values(values, *rule.kept)
    assert secret is not None  # checked by shared_rows
    return pseudonymise(values, field, secret)


def mask_values(values: pd.Series, end: str, keep: int) -> pd.Series:
    """Replace every letter, digit or sign outside the kept `end` by '*', keeping separators.

    `+19025551234` keeping the last 4 is `********1234`; `B3H 4R2` keeping the first 3 is
    `B3H ***`. A value no longer than the kept part is masked entirely, so a masked field
    never shows a whole value. Nulls stay null.
    """
    text = values.astype("string")
    whole = text.str.replace(_MASKED_CHARACTER, MASK_CHAR, regex=True)
    if keep == 0:
        masked = whole
    elif end == "first":
        masked = text.str[:keep] + text.str[keep:].str.replace(
            _MASKED_CHARACTER, MASK_CHAR, regex=True)
    else:
        masked = text.str[:-keep].str.replace(
            _MASKED_CHARACTER, MASK_CHAR, regex=True) + text.str[-keep:]
    masked = masked.where(text.str.len() > keep, whole)
    return masked.astype(object).where(text.notna(), None)


def pseudonym(secret: bytes, field: str, value: str) -> str:
    """HMAC-SHA256(secret, "<field>:<value>"), first 32 hex characters.

    The field name is part of the message so that equal values of different fields (a phone
    that is also a fax) do not give equal pseudonyms.
    """
    message = f"{field}:{value}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def pseudonymise(values: pd.Series, field: str, secret: bytes) -> pd.Series:
    """Pseudonyms of `values`, hashing each distinct value once; nulls stay null."""
    distinct = pd.unique(values.dropna())
    table = {value: pseudonym(secret, field, value) for value in distinct}
    return values.map(table).astype(object).where(values.notna(), None)
