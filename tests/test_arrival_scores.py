"""The real-time scorer (matching/arrival_scores.py) decides every pair as the batch engine's
vectorised comparing and scoring does: same candidates, levels, rules and decisions, the same
weights and probabilities, for records of a demo population, perturbed copies of them, and
records registered online since the state was saved."""

import random

import numpy as np
import pandas as pd
import pytest

from canonical.paths import DEFAULT_SOURCES_CONFIG
from matching.golden.keys import with_record_keys
from matching.linking import link_records
from matching.resolver import Resolver
from matching.standardise import INPUT_COLUMNS
from sources.config import load_sources
from sources.demo import generate_demo_registers
from sources.ingest import ingest_source


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    """Demo registers (1,500 businesses, seed 11) linked into a match state, and their
    records as plain dicts of the input columns."""
    data = tmp_path_factory.mktemp("demo")
    generate_demo_registers(data, businesses=1500, seed=11)
    frames = [ingest_source(s, data).records for s in load_sources(DEFAULT_SOURCES_CONFIG).sources]
    records = with_record_keys(pd.concat(frames, ignore_index=True))
    inputs = [{c: (None if pd.isna(v) else v) for c, v in zip(INPUT_COLUMNS, row, strict=True)}
              for row in records[list(INPUT_COLUMNS)].itertuples(index=False)]
    return inputs, link_records(records).state


def _swap(text: str | None, rng: random.Random) -> str | None:
    """Two neighbouring letters swapped (a typo)."""
    if not text or len(text) < 5:
        return text
    k = rng.randrange(len(text) - 1)
    return text[:k] + text[k + 1] + text[k] + text[k + 2:]


def _perturbed(record: dict, rng: random.Random) -> dict:
    """A clerk's version of a record: typos in the name and city, two fields left out."""
    out = {**record, "legal_name": _swap(record.get("legal_name"), rng),
           "city": _swap(record.get("city"), rng)}
    for field in rng.sample(["phone", "email", "business_number", "postal_code",
                             "address_line", "operating_name"], 2):
        out[field] = None
    return out


def _assert_same(resolver: Resolver, record: dict) -> dict[str, object]:
    """Pair-by-pair == vectorised for one record, column by column; the fast columns."""
    fast, batch = resolver.resolve_columns(record), resolver.score_as_batch(record)
    assert set(fast) == set(batch)
    for column, want in batch.items():
        got = np.asarray(fast[column])
        want = np.asarray(want)
        if want.dtype.kind == "f":
            assert np.allclose(got, want, rtol=0, atol=1e-9, equal_nan=True), column
        else:
            assert [str(v) for v in got] == [str(v) for v in want], (column, record)
    return fast


def test_every_pair_is_decided_as_the_batch_engine_decides(population):
    inputs, state = population
    resolver = Resolver(state)
    rng = random.Random(3)
    sample = rng.sample(inputs, 700)
    seen: dict[str, set] = {"rule": set(), "decision": set()}
    pairs = 0
    for record in [*sample, *(_perturbed(r, rng) for r in sample)]:
        fast = _assert_same(resolver, record)
        pairs += len(fast["match_probability"])
        for column, values in fast.items():
            if column.endswith("_level") or column in seen:
                seen.setdefault(column, set()).update(str(v) for v in values)
    assert pairs > 5000
    # the sample reaches the rules and the levels the comparisons have, so that agreeing
    # means something
    assert {"", "same_bn", "different_bn", "franchise"} <= seen["rule"]
    assert seen["decision"] == {"match", "review", "non_match"}
    assert seen["email_level"] == {"null"}  # the demo registers carry no e-mail: see below
    for comparison in resolver.comparisons:
        reached = seen[f"{comparison.name}_level"]
        if comparison.name == "email":
            continue
        assert len(reached) >= min(3, len(comparison.labels) + 1), (comparison.name, reached)


def test_records_registered_online_are_scored_alike(population):
    """Online records join the candidates; they carry e-mails, which the demo does not."""
    inputs, state = population
    resolver = Resolver(state)
    rng = random.Random(5)
    domains = ["example.ca", "mail.example.org"]
    originals = rng.sample(inputs, 60)
    for k, record in enumerate(originals):
        resolver.add(f"online:{k}", resolver.prepare(
            {**_perturbed(record, rng), "email": f"desk{k}@{domains[k % 2]}"}))
    found, email_levels = 0, set()
    for k, record in enumerate(originals):
        email = [f"desk{k}@{domains[k % 2]}", f"other{k}@{domains[k % 2]}",
                 f"desk{k}@elsewhere.net"][k % 3]
        fast = _assert_same(resolver, {**record, "email": email})
        found += sum(str(key).startswith("online:") for key in fast["record_key_l"])
        email_levels.update(str(v) for v in fast["email_level"])
    for record in rng.sample(inputs, 300):
        _assert_same(resolver, record)
    assert found >= 40  # the online records were among the candidates, and scored the same
    assert {"exact", "same_domain", "else", "null"} <= email_levels


def test_no_candidate_gives_empty_columns(population):
    _, state = population
    resolver = Resolver(state)
    fast = resolver.resolve_columns({"legal_name": "Zzyzx Qwv Holdings"})
    assert all(len(v) == 0 for v in fast.values())
    assert set(fast) == set(resolver.score_as_batch({"legal_name": "Zzyzx Qwv Holdings"}))


def test_a_phone_every_firm_at_a_shared_office_holds_identifies_none_of_them(population):
    """Firms registered online at the demo's busiest registered office, all giving the
    office's one phone: a firm of another name there is not linked through that phone,
    pair by pair as in the batch."""
    inputs, state = population
    resolver = Resolver(state)
    office = pd.Series([r["address_line"] for r in inputs]).value_counts().index[0]
    at_office = next(r for r in inputs if r["address_line"] == office)
    words = ["Amber", "Birch", "Cobalt", "Drift", "Ember", "Fjord", "Garnet", "Harbour",
             "Indigo", "Juniper", "Kestrel", "Lupin"]
    for k, word in enumerate(words):
        resolver.add(f"online:office{k}", resolver.prepare(
            {**at_office, "legal_name": f"{word} Quarry Works Limited", "operating_name": None,
             "business_number": None, "phone": "902-555-0142"}))
    arriving = {**at_office, "legal_name": "Zephyr Textiles Limited", "operating_name": None,
                "business_number": None, "phone": "902-555-0142"}
    fast = _assert_same(resolver, arriving)
    online = [k for k, key in enumerate(fast["record_key_l"])
              if str(key).startswith("online:office")]
    assert len(online) == len(words)
    assert {str(fast["phone_level"][k]) for k in online} == {"exact"}
    assert {str(fast["rule"][k]) for k in online} == {"different_names"}
