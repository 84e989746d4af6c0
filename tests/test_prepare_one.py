"""The real-time fast path (matching/prepare_one.py) prepares a record exactly as the batch path
does: every record of a demo population, generated messy text, and every character whose
Unicode handling differs between pyarrow and Python.

The batch path is run on many records at once: each of its steps is a function of one row's
values (map_unique's contract), and `test_one_row_frames_agree` checks the literal one-row
frame the resolver used to build, for a sample.
"""

import string
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canonical.paths import DEFAULT_SOURCES_CONFIG
from matching.compare import standard_columns
from matching.golden.keys import with_record_keys
from matching.linking import link_records
from matching.prepare_one import prepare_record
from matching.resolver import ARRIVAL_KEY, Resolver
from matching.standardise import INPUT_COLUMNS, STANDARDISED_COLUMNS
from matching.standardise import standardise_records as batch_standardise
from sources.config import load_sources
from sources.demo import generate_demo_registers
from sources.ingest import ingest_source

# every column the batch path adds: a superset of any match state's columns
PREPARED_COLUMNS = [*STANDARDISED_COLUMNS, "bn_root_valid", "name_any", "street_key",
                    "name_token", "shared_office", "chain_name"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Demo registers (1,500 businesses, seed 7) as canonical records, linked: the records
    (input columns only, None for missing) and the match state."""
    data = tmp_path_factory.mktemp("demo")
    generate_demo_registers(data, businesses=1500, seed=7)
    frames = [ingest_source(s, data).records for s in load_sources(DEFAULT_SOURCES_CONFIG).sources]
    records = with_record_keys(pd.concat(frames, ignore_index=True))
    state = link_records(records).state
    inputs = [{c: (None if pd.isna(v) else v) for c, v in zip(INPUT_COLUMNS, row, strict=True)}
              for row in records[list(INPUT_COLUMNS)].itertuples(index=False)]
    return inputs, state


def _plain(row: pd.Series) -> dict[str, object]:
    return {c: (None if not isinstance(v, list) and pd.isna(v) else v) for c, v in row.items()}


def batch_prepare(records: list[dict], statistics, columns: list[str]) -> list[dict]:
    """The batch path on `records` together, one dict per record (as Resolver.prepare gave)."""
    frame = pd.DataFrame(records, columns=list(INPUT_COLUMNS))
    prepared = statistics.apply(standard_columns(batch_standardise(frame)), counted=False)
    rows = prepared[[c for c in columns if c != "record_key"]].astype(object)
    return [_plain(row) for _, row in rows.iterrows()]


def one_row_prepare(record: dict, statistics, columns: list[str]) -> dict:
    """The batch path on a one-row frame of exactly `record`."""
    frame = pd.DataFrame([record])
    prepared = statistics.apply(standard_columns(batch_standardise(frame)), counted=False)
    return _plain(prepared[[c for c in columns if c != "record_key"]].astype(object).iloc[0])


def assert_same(records: list[dict], statistics, columns: list[str] = PREPARED_COLUMNS) -> None:
    """Fast path == batch path on every record and column (values and types); the message
    names the first record and column that differ."""
    expected = batch_prepare(records, statistics, columns)
    for record, want in zip(records, expected, strict=True):
        got = prepare_record(record, statistics, columns)
        assert list(got) == [c for c in columns if c != "record_key"]
        for col in got:
            assert got[col] == want[col] and type(got[col]) is type(want[col]), (
                f"{col}: fast {got[col]!r}, batch {want[col]!r} for {record!r}")


def test_every_demo_record_is_prepared_as_the_batch_path_does(demo):
    records, state = demo
    assert len(records) > 5000
    assert_same(records, state.statistics)
    assert_same(records[:200], state.statistics, list(state.records.columns))


def test_one_row_frames_agree(demo):
    records, state = demo
    columns = list(state.records.columns)
    messy = {"legal_name": "1234567 N.-É. Ltée\n", "operating_name": "  ", "legal_form": "Inc.",
             "business_number": "123456782.0", "program_accounts": None,
             "address_line": "200-12 rue Ste-Catherine O.", "city": "", "province": "P.Q.",
             "postal_code": "h3b 1a7", "phone": "514.555.0199.0\n", "email": "<Joe@X.CA>"}
    foreign = {"legal_name": "ﬁsh & Chips Co.", "address_line": "\t12?-3 Main St œ",
               "city": "Halifax #2", "postal_code": "ß3h 4r2", "phone": "\t+44 20 7946 0958",
               "email": "MAILTO: Info@Shop.ca", "program_accounts": "ßt0001"}
    resolver = Resolver(state)
    for record in [*records[::400], messy, foreign]:
        want = one_row_prepare(record, state.statistics, columns)
        got = prepare_record(record, state.statistics, columns)
        assert got == want
        assert resolver.prepare(record) == {**want, "record_key": ARRIVAL_KEY}


def test_missing_values_and_columns(demo):
    _, state = demo
    empty = prepare_record({}, state.statistics, PREPARED_COLUMNS)
    assert empty == batch_prepare([{}], state.statistics, PREPARED_COLUMNS)[0]
    assert empty["shared_office"] is False and empty["name_token"] is None
    nan = prepare_record({"legal_name": float("nan"), "phone": pd.NA}, state.statistics,
                         PREPARED_COLUMNS)
    assert nan == empty
    with pytest.raises(KeyError):
        prepare_record({}, state.statistics, ["no_such_column"])


# -- characters where pyarrow's Unicode handling and Python's differ ----------------------------

def _differing_characters() -> list[str]:
    """Every BMP character pyarrow lower- or upper-cases or NFKD-decomposes otherwise than
    Python (full vs simple case mapping, newer Unicode), and the Latin, Greek and punctuation
    blocks."""
    chars = [chr(i) for i in range(0x80, 0x10000) if not 0xD800 <= i <= 0xDFFF]
    array = pa.array(chars)
    lower = pc.utf8_lower(array).to_pylist()
    upper = pc.utf8_upper(array).to_pylist()
    nfkd = pc.utf8_normalize(array, "NFKD").to_pylist()
    differ = {c for c, lo, up, nf in zip(chars, lower, upper, nfkd, strict=True)
              if lo != c.lower() or up != c.upper() or nf != unicodedata.normalize("NFKD", c)}
    blocks = {chr(i) for i in [*range(0x80, 0x400), *range(0x2000, 0x2070),
                               *range(0xFB00, 0xFB07), *range(0x1D400, 0x1D420)]}
    return sorted(differ | blocks)


def _with_character(c: str) -> list[dict]:
    return [
        {"legal_name": f"Caf{c} Ltée{c}", "operating_name": f"{c}St{c}e Inc{c}",
         "legal_form": f"Lt{c}e", "business_number": f"12345678{c}RT0001",
         "program_accounts": f"r{c}0001", "address_line": f"12{c}-3 rue {c}Main O{c}",
         "city": f"St{c} John", "province": f"Qu{c}", "postal_code": f"b3h {c}4r2",
         "phone": f"{c}902 555 1234{c}", "email": f" {c}Joe@Ex.CA{c}"},
        {"legal_name": c, "operating_name": f"a{c}b", "legal_form": c, "business_number": c,
         "program_accounts": c, "address_line": c, "city": c, "province": c,
         "postal_code": f"B3H4R{c}", "phone": f"+1{c}9025551234", "email": f"a@b{c}.ca"},
        {"legal_name": f"1234567 Nova Scotia Limit{c}d", "business_number": f"1{c}23456789",
         "address_line": f"PO Box 1{c}2", "postal_code": f"{c}B3H4R2",
         "phone": f"902555123{c}", "email": f"a{c}@b.ca"},
    ]


def test_characters_pyarrow_and_python_treat_differently(demo):
    _, state = demo
    records = [r for c in _differing_characters() for r in _with_character(c)]
    assert_same(records, state.statistics)


# -- generated messy records --------------------------------------------------------------------

NAME_WORDS = ["Café", "Québec", "Boulangerie", "Joe's", "Tim Hortons", "Pizza", "Holdings",
              "Entreprises", "Les", "The", "L'Érable", "d'Acadie", "Ste-Anne", "St. John's",
              "Œuvre", "Dépanneur", "Atlantic", "&", "et", "#12", "No. 5", "Store 1234",
              "o/a", "O/A", "D.B.A.", "faisant affaire sous", "Co.", "and", "of", "MT", "ß",
              "Groupe", "ÉCOLE", "naïve", "İstanbul", "ﬁsh"]
LEGAL_FORMS = ["Ltée", "Ltd.", "LTD", "Inc.", "inc", "S.E.N.C.", "S.E.N.C.R.L.", "Limited",
               "Co. Ltd.", "Corp", "Incorporated", "Société en nom collectif", "ULC", "Coop",
               "Limitée", "L.L.P.", "S.A.R.F.", "Cie", "Ltd./Ltée", "Unlimited Liability Co."]
NUMBERED = ["1234567 Nova Scotia Limited", "3456789 N.-É. Ltée", "1234 5678 Québec Inc.",
            "123456 NB Ltd", "12345 Canada Inc", "987 Ontario", "0123456789 PEI Inc."]
STREET_WORDS = ["12", "200-1234", "3A", "Suite 5", "Ste 200", "#4", "App. 3", "PO Box 12",
                "P.O. Box 7", "C.P. 45", "RR 2", "R.R. #3", "Site 4 Comp 12", "3rd Floor",
                "2e étage", "floor 2", "Main", "St", "Street", "rue", "Boul.", "Sreet",
                "boulevrd", "Avenue", "Ave.", "chemin", "Rond-Point", "cul-de-sac", "N", "S.-E.",
                "Nord-Est", "O", "Ouest", "de la", "du", "Ste-Catherine", "Mt Pleasant",
                "Highway 2", "Victoria", "Plaice", "North West", "NO", "Montée", "Côte"]
CITIES = ["St. John's", "Ste-Anne-de-Bellevue", "Mt Pearl", "Québec", "#", "Halifax",
          "ST JOHN", "Saint-Jean-sur-Richelieu", "Moncton", "Île-des-Chênes"]
PROVINCES = ["NS", "N.S.", "Nova Scotia", "nouvelle-écosse", "N.-É.", "PQ", "Qué", "QC", "NL",
             "Nfld.", "Terre-Neuve-et-Labrador", "Newfoundland & Labrador", "P.E.I.", "ON",
             "Ont.", "ne", "yk", "T.N.-O.", "Colombie-Britannique"]
PHONES = ["(902) 555-1234", "902.555.1234", "+1 902 555 1234", "1-800-FLOWERS",
          "+44 20 7946 0958", "011 33 1 23 45 67 89", "555-1234", "9025551234.0",
          "902-555-1234 ext. 12", "902 555 1234 poste 3", "902-555-1234 x12", "011 1 902 555 1234",
          "+1-506-555-0100", "(506)5550100#22", "1 (709) 555-0199", "+33 1 42 68 53 00",
          "\t+44 20 7946 0958", "\n011 33 1 23 45 67 89", "\u00a0+1 902 555 1234 x5\n"]
EMAILS = ["Joe@Example.COM", " <mailto:Joe@Ex.ca> ", "joe@gmail.com", "joe@NS.Sympatico.ca",
          "bad@", "a@b.c", "ÉLÈVE@école.ca", "first.last+tag@sub.domain.co", "x@y..ca",
          "mailto:info@shop.ca", "<info@shop.ca>", "joe@hotmail.com.evil.ca",
          "MAILTO: Info@Shop.ca", "< joe@x.ca >", "\t<joe@x.ca>\n"]
SEPARATORS = ["", " ", "  ", " - ", "-", ", ", ".", "/", "\t", "\n", "\u00a0", "#", "'", "’",
              "&", "(", ")", " o/a "]
BLANKS = ["", " ", "  \t", "\n", "\u00a0", "."]

noise = st.text(st.characters(codec="utf-8"), max_size=4)
ascii_noise = st.text(string.ascii_letters + string.digits + string.punctuation + " ",
                      max_size=5)
noisy = st.one_of(noise, ascii_noise)
separator = st.one_of(st.just(" "), st.sampled_from(SEPARATORS))
casing = st.sampled_from([str, str, str.upper, str.lower, str.title, str.swapcase])
edge = st.sampled_from(["", "", " ", "\n", "\t"])


@st.composite
def messy(draw, *vocabularies: list[str], noise_share: int = 20) -> str | None:
    """A few words of the vocabularies (some noise) joined by mostly spaces, in some case,
    with stray outer whitespace; or a blank or missing value."""
    kind = draw(st.integers(0, 99))
    if kind < 8:
        return None
    if kind < 14:
        return draw(st.sampled_from(BLANKS))
    pool = st.sampled_from([w for v in vocabularies for w in v])
    parts = [draw(noisy) if draw(st.integers(0, 99)) < noise_share else draw(pool)
             for _ in range(draw(st.integers(1, 5)))]
    text = "".join(part + draw(separator) for part in parts[:-1]) + parts[-1]
    return draw(edge) + draw(casing)(text) + draw(edge)


def _luhn_completed(eight: str) -> str:
    for last in "0123456789":
        digits = [int(c) for c in eight + last]
        doubled = [2 * d for d in digits[1::2]]
        if (sum(digits[0::2]) + sum(d // 10 + d % 10 for d in doubled)) % 10 == 0:
            return eight + last
    raise AssertionError


@st.composite
def business_numbers(draw) -> str | None:
    root = draw(st.one_of(st.from_regex(r"\A[0-9]{9}\Z"),
                          st.from_regex(r"\A[0-9]{8}\Z").map(_luhn_completed),
                          st.from_regex(r"\A[0-9]{7,10}\Z")))
    account = draw(st.sampled_from(["", "RT0001", "rc0002", " RP 0001", "-RT-0001", "RT01",
                                    "ＲＴ0001", "ßT0001"]))
    spaced = draw(st.sampled_from([lambda r: r, lambda r: f"{r[:3]} {r[3:6]} {r[6:]}",
                                   lambda r: f"{r[:3]}-{r[3:6]}-{r[6:]}", lambda r: r + ".0"]))
    return draw(st.one_of(st.just(spaced(root) + account), messy(["123456789", "RT0001"]),
                          st.none()))


@st.composite
def postal_codes(draw) -> str | None:
    letters, digits = "ABCEGHJKLMNPRSTVXY", "0123456789"
    look_alike = "OIZSGBL0125681"
    chars = [draw(st.sampled_from(letters if k % 2 == 0 else digits)) for k in range(6)]
    for k in draw(st.lists(st.integers(0, 5), max_size=2)):
        chars[k] = draw(st.sampled_from(look_alike + "DFQUWaz "))
    code = "".join(chars)
    shaped = draw(st.sampled_from([code, f"{code[:3]} {code[3:]}", code.lower(),
                                   f"{code[:3]}-{code[3:]}", f" {code[:3]}  {code[3:]} ",
                                   code + ".0", "12345-6789", "902", code[:5]]))
    return draw(st.one_of(st.just(shaped), messy([code, "B3H", "4R2"]), st.none()))


@st.composite
def phones(draw) -> str | None:
    number = draw(st.from_regex(r"\A[2-9][0-9]{2}[2-9][0-9]{6}\Z"))
    shaped = draw(st.sampled_from([
        number, f"({number[:3]}) {number[3:6]}-{number[6:]}", f"1-{number}",
        f"+1 {number[:3]} {number[3:6]} {number[6:]}", f"{number[:3]}.{number[3:6]}.{number[6:]}",
        f"011 1 {number}", f"{number} ext {number[:2]}", f"{number}.0", number[3:]]))
    return draw(st.one_of(st.just(shaped), messy(PHONES, [number, "ext", "+", "x"]), st.none()))


records_strategy = st.fixed_dictionaries({
    "legal_name": messy(NAME_WORDS, LEGAL_FORMS, NUMBERED),
    "operating_name": messy(NAME_WORDS, LEGAL_FORMS),
    "legal_form": messy(LEGAL_FORMS, noise_share=30),
    "business_number": business_numbers(),
    "program_accounts": messy(["RT0001", "rc 0002", "RP0001;RT0001", "xx9999", ";", "ßt0001"]),
    "address_line": messy(STREET_WORDS, noise_share=15),
    "city": messy(CITIES),
    "province": messy(PROVINCES),
    "postal_code": postal_codes(),
    "phone": phones(),
    "email": messy(EMAILS, ["@", ".", "Joe", "ca"]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=st.lists(records_strategy, min_size=1, max_size=25))
def test_messy_records_are_prepared_as_the_batch_path_does(demo, records):
    _, state = demo
    assert_same(records, state.statistics)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(record=records_strategy)
def test_messy_one_row_frames_agree(demo, record):
    _, state = demo
    got = prepare_record(record, state.statistics, PREPARED_COLUMNS)
    want = one_row_prepare(record, state.statistics, PREPARED_COLUMNS)
    for col in PREPARED_COLUMNS:
        assert got[col] == want[col] and type(got[col]) is type(want[col]), (
            f"{col}: fast {got[col]!r}, batch {want[col]!r} for {record!r}")
