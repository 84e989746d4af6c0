"""Synthetic canonical frames for tests and the speed benchmark (until sources.demo exists).

Vectorised so that a million-row frame takes seconds; values are plausible Nova Scotia
registry data, with a configurable share of deliberately bad rows.
"""

import numpy as np
import pandas as pd
from stdnum import luhn

from canonical.schema import conform
from sources.config import SourceConfig

_NAMES = np.array([
    "Les Entreprises Élégantes", "Boulangerie Chéticamp", "Bluenose Fisheries",
    "Annapolis Valley Orchards", "Cape Breton Welding", "Acadian Seafoods", "Halifax Harbour Tech",
    "Lunenburg Boatworks", "Pictou County Dairy", "Truro Hardware",
])
_FORMS = np.array(["Ltée", "S.E.N.C.", "Limited", "Ltd.", "Inc.", "Incorporated", "Co.", "Cie"])
_CITIES = np.array(["Halifax", "Sydney", "Truro", "Chéticamp", "Yarmouth", "Lunenburg"])
_STATUS = np.array(["active", "inactive", "dissolved"])
_BANDS = np.array(["1-4", "5-9", "10-19", "20-49", "50-99"])
_TYPES = np.array(["corporation", "partnership", "sole_proprietorship", "cooperative"])


def valid_bn_roots(count: int, seed: int = 0) -> np.ndarray:
    """`count` distinct BN roots with a valid check digit (stdnum's Luhn, not our own)."""
    rng = np.random.default_rng(seed)
    bodies = rng.choice(np.arange(10_000_000, 99_999_999), size=count, replace=False)
    return np.array([f"{b}{luhn.calc_check_digit(str(b))}" for b in bodies])


def synthetic_canonical_frame(rows: int, source_id: str = "demo", seed: int = 0,
                              bad_share: float = 0.0) -> pd.DataFrame:
    """A canonical frame of `rows` rows; `bad_share` of them get a bad postal code."""
    rng = np.random.default_rng(seed)
    pool = valid_bn_roots(min(rows, 200_000) or 1, seed)
    pick = lambda values: values[rng.integers(0, len(values), rows)]  # noqa: E731
    ids = np.char.add(f"{source_id}:", np.arange(rows).astype(str))
    letters = np.array(list("ABCEGHJKLMNPRSTVXY"))
    postal = np.char.add(np.char.add(np.char.add("B", rng.integers(0, 10, rows).astype(str)),
                                     pick(letters)), " ")
    postal = np.char.add(np.char.add(np.char.add(postal, rng.integers(0, 10, rows).astype(str)),
                                     pick(letters)), rng.integers(0, 10, rows).astype(str))
    bad = rng.random(rows) < bad_share
    postal[bad] = "12345"
    days = rng.integers(0, 15_000, rows)
    registered = pd.Timestamp("1980-01-01") + pd.to_timedelta(days, unit="D")
    status_date = registered + pd.to_timedelta(rng.integers(0, 2_000, rows), unit="D")
    phone = np.char.add("902-", np.char.add(rng.integers(200, 999, rows).astype(str),
                                            np.char.add("-", rng.integers(1000, 9999, rows)
                                                        .astype(str))))
    frame = pd.DataFrame({
        "source": source_id,
        "source_record_id": ids,
        "source_file": f"{source_id}.csv",
        "source_line": np.arange(2, rows + 2),
        "record_hash": "0" * 64,
        "business_type": pick(_TYPES),
        "legal_name": np.char.add(np.char.add(pick(_NAMES), " "), pick(_FORMS)),
        "legal_form": pick(_FORMS),
        "business_number": np.char.add(pick(pool), np.where(rng.random(rows) < 0.5, "RT0001", "")),
        "program_accounts": np.where(rng.random(rows) < 0.5, "RT0001;RP0001", None),
        "status": pick(_STATUS),
        "registration_date": registered,
        "status_date": status_date,
        "address_type": "registered_office",
        "address_line": np.char.add(rng.integers(1, 9999, rows).astype(str), " Main Street"),
        "city": pick(_CITIES),
        "province": np.where(rng.random(rows) < 0.9, "NS", "Nouvelle-Écosse"),
        "postal_code": postal,
        "phone": phone,
        "email": np.char.add(np.char.add("info", np.arange(rows).astype(str)), "@example.ca"),
        "naics_code": "311811",
        "employee_band": pick(_BANDS),
    })
    return conform(frame)


def synthetic_config(source_id: str = "demo") -> SourceConfig:
    """A SourceConfig whose mapping matches the synthetic frame's columns."""
    fields = ["business_type", "legal_name", "legal_form", "business_number", "program_accounts",
              "status", "registration_date", "status_date", "address_line", "city", "province",
              "postal_code", "phone", "email", "naics_code", "employee_band"]
    return SourceConfig(
        id=source_id, ministry="Synthetic", format="csv", location=f"{source_id}.csv",
        record_id={"columns": ["ID"]}, mapping={f: f.upper() for f in fields},
    )
