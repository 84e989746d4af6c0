"""A second benchmark generator with a noise model unlike the demo registers'.

    from benchmarks.second_generator import generate_records
    frame = generate_records(1_000_000, seed=7)  # ~20 s; seeded, deterministic

Company records from four sources (crm, tax, licences, directory) for a dedup-and-link task
with ground truth: international names (English, French, German, Spanish, Italian,
Vietnamese, Chinese and Arabic romanised), a quarter of the companies written 2-5 times, and
the false matches to fear (shared accountants' offices, same-brand chains). Columns: file,
record_id, name, address, city, postal_code, phone, business_number (the contract fields a
matcher sees), entity (the answer) and noise (bit mask of NOISE_KINDS applied; never fed to
a matcher). The engine was not shaped on this data: that is what it is for.
"""

from benchmarks.second_generator.records import (
    NOISE,
    NOISE_KINDS,
    SOURCES,
    generate_records,
)

FIELDS = ("name", "address", "city", "postal_code", "phone", "business_number")

__all__ = ["FIELDS", "NOISE", "NOISE_KINDS", "SOURCES", "generate_records"]
