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
    """Fill legal_name, name_en, name_fr, trade_name, trade_name2, form_fr, surname_named.

    Each business type's names are built on that type's rows only, which keeps the temporary
    string columns small (memory at a million businesses).
    """
    n = len(cols["btype"])
    btype, french, bilingual = cols["btype"], cols["french"], cols["bilingual"]
    trade_en = np.asarray([t[0] for t in vocab.TRADES], dtype=S)
    trade_fr = np.asarray([t[1] for t in vocab.TRADES], dtype=S)
    desc_en = np.asarray(vocab.DESCRIPTORS_EN, dtype=S)
    desc_fr = np.asarray(vocab.DESCRIPTORS_FR, dtype=S)
    d_en = rng.integers(0, len(desc_en), n)
    d_fr = rng.integers(0, len(desc_fr), n)
    form = rng.integers(0, len(vocab.FORMS_EN), n)
    form_fr_i = rng.integers(0, len(vocab.FORMS_FR), n)
    surname_named = rng.random(n) < 0.5
    style = rng.integers(0, 1 << 30, n)  # pattern choice for societies, co-ops, sole props
    name_en = np.full(n, "", dtype=S)
    name_fr = np.full(n, "", dtype=S)

    def part(key: str, rows: np.ndarray) -> np.ndarray:
        return cols[key][rows]

    rows = np.flatnonzero(btype == CORP)
    sur, te, tf = part("surname", rows), trade_en[cols["trade"][rows]], trade_fr[
        cols["trade"][rows]]
    by_name = surname_named[rows]
    base_en = np.where(by_name, sur, desc_en[d_en[rows]]) + " " + te
    base_fr = tf + " " + np.where(by_name, sur, desc_fr[d_fr[rows]])
    franchise = cols["franchise"][rows]
    base_en = np.where(franchise, sur + " Enterprises", base_en)
    base_fr = np.where(franchise, "Entreprises " + sur, base_fr)
    num_en, num_fr = numbered_names(cols, rng)
    numbered = cols["numbered"][rows]
    name_en[rows] = np.where(numbered, num_en[rows],
                             base_en + " " + np.asarray(vocab.FORMS_EN, dtype=S)[form[rows]])
    name_fr[rows] = np.where(numbered, num_fr[rows],
                             base_fr + " " + np.asarray(vocab.FORMS_FR, dtype=S)[form_fr_i[rows]])

    rows = np.flatnonzero(btype == SOCIETY)
    city = part("site_city", rows)
    for patterns, out in ((vocab.SOCIETY_PATTERNS_EN, name_en), (vocab.SOCIETY_PATTERNS_FR,
                                                                   name_fr)):
        before = np.asarray([p.split("{place}")[0] for p in patterns], dtype=S)
        after = np.asarray([p.split("{place}")[1] for p in patterns], dtype=S)
        pick = style[rows] % len(patterns)
        out[rows] = before[pick] + city + after[pick]

    rows = np.flatnonzero(btype == COOP)
    city, trade = part("site_city", rows), cols["trade"][rows]
    with_trade = style[rows] % 2 == 0
    name_en[rows] = city + " " + np.where(with_trade, trade_en[trade] + " ", "") \
        + "Co-operative Limited"
    name_fr[rows] = "Coopérative " + np.where(with_trade, trade_fr[trade] + " ", "") + "de " \
        + city + " Limitée"

    rows = np.flatnonzero(btype == PARTNERSHIP)
    sur, sur2, trade = part("surname", rows), part("surname2", rows), cols["trade"][rows]
    name_en[rows] = sur + " & " + sur2 + " " + trade_en[trade]
    name_fr[rows] = trade_fr[trade] + " " + sur + " et " + sur2 + " S.E.N.C."

    rows = np.flatnonzero(btype == SOLE)
    sur, given, trade = part("surname", rows), part("given", rows), cols["trade"][rows]
    kind = style[rows] % 3
    possessive = np.where(np.strings.endswith(sur, "s"), sur + "'", sur + "'s")
    lead = np.where(kind == 0, possessive, np.where(kind == 1, given + " " + sur,
                                                    desc_en[d_en[rows]]))
    name_en[rows] = lead + " " + trade_en[trade]
    name_fr[rows] = trade_fr[trade] + " " + np.where(kind == 2, desc_fr[d_fr[rows]], given)

    sole = btype == SOLE
    primary = np.where(french, name_fr, name_en)
    cols["name_en"] = np.where(~french | bilingual, name_en, name_fr)  # in English contexts
    cols["name_fr"] = np.where(french | bilingual, name_fr, name_en)  # in French contexts
    cols["legal_name"] = np.where(sole, cols["owner_name"], primary)

    # Trade names: the brand for franchisees, the business name for sole proprietors,
    # an extra descriptive name for some corporations.
    trade_name = np.where(sole, primary, "").astype(S)
    rows = np.flatnonzero((btype == CORP) & ((rng.random(n) < 0.3) | cols["numbered"]))
    trade = cols["trade"][rows]
    trade_name[rows] = np.where(french[rows], trade_fr[trade] + " " + desc_fr[d_fr[rows]],
                                desc_en[d_en[rows]] + " " + trade_en[trade])
    franchise = np.flatnonzero(cols["franchise"])
    trade_name[franchise] = cols["brand"][franchise]
    cols["trade_name"] = trade_name
    trade_name2 = np.full(n, "", dtype=S)
    rows = np.flatnonzero(((btype == CORP) | sole) & (rng.random(n) < 0.08) & ~cols["franchise"])
    sur, trade = cols["surname"][rows], cols["trade"][rows]
    trade_name2[rows] = np.where(french[rows], trade_fr[trade] + " " + sur,
                                 sur + " " + trade_en[trade] + " Services")
    cols["trade_name2"] = trade_name2
    cols["surname_named"] = surname_named & (btype == CORP) & ~cols["numbered"] \
        & ~cols["franchise"]

    # Legal form as a French-language clerk writes it (the French equivalent of an English form).
    form_fr = np.asarray(["OBNL", "Coopérative", "S.E.N.C.", "Entreprise individuelle"],
                         dtype=S)[np.clip(btype - 1, 0, 3)]
    rows = np.flatnonzero(btype == CORP)
    as_fr = np.asarray([vocab.FORM_IN_FRENCH[f] for f in vocab.FORMS_EN], dtype=S)[form[rows]]
    own_fr = np.asarray(vocab.FORMS_FR, dtype=S)[form_fr_i[rows]]
    numbered_form = np.where(cols["site_prov"][rows] == "QC", "inc.", "Limitée")
    form_fr[rows] = np.where(cols["numbered"][rows], numbered_form,
                             np.where(french[rows] | bilingual[rows], own_fr, as_fr))
    cols["form_fr"] = form_fr
