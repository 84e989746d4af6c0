"""The revenue (tax registrants) and permits (French-language) registers.

Revenue writes one line per program account, as Business Number extracts do: a registrant with
GST/HST, payroll and corporate income tax accounts has three lines under one BN9, each keyed by
its BN15 (BN9 + program + reference). Permits write one row per permit, so a business with
several permits or sites has several rows.
"""

import numpy as np

from sources.demo import noise
from sources.demo.population import CORP, SOLE, Columns, S, street_lines, strs, valid_bn9
from sources.demo.registers import (
    Register,
    address,
    covered,
    field_defects,
    finish,
    iso,
    name_noise,
    with_duplicates,
)
from sources.demo.vocab import TRADES


def build_revenue(rng: np.random.Generator, pop: Columns) -> Register:
    """Tax registrants: BN15 per program account (RT, RP, RC), legal name, mailing address."""
    p = np.where(pop["has_bn"], 0.98, 0.0)
    rows, dup = with_duplicates(rng, covered(rng, pop, p), 0.005)
    n = len(rows)
    bt = pop["btype"][rows]
    bn9 = pop["bn9"][rows].copy()
    bn9[dup] = fresh_bn9(rng, int(dup.sum()), pop["bn9"])  # a second BN for the same business
    sole = bt == SOLE
    legal = np.where(sole, np.where(rng.random(n) < 0.5,
                                    np.strings.upper(pop["surname"][rows] + ", "
                                                     + pop["given"][rows]),
                                    pop["owner_name"][rows]), pop["legal_name"][rows]).astype(S)
    legal = name_noise(legal, rng, typo=0.01, abbreviate=0.3)
    legal = noise.vary(legal, dup, rng)
    legal = noise.strip_accents(legal, noise.rate(rng, n, 0.25))
    trade = noise.typo(pop["trade_name"][rows], noise.rate(rng, n, 0.01), rng)
    line, city, prov, postal = address(pop, rows, "mail", rng.random(n) < 0.85)
    line = noise.typo(line, noise.rate(rng, n, 0.01), rng)
    line = noise.upper(line, noise.rate(rng, n, 0.3))
    postal = noise.blank(postal, noise.rate(rng, n, 0.005))
    active = pop["active"][rows]
    status = np.where(active, "A", np.where(rng.random(n) < 0.7, "C", "S")).astype(S)
    eff = np.maximum(pop["reg_date"][rows], np.datetime64("1992-01-01"))
    # Program accounts: GST/HST for most, payroll for employers, corporate tax for corporations.
    rt = ~dup & (rng.random(n) < 0.9) | dup
    rp = ~dup & pop["employer"][rows]
    rc = ~dup & (bt == CORP)
    rt |= ~(rt | rp | rc)
    rt2 = rt & ~dup & (rng.random(n) < 0.03)
    parts = []
    for flag, account in ((rt, "RT0001"), (rp, "RP0001"), (rc, "RC0001"), (rt2, "RT0002")):
        idx = np.flatnonzero(flag)
        parts.append((idx, np.full(len(idx), account, dtype=S)))
    line_rows = np.concatenate([p[0] for p in parts])
    accounts = np.concatenate([p[1] for p in parts]).astype(object)
    order = np.lexsort((accounts, bn9.astype(np.int64)[line_rows]))  # extract sorted by BN15
    line_rows, accounts = line_rows[order], accounts[order]
    date = eff[line_rows] + rng.integers(0, 60, len(line_rows)).astype("timedelta64[D]")
    per_registrant = {  # gathered as objects: one registrant's values repeat on each line
        "legal_name": legal, "operating_name": trade, "mailing_address": line, "city": city,
        "province": prov, "postal_code": postal, "account_status": status,
    }
    field_defects(per_registrant, rng, "postal_code", "province")
    cols = {"bn": bn9.astype(object)[line_rows] + accounts, "program_account": accounts}
    for name, values in per_registrant.items():
        cols[name] = values.astype(object)[line_rows]
    cols["effective_date"] = np.strings.replace(iso(date), "-", "").astype(object)
    return finish("revenue", cols, ["bn"], pop, rows[line_rows], rng)


def fresh_bn9(rng: np.random.Generator, count: int, taken: np.ndarray) -> np.ndarray:
    """`count` distinct valid BN9s that no business in `taken` already has."""
    while True:
        candidates = valid_bn9(rng, 2 * count + 16)
        clash = np.isin(candidates.astype(np.int64), taken.astype(np.int64))
        candidates = candidates[~clash]
        if len(candidates) >= count:
            return candidates[:count]


PERMIT_STATUS = ("Actif", "Expiré", "Suspendu", "Révoqué")


def build_permits(rng: np.random.Generator, pop: Columns) -> Register:
    """Permits and licences: French headers, one row per permit, site addresses, dd/mm/yyyy."""
    p = np.where(pop["holding"], 0.0, np.where(pop["active"], 0.32, 0.12))
    base = covered(rng, pop, p)
    extra = rng.random(len(base))
    copies = 1 + (extra < 0.2).astype(int) + (extra < 0.05).astype(int)
    rows = np.repeat(base, copies)
    repeat = np.concatenate([[False], rows[1:] == rows[:-1]])  # 2nd/3rd permit of a business
    index, dup = with_duplicates(rng, np.arange(len(rows)), 0.015)
    rows, repeat = rows[index], repeat[index]
    n = len(rows)
    bt = pop["btype"][rows]
    trade_idx = pop["trade"][rows]
    other_site = repeat & (rng.random(n) < 0.6)
    ptype = np.asarray([t[3] for t in TRADES], dtype=S)[trade_idx]
    ptype = np.where(other_site & (rng.random(n) < 0.5), "Permis de travaux", ptype).astype(S)
    year = 2005 + (rng.random(n) ** 0.6 * 20).astype(int)
    number = (np.strings.zfill((trade_idx + 1).astype(S), 2))
    serial = np.strings.zfill((rng.permutation(n) + 1).astype(S), 7)
    permit_no = "P" + number + "-" + year.astype(S) + "-" + serial
    sole = bt == SOLE
    name = np.where(sole, pop["trade_name"][rows], pop["name_fr"][rows]).astype(S)
    name = name_noise(name, rng, typo=0.02, ocr=0.03, abbreviate=0.1, expand=0.05)
    name = noise.vary(name, dup, rng)
    name = noise.strip_accents(name, noise.rate(rng, n, 0.1))
    name = noise.add_accent(name, noise.rate(rng, n, 0.03))
    name = noise.upper(name, noise.rate(rng, n, 0.05))
    name = noise.lower(name, noise.rate(rng, n, 0.02))
    trade = noise.ocr(pop["trade_name"][rows], noise.rate(rng, n, 0.02), rng)
    line, city, prov, postal = address(pop, rows, "site", rng.random(n) < 0.75)
    line = np.where(other_site, street_lines(rng, pop["french"][rows]), line).astype(S)
    line = noise.typo(line, noise.rate(rng, n, 0.02), rng)
    line = noise.ocr(line, noise.rate(rng, n, 0.02), rng)
    line = noise.abbreviate(line, noise.rate(rng, n, 0.2))
    city = noise.strip_accents(city, noise.rate(rng, n, 0.1))
    postal = noise.blank(postal, noise.rate(rng, n, 0.02))
    phone = noise.format_phone(pop["phone"][rows], np.where(rng.random(n) < 0.7, 1, 2))
    phone = noise.blank(phone, noise.rate(rng, n, 0.15))
    ne = np.where(pop["has_bn"][rows] & (rng.random(n) < 0.45), pop["bn9"][rows], "").astype(S)
    ne = noise.mistype_digit(ne, noise.rate(rng, n, 0.02), rng)
    issued = np.maximum(pop["reg_date"][rows], (year - 1970).astype("datetime64[Y]").astype(
        "datetime64[D]")) + rng.integers(0, 300, n).astype("timedelta64[D]")
    text = iso(issued)
    day_first = (np.strings.slice(text, 8, 10) + "/" + np.strings.slice(text, 5, 7) + "/"
                 + np.strings.slice(text, 0, 4))
    status = np.where(pop["active"][rows], np.where(rng.random(n) < 0.85, "Actif", "Expiré"),
                      strs(PERMIT_STATUS)[rng.integers(1, 4, n)]).astype(S)
    cols = {
        "No de permis": permit_no,
        "Type de permis": ptype,
        "Raison sociale": name,
        "Nom commercial": trade,
        "Forme juridique": np.where(np.strings.str_len(name) > 0, pop["form_fr"][rows],
                                    "").astype(S),
        "NE": ne,
        "Adresse du site": line,
        "Ville": city,
        "Province": prov,
        "Code postal": postal,
        "Téléphone": phone,
        "Date de délivrance": day_first,
        "Statut": status,
    }
    field_defects(cols, rng, "Code postal", "Province", "Téléphone")
    return finish("permits", cols, ["No de permis"], pop, rows, rng)
