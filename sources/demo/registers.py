"""The four ministry registers, each a view of the shared population with its own habits.

A register is built in three steps: choose which businesses it knows (coverage), add its own
within-register duplicates (the same business keyed twice under two native ids), then write its
columns the way that ministry writes them and apply its noise. Each builder returns a `Register`
whose `business_id` column says which population business every row describes: that is the
answer key. Rates are documented in docs/demo-data.md; change them here and there together.
"""

from dataclasses import dataclass

import numpy as np

from sources.demo import noise
from sources.demo.population import (
    COOP,
    CORP,
    PARTNERSHIP,
    SOCIETY,
    SOLE,
    Columns,
    S,
    strs,
)
from sources.demo.vocab import OLD_PROVINCE_CODES, SHARED_OFFICES, TRADES


@dataclass
class Register:
    """One register's rows as written (object columns, None when empty), in file order,
    and who each row really is (`business_id`: the answer key)."""

    source: str
    columns: dict[str, np.ndarray]
    id_columns: list[str]
    business_id: np.ndarray
    population_rows: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.business_id)

    def record_ids(self, prefix: str | None = None) -> np.ndarray:
        """source_record_id exactly as the reader forms it from config record_id.columns."""
        parts = [np.asarray([str(v).strip() for v in self.columns[c]], dtype=object)
                 for c in self.id_columns]
        out = np.full(self.rows, f"{prefix or self.source}:", dtype=object) + parts[0]
        for part in parts[1:]:
            out = out + ":" + part
        return out


def finish(source: str, cols: dict[str, np.ndarray], id_columns: list[str], pop: Columns,
           rows: np.ndarray, rng: np.random.Generator) -> Register:
    """Turn built columns into a Register in a shuffled file order (registers are not kept
    in our business order). Shuffling object arrays is cheap; StringDType ones are not.
    `rows` are the population rows the register's rows describe."""
    order = rng.permutation(len(rows))
    objects = {}
    for name, values in cols.items():
        column = values.astype(object)
        column[np.strings.str_len(values.astype(S)) == 0] = None
        objects[name] = column[order]
    business_id = pop["business_id"][rows].astype(object)[order]
    return Register(source, objects, id_columns, business_id, rows[order])


def covered(rng: np.random.Generator, pop: Columns, p: np.ndarray) -> np.ndarray:
    """Population rows a register knows: each with its own probability."""
    return np.flatnonzero(rng.random(len(pop["btype"])) < p)


def with_duplicates(rng: np.random.Generator, rows: np.ndarray, p: float) -> tuple[
        np.ndarray, np.ndarray]:
    """Append a re-keyed copy of a fraction `p` of rows; returns (rows, is_duplicate)."""
    extra = rows[rng.random(len(rows)) < p]
    all_rows = np.concatenate([rows, extra])
    is_dup = np.concatenate([np.zeros(len(rows), bool), np.ones(len(extra), bool)])
    order = np.argsort(all_rows, kind="stable")  # population order: fast gathers
    return all_rows[order], is_dup[order]


OFFICE_PARTS = {part: np.asarray([o[i] for o in SHARED_OFFICES], dtype=S)
                for i, part in enumerate(("line", "city", "prov", "postal"))}


def address(pop: Columns, rows: np.ndarray, kind: str, up_to_date: np.ndarray) -> list[
        np.ndarray]:
    """Line, city, province, postal of the `site`, registered `office` or `mail` address.

    Movers whose register is not up to date keep the old premises. A shared registered office
    (law firm) does not move with the client; a PO box or a c/o accountant is a mailing habit.
    """
    stale = pop["moved"][rows] & ~up_to_date
    out = {}
    for part in ("line", "city", "prov", "postal"):
        out[part] = np.where(stale, pop[f"old_{part}"][rows], pop[f"site_{part}"][rows])
    shared = np.zeros(len(rows), bool)
    if kind == "office":
        shared = pop["shared_office"][rows]
    elif kind == "mail":
        box = pop["po_box"][rows] & ~stale
        number = pop["box_no"][rows].astype(S)
        label = np.where(pop["french"][rows], "C.P. " + number, "PO Box " + number)
        out["line"] = np.where(box, label, out["line"])
        shared = pop["care_of"][rows]
    if shared.any():
        office = pop["office_idx"][rows]
        for part in out:
            out[part] = np.where(shared, OFFICE_PARTS[part][office], out[part])
    return [out[part].astype(S) for part in ("line", "city", "prov", "postal")]


def province_noise(prov: np.ndarray, rng: np.random.Generator, p: float) -> np.ndarray:
    """Old province codes (PQ for QC, NF for NL) on a fraction of those rows."""
    out = prov.copy()
    for new, old in OLD_PROVINCE_CODES.items():
        out = np.where((out == new) & (rng.random(len(out)) < p), old, out).astype(S)
    return out


def iso(dates: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(dates.astype("datetime64[D]")).astype(S)


def field_defects(cols: dict[str, np.ndarray], rng: np.random.Generator, postal: str,
                  prov: str, phone: str | None = None) -> None:
    """The low-rate field defects validation must catch: bad postal, old province, short phone."""
    n = len(cols[postal])
    cols[postal] = noise.bad_postal(cols[postal], noise.rate(rng, n, 0.005), rng)
    cols[prov] = province_noise(cols[prov], rng, 0.25)
    if phone:
        cols[phone] = noise.short_phone(cols[phone], noise.rate(rng, n, 0.005))


def name_noise(name: np.ndarray, rng: np.random.Generator, typo: float, ocr: float = 0.0,
               abbreviate: float = 0.0, expand: float = 0.0) -> np.ndarray:
    n = len(name)
    name = noise.typo(name, noise.rate(rng, n, typo), rng)
    name = noise.ocr(name, noise.rate(rng, n, ocr), rng)
    name = noise.abbreviate(name, noise.rate(rng, n, abbreviate))
    return noise.expand_forms(name, noise.rate(rng, n, expand))


def build_rjsc(rng: np.random.Generator, pop: Columns) -> Register:
    """Registry of Joint Stock Companies: CSV, one row per entity, 7-digit registry id."""
    btype = pop["btype"]
    p = np.array([0.99, 0.98, 0.99, 0.90, 0.62])[btype]
    rows, dup = with_duplicates(rng, covered(rng, pop, p), 0.01)
    n = len(rows)
    bt = btype[rows]
    reg_id = pop["registry_id"][rows].copy()
    top = int(pop["registry_id"].max()) + 1
    reg_id[dup] = top + np.arange(int(dup.sum())) * 7 + rng.integers(0, 7, int(dup.sum()))
    extra_prov = pop["site_prov"][rows] != "NS"
    corp_type = np.where(extra_prov, "Extra-Provincial Company",
                         np.where(rng.random(n) < 0.04, "Unlimited Company", "Limited Company"))
    entity = np.select([bt == CORP, bt == SOCIETY, bt == COOP, bt == PARTNERSHIP],
                       [corp_type, "Society", "Co-operative", "Partnership"], "Business Name")
    person = (bt == SOLE) | (bt == PARTNERSHIP)
    legal = np.where(bt == SOLE, pop["trade_name"][rows], pop["legal_name"][rows]).astype(S)
    legal = name_noise(legal, rng, typo=0.01, abbreviate=0.03, expand=0.05)
    legal = noise.vary(legal, dup, rng)
    t1, t2 = pop["trade_name"][rows], pop["trade_name2"][rows]
    names = np.where(bt == SOLE, t2, np.where(present(t2), t1 + " | " + t2, t1)).astype(S)
    names = noise.typo(names, noise.rate(rng, n, 0.01), rng)
    bn = np.where(pop["has_bn"][rows] & (rng.random(n) < np.where(person, 0.7, 0.88)),
                  pop["bn9"][rows], "").astype(S)
    bn = noise.mistype_digit(bn, noise.rate(rng, n, 0.012), rng)
    active = pop["active"][rows]
    inactive_kind = strs(["Revoked", "Dissolved", "Amalgamated", "Inactive"])[
        rng.integers(0, 4, n)]
    status = np.where(active, "Active", inactive_kind).astype(S)
    kind = np.where((bt == SOLE) | (bt == PARTNERSHIP), "site", "office")
    up_to_date = rng.random(n) < 0.4
    office = address(pop, rows, "office", up_to_date)
    site = address(pop, rows, "site", up_to_date)
    line, city, prov, postal = (np.where(kind == "office", o, s).astype(S)
                                for o, s in zip(office, site, strict=True))
    line = noise.typo(line, noise.rate(rng, n, 0.01), rng)
    line = noise.abbreviate(line, noise.rate(rng, n, 0.15))
    postal = noise.blank(postal, noise.rate(rng, n, 0.01))
    reg_date = pop["reg_date"][rows] + np.where(dup, rng.integers(30, 2000, n), 0).astype(
        "timedelta64[D]")
    cols = {
        "Registry ID": reg_id.astype(S),
        "Entity Type": entity.astype(S),
        "Legal Name": legal,
        "Registered Names": names,
        "Business Number": bn,
        "Status": status,
        "Status Date": np.where(active, "", iso(pop["status_date"][rows])).astype(S),
        "Registration Date": iso(reg_date),
        "Registered Office Address": line,
        "City": city,
        "Province": prov,
        "Postal Code": postal,
        "Owner Name": np.where(person, pop["owner_name"][rows], "").astype(S),
        "Owner Address": np.where(person, pop["owner_line"][rows], "").astype(S),
        "Owner City": np.where(person, pop["owner_city"][rows], "").astype(S),
        "Owner Postal Code": np.where(person, pop["owner_postal"][rows], "").astype(S),
    }
    field_defects(cols, rng, "Postal Code", "Province")
    return finish("rjsc", cols, ["Registry ID"], pop, rows, rng)


def present(values: np.ndarray) -> np.ndarray:
    return noise.present(values)


def build_wcb(rng: np.random.Generator, pop: Columns) -> Register:
    """Workers' compensation employer accounts: UPPER CASE, ASCII, codes for status and band."""
    p = np.where(pop["employer"], np.where(pop["active"], 0.97, 0.8), 0.0)
    rows, dup = with_duplicates(rng, covered(rng, pop, p), 0.02)
    n = len(rows)
    bt = pop["btype"][rows]
    account = rng.choice(8_999_999, size=n, replace=False) + 1_000_000
    sole = bt == SOLE
    person_name = np.strings.upper(pop["surname"][rows] + ", " + pop["given"][rows])
    name = np.where(sole, person_name, pop["legal_name"][rows]).astype(S)
    name = name_noise(name, rng, typo=0.02, abbreviate=0.6)
    name = noise.vary(name, dup, rng)
    trade = name_noise(pop["trade_name"][rows], rng, typo=0.02, abbreviate=0.4)
    line, city, prov, postal = address(pop, rows, "mail", rng.random(n) < 0.7)
    line = noise.typo(line, noise.rate(rng, n, 0.015), rng)
    line = noise.abbreviate(line, noise.rate(rng, n, 0.7))
    ascii_only = noise.rate(rng, n, 0.8)
    name, trade, line, city = (noise.upper(noise.strip_accents(v, ascii_only))
                               for v in (name, trade, line, city))
    phone = noise.format_phone(pop["phone"][rows], np.where(rng.random(n) < 0.8, 0, 3))
    phone = noise.blank(phone, noise.rate(rng, n, 0.06) | (dup & noise.rate(rng, n, 0.5)))
    naics = np.asarray([t[2] for t in TRADES], dtype=S)[pop["trade"][rows]]
    naics = noise.blank(naics, noise.rate(rng, n, 0.03))
    band = (pop["band_idx"][rows] + 1).astype(S)
    status = np.where(pop["active"][rows], "A", strs(["I", "C", "S"])[rng.integers(0, 3, n)])
    bn = np.where(pop["has_bn"][rows] & (rng.random(n) < 0.75), pop["bn9"][rows], "").astype(S)
    bn = noise.mistype_digit(bn, noise.rate(rng, n, 0.015), rng)
    opened = np.maximum(pop["reg_date"][rows], np.datetime64("1990-01-01")) + rng.integers(
        0, 400, n).astype("timedelta64[D]")
    cols = {
        "account_no": account.astype(S), "employer_name": name, "operating_name": trade,
        "mail_addr1": line, "mail_city": city, "mail_prov": prov, "mail_postal": postal,
        "phone": phone, "naics": naics, "emp_band": band, "status_cd": status.astype(S),
        "bn9": bn, "open_date": iso(opened),
    }
    field_defects(cols, rng, "mail_postal", "mail_prov", "phone")
    return finish("wcb", cols, ["account_no"], pop, rows, rng)

