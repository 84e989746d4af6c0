"""Speed and peak memory of matching.standardise.standardise_records on a synthetic frame.

Builds N rows (default 1,000,000) that look like the ministry registers: English and French
names with legal forms, numbered companies, franchise store numbers, civic / PO box / rural
route addresses in both languages, cities, postal codes, phones in many formats, e-mails,
BN9 and BN15. About a third of the rows repeat another row's business with a variation, as
records of one business in several registers do.

    .venv/bin/python benchmarks/standardise_speed.py [--rows 1000000] [--seed 7]
"""

import argparse
import gc
import os
import resource
import threading
import time
import tracemalloc

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

from matching.standardise import standardise_records

S = StringDType()
WORDS = np.array([
    "Atlantic", "Harbour", "Maritime", "Bluenose", "Cabot", "Fundy", "Acadia", "Evangeline",
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "MacDonald", "MacLeod", "Smith", "Murphy",
    "Boulangerie", "Pêcheries", "Construction", "Plumbing", "Électrique", "Dental", "Bakery",
    "Fisheries", "Consulting", "Transport", "Garage", "Café", "Pizza", "Auto", "Marine",
    "Holdings", "Enterprises", "Entreprises", "Services", "Solutions", "Group", "Groupe",
    "Ocean", "Valley", "Highland", "Rivière", "Lac", "Saint-Jean", "Ste-Anne", "North", "Shore",
], dtype=S)
FORMS = np.array([
    " Limited", " Ltd.", " Ltd", " Limitée", " Ltée", " Inc.", " Inc", " Incorporated",
    " inc.", " Corp.", " Corporation", " Co.", " & Co.", " et Cie", " S.E.N.C.", " S.E.C.",
    " S.E.N.C.R.L.", " ULC", " LLP", " Co-operative Limited", " Society", "", "", "",
], dtype=S)
JURIS = np.array([" Nova Scotia Limited", " N.S. Ltd.", " N.B. Ltd.", " Canada Inc."], dtype=S)
STREETS = np.array([
    "Main", "Water", "Barrington", "Spring Garden", "Portland", "Sainte-Catherine", "King",
    "Queen", "Church", "Prince", "Saint-Georges", "du Lac", "de la Gauchetière", "Mountain",
    "Victoria", "Pleasant", "Cobequid", "Hammonds Plains", "Sackville", "Wentworth",
], dtype=S)
EN_TYPES = np.array([" St", " Street", " St.", " Ave", " Avenue", " Rd", " Road", " Dr",
                     " Blvd", " Lane", " Cres", " Court", " Hwy"], dtype=S)
FR_TYPES = np.array(["rue ", "Rue ", "boul. ", "chemin ", "avenue ", "route ", "rang "], dtype=S)
DIRS = np.array(["", "", "", "", " W", " E", " N", " Ouest", " Est", " Nord"], dtype=S)
UNITS = np.array(["", "", "", "", ", Suite 200", " Unit 3", ", app. 4", ", bureau 110",
                  " #5"], dtype=S)
CITIES = np.array([
    "Halifax", "Dartmouth", "Sydney", "Truro", "St. John's", "Moncton", "Saint John",
    "Fredericton", "Québec", "Montréal", "Ste-Foy", "Lévis", "Charlottetown", "Bedford",
    "Antigonish", "Yarmouth", "Rimouski", "Saint-Jean-sur-Richelieu", "Wolfville", "Bathurst",
], dtype=S)
PROVINCES = np.array(["NS", "N.S.", "Nova Scotia", "NB", "Nouveau-Brunswick", "QC", "PQ",
                      "Québec", "PE", "NL", "NF", "ns"], dtype=S)
FREE = np.array(["gmail.com", "hotmail.com", "eastlink.ca", "yahoo.ca"], dtype=S)
LETTERS = np.array(list("ABCEGHJKLMNPRSTVXY"), dtype=S)


def _pick(rng: np.random.Generator, values: np.ndarray, n: int) -> np.ndarray:
    return values[rng.integers(0, len(values), n)]


def _digits(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high, n).astype(S)


def build_frame(rows: int, seed: int) -> pd.DataFrame:
    """A canonical-looking frame of `rows` rows; a third repeat a business with variations."""
    rng = np.random.default_rng(seed)
    n = rows
    name = _pick(rng, WORDS, n) + " " + _pick(rng, WORDS, n)
    extra = rng.random(n) < 0.4
    name = np.where(extra, name + " " + _pick(rng, WORDS, n), name)
    name = np.where(rng.random(n) < 0.1, "The " + name, name)
    name = np.where(rng.random(n) < 0.05, name + " #" + _digits(rng, 100, 9999, n), name)
    name = name + _pick(rng, FORMS, n)
    numbered = rng.random(n) < 0.12
    quebec = _digits(rng, 1000, 9999, n) + "-" + _digits(rng, 1000, 9999, n) + " Québec inc."
    number = _digits(rng, 100000, 99999999, n) + _pick(rng, JURIS, n)
    name = np.where(numbered, np.where(rng.random(n) < 0.3, quebec, number), name)
    name = np.where(rng.random(n) < 0.3, np.strings.upper(name), name)

    civic = _digits(rng, 1, 9999, n)
    english = civic + " " + _pick(rng, STREETS, n) + _pick(rng, EN_TYPES, n)
    french = civic + ", " + _pick(rng, FR_TYPES, n) + _pick(rng, STREETS, n)
    address = np.where(rng.random(n) < 0.35, french, english) + _pick(rng, DIRS, n)
    address = address + _pick(rng, UNITS, n)
    box = rng.random(n)
    address = np.where(box < 0.05, "PO Box " + _digits(rng, 1, 9999, n), address)
    address = np.where((box >= 0.05) & (box < 0.08), "C.P. " + _digits(rng, 1, 999, n), address)
    address = np.where((box >= 0.08) & (box < 0.10), "R.R. #" + _digits(rng, 1, 9, n), address)

    postal = (_pick(rng, LETTERS, n) + _digits(rng, 0, 10, n) + _pick(rng, LETTERS, n) + " "
              + _digits(rng, 0, 10, n) + _pick(rng, LETTERS, n) + _digits(rng, 0, 10, n))
    postal = np.where(rng.random(n) < 0.3, np.strings.replace(postal, " ", ""), postal)
    phone_digits = (np.array(["902", "782", "506", "418", "514"], dtype=S)[rng.integers(0, 5, n)],
                    _digits(rng, 200, 999, n), _digits(rng, 1000, 9999, n))
    area, exchange, line = phone_digits
    style = rng.integers(0, 5, n)
    phone = np.where(style == 0, "(" + area + ") " + exchange + "-" + line,
            np.where(style == 1, area + "." + exchange + "." + line,
            np.where(style == 2, "+1 " + area + " " + exchange + " " + line,
            np.where(style == 3, area + "-" + exchange + "-" + line + " ext. 12",
                     "1" + area + exchange + line))))
    local = np.strings.lower(_pick(rng, WORDS, n)) + _digits(rng, 1, 999, n)
    domain = np.where(rng.random(n) < 0.5, _pick(rng, FREE, n),
                      np.strings.lower(_pick(rng, WORDS, n)) + ".ca")
    email = local + "@" + domain
    bn = _digits(rng, 100000000, 999999999, n)
    bn = np.where(rng.random(n) < 0.5, bn + "RT0001", bn)

    frame = pd.DataFrame({
        "legal_name": pd.array(name.astype(object), dtype="string"),
        "operating_name": pd.array(np.where(rng.random(n) < 0.3, name, "").astype(object),
                                   dtype="string"),
        "business_number": pd.array(bn.astype(object), dtype="string"),
        "program_accounts": pd.array(np.where(rng.random(n) < 0.3, "RP0001;RT0001", "")
                                     .astype(object), dtype="string"),
        "address_line": pd.array(address.astype(object), dtype="string"),
        "city": pd.array(_pick(rng, CITIES, n).astype(object), dtype="string"),
        "province": pd.array(_pick(rng, PROVINCES, n).astype(object), dtype="string"),
        "postal_code": pd.array(postal.astype(object), dtype="string"),
        "phone": pd.array(phone.astype(object), dtype="string"),
        "email": pd.array(email.astype(object), dtype="string"),
    })
    # Records of one business in other registers: copy a third of the rows over others.
    repeat = rng.random(n) < 1 / 3
    source = rng.integers(0, n, repeat.sum())
    frame.loc[repeat] = frame.iloc[source].to_numpy()
    return frame.mask(frame.eq(""))


def _current_rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """Peak resident memory during a block, sampled every 20 ms (sees pyarrow's buffers too)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _current_rss_mib())
            time.sleep(0.02)

    def __enter__(self) -> "RssSampler":
        self.peak = _current_rss_mib()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _current_rss_mib())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (slower; pyarrow memory not seen)")
    args = parser.parse_args()

    started = time.perf_counter()
    frame = build_frame(args.rows, args.seed)
    print(f"built {len(frame):,} rows in {time.perf_counter() - started:.1f} s; "
          f"distinct legal names {frame['legal_name'].nunique():,}, "
          f"addresses {frame['address_line'].nunique():,}")
    gc.collect()
    rss_before = _current_rss_mib()
    if args.tracemalloc:
        tracemalloc.start()
    with RssSampler() as sampler:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = standardise_records(frame)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"standardise_records: {elapsed:.1f} s wall, {len(frame) / elapsed:,.0f} rows/s; "
          f"{cpu:.1f} s CPU, {len(frame) / cpu:,.0f} rows/s per CPU second "
          f"(wall exceeds CPU when other processes share the cores)")
    print(f"RSS before the call {rss_before:,.0f} MiB, peak during it {sampler.peak:,.0f} MiB "
          f"(+{sampler.peak - rss_before:,.0f} MiB); process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        print(f"peak traced Python allocations {peak / 2**20:,.0f} MiB")
    filled = result[["name_std", "address_std", "phone_e164", "bn_root"]].notna().mean()
    print("share filled:", ", ".join(f"{k} {v:.2f}" for k, v in filled.items()))


if __name__ == "__main__":
    main()
