"""The entities behind the second generator's records: one row per true company.

Names are drawn without replacement from the combinatorial space of each language (stem,
surname and sector words in five patterns), so two companies never share a name core unless
they are branches of one chain, the intended exception. A few accountants' offices each
register several unrelated companies at one address (and often one phone): the other false
match to fear.
"""

from dataclasses import dataclass

import numpy as np
from numpy.dtypes import StringDType

from benchmarks.second_generator import vocab
from benchmarks.second_generator.noise import luhn_complete

S = StringDType()
CHAIN_SHARE = 0.012  # companies that are one branch of a same-brand chain
OFFICE_SHARE = 0.02  # companies registered at an accountant's office shared with others
UNIT_SHARE = 0.3  # addresses with a suite or unit number
PREFIX_SHARE = 0.3  # names carrying their language's prefix (The, Les Entreprises, Grupo)
# Name patterns: stem + sector, surname + sector, stem + stem + sector, surname & surname +
# sector, surname + stem + sector, invented brand + sector.
PATTERN_WEIGHTS = (0.04, 0.04, 0.3, 0.17, 0.2, 0.25)


@dataclass
class Population:
    """Column arrays, one entry per entity (true company)."""

    lang: np.ndarray  # index into vocab.LANGUAGES
    first: np.ndarray  # first name word(s)
    second: np.ndarray  # second name word(s), "" for one-word cores
    joiner: np.ndarray  # " " or " & "
    sector: np.ndarray
    prefix: np.ndarray  # "" or the language's prefix
    form_family: np.ndarray  # index into FAMILIES
    form_variant: np.ndarray  # the entity's usual variant of its legal form
    chain: np.ndarray  # chain id, -1 if none
    office: np.ndarray  # office id, -1 if none
    number: np.ndarray  # street number
    street: np.ndarray  # street name
    street_type: np.ndarray  # index into vocab.STREET_TYPES
    unit: np.ndarray  # suite number, 0 if none
    city: np.ndarray  # index into vocab.CITIES
    postal: np.ndarray  # "A1A 1A1"
    phone: np.ndarray  # ten digits
    bn: np.ndarray  # nine-digit Business Number root (Luhn-valid)

    def __len__(self) -> int:
        return len(self.lang)


LANG_NAMES = tuple(vocab.LANGUAGES)
FAMILIES = tuple(vocab.LEGAL_FORMS)
STREETS = np.asarray(vocab.STREETS, dtype=S)
CITY_LETTER = np.array([c[1] for c in vocab.CITIES])


def _coined_words() -> np.ndarray:
    """Invented brand words (Zenora, Corvex, Dynalink...): the long tail of real names."""
    start, middle, end = (np.asarray(x, dtype=S) for x in
                          (vocab.COINED_START, vocab.COINED_MIDDLE, vocab.COINED_END))
    return np.unique((start[:, None, None] + middle[None, :, None] + end[None, None, :]).ravel())


COINED = _coined_words()


def _space_sizes() -> np.ndarray:
    """Number of distinct name cores per (language, pattern)."""
    sizes = []
    for stems, surnames, sectors, _, _ in vocab.LANGUAGES.values():
        s, f, t = len(stems), len(surnames), len(sectors)
        sizes.append([s * t, f * t, s * (s - 1) * t, f * (f - 1) * t, f * s * t,
                      len(COINED) * t])
    return np.array(sizes, np.int64)


ROOM = 0.8  # never draw more than this share of one pattern's names
CAPACITY = int(_space_sizes().sum() * ROOM)


def _cell_counts(n: int) -> np.ndarray:
    """Names to draw per (language, pattern): languages equal, patterns by PATTERN_WEIGHTS,
    a pattern with too few names giving its surplus to the others in proportion to room."""
    room = _space_sizes() * ROOM
    desired = n / len(LANG_NAMES) * np.asarray(PATTERN_WEIGHTS)[None, :]
    capped = np.minimum(desired, room)
    spare = room - capped
    counts = np.floor(capped + (n - capped.sum()) * spare / spare.sum()).astype(np.int64)
    counts.flat[np.argmax(room - counts)] += n - counts.sum()
    return counts


def _decode(li: int, pat: int, offset: np.ndarray) -> dict[str, np.ndarray]:
    """Offsets inside one (language, pattern) space -> the words of each name core."""
    stems, surnames, sectors, _, _ = vocab.LANGUAGES[LANG_NAMES[li]]
    st, su, se = (np.asarray(x, dtype=S) for x in (stems, surnames, sectors))
    n = len(offset)
    empty = np.full(n, "", dtype=S)
    out = {"lang": np.full(n, li, np.int64), "first": empty, "second": empty.copy(),
           "joiner": empty.copy(), "sector": se[offset % len(se)]}
    rest = offset // len(se)
    if pat in (0, 1, 5):  # one word: a stem, a surname or an invented brand
        out["first"] = (st, su, None, None, None, COINED)[pat][rest]
    elif pat in (2, 3):  # two different words of one list, in order a, b
        words = st if pat == 2 else su
        a, b = rest // (len(words) - 1), rest % (len(words) - 1)
        out["first"], out["second"] = words[a], words[(a + 1 + b) % len(words)]
        out["joiner"] = np.full(n, " " if pat == 2 else " & ", dtype=S)
    else:
        out["first"], out["second"] = su[rest // len(st)], st[rest % len(st)]
        out["joiner"] = np.full(n, " ", dtype=S)
    return out


def _unique_names(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`n` entities with pairwise different name cores, languages interleaved."""
    wanted = int(n * 1.02) + 16  # a few cores clash across languages and are dropped
    if wanted > CAPACITY:
        raise ValueError(f"the second generator can make at most {CAPACITY:,} distinct "
                         f"companies; {n:,} were asked for: ask for fewer records")
    sizes, counts = _space_sizes(), _cell_counts(wanted)
    parts = [_decode(li, pat, rng.choice(sizes[li, pat], counts[li, pat], replace=False))
             for li in range(sizes.shape[0]) for pat in range(sizes.shape[1])
             if counts[li, pat]]
    names = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = rng.permutation(len(names["lang"]))
    names = {k: v[order] for k, v in names.items()}
    core = names["first"] + names["joiner"] + names["second"] + " " + names["sector"]
    _, first_seen = np.unique(core, return_index=True)
    keep = np.sort(first_seen)[:n]
    if len(keep) < n:
        raise ValueError(f"only {len(keep):,} distinct company names for {n:,} companies")
    return {k: v[keep] for k, v in names.items()}


def _groups(n: int, share: float, sizes: tuple[int, int], rng: np.random.Generator
            ) -> np.ndarray:
    """Group id per entity (-1 for most): about `share` of entities in groups of `sizes`."""
    members = rng.permutation(n)[: int(n * share)]
    group_sizes = rng.integers(sizes[0], sizes[1] + 1, max(1, len(members) // sizes[0]))
    label = np.repeat(np.arange(len(group_sizes)), group_sizes)[: len(members)]
    out = np.full(n, -1, np.int64)
    out[members] = label
    # a group of one is no group
    alone = np.bincount(label, minlength=len(group_sizes))[label] < 2
    out[members[alone]] = -1
    return out


def postal_codes(city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Canadian-shaped postal codes in each city's province: A1A 1A1."""
    letters = np.array(list(vocab.POSTAL_LETTERS))
    n = len(city)
    digit = rng.integers(0, 10, (n, 2)).astype(str)
    letter = letters[rng.integers(0, len(letters), (n, 2))]
    last = rng.integers(0, 10, n).astype(str)
    return (_s(CITY_LETTER[city]) + _s(digit[:, 0]) + _s(letter[:, 0]) + " "
            + _s(digit[:, 1]) + _s(letter[:, 1]) + _s(last))


def street_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """House numbers, small ones more common (1 .. 9999)."""
    return np.minimum(9999, 1 + np.floor(np.exp(rng.random(n) * np.log(9999)))).astype(np.int64)


def cities(n: int, rng: np.random.Generator) -> np.ndarray:
    """City index per entity, weighted by rank (Toronto first)."""
    weight = 1.0 / np.arange(1, len(vocab.CITIES) + 1) ** 0.9
    return rng.choice(len(vocab.CITIES), n, p=weight / weight.sum())


def build_population(n: int, rng: np.random.Generator) -> Population:
    """`n` companies with unique names (chains excepted), addresses, phones and BNs."""
    names = _unique_names(n, rng)
    lang = names["lang"]
    prefix = np.full(n, "", dtype=S)
    family = np.zeros(n, np.int64)
    for li, code in enumerate(LANG_NAMES):
        rows = np.flatnonzero(lang == li)
        options = vocab.LANGUAGES[code][4]
        if options:
            has = rows[rng.random(len(rows)) < PREFIX_SHARE]
            prefix[has] = np.asarray(options, dtype=S)[rng.integers(0, len(options), len(has))]
        fams, probs = zip(*vocab.FORM_WEIGHTS[code], strict=True)
        codes = np.asarray([FAMILIES.index(f) for f in fams])
        family[rows] = codes[rng.choice(len(fams), len(rows), p=probs)]
    n_variants = np.array([len(vocab.LEGAL_FORMS[f]) for f in FAMILIES])
    variant = (rng.random(n) * n_variants[family]).astype(np.int64)

    chain = _groups(n, CHAIN_SHARE, (2, 12), rng)
    office = _groups(n, OFFICE_SHARE, (2, 14), rng)
    office[chain >= 0] = -1  # a chain branch keeps its own premises
    # chain branches take the brand of their chain's first branch
    in_chain = np.flatnonzero(chain >= 0)
    head = _first_member(chain)[chain[in_chain]]
    core = {"lang": lang, "first": names["first"], "second": names["second"],
            "joiner": names["joiner"], "sector": names["sector"], "prefix": prefix}
    for column in core.values():
        column[in_chain] = column[head]
    family[in_chain], variant[in_chain] = family[head], variant[head]

    city = cities(n, rng)
    number = street_numbers(n, rng)
    street = STREETS[rng.integers(0, len(STREETS), n)]
    street_type = rng.choice(len(vocab.STREET_TYPES), n, p=vocab.STREET_TYPE_WEIGHTS)
    unit = np.where(rng.random(n) < UNIT_SHARE, rng.integers(1, 30, n) * 100
                    + rng.integers(0, 20, n), 0)
    postal = postal_codes(city, rng)
    area = np.array([c[2][0] for c in vocab.CITIES])
    second_area = np.array([c[2][-1] for c in vocab.CITIES])
    use_second = rng.random(n) < 0.3
    lines = rng.choice(8_000_000, n, replace=False) + 2_000_000  # unique 7-digit numbers
    bn = np.asarray(luhn_complete(rng.choice(90_000_000, n, replace=False) + 10_000_000)
                    .astype(str), dtype=S)

    # offices: every member at the office's address; half use the office's phone
    members = np.flatnonzero(office >= 0)
    host = _first_member(office)[office[members]]
    number[members], street[members] = number[host], street[host]
    street_type[members], city[members], postal[members] = (street_type[host], city[host],
                                                           postal[host])
    unit[members] = np.where(unit[host] > 0, unit[host], 100)  # offices are suites
    phone = _s(np.where(use_second, second_area[city], area[city])) + _s(lines.astype(str))
    same_phone = rng.random(len(members)) < 0.5
    phone[members[same_phone]] = phone[host[same_phone]]

    return Population(
        lang=lang, first=_s(core["first"]), second=_s(core["second"]),
        joiner=_s(core["joiner"]), sector=_s(core["sector"]), prefix=_s(core["prefix"]),
        form_family=family, form_variant=variant, chain=chain, office=office, number=number,
        street=street, street_type=street_type, unit=unit, city=city, postal=postal,
        phone=phone, bn=bn,
    )


def _first_member(group: np.ndarray) -> np.ndarray:
    """Group id -> its first member's position (groups are labelled 0..k-1, -1 = none)."""
    members = np.flatnonzero(group >= 0)
    first = np.full(int(group.max()) + 1 if len(members) else 0, -1, np.int64)
    first[group[members][::-1]] = members[::-1]  # the last write, the first member, wins
    return first


def _s(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=S)
