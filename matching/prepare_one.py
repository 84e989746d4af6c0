"""One arriving record prepared for matching in plain Python: the real-time fast path.

    prepared = prepare_record(record, state.statistics, list(state.records.columns))

gives, column for column, what the batch path gives for a one-row frame:

    frame = pd.DataFrame([record])
    statistics.apply(standard_columns(standardise_records(frame)), counted=False)

The batch path is built for millions of rows; on one row it pays pandas and pyarrow overhead
(Series construction, pattern compilation) dozens of times, ~100 ms a record. Here the same
rules run on Python strings. The vocabularies, tables, patterns and per-value helpers are the
standardisers' own, imported; only what exists solely as column code is written again, and
tests/test_prepare_one.py holds the two paths equal (a change to a standardiser fails those
tests until it is mirrored here).

Where pyarrow and Python disagree, the batch path's behaviour is followed:
- RE2's `$` matches only at the very end, Python's also before a final newline: `\\Z` where the
  text can hold a newline. pandas 3 itself runs a `$` pattern with Python's `re` when a value
  holds a newline, so `compare._fallback`'s `\\.0$` keeps Python's `$`.
- RE2's `\\b` is ASCII-only: those patterns are compiled with `re.ASCII` (the text is folded
  ASCII there anyway).
- Case mapping and NFKD are pyarrow's (utf8proc: simple case mapping and a newer Unicode than
  Python's; pyarrow upper-cases 'ß' to 'ẞ', Python to 'SS'). They work character by
  character, so each character's result is asked of pyarrow once and cached.
- An empty group of an extracted pattern counts as missing, as `text.regex_extract` makes it.
- A whole-phrase alternation anchored at the end (' (?:inc|ltd|...)$') is a dictionary look-up
  of the text after each space, leftmost first, as RE2's leftmost match is.
"""

import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from matching.addresses import (
    _AS_DIGIT,
    _AS_LETTER,
    _FLOOR,
    _PARTICLES,
    _POSTAL,
    _alternation,
    vocabulary,
)
from matching.compare import STANDARD_COLUMNS, _street_key
from matching.contacts import _EXTENSION, _NANP, FREE_MAIL_DOMAINS, _parse_foreign
from matching.identifiers import _ACCOUNT_RE, _BN
from matching.legal_forms import default_table
from matching.names import _TRADE_NAME_MARKERS, NAME_KEY_STOP_WORDS
from matching.nanp import _regions
from matching.population import PopulationStatistics, office_key
from matching.text import _COMBINING, _fold_one

Prepared = dict[str, object]

# -- pyarrow's character mappings, one character at a time --------------------------------------


def _fold_stage(chars: pa.Array) -> pa.Array:
    """fold_text's pyarrow steps: lower case, NFKD, combining accents dropped."""
    decomposed = pc.utf8_normalize(pc.utf8_lower(chars), "NFKD")
    return pc.replace_substring_regex(decomposed, _COMBINING, "")


_KERNELS: dict[str, Callable[[pa.Array], pa.Array]] = {
    "lower": pc.utf8_lower, "upper": pc.utf8_upper, "fold": _fold_stage}
_CHARS: dict[str, dict[str, str]] = {kind: {} for kind in _KERNELS}


def _arrow_text(kind: str, value: str) -> str:
    """`value` through pyarrow's character kernel `kind`; a character not met before costs
    one pyarrow call, later ones a dictionary look-up."""
    table = _CHARS[kind]
    try:
        return "".join([table[c] for c in value])
    except KeyError:
        new = sorted(set(value) - table.keys())
        table.update(zip(new, _KERNELS[kind](pa.array(new, pa.string())).to_pylist(),
                         strict=True))
        return "".join([table[c] for c in value])


def _lower(value: str) -> str:
    return value.lower() if value.isascii() else _arrow_text("lower", value)


def _upper(value: str) -> str:
    return value.upper() if value.isascii() else _arrow_text("upper", value)


def fold(value: str) -> str:
    """text.fold_text of one value: lower case, folded to ASCII ('Québec' -> 'quebec')."""
    if value.isascii():
        return value.lower()
    lowered = _lower(value)
    if lowered.isascii():  # pyarrow lower-cases 'İ' to 'i' (Python to 'i' + a combining dot)
        return lowered
    staged = _arrow_text("fold", value)
    return staged if staged.isascii() else _fold_one(staged)


# -- text.punctuation_to_spaces ---------------------------------------------------------------

_ELISION = re.compile(r"\b(l|d|j|qu|n|s|c|m)'", re.ASCII)
_NOT_TOKEN = re.compile("[^a-z0-9#]+")
_ET = re.compile(r"\bet\b", re.ASCII)
_SPACES = re.compile(" +")


def words(value: str | None, period_as_space: bool = False) -> str | None:
    """text.punctuation_to_spaces of one value: [a-z0-9#] tokens, single spaces; '' -> None."""
    if value is None:
        return None
    text = _ELISION.sub(r"\1 ", fold(value)).replace("'", "")
    text = text.replace(".", " " if period_as_space else "").replace("&", " and ")
    text = _NOT_TOKEN.sub(" ", text.replace("#", " # ")).strip()
    return _ET.sub("and", text) or None


def _after_space(text: str, variants: Mapping[str, str], start: int = 0) -> int:
    """Position of the leftmost space (at `start` or later) after which the rest of `text` is
    one of `variants`; -1 if none. Equals searching ' (?:<variants>)$' with RE2."""
    space = text.find(" ", start)
    while space >= 0:
        if text[space + 1:] in variants:
            return space
        space = text.find(" ", space + 1)
    return -1


def _spaced(*parts: str | None) -> str | None:
    """addresses._join of one row: the parts that are there, single-spaced; none -> None."""
    return _SPACES.sub(" ", " ".join(p or "" for p in parts)).strip() or None


_SAINTE = re.compile(r"\bste\b", re.ASCII)
_SAINT = re.compile(r"\bst\b", re.ASCII)
_MOUNT = re.compile(r"\bmt\b", re.ASCII)

# -- names.standardise_names ------------------------------------------------------------------

_FORMS = default_table()
_TRADE_NAME = re.compile(f" (?:{_TRADE_NAME_MARKERS}) .*$")
_ARTICLE = re.compile("^(?:the|le|la|les|l) ")
_STORE_MARKER = " (?:#|no|store|magasin|succursale)(?: no| #)? ?"
_STORE = re.compile(f"^(?P<base>.+?){_STORE_MARKER}(?P<num>[0-9]{{1,6}})$")
_NUMBERED = re.compile(f"^(?P<num>[0-9]{{4}} [0-9]{{4}}|[0-9]{{3,10}})"
                       f"(?: (?P<jur>{_FORMS.jurisdictions_pattern}))?$")
_STOP_WORDS = re.compile(rf"\b(?:{'|'.join(NAME_KEY_STOP_WORDS)})\b", re.ASCII)
_FIRST_TWO = re.compile("^(?P<a>[a-z0-9]+)(?: (?P<b>[a-z0-9]+))?")
_NO_NAME = {"name_std": None, "name_legal_form": None, "numbered_company": None,
            "numbered_jurisdiction": None, "name_store_number": None, "name_key": None}


def _strip_form(text: str) -> tuple[str, str | None]:
    """One trailing legal form removed: the rest and the form's code."""
    space = _after_space(text, _FORMS.code_by_variant)
    if space < 0:
        return text, None
    return text[:space], _FORMS.code_by_variant[text[space + 1:]]


def standardise_name(raw: str | None) -> dict[str, str | None]:
    """names.standardise_names of one name: the NAME_COLUMNS."""
    text = words(raw)
    if text is None:
        return dict(_NO_NAME)
    text = _ARTICLE.sub("", _TRADE_NAME.sub("", text))
    text, form = _strip_form(text)
    text, inner = _strip_form(text)
    form = form or inner
    text = text.removesuffix(" and")
    store = _STORE.search(text)
    if store:
        text = store["base"]
    if "#" in text:
        text = _SPACES.sub(" ", text.replace("#", " ")).strip()
    text = _SAINT.sub("saint", _SAINTE.sub("sainte", text))
    numbered = _NUMBERED.search(text)
    number = numbered["num"].replace(" ", "") if numbered else None
    place = numbered["jur"] if numbered else None
    is_numbered = number is not None and (place is not None or (
        form is not None and len(number) >= 5))
    name_std = number if is_numbered else (text or None)
    return {
        "name_std": name_std,
        "name_legal_form": form,
        "numbered_company": number if is_numbered else None,
        "numbered_jurisdiction": (_FORMS.jurisdiction_by_variant[place]
                                  if is_numbered and place else None),
        "name_store_number": store["num"] if store else None,
        "name_key": _name_key(name_std),
    }


def _name_key(name_std: str | None) -> str | None:
    """names._name_key of one name: its first two significant words, alphabetical."""
    if name_std is None:
        return None
    significant = _SPACES.sub(" ", _STOP_WORDS.sub(" ", name_std)).strip() or name_std
    found = _FIRST_TWO.search(significant)
    if found is None:
        return None
    first, second = found["a"], found["b"]
    if not second:
        return first
    return f"{second} {first}" if second < first else f"{first} {second}"


# -- addresses --------------------------------------------------------------------------------

_VOCAB = vocabulary()
# on folded text, which can hold a newline: RE2's end anchor
_HYPHEN = re.compile(
    r"^ *(?P<unit>[0-9]{1,6}[a-z]?|[a-z]) ?- ?(?P<civic>[0-9]{1,6}[a-z]?)(?P<post>(?:[ ,].*)?)\Z")


def _pull_pattern(keys: str, value: str) -> re.Pattern[str]:
    marker = f"(?:^| )(?:{keys})(?: #)? ?(?P<val>{value})"
    return re.compile(f"^(?P<pre>.*?){marker}(?P<post>(?: .*)?)$")


_PO_BOX = _pull_pattern(_alternation(_VOCAB.po_box_words), "[0-9]+")
_RURAL_ROUTE = _pull_pattern(_alternation(_VOCAB.rural_route_words), "[0-9]+")
_UNIT = _pull_pattern(_alternation((*_VOCAB.unit_words, "#")), "[0-9]+[a-z]?|[a-z]")
_SITE = re.compile("(?:(?:^| )(?:site|comp|compartment) ?[0-9]+)+(?: |$)")
_FLOOR_RE = re.compile(_FLOOR)
_CIVIC = re.compile("^(?P<num>[0-9]+[a-z]?) (?P<rest>.+)$")
_AFTER_PARTICLE = re.compile(f"(?:^| )(?:{_PARTICLES})$")
_LEADING_PARTICLE = re.compile(f"^(?:{_PARTICLES}) ")
_LAST_WORD = re.compile("^(?P<head>.+) (?P<word>[a-z]+)$")
_FIRST_WORD = re.compile("^(?P<word>[a-z]+) (?P<tail>.+)$")
_TYPO_CHOICES = {
    which: sorted(v for v in variants if len(v) >= 5 and " " not in v)
    for which, variants in (("suffix", _VOCAB.suffix_types), ("prefix", _VOCAB.prefix_types))}


def _pull(text: str | None, pattern: re.Pattern[str]) -> tuple[str | None, str | None]:
    """addresses._pull of one value: the text without '<key> [#] <value>', and the value."""
    found = pattern.search(text) if text else None
    if found is None:
        return text, None
    return ((found["pre"] or "") + (found["post"] or "")).strip() or None, found["val"]


def _typo_fix(word: str, which: str) -> str | None:
    """addresses._typo_map of one word: the street-type variant one edit away, if any."""
    variants = _VOCAB.suffix_types if which == "suffix" else _VOCAB.prefix_types
    if len(word) < 5 or word in variants:
        return None
    best = process.extractOne(word, _TYPO_CHOICES[which], scorer=Levenshtein.distance,
                              score_cutoff=1)
    return None if best is None else best[0]


def _correct_type_typos(text: str) -> str:
    """addresses._correct_type_typos of one line."""
    last = _LAST_WORD.search(text)
    fix = _typo_fix(last["word"], "suffix") if last else None
    if fix:
        text = f"{last['head']} {fix}"
    first = _FIRST_WORD.search(text)
    if first and _after_space(text, _VOCAB.suffix_types) < 0:
        fix = _typo_fix(first["word"], "prefix")
        if fix:
            text = f"{fix} {first['tail']}"
    return text


def _prefix_type(text: str) -> int:
    """Position of the space after the longest street-type prefix ('rue', 'rond point')
    followed by a name; -1 if none. Equals '^(?P<t><prefixes>) (?P<name>.+)$' (longest first)."""
    space = text.rfind(" ")
    while space > 0:
        if text[:space] in _VOCAB.prefix_types:
            return space
        space = text.rfind(" ", 0, space)
    return -1


def standardise_address(raw: str | None) -> dict[str, str | None]:
    """addresses.standardise_addresses of one line: the ADDRESS_COLUMNS."""
    folded = None if raw is None else fold(raw)
    hyphen = _HYPHEN.search(folded) if folded is not None else None
    if hyphen:  # '200-1234 Main St'
        folded = hyphen["civic"] + (hyphen["post"] or "")
    text = words(folded, period_as_space=True)
    text, po_box = _pull(text, _PO_BOX)
    text, rural_route = _pull(text, _RURAL_ROUTE)
    text, unit = _pull(text, _UNIT)
    if hyphen and hyphen["unit"]:
        unit = hyphen["unit"]
    number = direction = street_type = None
    if text is not None:
        text = _FLOOR_RE.sub(" ", _SITE.sub(" ", text))
        text = _SPACES.sub(" ", text.replace("#", " ")).strip() or None
    if text:
        civic = _CIVIC.search(text)
        if civic:
            number, text = civic["num"], civic["rest"]
        space = _after_space(text, _VOCAB.directions, 1)
        if space > 0 and not _AFTER_PARTICLE.search(text[:space]):
            text, direction = text[:space], _VOCAB.directions[text[space + 1:]]
        text = _correct_type_typos(text)
        space = _prefix_type(text)
        if space > 0:
            street_type, text = _VOCAB.prefix_types[text[:space]], text[space + 1:]
        else:
            space = _after_space(text, _VOCAB.suffix_types, 1)
            if space > 0:
                street_type, text = _VOCAB.suffix_types[text[space + 1:]], text[:space]
    name = text
    if name is not None:
        name = _LEADING_PARTICLE.sub("", name) or name
        name = _MOUNT.sub("mount", _SAINT.sub("saint", _SAINTE.sub("sainte", name)))
    return {
        "street_number": number,
        "unit": unit,
        "street_name": name,
        "street_type": street_type,
        "street_direction": direction,
        "po_box": po_box,
        "rural_route": rural_route,
        "address_std": _spaced(number, name, street_type, direction) or _spaced(
            rural_route and "rr " + rural_route, po_box and "po box " + po_box),
    }


def standardise_city(raw: str | None) -> str | None:
    """addresses.standardise_cities of one value."""
    text = words(raw, period_as_space=True)
    if text is None:
        return None
    text = text.replace("#", "").strip()
    return _MOUNT.sub("mount", _SAINT.sub("saint", _SAINTE.sub("sainte", text))) or None


def standardise_province(raw: str | None) -> str | None:
    """addresses.standardise_provinces of one value."""
    text = words(raw, period_as_space=True)
    return None if text is None else _VOCAB.provinces.get(text.replace(" ", ""))


_NOT_POSTAL = re.compile("[^A-Z0-9]")
_POSTAL_RE = re.compile(_POSTAL)


def standardise_postal_code(raw: str | None) -> tuple[str | None, str | None]:
    """addresses.standardise_postal_codes of one value: (postal_code_std, fsa)."""
    if raw is None:
        return None, None
    compact = _NOT_POSTAL.sub("", _upper(raw))
    found = _POSTAL_RE.search(compact)
    if found is None and len(compact) == 6:  # look-alike characters in the wrong places
        found = _POSTAL_RE.search("".join((_AS_DIGIT if k % 2 else _AS_LETTER).get(c, c)
                                          for k, c in enumerate(compact)))
    if found is None:
        return None, None
    return f"{found['fsa']} {found['ldu']}", found["fsa"]


# -- contacts ---------------------------------------------------------------------------------

_EXTENSION_RE = re.compile(_EXTENSION)
_INTERNATIONAL = re.compile("^ *(?:[+]|011)")
_PLUS_ONE = re.compile("^ *(?:[+] *1|011 *1)(?:[^0-9]|$)")
_LETTER = re.compile("[a-z]")
_NOT_DIGIT = re.compile("[^0-9]")
_NANP_RE = re.compile(_NANP)
_EMAIL = re.compile("[a-z0-9._%+'-]+@(?:[a-z0-9-]+[.])+[a-z]{2,}")


def _nanp_patterns() -> list[tuple[re.Pattern | None, re.Pattern | None, re.Pattern | None]]:
    """nanp._regions as compiled Python patterns (leading digits, general, any type)."""
    def compiled(pattern: str | None) -> re.Pattern | None:
        return None if pattern is None else re.compile(f"(?:{pattern})")

    return [(compiled(lead), compiled(general), compiled(types))
            for lead, general, types in _regions()]


_NANP_REGIONS = _nanp_patterns()


def _typed(number: str, general: re.Pattern | None, types: re.Pattern | None) -> bool:
    return bool(general and general.fullmatch(number) and types and types.fullmatch(number))


def valid_nanp(number: str) -> bool:
    """nanp.valid_nanp of one ten-digit number: the first region whose leading digits match
    decides; regions without leading digits claim the numbers their types accept."""
    for leading, general, types in _NANP_REGIONS:
        if leading is not None:
            if leading.match(number):
                return _typed(number, general, types)
        elif _typed(number, general, types):
            return True
    return False


def standardise_phone(raw: str | None) -> str | None:
    """contacts.standardise_phones of one value: E.164 or None."""
    if raw is None:
        return None
    text = _EXTENSION_RE.sub("", _lower(raw).strip())
    if (_INTERNATIONAL.search(text) and not _PLUS_ONE.search(text)) or _LETTER.search(text):
        return _parse_foreign(raw)
    found = _NANP_RE.search(_NOT_DIGIT.sub("", text))
    return "+1" + found["nsn"] if found and valid_nanp(found["nsn"]) else None


def standardise_email(raw: str | None) -> tuple[str | None, str | None]:
    """contacts.standardise_emails of one value: (email_std, email_domain)."""
    if raw is None:
        return None, None
    text = _lower(raw.strip()).removeprefix("mailto:").strip("<> ")
    if not _EMAIL.fullmatch(text):
        return None, None
    domain = text.partition("@")[2]
    free = domain in FREE_MAIL_DOMAINS or any(
        domain[k + 1:] in FREE_MAIL_DOMAINS for k, c in enumerate(domain) if c == ".")
    return text, None if free else domain


# -- identifiers ------------------------------------------------------------------------------

_NOT_BN = re.compile("[^0-9A-Z]")
_BN_RE = re.compile(_BN)


def luhn_valid(root: str) -> bool:
    """identifiers.luhn_valid of one nine-digit root."""
    digits = [ord(c) - 48 for c in root]
    doubled = [2 * d for d in digits[1::2]]
    return (sum(digits[0::2]) + sum(d // 10 + d % 10 for d in doubled)) % 10 == 0


def standardise_business_number(
    business_number: str | None, program_accounts: str | None
) -> tuple[str | None, bool | None, str | None]:
    """identifiers.standardise_business_numbers of one record: (bn_root, bn_valid,
    bn_program_accounts)."""
    root = account = None
    if business_number is not None:
        found = _BN_RE.search(_NOT_BN.sub("", _upper(business_number)))
        if found:
            root, account = found["root"], found["account"]
    combined = f"{account or ''};{program_accounts or ''}".upper()  # Python's upper, as there
    accounts = sorted({a.replace(" ", "") for a in _ACCOUNT_RE.findall(combined)})
    return root, (luhn_valid(root) if root else None), ";".join(accounts) or None


# -- compare.standard_columns and population statistics ----------------------------------------

_DOT_ZERO = re.compile(r"\.0$")  # Python's `$`: what pandas runs when the value holds a newline
_NOT_ALNUM = re.compile("[^0-9A-Za-z]")


def _fallback(raw: str | None, drop: re.Pattern[str], min_length: int,
              upper: bool = False) -> str | None:
    """compare._fallback of one value: its bare characters when there are enough."""
    if raw is None:
        return None
    bare = drop.sub("", _DOT_ZERO.sub("", raw))
    bare = _upper(bare) if upper else bare
    return (bare.strip() or None) if len(bare) >= min_length else None


class _Counts:
    """A PopulationStatistics' counts as dictionaries (pandas look-ups cost microseconds)."""

    def __init__(self, statistics: PopulationStatistics) -> None:
        tokens, offices = statistics.token_records, statistics.office_names
        self.tokens = dict(zip(tokens.index, tokens.to_numpy().tolist(), strict=True))
        self.offices = dict(zip(offices.index, offices.to_numpy().tolist(), strict=True))
        edge = statistics.office_edge
        self.office_edge = set(zip(edge["office"], edge["name_std"], strict=True))
        self.chains = frozenset(statistics.chain_names)


_COUNTS: list[tuple[PopulationStatistics, _Counts]] = []  # the last two statistics used


def _counts(statistics: PopulationStatistics) -> _Counts:
    for known, counts in _COUNTS:
        if known is statistics:
            return counts
    counts = _Counts(statistics)
    _COUNTS[:] = [(statistics, counts), *_COUNTS[:1]]
    return counts


def rarest_words(names: Sequence[str | None], counts: Mapping[str, int],
                 keep: int) -> list[str] | None:
    """NameWords.rarest of one record: its `keep` least used distinct name words (ties by the
    word), listed alphabetically; None without words."""
    distinct = {w for name in names if name for w in name.split()}
    kept = sorted(sorted(distinct, key=lambda w: (counts.get(w, 0), w))[:keep])
    return kept or None


# -- the record ---------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                             and bool(pd.isna(value)))


def _value(record: Mapping[str, object], field: str) -> str | None:
    """A canonical field as the one-row frame's string column holds it: None, NaN and <NA> are
    missing, anything else its str()."""
    value = record.get(field)
    if isinstance(value, str):
        return value
    return None if _missing(value) else str(value)


def standardise_record(record: Mapping[str, object]) -> Prepared:
    """standardise.standardise_records of one record: the STANDARDISED_COLUMNS."""
    def field(name: str) -> str | None:
        return _value(record, name)

    legal = standardise_name(field("legal_name"))
    legal_form = field("legal_form")
    if legal["name_legal_form"] is None and legal_form is not None:
        # standardise.legal_form_from_column: the form after a one-word name
        legal["name_legal_form"] = standardise_name("x " + legal_form)["name_legal_form"]
    postal_code_std, fsa = standardise_postal_code(field("postal_code"))
    email_std, email_domain = standardise_email(field("email"))
    bn_root, bn_valid, accounts = standardise_business_number(
        field("business_number"), field("program_accounts"))
    return {
        **legal,
        "operating_name_std": standardise_name(field("operating_name"))["name_std"],
        **standardise_address(field("address_line")),
        "city_std": standardise_city(field("city")),
        "postal_code_std": postal_code_std,
        "fsa": fsa,
        "province_std": standardise_province(field("province")),
        "phone_e164": standardise_phone(field("phone")),
        "email_std": email_std,
        "email_domain": email_domain,
        "bn_root": bn_root,
        "bn_valid": bn_valid,
        "bn_program_accounts": accounts,
    }


def prepare_record(record: Mapping[str, object], statistics: PopulationStatistics,
                   columns: Sequence[str]) -> Prepared:
    """`columns` (but record_key) of `record` prepared as the population was: standardised,
    compare.standard_columns added, and name_token / shared_office / chain_name from the
    stored `statistics` with the record counting itself (PopulationStatistics.apply(...,
    counted=False)). Missing values are None, list columns lists, flags bool."""
    out = standardise_record(record)
    for col in STANDARD_COLUMNS:  # compare._text: stripped, '' missing
        if col != "bn_valid" and out[col] is not None:
            out[col] = out[col].strip() or None
    if "postal_code" in record and out["postal_code_std"] is None:
        out["postal_code_std"] = _fallback(_value(record, "postal_code"), _NOT_ALNUM, 3,
                                           upper=True)
    if "phone" in record and out["phone_e164"] is None:
        out["phone_e164"] = _fallback(_value(record, "phone"), _NOT_DIGIT, 7)
    out["bn_root_valid"] = out["bn_root"] if out["bn_valid"] else None
    names = (out["name_std"], out["operating_name_std"])
    out["name_any"] = sorted({v for v in names if v}) or None
    out["street_key"] = None if out["street_name"] is None else _street_key(out["street_name"])
    counts = _counts(statistics)
    own = 1  # the record counts itself
    out["name_token"] = rarest_words(names, counts.tokens, statistics.name_tokens_per_record)
    address = out["address_std"]
    office = office_key(address, out["postal_code_std"], out["city_std"])
    names_there = counts.offices.get(office, 0)
    if names_there == statistics.shared_office_min_names - 1 and out["name_std"] and (
            (office, out["name_std"]) not in counts.office_edge):
        names_there += own  # a name new at the place (PopulationStatistics.is_known)
    out["shared_office"] = office is not None and (
        names_there >= statistics.shared_office_min_names)
    out["chain_name"] = out["name_std"] in counts.chains and out["name_legal_form"] is None
    prepared: Prepared = {}
    for col in columns:
        if col == "record_key":
            continue
        if col in out:
            prepared[col] = out[col]
        elif col in record:  # a column of the record the frame carried through
            prepared[col] = None if _missing(record[col]) else record[col]
        else:
            raise KeyError(f"{col!r} is neither a prepared column nor in the record")
    return prepared
