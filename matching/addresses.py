"""Canadian street addresses, cities, postal codes and provinces, English and French.

The parser is a fixed sequence of regular expressions over whole columns (distinct values
only): pull the unit, PO box and rural route out, then the civic number, the direction at the
end, and the street type before (French order) or after (English order) the name. Types and
directions map to language-neutral codes, so 'rue Main' and 'Main Street' give the same
`address_std`. The vocabulary lives in `address_vocabulary.yaml`.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from matching.text import fold_text, map_unique, punctuation_to_spaces, regex_extract

DATA_FILE = Path(__file__).with_name("address_vocabulary.yaml")

ADDRESS_COLUMNS: tuple[str, ...] = (
    "street_number",
    "unit",
    "street_name",
    "street_type",
    "street_direction",
    "po_box",
    "rural_route",
    "address_std",
)
_FLOOR = (
    " (?:[0-9]+ ?(?:st|nd|rd|th|e|er|re|ieme)? (?:floor|fl|etage)|(?:floor|fl|etage) [0-9]+)"
    "(?: |$)"
)
_PARTICLES = "de la|de l|du|des|de|d|la|le|les|l|the"
# Canada Post never uses D F I O Q U, nor W Z as the first letter.
_POSTAL = (
    "^(?P<fsa>[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])(?P<ldu>[0-9][ABCEGHJ-NPRSTV-Z][0-9])$"
)


def address_text(values: pd.Series) -> pd.Series:
    """Address text: folded, periods and punctuation as spaces, '#' kept as a token."""
    return punctuation_to_spaces(values, period_as_space=True)


@dataclass(frozen=True)
class AddressVocabulary:
    """Normalised variant -> code maps from the YAML, with their regex alternations."""

    suffix_types: dict[str, str]
    prefix_types: dict[str, str]
    directions: dict[str, str]
    unit_words: tuple[str, ...]
    po_box_words: tuple[str, ...]
    rural_route_words: tuple[str, ...]
    provinces: dict[str, str]


def _alternation(variants) -> str:
    return "|".join(sorted(set(variants), key=lambda v: (-len(v), v)))


def _normalised(variants: list[str], where: str) -> list[str]:
    not_text = [v for v in variants if not isinstance(v, str)]
    if not_text:
        raise ValueError(f"{DATA_FILE}: {where}: {not_text} are not strings (quote ON, NO)")
    out = address_text(pd.Series([str(v) for v in variants], dtype="string"))
    bad = [v for v, n in zip(variants, out, strict=True) if pd.isna(n)]
    if bad:
        raise ValueError(f"{DATA_FILE}: {where}: variants normalise to nothing: {bad}")
    return [str(n) for n in out]


def _code_map(section: dict, where: str, squeeze: bool = False) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for code, variants in section.items():
        if not isinstance(code, str):
            raise ValueError(f"{DATA_FILE}: {where}: key {code!r} is not a string (quote it)")
        for variant in _normalised(list(variants or []), f"{where}.{code}"):
            key = variant.replace(" ", "") if squeeze else variant
            if mapping.setdefault(key, str(code)) != str(code):
                raise ValueError(f"{DATA_FILE}: {where}: {variant!r} maps to two codes")
    return mapping


@lru_cache(maxsize=1)
def vocabulary() -> AddressVocabulary:
    """Load and validate the packaged address vocabulary once per process."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    required = (
        "street_types",
        "directions",
        "unit_designators",
        "po_box_designators",
        "rural_route_designators",
        "provinces",
    )
    missing = [key for key in required if key not in raw]
    if missing:
        raise ValueError(f"{DATA_FILE}: missing keys {missing}; needs {list(required)}")
    types = raw["street_types"]
    return AddressVocabulary(
        suffix_types=_code_map({c: t.get("suffix") for c, t in types.items()}, "suffix"),
        prefix_types=_code_map({c: t.get("prefix") for c, t in types.items()}, "prefix"),
        directions=_code_map(raw["directions"], "directions"),
        unit_words=tuple(_normalised(raw["unit_designators"], "unit_designators")),
        po_box_words=tuple(_normalised(raw["po_box_designators"], "po_box_designators")),
        rural_route_words=tuple(
            _normalised(raw["rural_route_designators"], "rural_route_designators")
        ),
        provinces=_code_map(raw["provinces"], "provinces", squeeze=True),
    )


def _pull(text: pd.Series, keys: str, value: str) -> tuple[pd.Series, pd.Series]:
    """Remove '<key> [#] <value>' from the text; return the rest and the value.

    A cheap `contains` picks the few rows that have one before the costlier extract runs.
    """
    marker = f"(?:^| )(?:{keys})(?: #)? ?(?P<val>{value})"
    has = text.str.contains(f"{marker}(?: |$)".replace("?P<val>", "?:"), regex=True)
    rows = has.fillna(False).to_numpy(dtype=bool)
    found_value = pd.Series(pd.NA, index=text.index, dtype="string")
    if not rows.any():
        return text, found_value
    subset = text[rows]
    found = regex_extract(subset, f"^(?P<pre>.*?){marker}(?P<post>(?: .*)?)$")
    rest = (found["pre"].fillna("") + found["post"].fillna("")).str.strip()
    rest = rest.where(found["val"].notna(), subset)
    text = text.copy()
    text[rows] = rest.mask(rest.eq(""))
    found_value[rows] = found["val"]
    return text, found_value


def _typo_map(words: pd.Series, variants: dict[str, str]) -> dict[str, str]:
    """Words one edit away from a street-type variant of five letters or more ('sreet').

    Only distinct words not already a variant are looked at, with rapidfuzz, so the cost is
    per vocabulary word, not per record.
    """
    choices = sorted(v for v in variants if len(v) >= 5 and " " not in v)
    candidates = [w for w in words.dropna().unique() if len(w) >= 5 and w not in variants]
    fixes: dict[str, str] = {}
    for word in candidates:
        best = process.extractOne(word, choices, scorer=Levenshtein.distance, score_cutoff=1)
        if best is not None:
            fixes[word] = best[0]
    return fixes


def _correct_type_typos(text: pd.Series, vocab: AddressVocabulary) -> pd.Series:
    """Mend a mistyped street type in last place ('Victoria Sreet') or first ('boulevrd X')."""
    last = regex_extract(text, "^(?P<head>.+) (?P<word>[a-z]+)$")
    fixes = _typo_map(last["word"], vocab.suffix_types)
    if fixes:
        mended = last["word"].map(fixes).astype("string")
        text = (last["head"] + " " + mended).fillna(text)
    # The first word only when no type ends the line ('Plaice Street' keeps its name).
    first = regex_extract(text, "^(?P<word>[a-z]+) (?P<tail>.+)$")
    typed = text.str.contains(f" (?:{_alternation(vocab.suffix_types)})$", regex=True)
    first_word = first["word"].where(~typed.fillna(False).astype(bool))
    fixes = _typo_map(first_word, vocab.prefix_types)
    if fixes:
        mended = first_word.map(fixes).astype("string")
        text = (mended + " " + first["tail"]).fillna(text)
    return text


def standardise_addresses(values: pd.Series) -> pd.DataFrame:
    """The ADDRESS_COLUMNS for a column of address lines, computed on distinct lines."""
    return map_unique(values, _parse)


def _parse(raw: pd.Series) -> pd.DataFrame:
    vocab = vocabulary()
    folded = fold_text(raw)
    # '200-1234 Main St': unit before the civic number, joined by a hyphen.
    hyphen = regex_extract(
        folded,
        "^ *(?P<unit>[0-9]{1,6}[a-z]?|[a-z]) ?- ?(?P<civic>[0-9]{1,6}[a-z]?)(?P<post>(?:[ ,].*)?)$",
    )
    folded = (hyphen["civic"] + hyphen["post"].fillna("")).fillna(folded)
    text = address_text(folded)

    text, po_box = _pull(text, _alternation(vocab.po_box_words), "[0-9]+")
    text, rural_route = _pull(text, _alternation(vocab.rural_route_words), "[0-9]+")
    text, unit = _pull(text, _alternation((*vocab.unit_words, "#")), "[0-9]+[a-z]?|[a-z]")
    unit = hyphen["unit"].fillna(unit)
    text = text.str.replace(
        "(?:(?:^| )(?:site|comp|compartment) ?[0-9]+)+(?: |$)", " ", regex=True
    )
    # Floors say where in the building, not which building: '3rd Floor', 'floor 2', '2e étage'
    # (not at the start of the line, where '3 Floor Rd' is a civic address).
    text = text.str.replace(_FLOOR, " ", regex=True)
    text = text.str.replace("#", " ", regex=False).str.replace(" +", " ", regex=True).str.strip()
    text = text.mask(text.eq(""))

    civic = regex_extract(text, "^(?P<num>[0-9]+[a-z]?) (?P<rest>.+)$")
    number = civic["num"]
    text = civic["rest"].fillna(text)

    directions = _alternation(vocab.directions)
    direction = regex_extract(
        text, f"^(?P<rest>.+?) (?P<dir>{directions})$", probe=f". (?:{directions})$"
    )
    after_particle = direction["rest"].str.contains(f"(?:^| )(?:{_PARTICLES})$", regex=True)
    keep_dir = direction["dir"].notna() & ~after_particle.fillna(False).astype(bool)
    text = direction["rest"].where(keep_dir, text)
    street_direction = direction["dir"].where(keep_dir).map(vocab.directions).astype("string")

    text = _correct_type_typos(text, vocab)
    prefix = regex_extract(text, f"^(?P<t>{_alternation(vocab.prefix_types)}) (?P<name>.+)$")
    suffix = regex_extract(text, f"^(?P<name>.+?) (?P<t>{_alternation(vocab.suffix_types)})$")
    use_suffix = prefix["t"].isna() & suffix["t"].notna()
    street_type = prefix["t"].map(vocab.prefix_types).astype("string")
    street_type = street_type.where(~use_suffix, suffix["t"].map(vocab.suffix_types))
    name = prefix["name"].where(prefix["t"].notna(), suffix["name"].where(use_suffix, text))

    bare = name.str.replace(f"^(?:{_PARTICLES}) ", "", regex=True)
    name = bare.mask(bare.eq("")).fillna(name)
    name = name.str.replace(r"\bste\b", "sainte", regex=True)
    name = name.str.replace(r"\bst\b", "saint", regex=True)
    name = name.str.replace(r"\bmt\b", "mount", regex=True)

    civic_std = _join(number, name, street_type, street_direction)
    postal_std = _join("rr " + rural_route, "po box " + po_box)
    return pd.DataFrame(
        {
            "street_number": number,
            "unit": unit,
            "street_name": name,
            "street_type": street_type.astype("string"),
            "street_direction": street_direction,
            "po_box": po_box,
            "rural_route": rural_route,
            "address_std": civic_std.fillna(postal_std),
        }
    ).astype("string")


def _join(*parts: pd.Series) -> pd.Series:
    """Space-join the non-null parts row by row; all null gives <NA>."""
    first, *others = parts
    joined = first.str.cat(list(others), sep=" ", na_rep="") if others else first.fillna("")
    joined = joined.str.replace(" +", " ", regex=True).str.strip()
    return joined.mask(joined.eq(""))


def standardise_cities(values: pd.Series) -> pd.Series:
    """City for comparison: folded, lower, 'St.'/'Ste' spelled 'saint'/'sainte', 'Mt' 'mount'."""

    def compute(uniques: pd.Series) -> pd.DataFrame:
        text = address_text(uniques).str.replace("#", "", regex=False).str.strip()
        text = text.str.replace(r"\bste\b", "sainte", regex=True)
        text = text.str.replace(r"\bst\b", "saint", regex=True)
        text = text.str.replace(r"\bmt\b", "mount", regex=True)
        return pd.DataFrame({"city_std": text.mask(text.eq(""))})

    return map_unique(values, compute)["city_std"]


# Keying and OCR confusions, used only where a letter or a digit is impossible.
_AS_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
_AS_DIGIT = {"O": "0", "I": "1", "L": "1", "S": "5", "Z": "2", "G": "6", "B": "8"}


def _repair_postal(compact: pd.Series) -> pd.Series:
    """'83H 4R2' -> 'B3H4R2': swap look-alike characters into the letter-digit pattern."""
    fixed = []
    for position in range(6):
        table = _AS_LETTER if position % 2 == 0 else _AS_DIGIT
        char = compact.str.slice(position, position + 1)
        fixed.append(char.map(lambda c, table=table: table.get(c, c)).astype("string"))
    return fixed[0].str.cat(fixed[1:]).where(compact.str.len().eq(6))


def standardise_postal_codes(values: pd.Series) -> pd.DataFrame:
    """`postal_code_std` in Canada Post form 'B3H 4R2' and `fsa` 'B3H'; invalid -> <NA>.

    A six-character code that fails only because of a look-alike character in the wrong
    place ('83H 4R2', 'B3H 4RZ') is repaired when the repair gives a valid code.
    """

    def compute(uniques: pd.Series) -> pd.DataFrame:
        compact = uniques.astype("string").str.upper().str.replace("[^A-Z0-9]", "", regex=True)
        parts = regex_extract(compact, _POSTAL)
        broken = (parts["fsa"].isna() & compact.str.len().eq(6)).fillna(False).astype(bool)
        if broken.any():
            repaired = regex_extract(_repair_postal(compact[broken]), _POSTAL)
            parts.loc[broken, "fsa"] = repaired["fsa"]
            parts.loc[broken, "ldu"] = repaired["ldu"]
        return pd.DataFrame(
            {
                "postal_code_std": (parts["fsa"] + " " + parts["ldu"]).astype("string"),
                "fsa": parts["fsa"].astype("string"),
            }
        )

    return map_unique(values, compute)


def standardise_provinces(values: pd.Series) -> pd.Series:
    """Two-letter code from codes, old codes (NF, PQ) and names in English or French."""
    provinces = vocabulary().provinces

    def compute(uniques: pd.Series) -> pd.DataFrame:
        key = address_text(uniques).str.replace(" ", "", regex=False)
        return pd.DataFrame({"province_std": key.map(provinces).astype("string")})

    return map_unique(values, compute)["province_std"]
