"""The one shared population of businesses that every demo register describes.

Everything is a column (a numpy array, strings in StringDType) drawn vectorised from the
vocabularies, so that a million businesses cost seconds, not a Python object per business.
The traps a matcher must fear (shared offices, holding/operating pairs, consecutive numbered
companies, franchise chains, moves) are built into the population itself; the registers then
add each ministry's own habits and errors on top (see registers.py and noise.py).
"""

import numpy as np
from numpy.dtypes import StringDType

from sources.demo import vocab
from sources.demo.names import build_names

S = StringDType()
Columns = dict[str, np.ndarray]

# Business type codes, in the order of canonical.schema.BUSINESS_TYPES.
CORP, SOCIETY, COOP, PARTNERSHIP, SOLE = 0, 1, 2, 3, 4
TYPE_SHARES = np.array([0.58, 0.07, 0.03, 0.08, 0.24])

LDU_LETTERS = np.array(list("ABCEGHJKLMNPRSTVWXYZ"), dtype=S)
DIGITS = np.array(list("0123456789"), dtype=S)


def strs(values: object) -> np.ndarray:
    return np.asarray(values, dtype=S)


def luhn_check_digits(payload: np.ndarray) -> np.ndarray:
    """Luhn check digits for an (n, k) array of digits, as stdnum.luhn.calc_check_digit does."""
    digits = payload[:, ::-1].astype(np.int64)
    doubled = digits[:, 0::2] * 2
    doubled = doubled // 10 + doubled % 10
    total = doubled.sum(axis=1) + digits[:, 1::2].sum(axis=1)
    return (10 - total % 10) % 10


def valid_bn9(rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` distinct valid Business Number roots (8 random digits + Luhn check digit)."""
    roots = rng.choice(90_000_000, size=count, replace=False) + 10_000_000
    payload = (roots[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    return (roots * 10 + luhn_check_digits(payload)).astype(S)


def postal_codes(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """A postal code in one of the place's forward sortation areas."""
    fsas = [p[3].split() for p in vocab.PLACES]
    counts = np.array([len(f) for f in fsas])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = strs([f for group in fsas for f in group])
    fsa = flat[offsets[place] + (rng.random(len(place)) * counts[place]).astype(int)]
    n = len(place)
    ldu = (DIGITS[rng.integers(0, 10, n)] + LDU_LETTERS[rng.integers(0, 20, n)]
           + DIGITS[rng.integers(0, 10, n)])
    return fsa + " " + ldu


def street_lines(rng: np.random.Generator, french: np.ndarray) -> np.ndarray:
    """Civic number and street; French-speaking places mostly have French street names."""
    n = len(french)
    civic = np.minimum(rng.lognormal(5.0, 1.3, n).astype(int) + 1, 19999).astype(S)
    english = (strs(vocab.STREETS_EN)[rng.integers(0, len(vocab.STREETS_EN), n)] + " "
               + strs(vocab.STREET_TYPES_EN)[rng.integers(0, len(vocab.STREET_TYPES_EN), n)])
    french_street = strs(vocab.STREETS_FR)[rng.integers(0, len(vocab.STREETS_FR), n)]
    use_fr = french & (rng.random(n) < 0.7)
    return civic + " " + np.where(use_fr, french_street, english)


def _places(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = np.array([p[2] for p in vocab.PLACES])
    return rng.choice(len(vocab.PLACES), size=n, p=weights / weights.sum())


def _address(rng: np.random.Generator, n: int, prefix: str, cols: Columns) -> None:
    place = _places(rng, n)
    french = np.array([p[5] for p in vocab.PLACES])[place]
    cols[f"{prefix}_place"] = place
    cols[f"{prefix}_line"] = street_lines(rng, french)
    cols[f"{prefix}_city"] = strs([p[0] for p in vocab.PLACES])[place]
    cols[f"{prefix}_prov"] = strs([p[1] for p in vocab.PLACES])[place]
    cols[f"{prefix}_postal"] = postal_codes(rng, place)


def _copy(cols: Columns, target: np.ndarray, source: np.ndarray, keys: list[str]) -> None:
    for key in keys:
        cols[key][target] = cols[key][source]


ADDRESS_PARTS = ("line", "city", "prov", "postal")


def _registry_ids(rng: np.random.Generator, cols: Columns) -> None:
    """7-digit registry ids in order of registration, with batches of consecutive numbers.

    Numbered companies take their registry id as their name, so a law firm that incorporates
    three numbered companies on one day yields 3012345, 3012346 and 3012347 Nova Scotia
    Limited at one registered office: different businesses with near-identical names.
    """
    n = len(cols["btype"])
    numbered = np.flatnonzero(cols["numbered"])
    batched = rng.permutation(numbered)[: len(numbered) // 2]
    batched = batched[: len(batched) - len(batched) % 3]
    leader = np.arange(n)
    leader[batched] = np.repeat(batched[0::3], 3)
    cols["reg_date"][batched] = cols["reg_date"][leader[batched]]
    office = rng.integers(0, len(vocab.SHARED_OFFICES), n)
    cols["shared_office"][batched] = True
    cols["office_idx"][batched] = office[leader[batched]]
    order = np.lexsort((np.arange(n), leader, cols["reg_date"]))
    max_gap = int(np.clip(6_000_000 // max(n, 1), 2, 60))
    gaps = np.where(rng.random(n) < 0.4, 1, rng.integers(2, max_gap + 1, n))
    same_batch = np.concatenate([[False], leader[order][1:] == leader[order][:-1]])
    gaps[same_batch] = 1
    ids = np.empty(n, dtype=np.int64)
    ids[order] = 3_000_000 + np.cumsum(gaps)
    cols["registry_id"] = ids


def build_population(rng: np.random.Generator, n: int) -> Columns:
    """Draw `n` businesses; returns a dict of equally long columns (see module doc)."""
    cols: Columns = {"business_id": np.strings.add("B", np.strings.zfill(
        (np.arange(n) + 1).astype(S), 7))}
    btype = rng.choice(5, size=n, p=TYPE_SHARES)
    cols["btype"] = btype
    _address(rng, n, "site", cols)
    french = np.array([p[5] for p in vocab.PLACES])[cols["site_place"]]
    cols["french"] = french & (rng.random(n) < 0.85)
    cols["bilingual"] = (cols["french"] & (rng.random(n) < 0.45)) | (rng.random(n) < 0.04)
    cols["trade"] = rng.integers(0, len(vocab.TRADES), n)
    corp = btype == CORP
    cols["holding"] = corp & (rng.random(n) < 0.05)
    cols["franchise"] = corp & ~cols["holding"] & (rng.random(n) < 0.035)
    cols["numbered"] = corp & ~cols["holding"] & (
        (rng.random(n) < 0.10) | (cols["franchise"] & (rng.random(n) < 0.6)))
    brand = rng.integers(0, len(vocab.BRANDS), n)
    cols["brand"] = np.where(cols["franchise"], strs(vocab.BRANDS)[brand], "")
    brand_trade = np.array([vocab.BRAND_TRADE[b] for b in vocab.BRANDS])[brand]
    cols["trade"] = np.where(cols["franchise"], brand_trade, cols["trade"])

    days = (np.datetime64("2025-06-30") - np.datetime64("1975-01-01")).astype(int)
    cols["reg_date"] = np.datetime64("1975-01-01") + (
        days * rng.power(2.5, n)).astype("timedelta64[D]")
    cols["shared_office"] = corp & (rng.random(n) < 0.30)
    office_weights = 1.0 / np.arange(1, len(vocab.SHARED_OFFICES) + 1)
    cols["office_idx"] = rng.choice(
        len(vocab.SHARED_OFFICES), size=n, p=office_weights / office_weights.sum())
    _registry_ids(rng, cols)

    # People: owners of sole proprietorships and partnerships, and name-giving founders.
    acadian = cols["french"] | (rng.random(n) < 0.08)
    sur_en, sur_fr = strs(vocab.SURNAMES_EN), strs(vocab.SURNAMES_ACADIAN)
    cols["surname"] = np.where(acadian, sur_fr[rng.integers(0, len(sur_fr), n)],
                               sur_en[rng.integers(0, len(sur_en), n)])
    cols["surname2"] = np.where(rng.random(n) < 0.5, sur_fr[rng.integers(0, len(sur_fr), n)],
                                sur_en[rng.integers(0, len(sur_en), n)])
    giv_en, giv_fr = strs(vocab.GIVEN_NAMES_EN), strs(vocab.GIVEN_NAMES_FR)
    cols["given"] = np.where(cols["french"], giv_fr[rng.integers(0, len(giv_fr), n)],
                             giv_en[rng.integers(0, len(giv_en), n)])
    person = (btype == SOLE) | (btype == PARTNERSHIP)
    cols["owner_name"] = np.where(person, cols["given"] + " " + cols["surname"], "")
    same_town = rng.random(n) < 0.8
    cols["owner_line"] = np.where(person, street_lines(rng, cols["french"]), "")
    cols["owner_city"] = np.where(person & same_town, cols["site_city"], "")
    home = _places(rng, n)
    cols["owner_city"] = np.where(person & ~same_town,
                                  strs([p[0] for p in vocab.PLACES])[home], cols["owner_city"])
    cols["owner_postal"] = np.where(
        person, np.where(same_town, postal_codes(rng, cols["site_place"]),
                         postal_codes(rng, home)), "")

    # Holding companies share the operating company's founder, premises and phone.
    area = strs([p[4] for p in vocab.PLACES])[cols["site_place"]]
    cols["phone"] = (area + rng.integers(200, 1000, n).astype(S)
                     + np.strings.zfill(rng.integers(0, 10000, n).astype(S), 4))
    build_names(rng, cols)
    _premises(rng, cols)
    _status_and_size(rng, cols)
    cols["bn9"] = valid_bn9(rng, n)
    bn_rate = np.array([0.9, 0.35, 0.8, 0.5, 0.4])[btype]  # every employer has one anyway
    cols["has_bn"] = rng.random(n) < bn_rate
    cols["has_bn"] |= cols["holding"] | cols["employer"]
    return cols


def _premises(rng: np.random.Generator, cols: Columns) -> None:
    """Registered office, mailing address and moves (old premises) per business."""
    n = len(cols["btype"])
    _address(rng, n, "old", cols)
    near = rng.random(n) < 0.6  # most moves stay in town
    for part in ("city", "prov", "postal"):
        cols[f"old_{part}"] = np.where(near, cols[f"site_{part}"], cols[f"old_{part}"])
    cols["moved"] = rng.random(n) < 0.08
    holding = np.flatnonzero(cols["holding"])
    cols["partner"] = np.full(n, -1)  # a holding company's operating company
    surname_named = np.flatnonzero(cols["surname_named"] & ~cols["holding"])
    if len(holding) and len(surname_named):
        partner = surname_named[rng.integers(0, len(surname_named), len(holding))]
        cols["partner"][holding] = partner
        keys = [f"{p}_{a}" for p in ("site", "old") for a in ADDRESS_PARTS]
        _copy(cols, holding, partner, [*keys, "phone", "surname", "moved", "shared_office",
                                       "office_idx", "french"])
        cols["legal_name"][holding] = (cols["surname"][holding] + " " + strs(
            vocab.HOLDING_WORDS)[rng.integers(0, len(vocab.HOLDING_WORDS), len(holding))]
            + np.where(cols["french"][holding], " Ltée", " Limited"))
        cols["name_fr"][holding] = cols["legal_name"][holding]
        cols["name_en"][holding] = cols["legal_name"][holding]
        cols["trade_name"][holding] = ""
    # Registered office and mailing address are derived when a register asks for them
    # (registers.address), not stored: four fewer string columns per kind at 1M businesses.
    cols["po_box"] = rng.random(n) < 0.15
    cols["box_no"] = rng.integers(1, 2000, n)
    cols["care_of"] = (rng.random(n) < 0.05) & (cols["btype"] == CORP)


BANDS = strs(["1-4", "5-9", "10-19", "20-49", "50-99", "100-199", "200-499", "500+"])
BAND_EDGES = np.array([5, 10, 20, 50, 100, 200, 500])


def _status_and_size(rng: np.random.Generator, cols: Columns) -> None:
    """Active or not, status dates, employer or not and the employee band."""
    n = len(cols["btype"])
    cols["active"] = rng.random(n) < 0.86
    span = (np.datetime64("2025-09-30") - cols["reg_date"]).astype(int)
    cols["status_date"] = cols["reg_date"] + (span * rng.random(n)).astype("timedelta64[D]")
    employ_p = np.array([t[4] for t in vocab.TRADES])[cols["trade"]]
    employ_p = employ_p * np.array([1.0, 0.7, 1.0, 0.8, 0.55])[cols["btype"]]
    cols["employer"] = (rng.random(n) < employ_p) & ~cols["holding"]
    size = rng.lognormal(1.4, 1.2, n).astype(int) + 1
    cols["employees"] = np.where(cols["employer"], size, 0)
    cols["band_idx"] = np.searchsorted(BAND_EDGES, cols["employees"], side="right")
