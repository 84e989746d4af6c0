"""Social insurance numbers: find them in any string field and remove them before storage.

A SIN is never stored, logged or shown, so this runs first, before any other check sees the
frame (GX results and Data Docs quote unexpected values).

The rule: a value holds a SIN-like number when, read as a person or an OCR tool may have
written it, it contains 9 digits that pass `stdnum.ca.sin` (Luhn check digit, first digit not
0 or 8) or, starting with 0, stdnum's Luhn check (sample and test SINs). "Read as written":
- the value is normalised first (`normalise`): Unicode NFKC (full-width digits and no-break,
  figure, thin and other Unicode spaces become ASCII), invisible format characters (soft
  hyphen, zero-width space) dropped, every other Unicode decimal digit (Arabic-Indic,
  Devanagari...) read as its ASCII digit, visible escapes such as `\\x0b` read as a space;
- the 9 digits are written together (046454286) or in groups of 3 (046 454 286, 046454 286),
  the groups separated by up to 3 of: any whitespace, any dash, `.`, `/`, `\\`, `_`, `,`,
  middle dots and bullets (`SEPARATORS`);
- the first group does not follow a digit and the last is not followed by one (a 10-digit
  number holds no SIN); digits further away after a separator do not matter (`046 454 286 2`
  holds one).
A Business Number root has the same shape and the same Luhn check, so:
- the `business_number` field is never scanned;
- a number equal to the record's own BN root (e.g. a permit number that is the BN) is not a SIN;
- lineage fields written by the readers (`source`, `source_file`, `record_hash`) are not
  scanned; `source_record_id` is, because it is formed from source columns;
- fields listed in `sin_exempt_fields` (config/expectations.yaml) are not scanned, for sources
  whose own identifiers are 9-digit Luhn numbers.
A value found to hold a SIN is set to null as a whole (the digits around it may be part of it).
False positives lose a value; false negatives would store a SIN, so the rule leans to removal.
"""

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import luhn
from stdnum.ca import sin as stdnum_sin

from expectations.reference import bn_compact

# Dashes: Unicode category Pd (a test checks the list is complete) and the minus signs.
_DASHES = (
    "-\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212\u2796"
)
# Anything else a person or an OCR tool puts between groups (whitespace is matched by \s).
SEPARATORS = _DASHES + "./\\_,\u00b7\u2022\u2024\u2027\u2043\u2044\u2215\u30fb\uff65"
_SEP = "[\\s" + re.escape(SEPARATORS) + "]{0,3}"
# Zero-width, so that overlapping windows are all tried ("123 456 789 012" has two).
SIN_CANDIDATE = re.compile(
    rf"(?<![0-9])(?=([0-9]{{3}}){_SEP}([0-9]{{3}}){_SEP}([0-9]{{3}})(?![0-9]))"
)
_ESCAPE_TEXT = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")

# RE2 prefilters (pyarrow, no lookarounds), run over whole columns. A value matching neither
# cannot hold a SIN-like number; one that matches goes to Python once per distinct value.
# 1. ASCII digits in SIN shape, any 0-3 non-alphanumeric characters (or visible escapes)
#    between the groups.
_ESCAPE = r"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}"
_GAP = rf"(?:[^0-9A-Za-z]|{_ESCAPE}){{0,3}}"
PREFILTER_ASCII = (
    rf"(?:^|[^0-9]|{_ESCAPE})[0-9]{{3}}{_GAP}[0-9]{{3}}{_GAP}[0-9]{{3}}(?:[^0-9]|$)"
)
# 2. A character normalisation may turn into a digit or a separator: non-ASCII numbers,
#    spaces, controls and format characters, and the CJK compatibility signs holding digits.
PREFILTER_UNICODE = r"[^\x00-\x7f\p{L}\p{M}\p{P}\p{S}]|[\x{3200}-\x{33ff}]"
PREFILTER = f"{PREFILTER_ASCII}|{PREFILTER_UNICODE}"
# The same over raw rows kept as JSON text, whose escapes (\t, \\x00, \u00a0) separate too.
_JSON_ESCAPE = r"\\\\x[0-9a-fA-F]{2}|\\\\u[0-9a-fA-F]{4}|\\u[0-9a-fA-F]{4}"
_JSON_UNIT = rf"(?:[^0-9A-Za-z\\]|\\[a-z\"/\\]|{_JSON_ESCAPE})"
PREFILTER_JSON = (
    rf"(?:^|[^0-9]|{_JSON_ESCAPE})[0-9]{{3}}{_JSON_UNIT}{{0,3}}[0-9]{{3}}{_JSON_UNIT}{{0,3}}"
    rf"[0-9]{{3}}(?:[^0-9]|$)|{PREFILTER_UNICODE}"
)
# The BN-root fast path: digit groups joined, then the runs of 9 or more digits.
_JOIN = r"([0-9])[^0-9A-Za-z]{1,3}([0-9])"
_LONG_RUN = r"[0-9]{9,}"
NEVER_SCANNED: frozenset[str] = frozenset({"business_number", "source", "source_file",
                                           "record_hash"})


@dataclass(frozen=True)
class SinScan:
    """Where SIN-like values were found: never the values themselves."""

    cleaned: pd.DataFrame  # the input with every SIN-holding value set to null
    row_flags: np.ndarray  # bool per row: a value of that row was removed
    fields_by_row: pd.Series  # per row, ';'-joined names of the fields cleared ("" if none)
    removed: int  # number of values removed


def is_sin_like(number: str) -> bool:
    """9 digits passing stdnum.ca.sin, or Luhn-valid with a leading 0.

    stdnum rejects a leading 0 (never issued), but 0-numbers are the sample and test SINs
    that forms and documentation use (046 454 286); they are removed too.
    """
    return stdnum_sin.is_valid(number) or (number[:1] == "0" and luhn.is_valid(number))


def _digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)


def normalise(text: str) -> str:
    """`text` as the SIN rule reads it: NFKC, format characters dropped, ASCII digits."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = _OTHER_DIGIT.sub(lambda m: _digit(m.group()), text)
    return _ESCAPE_TEXT.sub(" ", text) if "\\" in text else text


def _sin_tokens(value: str) -> frozenset[str]:
    """The SIN-like 9-digit numbers in one value (compact form)."""
    found = {"".join(m.groups()) for m in SIN_CANDIDATE.finditer(normalise(value))}
    return frozenset(t for t in found if is_sin_like(t))


def contains_sin(text: str) -> bool:
    """Whether `text` holds a SIN-like number in any spelling the scanner knows."""
    return bool(_sin_tokens(text))


def _normalised_with_origin(text: str) -> tuple[str, list[int]]:
    """`normalise`, character by character, with each output character's index in `text`."""
    chars: list[str] = []
    origin: list[int] = []
    index = 0
    while index < len(text):
        char = text[index]
        escape = _ESCAPE_TEXT.match(text, index) if char == "\\" else None
        if escape:
            chars.append(" ")
            origin.append(index)
            index = escape.end()
            continue
        out = char if char.isascii() else "".join(
            _digit(c) for c in unicodedata.normalize("NFKC", char)
            if unicodedata.category(c) != "Cf")
        chars.extend(out)
        origin.extend([index] * len(out))
        index += 1
    return "".join(chars), origin


def sin_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in `text` of each SIN-like number, overlapping ones merged, in order."""
    normal, origin = _normalised_with_origin(text)
    spans: list[tuple[int, int]] = []
    for match in SIN_CANDIDATE.finditer(normal):
        if not is_sin_like("".join(match.groups())):
            continue
        start, end = origin[match.start(1)], origin[match.end(3) - 1] + 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def regex_matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Where `pattern` (RE2) matches, over a whole string column, as a bool array."""
    array = pa.array(values, from_pandas=True)
    return pc.match_substring_regex(array, pattern).fill_null(False).to_numpy(
        zero_copy_only=False)


def _only_own_bn(values: pd.Series, roots: pd.Series) -> np.ndarray:
    """ASCII values whose only run of 9+ digits (groups joined) is the record's BN root.

    Such a value (a revenue record id built from the BN15, say) holds no SIN, and there are
    many of them: they are settled here, over the column, rather than one by one.
    """
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    for _ in range(2):  # one pass leaves every other gap of single-digit groups
        array = pc.replace_substring_regex(array, _JOIN, r"\1\2")
    one = pc.equal(pc.count_substring_regex(array, _LONG_RUN), 1)
    run = pc.struct_field(pc.extract_regex(array, f"(?P<run>{_LONG_RUN})"), "run")
    same = pc.equal(run, pa.array(roots, type=pa.large_string(), from_pandas=True))
    return pc.and_(one, same).fill_null(False).to_numpy(zero_copy_only=False)


def scan_and_remove(
    frame: pd.DataFrame, exempt_fields: list[str] | tuple[str, ...] = ()
) -> SinScan:
    """Null every SIN-like value in the string fields; report rows and field names only.

    Vectorised: RE2 prefilters over whole columns, then normalisation and stdnum only on
    distinct suspect values, mapped back to rows.
    """
    skip = NEVER_SCANNED | set(exempt_fields)
    columns = [
        c for c in frame.columns
        if c not in skip and isinstance(frame[c].dtype, pd.StringDtype)
    ]
    if "business_number" in frame.columns:
        bn_root = bn_compact(frame["business_number"]).str.slice(0, 9)
    else:
        bn_root = pd.Series(pd.NA, index=frame.index, dtype="string")
    cleaned = frame.copy()
    row_flags = np.zeros(len(frame), dtype=bool)
    fields = pd.Series("", index=frame.index, dtype="object")
    removed = 0
    for column in columns:
        values = frame[column]
        suspect = regex_matches(values, PREFILTER)
        if not suspect.any():
            continue
        # Plain ASCII suspects whose only 9-digit run is the record's own BN root: settled
        # over the column. The rest go to Python, once per distinct value.
        rows = np.flatnonzero(suspect)
        candidates = values.iloc[rows]
        plain = np.flatnonzero(regex_matches(candidates, PREFILTER_ASCII)
                               & ~regex_matches(candidates, PREFILTER_UNICODE)
                               & ~regex_matches(candidates, r"\\"))
        if len(plain):
            settled = np.zeros(len(rows), dtype=bool)
            settled[plain] = _only_own_bn(candidates.iloc[plain], bn_root.iloc[rows[plain]])
            rows = rows[~settled]
        if len(rows) == 0:
            continue
        suspects = values.iloc[rows]
        tokens = {v: _sin_tokens(v) for v in suspects.unique()}
        has_sin = suspects.map({v: bool(t) for v, t in tokens.items()}).to_numpy(bool)
        # The record's own BN root is not a SIN (a BN root has the same shape and check).
        single = {v: next(iter(t)) if len(t) == 1 else "" for v, t in tokens.items()}
        own_bn = suspects.map(single).astype("string") == bn_root.iloc[rows]
        only_own_bn = own_bn.fillna(False).to_numpy(bool)
        hit = np.zeros(len(frame), dtype=bool)
        hit[rows[has_sin & ~only_own_bn]] = True
        if not hit.any():
            continue
        cleaned.loc[hit, column] = pd.NA
        row_flags |= hit
        fields[hit] = fields[hit] + np.where(fields[hit] == "", "", ";") + column
        removed += int(hit.sum())
    return SinScan(cleaned=cleaned, row_flags=row_flags, fields_by_row=fields, removed=removed)
