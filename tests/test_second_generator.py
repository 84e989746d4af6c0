"""The second benchmark generator: deterministic, the intended duplicate share, every kind of
noise really applied, and no identical records across companies except chains and offices."""

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import datasets  # noqa: E402
from benchmarks.second_generator import (  # noqa: E402
    FIELDS,
    NOISE,
    NOISE_KINDS,
    SOURCES,
    generate_records,
)
from benchmarks.second_generator.noise import (  # noqa: E402
    NEIGHBOUR_COUNT,
    NEIGHBOURS,
    TYPO_KINDS,
    luhn_complete,
    phone_styles,
    typos,
)
from benchmarks.ubr_runner import stage_seconds  # noqa: E402

RECORDS = 20_000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate_records(RECORDS, seed=7)


def _has(frame: pd.DataFrame, kind: str) -> pd.Series:
    return (frame["noise"].to_numpy() & NOISE[kind]) > 0


def test_same_seed_same_records_other_seed_other_records(frame: pd.DataFrame) -> None:
    again = generate_records(RECORDS, seed=7)
    pd.testing.assert_frame_equal(frame, again)
    other = generate_records(RECORDS, seed=8)
    assert not frame["name"].equals(other["name"])


def test_size_columns_and_sources(frame: pd.DataFrame) -> None:
    assert len(frame) == RECORDS
    assert list(frame.columns) == ["file", "record_id", *FIELDS, "entity", "noise"]
    assert set(frame["file"]) == {f"{s}.csv" for s in SOURCES}
    assert frame[["file", "record_id"]].duplicated().sum() == 0
    assert frame["name"].notna().all()


def test_about_a_quarter_of_companies_written_two_to_five_times(frame: pd.DataFrame) -> None:
    sizes = frame["entity"].value_counts()
    assert 0.22 <= (sizes > 1).mean() <= 0.28
    assert sizes.max() <= 5
    assert set(sizes.unique()) == {1, 2, 3, 4, 5}
    # duplicates spread over the sources: most duplicated companies are in 2+ files
    spread = frame[frame["entity"].isin(sizes[sizes > 1].index)].groupby("entity")["file"]
    assert (spread.nunique() >= 2).mean() > 0.9


def test_every_noise_kind_is_applied(frame: pd.DataFrame) -> None:
    counts = {kind: int(_has(frame, kind).sum()) for kind in NOISE_KINDS}
    assert all(n > 0 for n in counts.values()), counts
    # missing flags match the blank fields, and only those
    for field, kind in (("address", "missing_address"), ("city", "missing_city"),
                        ("postal_code", "missing_postal"), ("phone", "missing_phone")):
        assert (frame[field].isna().to_numpy() == _has(frame, kind)).all(), field


def test_noise_is_visible_in_the_values(frame: pd.DataFrame) -> None:
    names, addresses = frame["name"], frame["address"].dropna()
    phones = frame["phone"].dropna()
    for pattern in (r"^\(\d{3}\) \d{3}-\d{4}$", r"^\d{3}-\d{3}-\d{4}$", r"^\d{3}\.\d{3}\.\d{4}$",
                    r"^\d{10}$", r"^\+1 \(\d{3}\) \d{3}-\d{4}$", r"^1-\d{3}-\d{3}-\d{4}$",
                    r"^\+1 \d{3} \d{3} \d{4}$"):
        assert phones.str.fullmatch(pattern).any(), pattern
    for form in (" Ltd", " Limited", " Ltée", " GmbH", " S.A.", " S.r.l.", " Co., Ltd.",
                 " Incorporated", " LLC"):
        assert names.str.endswith(form).any(), form
    assert names.str.startswith("Cong Ty TNHH ").any()
    for short in (" Intl", " Mfg", " Bros", " and ", " et ", " und ", " y ", " e "):
        assert names.str.contains(short, regex=False).any(), short
    for written in (" Str.", " St", ", rue ", " Ave", " Blvd"):
        assert addresses.str.contains(written, regex=False).any(), written
    for unit in (r"^Suite \d+, \d+", r"^\d+-\d+ ", r"#\d+$", r"Bureau \d+"):
        assert addresses.str.contains(unit).any(), unit
    assert names.str.contains("Mueller").any() and names.str.contains("Muller").any()
    assert names.str.contains("Müller").any()
    bns = frame["business_number"].dropna()
    assert bns.str.fullmatch(r"\d{9}RT0001").any() and bns.str.fullmatch(r"\d{3} \d{3} \d{3}").any()


def test_identical_records_of_different_companies_only_in_chains_and_offices(
    frame: pd.DataFrame,
) -> None:
    companies = frame.groupby(list(FIELDS), dropna=False)["entity"].transform("nunique")
    shared = frame[companies > 1]
    intended = _has(shared, "chain") | _has(shared, "shared_office")
    assert intended.all()
    # the false matches to fear are there: one brand at several addresses, one office for
    # several unrelated companies
    chains = frame[_has(frame, "chain")]
    brand = chains["name"].str.upper()
    assert (chains.groupby(brand)["entity"].nunique() > 1).any()
    offices = frame[_has(frame, "shared_office")].dropna(subset=["address", "postal_code"])
    assert (offices.groupby(["address", "postal_code"])["entity"].nunique() > 1).any()


def test_word_order_swaps_keep_the_words(frame: pd.DataFrame) -> None:
    swapped = frame[_has(frame, "word_order") & ~_has(frame, "typo_delete")
                    & ~_has(frame, "typo_double") & ~_has(frame, "typo_transpose")
                    & ~_has(frame, "typo_substitute")]
    assert len(swapped) > 50
    family = frame[frame["entity"].isin(swapped["entity"])]
    upper = family["name"].str.upper()
    words = upper.str.split().map(sorted).str.join(" ")
    pairs = family.assign(words=words, upper=upper).groupby(["entity", "words"])["upper"].nunique()
    # some swapped record has a sibling with the same words in another order
    assert (pairs > 1).sum() > 20


def test_typos_make_exactly_the_slip_they_report() -> None:
    rng = np.random.default_rng(3)
    values = np.asarray(["Summit Harbour Foods", "Nguyen Trading", "Bergland Logistik"] * 200,
                        dtype=np.dtypes.StringDType())
    out, kinds = typos(values, np.ones(len(values), bool), rng)
    assert set(kinds[kinds >= 0]) == set(range(len(TYPO_KINDS)))
    for before, after, kind in zip(values.tolist(), out.tolist(), kinds, strict=True):
        if kind < 0:
            assert before == after
            continue
        assert before[0] == after[0]
        name = TYPO_KINDS[kind]
        if name == "delete":
            assert len(after) == len(before) - 1
        elif name == "double":
            assert len(after) == len(before) + 1
            assert re.search(r"(.)\1", after)
        elif name == "transpose":
            assert sorted(after) == sorted(before) and after != before
        else:
            diff = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
            assert len(diff) == 1
            a, b = diff[0]
            near = NEIGHBOURS[ord(a)][: NEIGHBOUR_COUNT[ord(a)]]
            assert ord(b) in near


def test_phones_and_business_numbers() -> None:
    digits = np.asarray(["9025550101"] * 7, dtype=np.dtypes.StringDType())
    assert phone_styles(digits, np.arange(7)).tolist() == [
        "(902) 555-0101", "902-555-0101", "902.555.0101", "9025550101", "+1 (902) 555-0101",
        "1-902-555-0101", "+1 902 555 0101"]
    from stdnum import luhn

    roots = luhn_complete(np.arange(10_000_000, 10_000_050))
    assert all(luhn.is_valid(str(r)) for r in roots)


def test_dataset_keeps_the_answer_out_of_the_files(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(datasets, "CACHE", tmp_path)
    dataset = datasets.load_dataset("second-3000")
    assert dataset.records == 3000 and dataset.profile == "companies"
    assert dataset.fields == list(FIELDS)
    for frame in dataset.files.values():
        assert list(frame.columns) == ["record_id", *FIELDS]
    assert len(dataset.truth_series()) == 3000
    assert list(tmp_path.glob("second_3000_7_*/records.parquet"))  # cached for the next run
    mapping, paths = dataset.write(tmp_path / "input")
    header = paths[0].read_text().splitlines()[0]
    assert "entity" not in header and "noise" not in header


def test_stage_seconds_read_from_a_ubr_log() -> None:
    log = ("read 20,000 records from 4 file(s) in 0.05s\nprepared 20,000 records in 1.21s\n"
           "blocking: 264,650 candidate pairs from 16 rules in 0.14s\n"
           "compared 264,650 pairs in 0.81s (324,818/s)\n"
           "u estimated from 1,000,000 random pairs (250,000 with similarity) (500,000 pairs/s)\n"
           "scored 264,650 candidate pairs in 0.10s; record pairs: 1 match\n"
           "clustered 20,000 records into 13,627 clusters in 0.11s\n"
           "done in 5.0s (writing 0.3s): 20,000 records\n")
    stages = stage_seconds(log)
    assert stages == {"read": 0.05, "prepare": 1.21, "block": 0.14, "compare": 0.81,
                      "score": 0.1, "cluster": 0.11, "write": 0.3, "total": 5.0, "u": 2.0,
                      "other": 0.28}
    assert stage_seconds("something else entirely") == {}


def test_a_baseline_tree_is_what_runs_and_what_is_checked(tmp_path) -> None:
    from benchmarks import ubr_runner

    broken = tmp_path / "ubr_cli"
    broken.mkdir()
    (broken / "__init__.py").write_text("")
    (broken / "main.py").write_text("raise RuntimeError('this tree cannot run')\n")
    ok, why = ubr_runner.available(tmp_path)
    assert not ok and "this tree cannot run" in why
    cmd = ubr_runner.command(Path("m.yaml"), Path("out"), [Path("a.csv")], tree=tmp_path)
    assert cmd[:2] == ["env", f"PYTHONPATH={tmp_path}"] and cmd[3] == "dedupe"
