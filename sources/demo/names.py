"""Business names for the demo population: legal names in English and French, trade names.

Each business gets `name_en` and `name_fr` (the same name in the other language, as a bilingual
business registers it), a `legal_name` (the one it is incorporated under), `trade_name` and
sometimes `trade_name2`. Built by whole-column string concatenation (numpy StringDType).
"""

import numpy as np
from numpy.dtypes import StringDType

from sources.demo import vocab

S = StringDType()
CORP, SOCIETY, COOP, PARTNERSHIP, SOLE = 0, 1, 2, 3, 4


def _pick(rng: np.random.Generator, words: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(words, dtype=S)[rng.integers(0, len(words), n)]


def numbered_names(cols: dict[str, np.ndarray], rng: np.random.Generator) -> tuple[
        np.ndarray, np.ndarray]:
    """Numbered company names as each jurisdiction writes them (English, French)."""
    n = len(cols["btype"])
    rid = cols["registry_id"].astype(S)
    prov = cols["site_prov"]
    neq = rng.integers(9000_0000, 9999_9999, n).astype(S)
    quebec = np.strings.slice(neq, 0, 4) + "-" + np.strings.slice(neq, 4, 8) + " Québec inc."
    en = np.where(prov == "NS", rid + " Nova Scotia Limited",
                  np.where(prov == "NB", rid + " N.B. Ltd.", rid + " Canada Inc."))
    fr = np.where(prov == "NS", rid + " Nova Scotia Limitée",
                  np.where(prov == "NB", rid + " N.-B. Ltée", rid + " Canada Inc."))
    return np.where(prov == "QC", quebec, en), np.where(prov == "QC", quebec, fr)


def build_names(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> None:
    """Fill legal_name, name_en, name_fr, trade_name, trade_name2, form_fr, surname_named."""
    n = len(cols["btype"])
    btype, french = cols["btype"], cols["french"]
    trades = vocab.TRADES
    trade_en = np.asarray([t[0] for t in trades], dtype=S)[cols["trade"]]
    trade_fr = np.asarray([t[1] for t in trades], dtype=S)[cols["trade"]]
    sur, sur2, given = cols["surname"], cols["surname2"], cols["given"]
    desc_en = _pick(rng, vocab.DESCRIPTORS_EN, n)
    desc_fr = _pick(rng, vocab.DESCRIPTORS_FR, n)
    form = rng.integers(0, len(vocab.FORMS_EN), n)
    form_en = np.asarray(vocab.FORMS_EN, dtype=S)[form]
    form_fr = np.asarray(vocab.FORMS_FR, dtype=S)[rng.integers(0, len(vocab.FORMS_FR), n)]
    # The French equivalent a French-language clerk writes for an English form.
    form_en_as_fr = np.asarray([vocab.FORM_IN_FRENCH[f] for f in vocab.FORMS_EN], dtype=S)[form]
    city = cols["site_city"]

    surname_named = rng.random(n) < 0.5
    base_en = np.where(surname_named, sur + " " + trade_en, desc_en + " " + trade_en)
    base_fr = np.where(surname_named, trade_fr + " " + sur, trade_fr + " " + desc_fr)
    base_en = np.where(cols["franchise"], sur + " Enterprises", base_en)
    base_fr = np.where(cols["franchise"], "Entreprises " + sur, base_fr)
    corp_en, corp_fr = base_en + " " + form_en, base_fr + " " + form_fr
    num_en, num_fr = numbered_names(cols, rng)
    corp_en = np.where(cols["numbered"], num_en, corp_en)
    corp_fr = np.where(cols["numbered"], num_fr, corp_fr)

    soc = rng.integers(0, 1 << 30, n)
    soc_en = np.full(n, "", dtype=S)
    for i, pattern in enumerate(vocab.SOCIETY_PATTERNS_EN):
        before, after = pattern.split("{place}")
        chosen = soc % len(vocab.SOCIETY_PATTERNS_EN) == i
        soc_en = np.where(chosen, before + city + after, soc_en)
    soc_fr = np.full(n, "", dtype=S)
    for i, pattern in enumerate(vocab.SOCIETY_PATTERNS_FR):
        before, after = pattern.split("{place}")
        chosen = soc % len(vocab.SOCIETY_PATTERNS_FR) == i
        soc_fr = np.where(chosen, before + city + after, soc_fr)

    coop_trade = rng.random(n) < 0.5
    coop_en = city + " " + np.where(coop_trade, trade_en + " ", "") + "Co-operative Limited"
    coop_fr = "Coopérative " + np.where(coop_trade, trade_fr + " ", "") + "de " + city + " Limitée"
    part_en = sur + " & " + sur2 + " " + trade_en
    part_fr = trade_fr + " " + sur + " et " + sur2 + " S.E.N.C."
    sole_style = rng.integers(0, 3, n)
    possessive = np.where(np.strings.endswith(sur, "s"), sur + "' ", sur + "'s ")
    sole_en = np.where(sole_style == 0, possessive + trade_en,
                       np.where(sole_style == 1, given + " " + sur + " " + trade_en,
                                desc_en + " " + trade_en))
    sole_fr = np.where(sole_style == 2, trade_fr + " " + desc_fr, trade_fr + " " + given)

    name_en = np.select([btype == CORP, btype == SOCIETY, btype == COOP, btype == PARTNERSHIP],
                        [corp_en, soc_en, coop_en, part_en], sole_en)
    name_fr = np.select([btype == CORP, btype == SOCIETY, btype == COOP, btype == PARTNERSHIP],
                        [corp_fr, soc_fr, coop_fr, part_fr], sole_fr)
    bilingual = cols["bilingual"]
    cols["name_en"] = np.where(~french | bilingual, name_en, name_fr)  # in English contexts
    cols["name_fr"] = np.where(french | bilingual, name_fr, name_en)  # in French contexts
    sole = btype == SOLE
    cols["legal_name"] = np.where(sole, cols["owner_name"], np.where(french, name_fr, name_en))

    # Trade names: the brand for franchisees, the business name for sole proprietors,
    # an extra descriptive name for some corporations.
    other_en = desc_en + " " + trade_en
    other_fr = trade_fr + " " + desc_fr
    other = np.where(french, other_fr, other_en)
    trade = np.where(sole, np.where(french, sole_fr, sole_en), "")
    has_trade = (btype == CORP) & ((rng.random(n) < 0.3) | cols["numbered"])
    trade = np.where(has_trade, other, trade)
    trade = np.where(cols["franchise"], cols["brand"], trade)
    cols["trade_name"] = trade
    second = ((btype == CORP) | sole) & (rng.random(n) < 0.08) & ~cols["franchise"]
    alt = np.where(french, trade_fr + " " + sur, sur + " " + trade_en + " Services")
    cols["trade_name2"] = np.where(second, alt, "")
    cols["surname_named"] = surname_named & (btype == CORP) & ~cols["numbered"] \
        & ~cols["franchise"]
    cols["form_fr"] = np.select(
        [btype == CORP, btype == SOCIETY, btype == COOP, btype == PARTNERSHIP],
        [np.where(cols["numbered"], np.where(cols["site_prov"] == "QC", "inc.", "Limitée"),
                  np.where(french | bilingual, form_fr, form_en_as_fr)),
         np.full(n, "OBNL", dtype=S), np.full(n, "Coopérative", dtype=S),
         np.full(n, "S.E.N.C.", dtype=S)],
        np.full(n, "Entreprise individuelle", dtype=S))
