"""The SIN scanner finds every spelling a person or an OCR tool produces, in every format.

A hostile tester stored SINs written 046.454.286, with slashes, no-break or thin spaces,
full-width or Arabic-Indic digits: the scanner only knew spaces and hyphens between ASCII
digits. Properties (hypothesis) over generated spellings, and a planted SIN in each reader's
format followed through intake and validation.
"""

import json
import sys
import unicodedata

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from canonical.quarantine import quarantine_frame, raw_json, visible_controls
from canonical.schema import conform
from expectations.intake import remove_sins
from expectations.scrub import SIN_MARK, scrub_raw_records
from expectations.sin import SEPARATORS, contains_sin, is_sin_like, scan_and_remove
from expectations.validate import validate_source
from sources.config import SourceConfig
from sources.ingest import ingest_source

# Every character that reads as a decimal digit, by value: ASCII, full-width, Arabic-Indic,
# Devanagari, mathematical... (Unicode category Nd), plus superscripts and circled digits.
DIGIT_FORMS: dict[int, list[str]] = {d: [] for d in range(10)}
for code in range(sys.maxunicode + 1):
    char = chr(code)
    if unicodedata.category(char) == "Nd":
        DIGIT_FORMS[unicodedata.decimal(char)].append(char)
for d, extra in enumerate(["\u2070\u24ea", "\u00b9\u2460", "\u00b2\u2461", "\u00b3\u2462"]
                          + [f"{chr(0x2070 + d)}{chr(0x245F + d)}" for d in range(4, 10)]):
    DIGIT_FORMS[d] += list(extra)

SPACES = [" ", "\t", "\n", "\u00a0", "\u2007", "\u202f", "\u2009", "\u200a", "\u2002",
          "\u2003", "\u3000", "\u1680", "\u205f"]
GAP_CHARS = SPACES + list(SEPARATORS)
INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\ufeff"]  # format characters, read as nothing

# Surrounding text: no digit of any kind, so it can neither extend nor hide the number.
AROUND = st.text(st.characters(exclude_categories=("Nd", "Nl", "No", "Cs")), max_size=20)


@st.composite
def valid_sins(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("01234567 9".replace(" ", "")))
    body = first + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=7,
                                         max_size=7)))
    number = body + luhn.calc_check_digit(body)
    assert is_sin_like(number)
    return number


@st.composite
def spellings(draw: st.DrawFn, number: str) -> str:
    """`number` written with any digit forms, separators and invisible characters."""
    digits = [draw(st.sampled_from(DIGIT_FORMS[int(d)])) for d in number]
    for i in range(8):  # after the last digit it would be part of the text that follows
        if draw(st.integers(0, 9)) == 0:
            digits[i] += draw(st.sampled_from(INVISIBLE))
    gaps = [draw(st.sampled_from(["", "one", "run"])) for _ in range(2)]
    text = "".join(digits[:3])
    for gap, group in zip(gaps, (digits[3:6], digits[6:]), strict=True):
        if gap == "one":
            text += draw(st.sampled_from(GAP_CHARS))
        elif gap == "run":
            text += "".join(draw(st.lists(st.sampled_from(GAP_CHARS), min_size=1, max_size=3)))
        text += "".join(group)
    return text


def embedded(draw: st.DrawFn, number: str) -> tuple[str, str, str]:
    prefix, suffix = draw(AROUND), draw(AROUND)
    # NFKC may turn a symbol into a digit (U+33E0 is "1日"): keep the number untouched.
    assume(not unicodedata.normalize("NFKC", prefix)[-1:].isdigit())
    assume(not unicodedata.normalize("NFKC", suffix)[:1].isdigit())
    return prefix, draw(spellings(number)), suffix


def frame_of(texts: list[str]) -> pd.DataFrame:
    return conform(pd.DataFrame({
        "source_record_id": [f"r{i}" for i in range(len(texts))],
        "operating_name": texts, "owner_name": texts,
    }))


def scrubbed_value(text: str) -> tuple[str, int]:
    rows = quarantine_frame([{"source": "s", "stage": "read", "reason": "r",
                              "raw_record": raw_json({"fields": ["x", text]})}])
    out, count = scrub_raw_records(rows)
    return json.loads(out.at[0, "raw_record"])["fields"][1], count


PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@PROPERTY
@given(st.data())
def test_every_spelling_is_found_by_the_scan_and_the_scrub(data):
    number = data.draw(valid_sins())
    prefix, sin, suffix = embedded(data.draw, number)
    text = prefix + sin + suffix
    assert contains_sin(text)
    scan = scan_and_remove(frame_of([text]))
    assert scan.removed == 2 and scan.cleaned[["operating_name", "owner_name"]].isna().all(None)
    assert scan.fields_by_row.tolist() == ["operating_name;owner_name"]
    value, count = scrubbed_value(text)
    assert count == 1 and not contains_sin(value)
    # Only the number is replaced: the text around it is kept as written.
    assert value == visible_controls(prefix) + SIN_MARK + visible_controls(suffix)


@PROPERTY
@given(st.data())
def test_numbers_failing_the_check_digit_are_kept_in_any_spelling(data):
    number = data.draw(valid_sins())
    wrong = number[:8] + str((int(number[8]) + data.draw(st.integers(1, 9))) % 10)
    assume(not is_sin_like(wrong))
    prefix, spelled, suffix = embedded(data.draw, wrong)
    text = prefix + spelled + suffix
    assert not contains_sin(text)
    scan = scan_and_remove(frame_of([text]))
    assert scan.removed == 0 and scan.cleaned.at[0, "owner_name"] == text
    assert scrubbed_value(text) == (visible_controls(text), 0)


@PROPERTY
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
@example("Tél. +1 902 424 5000, poste 12")
@example("1046454286 / 123-45-6789 / 2020-01-02")
def test_text_without_a_nine_digit_luhn_run_is_unchanged(text):
    digits = [c for c in unicodedata.normalize("NFKC", text) if unicodedata.decimal(c, None)
              is not None]
    assume(len(digits) < 9 or not any(
        is_sin_like("".join(str(unicodedata.decimal(c)) for c in digits[i:i + 9]))
        for i in range(len(digits) - 8)))
    scan = scan_and_remove(frame_of([text]))
    assert scan.removed == 0
    pd.testing.assert_series_equal(scan.cleaned["owner_name"], frame_of([text])["owner_name"])
    assert scrubbed_value(text) == (visible_controls(text), 0)


@pytest.mark.parametrize("spelling", [
    "046.454.286", "046/454/286", "046_454_286", "046 - 454 - 286", "046\u00a0454\u00a0286",
    "046\u2007454\u202f286", "046\u2009454\u2009286", "０４６４５４２８６",
    "０４６－４５４－２８６",
    "٠٤٦٤٥٤٢٨٦", "०४६ ४५४ २८६", "046\u200b454\u200b286", "046\u2013454\u2014286",
    "046454 286", "046 454 286 2", "046\\x0b454\\x0b286",
])
def test_known_spellings(spelling):
    assert contains_sin(f"NAS {spelling} (propriétaire)")
    assert scan_and_remove(frame_of([spelling])).removed == 2
    assert SIN_MARK in scrubbed_value(f"NAS {spelling}")[0]


def test_every_unicode_dash_separates():
    dashes = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"}
    assert dashes <= set(SEPARATORS)


def test_record_own_bn_root_is_still_not_a_sin_in_odd_spellings():
    frame = conform(pd.DataFrame({
        "source_record_id": ["a", "b", "c"],
        "business_number": ["046454286RT0001", "046454286", "123026635"],
        "permit_number": ["046.454.286", "０４６４５４２８６", "046.454.286"],
    }))
    scan = scan_and_remove(frame)
    assert scan.row_flags.tolist() == [False, False, True]


# --- a planted SIN in each reader's format, through intake and validation ------------------

PLANTED = {  # format -> the SIN as written there (193 456 787 passes stdnum.ca.sin)
    "csv": "NAS 193.456.787", "jsonl": "NAS １９３ ４５６ ７８７",
    "xlsx": "NAS 193\u00a0456\u00a0787", "sql": "NAS 193/456/787",
    "fixed_width": "NAS ١٩٣-٤٥٦-٧٨٧",
}
UNREADABLE = "Owner 193_456_787"  # in a row the reader cannot read: scrubbed from raw_record


def make_config(fmt: str, tmp_path) -> SourceConfig:
    base = {"id": "demo", "ministry": "Test", "format": fmt, "record_id": {"columns": ["id"]},
            "mapping": {"legal_name": "name", "owner_name": "owner",
                        "registration_date": "date", "business_type": "kind"}}
    rows = [("1", "Alpha Ltd", "", "corporation"),
            ("2", "Beta Enr.", PLANTED[fmt], "sole_proprietorship"),
            ("3", "Gamma Inc.", "", "corporation")]
    if fmt == "csv":
        lines = ["id,name,owner,date,kind"] + [f"{i},{n},{o},2020-01-0{i},{k}"
                                                for i, n, o, k in rows]
        lines.append(f"4,Delta,{UNREADABLE},2020-01-04,corporation,extra")
        (tmp_path / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        base["location"] = "in.csv"
    elif fmt == "jsonl":
        lines = [json.dumps({"id": i, "name": n, "owner": o or None, "date": f"2020-01-0{i}",
                             "kind": k}, ensure_ascii=False) for i, n, o, k in rows]
        lines.append('{"id": 4, "owner": "' + UNREADABLE + '"')  # not valid JSON
        (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        base["location"] = "in.jsonl"
    elif fmt == "xlsx":
        workbook = openpyxl.Workbook()
        workbook.active.append(["id", "name", "owner", "date", "kind"])
        for i, n, o, k in rows:
            workbook.active.append([int(i), n, o or None, f"2020-01-0{i}", k])
        workbook.save(tmp_path / "in.xlsx")
        base["location"] = "in.xlsx"
    elif fmt == "sql":
        url = f"sqlite:///{tmp_path / 'db.sqlite'}"
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(
                "CREATE TABLE t (id TEXT, name TEXT, owner TEXT, date TEXT, kind TEXT)"))
            connection.execute(sa.text("INSERT INTO t VALUES (:i, :n, :o, :d, :k)"), [
                {"i": i, "n": n, "o": o or None, "d": f"2020-01-0{i}", "k": k}
                for i, n, o, k in rows])
        engine.dispose()
        base.update(url=url, table="t")
    else:
        layout = [("id", 1, 2), ("name", 3, 20), ("owner", 23, 30), ("date", 53, 10),
                  ("kind", 63, 20)]
        lines = [f"{i:<2}{n:<20}{o:<30}2020-01-0{i}{k:<20}" for i, n, o, k in rows]
        lines.append(f"4 Delta               {UNREADABLE}")  # too short for the layout
        (tmp_path / "in.dat").write_text("\n".join(lines) + "\n", encoding="utf-8")
        base.update(location="in.dat", fixed_width=[
            {"name": name, "start": start, "width": width} for name, start, width in layout])
    return SourceConfig.model_validate(base)


def strings(frame: pd.DataFrame) -> list[str]:
    """Every text cell, raw rows opened up to their values."""
    out = []
    for column in frame.columns:
        if column in ("record_hash", "business_number"):
            continue
        for value in frame[column].dropna():
            if column == "raw_record":
                out += [str(v) for v in _leaves(json.loads(value))]
            elif isinstance(value, str):
                out.append(value)
    return out


def _leaves(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


@pytest.mark.parametrize("fmt", list(PLANTED))
def test_planted_sin_in_each_format_is_gone_after_validation(tmp_path, fmt):
    config = make_config(fmt, tmp_path)
    batch = ingest_source(config, tmp_path)
    assert batch.rows_accepted == 3
    sins = remove_sins(config.id, batch.records, batch.quarantine)
    assert sins.removed == 1 and sins.fields_by_row.tolist() == ["", "owner_name", ""]
    assert sins.raw_removed == (0 if fmt in ("xlsx", "sql") else 1)
    outcome = validate_source(sins.records, config, raw_columns=batch.raw_columns,
                              sins_removed=sins.fields_by_row)
    assert outcome.sin_removed == 1
    texts = (strings(sins.records) + strings(sins.quarantine) + strings(outcome.accepted)
             + strings(outcome.quarantine) + [outcome.summary_text]
             + [json.dumps(outcome.expectation_results, default=str)])
    assert not [t for t in texts if contains_sin(t)]
    assert "Beta Enr." in texts  # the row itself was kept, only the SIN-holding value went
