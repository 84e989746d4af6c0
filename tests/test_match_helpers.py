"""Builders of already-standardised record frames, shared by the matching tests."""

import numpy as np
import pandas as pd

STD_COLUMNS = (
    "name_std", "operating_name_std", "name_key", "numbered_company", "street_number",
    "street_name", "address_std", "city_std", "postal_code_std", "fsa", "phone_e164",
    "email_std", "email_domain", "bn_root",
)


def records_frame(rows: list[dict]) -> pd.DataFrame:
    """A frame with record_key and every standardised column (missing ones null)."""
    frame = pd.DataFrame(rows)
    for col in STD_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    if "bn_valid" not in frame.columns:
        frame["bn_valid"] = frame["bn_root"].notna()
    if "record_key" not in frame.columns:
        frame["record_key"] = [f"r{i}" for i in range(len(frame))]
    return frame


def business(key: str, name: str, number: str, street: str, postal: str,
             phone: str | None = None, **extra: object) -> dict:
    """One record of a business at `number street`, postal code `postal`."""
    return {
        "record_key": key, "name_std": name, "street_number": number, "street_name": street,
        "address_std": f"{number} {street}", "postal_code_std": postal, "fsa": postal[:3],
        "phone_e164": phone, **extra,
    }


def synthetic_registry(n_entities: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Entities with 1-3 noisy records each; returns records and their true entity ids."""
    rng = np.random.default_rng(seed)
    words = ["maple", "harbour", "atlantic", "bluenose", "acadia", "cape", "breton", "valley",
             "fundy", "tidal", "granite", "spruce", "lobster", "coastal", "anchor", "beacon"]
    kinds = ["bakery", "garage", "consulting", "fisheries", "dental", "roofing", "books"]
    streets = ["main", "water", "king", "queen", "prince", "george", "barrington", "spring"]
    rows, truth = [], []
    for e in range(n_entities):
        name = f"{rng.choice(words)} {rng.choice(words)} {rng.choice(kinds)}"
        number, street = str(rng.integers(1, 3000)), str(rng.choice(streets))
        postal = f"B{rng.integers(0, 9)}{chr(65 + rng.integers(0, 26))}{rng.integers(0, 9)}" \
                 f"{chr(65 + rng.integers(0, 26))}{rng.integers(0, 9)}"
        phone = f"+1902{rng.integers(1000000, 9999999)}"
        for r in range(int(rng.integers(1, 4))):
            noisy = name if rng.random() < 0.6 else name.replace("a", "e", 1)
            rows.append(business(
                f"e{e}r{r}", noisy, number, street, postal,
                phone if rng.random() < 0.8 else None,
            ))
            truth.append(e)
    return records_frame(rows), pd.Series(truth)
