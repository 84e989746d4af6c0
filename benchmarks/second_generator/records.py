"""Records: each entity written 1-5 times by four sources, each with its own habits.

The noise model is the point of this generator: international names and legal forms
(Ltd/Limited/Ltée, GmbH, S.A., S.r.l., Co., Ltd., Cong Ty TNHH ...), abbreviations
(Intl, Mfg, Bros, St, & / and / et / und), word-order swaps, dropped prefixes, stripped or
transliterated accents (Müller, Muller, Mueller), keyboard typos, street types and unit
numbers written many ways, re-formatted phones, postal codes and BNs, fields missing at
per-source rates, moves and second phone lines. Every record carries a bit mask of the noise
actually applied to it (only where the text really changed), which no matcher ever sees.
"""

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

from benchmarks.second_generator import noise, vocab
from benchmarks.second_generator.population import (
    FAMILIES,
    LANG_NAMES,
    Population,
    build_population,
    postal_codes,
    street_numbers,
)

S = StringDType()
NOISE_KINDS = (
    "typo_substitute", "typo_transpose", "typo_delete", "typo_double", "legal_form_variant",
    "legal_form_dropped", "abbreviation", "word_order", "prefix_dropped", "case",
    "transliteration", "punctuation", "missing_address", "missing_city", "missing_postal",
    "missing_phone", "missing_bn", "phone_format", "street_type_variant", "unit_format",
    "unit_dropped", "moved", "phone_changed", "postal_format", "bn_format", "shared_office",
    "chain",
)
NOISE = {kind: 1 << i for i, kind in enumerate(NOISE_KINDS)}

SOURCES = ("crm", "tax", "licences", "directory")
SOURCE_WEIGHTS = (0.35, 0.25, 0.2, 0.2)
DUPLICATED_SHARE = 0.25  # entities written more than once
COPIES = (2, 3, 4, 5)
COPIES_P = (0.45, 0.3, 0.15, 0.1)
SAME_SOURCE_AGAIN = 0.15  # a copy lands in a random source (maybe its own twin's)
# Share of each source's records that carry the field.
PRESENT = {
    "address": (0.96, 0.98, 0.93, 0.85),
    "city": (0.97, 0.99, 0.95, 0.92),
    "postal_code": (0.85, 0.95, 0.75, 0.6),
    "phone": (0.85, 0.55, 0.8, 0.95),
    "business_number": (0.1, 0.95, 0.45, 0.0),
}
UPPER = (0.03, 0.7, 0.15, 0.05)
LOWER = (0.01, 0.0, 0.02, 0.05)
TRANSLITERATE = (0.1, 0.5, 0.2, 0.3)
PHONE_STYLE_P = (
    (0.6, 0.2, 0.05, 0.05, 0.05, 0.03, 0.02),
    (0.05, 0.1, 0.05, 0.7, 0.05, 0.03, 0.02),
    (0.15, 0.2, 0.45, 0.1, 0.04, 0.03, 0.03),
    (0.15, 0.1, 0.05, 0.05, 0.35, 0.2, 0.1),
)
POSTAL_STYLE_P = ((0.8, 0.15, 0.03, 0.02), (0.2, 0.78, 0.0, 0.02), (0.6, 0.3, 0.05, 0.05),
                  (0.7, 0.2, 0.05, 0.05))
BN_STYLE_P = ((1.0, 0.0, 0.0, 0.0), (0.3, 0.5, 0.1, 0.1), (0.5, 0.1, 0.3, 0.1),
              (1.0, 0.0, 0.0, 0.0))
RATES = {"word_order": 0.08, "prefix_dropped": 0.3, "form_kept": 0.55, "form_dropped": 0.08,
         "abbreviation": 0.25, "punctuation": 0.05, "name_typo": 0.1, "address_typo": 0.05,
         "city_typo": 0.02, "moved": 0.05, "phone_changed": 0.04, "unit_dropped": 0.1,
         "street_type_kept": 0.45, "french_quebec": 0.6, "french_elsewhere": 0.05}

MISSING_FLAGS = {"address": ("missing_address", "street_type_variant"),
                 "city": ("missing_city", ""), "postal_code": ("missing_postal", "postal_format"),
                 "phone": ("missing_phone", "phone_format"),
                 "business_number": ("missing_bn", "bn_format")}
FORM_TABLE = np.asarray([[*v, *[""] * (4 - len(v))] for v in vocab.LEGAL_FORMS.values()],
                        dtype=S)
FORM_COUNT = np.array([len(v) for v in vocab.LEGAL_FORMS.values()])
NONE_FAMILY = FAMILIES.index("none")
AND_WORDS = np.asarray([vocab.LANGUAGES[code][3] for code in LANG_NAMES], dtype=S)
CITY_NAMES = np.asarray([c[0] for c in vocab.CITIES], dtype=S)
QUEBEC = np.array([c[1] in vocab.FRENCH_PROVINCE_LETTERS for c in vocab.CITIES])
TYPE_VARIANTS = np.asarray([[*en, *[""] * (4 - len(en))] for en, _ in vocab.STREET_TYPES],
                           dtype=S)
TYPE_COUNT = np.array([len(en) for en, _ in vocab.STREET_TYPES])
TYPE_FRENCH = np.asarray([fr for _, fr in vocab.STREET_TYPES], dtype=S)
UNIT_WORDS = np.asarray(vocab.UNIT_WORDS, dtype=S)


def entity_sizes(records: int, rng: np.random.Generator) -> np.ndarray:
    """Records per entity: 1 for most, 2-5 for about a quarter; summing to `records`."""
    mean = 1 - DUPLICATED_SHARE + DUPLICATED_SHARE * float(np.dot(COPIES, COPIES_P))
    n = int(records / mean * 1.05) + 10
    sizes = np.where(rng.random(n) < DUPLICATED_SHARE, rng.choice(COPIES, n, p=COPIES_P), 1)
    total = np.cumsum(sizes)
    whole = int(np.searchsorted(total, records, side="right"))
    sizes = sizes[: whole + 1].copy()
    sizes[whole] = records - (total[whole - 1] if whole else 0)
    return sizes[sizes > 0]


def _by_source(rng: np.random.Generator, source: np.ndarray, table: tuple) -> np.ndarray:
    """One draw per record from its source's row of probabilities."""
    probs = np.asarray(table, dtype=np.float64)[source]
    return (rng.random(len(source))[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)


class _Flags:
    """The noise bit mask of every record, set only where a value really changed."""

    def __init__(self, n: int) -> None:
        self.bits = np.zeros(n, np.uint32)

    def add(self, kind: str, rows: np.ndarray) -> None:
        self.bits[rows] |= np.uint32(NOISE[kind])

    def changed(self, kind: str, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        self.add(kind, before != after)
        return after


def _typos(flags: _Flags, values: np.ndarray, rate: float,
           rng: np.random.Generator) -> np.ndarray:
    out, kinds = noise.typos(values, rng.random(len(values)) < rate, rng)
    for k, kind in enumerate(noise.TYPO_KINDS):
        flags.add(f"typo_{kind}", kinds == k)
    return out


def _abbreviate(flags: _Flags, values: np.ndarray, lang: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """Shorten words (each by chance) in a quarter of the records."""
    rows = np.flatnonzero(rng.random(len(values)) < RATES["abbreviation"])
    sub, sub_lang = values[rows], lang[rows]
    for full, shorts in vocab.ABBREVIATIONS:
        mask = rng.random(len(rows)) < 0.7
        if full == " & ":
            for li in range(len(LANG_NAMES)):
                sub = noise.replace_each(sub, mask & (sub_lang == li), full, f" {AND_WORDS[li]} ")
            continue
        pick = rng.integers(0, len(shorts), len(rows))
        for k, short in enumerate(shorts):
            sub = noise.replace_each(sub, mask & (pick == k), full, short)
    out = values.copy()
    out[rows] = sub
    return flags.changed("abbreviation", values, out)


def _accents(flags: _Flags, values: np.ndarray, mask: np.ndarray, german: np.ndarray
             ) -> np.ndarray:
    """Strip accents (Müller -> Muller) or transliterate them (Müller -> Mueller)."""
    return flags.changed("transliteration", values, noise.strip_accents(values, mask, german))


def _case(flags: _Flags, values: np.ndarray, upper: np.ndarray, lower: np.ndarray
          ) -> np.ndarray:
    out = values.copy()
    out[upper] = np.strings.upper(values[upper])
    out[lower] = np.strings.lower(values[lower])
    return flags.changed("case", values, out)


def render_names(pop: Population, ent: np.ndarray, flags: _Flags,
                 rng: np.random.Generator) -> np.ndarray:
    """Each record's company name, as its source wrote it (case and typos come later)."""
    n = len(ent)
    first, second, joiner = pop.first[ent], pop.second[ent], pop.joiner[ent]
    swap = (np.strings.str_len(second) > 0) & (rng.random(n) < RATES["word_order"])
    flags.add("word_order", swap)
    core = np.where(swap, second + joiner + first, first + joiner + second) + " "
    name = core + pop.sector[ent]
    prefix = pop.prefix[ent]
    drop = (np.strings.str_len(prefix) > 0) & (rng.random(n) < RATES["prefix_dropped"])
    flags.add("prefix_dropped", drop)
    name = np.where((np.strings.str_len(prefix) > 0) & ~drop, prefix + " " + name, name)

    family, usual = pop.form_family[ent], pop.form_variant[ent]
    variant = np.where(rng.random(n) < RATES["form_kept"], usual,
                       (rng.random(n) * FORM_COUNT[family]).astype(np.int64))
    flags.add("legal_form_variant", variant != usual)
    dropped = (family != NONE_FAMILY) & (rng.random(n) < RATES["form_dropped"])
    flags.add("legal_form_dropped", dropped)
    form = FORM_TABLE[family, variant]
    before = np.strings.startswith(form, "^")
    comma = ~before & (rng.random(n) < RATES["punctuation"])
    suffix = np.where(comma, ", ", " ") + form
    named = np.where(before, np.strings.slice(form, 1, None) + " " + name, name + suffix)
    name = np.where(dropped | (family == NONE_FAMILY), name, named)
    flags.add("punctuation", comma & ~dropped & (family != NONE_FAMILY))
    name = _abbreviate(flags, name, pop.lang[ent], rng)
    hyphen = rng.random(n) < RATES["punctuation"]
    out = noise.replace_each(noise.replace_each(name, hyphen, "-", " "), hyphen, "'", "")
    return flags.changed("punctuation", name, out)


def render_addresses(pop: Population, ent: np.ndarray, first_copy: np.ndarray,
                     flags: _Flags, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Street addresses (street types, units and French order varied) and postal codes."""
    n = len(ent)
    number, street = pop.number[ent].copy(), pop.street[ent].copy()
    stype, unit, postal = pop.street_type[ent].copy(), pop.unit[ent].copy(), pop.postal[ent]
    moved = ~first_copy & (rng.random(n) < RATES["moved"])
    flags.add("moved", moved)
    rows = np.flatnonzero(moved)
    number[rows] = street_numbers(len(rows), rng)
    street[rows] = np.asarray(vocab.STREETS, dtype=S)[rng.integers(0, len(vocab.STREETS),
                                                                   len(rows))]
    stype[rows] = rng.choice(len(vocab.STREET_TYPES), len(rows), p=vocab.STREET_TYPE_WEIGHTS)
    unit[rows] = 0
    postal = postal.copy()
    postal[rows] = postal_codes(pop.city[ent[rows]], rng)

    french_p = np.where(QUEBEC[pop.city[ent]], RATES["french_quebec"], RATES["french_elsewhere"])
    french = (rng.random(n) < french_p) & (np.strings.str_len(TYPE_FRENCH[stype]) > 0)
    variant = np.where(rng.random(n) < RATES["street_type_kept"], 0,
                       (rng.random(n) * TYPE_COUNT[stype]).astype(np.int64))
    flags.add("street_type_variant", french | (variant > 0))
    num = np.asarray(number.astype(str), dtype=S)
    english = num + " " + street + " " + TYPE_VARIANTS[stype, variant]
    comma = rng.random(n) < 0.5
    french_text = num + np.where(comma, ", ", " ") + TYPE_FRENCH[stype] + " " + street
    address = np.where(french, french_text, english)

    has_unit = unit > 0
    dropped = has_unit & (rng.random(n) < RATES["unit_dropped"])
    flags.add("unit_dropped", dropped)
    word = UNIT_WORDS[rng.integers(0, len(UNIT_WORDS), n)]
    word = np.where(french & (rng.random(n) < 0.6), "Bureau", word)
    place = rng.integers(0, 3, n)  # after, before, dash
    u = np.asarray(unit.astype(str), dtype=S)
    label = np.where(word == "#", "#" + u, word + " " + u)
    written = np.select([place == 1, place == 2],
                        [label + ", " + address, u + "-" + address],
                        address + np.where(rng.random(n) < 0.5, " ", ", ") + label)
    show = has_unit & ~dropped
    flags.add("unit_format", show & ((place != 0) | (word != "Suite")))
    return np.where(show, written, address), postal


def generate_records(records: int, seed: int) -> pd.DataFrame:
    """The data set: one row per record with its source, record id, fields, entity, noise."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    sizes = entity_sizes(records, streams[0])
    pop = build_population(len(sizes), streams[1])
    ent = np.repeat(np.arange(len(sizes)), sizes)
    copy = np.arange(len(ent)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    rng = streams[2]
    n = len(ent)
    start = rng.integers(0, len(SOURCES), len(sizes))[ent]
    single = rng.choice(len(SOURCES), n, p=SOURCE_WEIGHTS)
    source = np.where(sizes[ent] == 1, single, (start + copy) % len(SOURCES))
    again = (copy > 0) & (rng.random(n) < SAME_SOURCE_AGAIN)
    source[again] = rng.integers(0, len(SOURCES), int(again.sum()))

    flags = _Flags(n)
    flags.add("shared_office", pop.office[ent] >= 0)
    flags.add("chain", pop.chain[ent] >= 0)
    rng = streams[3]
    name = render_names(pop, ent, flags, rng)
    address, postal = render_addresses(pop, ent, copy == 0, flags, rng)
    city = CITY_NAMES[pop.city[ent]]
    city = _abbreviate_city(flags, city, rng)

    rng = streams[4]
    accents = rng.random(n) < np.asarray(TRANSLITERATE)[source]
    german = (pop.lang[ent] == LANG_NAMES.index("de")) & (rng.random(n) < 0.5)
    name, address, city = (_accents(flags, v, accents, german) for v in (name, address, city))
    upper = rng.random(n) < np.asarray(UPPER)[source]
    lower = ~upper & (rng.random(n) < np.asarray(LOWER)[source])
    name, address, city = (_case(flags, v, upper, lower) for v in (name, address, city))
    name = _typos(flags, name, RATES["name_typo"], rng)
    address = _typos(flags, address, RATES["address_typo"], rng)
    city = _typos(flags, city, RATES["city_typo"], rng)

    rng = streams[5]
    phone = pop.phone[ent].copy()
    changed = (copy > 0) & (rng.random(n) < RATES["phone_changed"])
    flags.add("phone_changed", changed)
    phone[changed] = (np.strings.slice(phone[changed], 0, 6)
                      + np.asarray(rng.integers(1000, 10000, int(changed.sum())).astype(str),
                                   dtype=S))
    phone_style = _by_source(rng, source, PHONE_STYLE_P)
    flags.add("phone_format", phone_style > 0)
    postal_style = _by_source(rng, source, POSTAL_STYLE_P)
    flags.add("postal_format", postal_style > 0)
    bn_style = _by_source(rng, source, BN_STYLE_P)
    flags.add("bn_format", bn_style > 0)
    fields = {
        "name": name,
        "address": address,
        "city": city,
        "postal_code": noise.postal_styles(postal, postal_style),
        "phone": noise.phone_styles(phone, phone_style),
        "business_number": noise.bn_styles(pop.bn[ent], bn_style),
    }
    frame = pd.DataFrame({"file": np.asarray(SOURCES)[source]})
    for field, values in fields.items():
        column = pd.Series(values, dtype="string")
        if field in PRESENT:
            expected = np.asarray(PRESENT[field])[source]
            absent = rng.random(n) >= expected
            column = column.mask(absent)
            missing, unseen = MISSING_FLAGS[field]
            flags.add(missing, absent & (expected > 0))  # a source that never has it: no noise
            if unseen:  # a format nobody can see is no noise either
                flags.bits[absent] &= ~np.uint32(NOISE[unseen])
        frame[field] = column
    frame["entity"] = ent
    frame["noise"] = flags.bits
    return _shuffle_and_number(frame, rng)


def _abbreviate_city(flags: _Flags, city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Saint John / St John, St. John's / St Johns / Saint John's."""
    mask = rng.random(len(city)) < 0.2
    out = noise.replace_each(city, mask, "Saint ", "St ")
    out = noise.replace_each(out, mask, "St. John's", "St Johns")
    return flags.changed("abbreviation", city, out)


def _shuffle_and_number(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Shuffle the records and number them per source (CRM-0000001, TAX-0000001, ...)."""
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    order = frame.groupby("file", sort=False).cumcount().to_numpy() + 1
    ids = np.strings.zfill(np.asarray(order.astype(str), dtype=S), 7)
    prefix = np.asarray(np.strings.upper(frame["file"].to_numpy(dtype=str)), dtype=S)
    frame.insert(1, "record_id", pd.Series(prefix + "-" + ids, dtype="string"))
    frame["file"] = frame["file"] + ".csv"
    return frame
