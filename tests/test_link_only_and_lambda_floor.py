"""Weak mappings and lists free of duplicates: the lambda floor that keeps a name-only model
from collapsing to "no match at all", and the link-only mode (no pair within one file)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import matching.training as training
from matching.comparisons import compile_comparisons
from matching.lambda_floor import exact_agreement, lambda_floor
from matching.linking import link_records
from matching.model import EMSettings, load_settings
from matching.u_sampling import random_pairs
from ubr_cli.dedupe import dedupe

WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "haven", "iris",
         "juniper", "kestrel", "lumen", "maple", "nimbus", "orchid", "pioneer", "quartz",
         "raven", "summit", "tundra", "umber", "vale", "willow", "yarrow", "zephyr"]
TRADES = ["bakery", "roofing", "dental", "logistics", "printing", "plumbing", "florist"]


def _names(count: int, seed: int) -> list[str]:
    """Distinct made-up company names (two words and a trade)."""
    rng = np.random.default_rng(seed)
    names: set[str] = set()
    while len(names) < count:
        a, b = rng.choice(WORDS, 2, replace=False)
        names.add(f"{a.title()} {b.title()} {rng.choice(TRADES).title()} Ltd")
    return sorted(names)


def _name_lists() -> tuple[pd.DataFrame, np.ndarray]:
    """A short list (40 names, 30 of them also in the long list) and a long list of 600."""
    names = _names(640, seed=3)
    long, short = names[:600], names[:30] + names[600:]
    frame = pd.DataFrame({
        "record_key": [f"long/{k}" for k in range(len(long))]
        + [f"short/{k}" for k in range(len(short))],
        "legal_name": long + short,
    })
    return frame, np.array(["long"] * len(long) + ["short"] * len(short), dtype=object)


def test_exact_agreement_needs_every_shared_field_exact_and_one_field_at_least() -> None:
    comparisons = compile_comparisons(load_settings().comparisons)
    top = [c.n_levels - 1 for c in comparisons]  # the best level is an exact one everywhere
    null = [-1] * len(comparisons)
    one_fuzzy = list(top)
    one_fuzzy[0] = 1  # name at a fuzzy level
    rows = np.array([top, null, one_fuzzy, [top[0]] + null[1:]])
    assert exact_agreement(rows, comparisons).tolist() == [True, False, False, True]
    floor = lambda_floor(1e-12, rows, comparisons, total_pairs=1000.0,
                         weights=np.array([3.0, 1.0, 1.0, 2.0]))
    assert floor.exact_pairs == 5.0 and floor.floor == pytest.approx(0.005)
    assert floor.binds and floor.value == pytest.approx(0.005)  # no m: recall 1
    assert not lambda_floor(0.01, rows, comparisons, 1000.0).binds
    # with m: a pair carrying only the name stands for 1 / m(exact name) matches, a pair
    # carrying every field for 1 / the product over all of them (at least 5 % recall)
    m = [np.array(c.starting_m) for c in comparisons]
    exact_m = [float(m[c][comp.exact_gammas].sum()) for c, comp in enumerate(comparisons)]
    recalled = lambda_floor(1e-12, rows, comparisons, 1000.0,
                            np.array([3.0, 1.0, 1.0, 2.0]), m)
    every = max(float(np.prod(exact_m)), 0.05)
    assert recalled.recall == pytest.approx(5.0 / (3.0 / every + 2.0 / exact_m[0]))
    assert recalled.value == pytest.approx(0.005 / recalled.recall)


def test_a_collapsed_model_is_replaced_by_the_exact_agreement_floor_and_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """EM's lambda forced to collapse: the run warns, names the fields to add, and the exact
    name pairs across the lists are not all silently made non-matches."""
    monkeypatch.setattr(training, "population_lambda", lambda *args, **kwargs: 1e-12)
    records, _ = _name_lists()
    said: list[str] = []
    result = link_records(records, progress=said.append)
    model = result.model
    assert model.lambda_source == "exact_agreement" and model.lambda_em == 1e-12
    assert model.exact_agreement_pairs == 30
    n = len(records)
    # the 30 exact pairs over the share of true pairs agreeing exactly on the name (m of its
    # exact levels): Splink's deterministic estimate, with the recall the model knows
    recall = sum(model.m["name"][level] for level in ("exact_both", "exact_legal", "exact"))
    assert model.exact_agreement_recall == pytest.approx(recall, abs=1e-4)
    assert model.probability_two_random_records_match == pytest.approx(
        30 / (n * (n - 1) / 2) / recall, rel=1e-3)
    warning = next(line for line in said if "too little evidence" in line)
    assert "30 record pairs that agree exactly" in warning and "address" in warning
    top = result.pairs.sort_values("match_probability", ascending=False).head(30)
    assert top["match_probability"].min() > 0.1  # the floor lifted them off zero


def test_link_only_never_pairs_records_of_one_file_and_links_across() -> None:
    records, files = _name_lists()
    # the long list holds one of its own names twice: within one file, never a pair
    records.loc[len(records)] = ["long/copy", records.loc[100, "legal_name"]]
    files = np.append(files, "long")
    result = link_records(records, link_only=files)
    file_of = pd.Series(files, index=records["record_key"])
    pairs = result.pairs
    assert len(pairs) and (file_of[pairs["record_key_l"]].to_numpy()
                           != file_of[pairs["record_key_r"]].to_numpy()).all()
    cluster = result.clusters.set_index("record_key")["cluster_id"]
    assert cluster["long/100"] != cluster["long/copy"]
    # names only: the same name across the lists is at least sent to a steward (about 0.93)
    decision = {(left, right): d for left, right, d in pairs[
        ["record_key_l", "record_key_r", "decision"]].itertuples(index=False)}
    found = [decision.get((f"long/{k}", f"short/{k}")) for k in range(30)]
    assert all(d in ("match", "review") for d in found), found


def test_link_only_u_sample_holds_pairs_across_files_only_and_reaches_every_file() -> None:
    labels = np.repeat([0, 1, 2], [50, 400, 3000])
    sample = random_pairs(len(labels), EMSettings(u_sample_pairs=20_000), link_only=labels)
    assert len(sample) == 20_000
    left, right = labels[sample["i"]], labels[sample["j"]]
    assert (left != right).all()
    kinds = pd.Series(list(zip(np.minimum(left, right), np.maximum(left, right), strict=True)))
    share = kinds.value_counts(normalize=True)
    total = 50 * 400 + 50 * 3000 + 400 * 3000
    assert share[(1, 2)] == pytest.approx(400 * 3000 / total, abs=0.02)
    assert share[(0, 1)] == pytest.approx(50 * 400 / total, abs=0.01)
    small = random_pairs(20, EMSettings(u_sample_pairs=1000), link_only=np.repeat([0, 1], 10))
    assert len(small) == 100  # fewer pairs than wanted: every pair across the files
    # a short list against a long one: every pair across, without the pairs within the long one
    lopsided = np.repeat([0, 1], [3, 200_000])
    every = random_pairs(len(lopsided), EMSettings(u_sample_pairs=1_000_000), link_only=lopsided)
    assert len(every) == 600_000 and (lopsided[every["i"]] != lopsided[every["j"]]).all()
    assert not every.duplicated().any()


def test_cli_link_only_needs_two_files(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(dedupe)
    app.callback()(lambda: None)
    (tmp_path / "a.csv").write_text("Id,Name\n1,Maple Bakery\n")
    (tmp_path / "mapping.yaml").write_text("id: Id\nfields: {name: Name}\n")
    run = CliRunner().invoke(app, ["dedupe", "--mapping", str(tmp_path / "mapping.yaml"),
                                   "--out", str(tmp_path / "out"), "--link-only",
                                   str(tmp_path / "a.csv")])
    assert run.exit_code != 0 and "--link-only links files to each other" in run.output


def test_one_to_one_keeps_at_most_one_record_of_each_file_in_a_cluster() -> None:
    """Two long-list records and one short-list record share a valid BN: the rule makes both
    pairs across certain, and linked only the three make one cluster (the two pairs within the
    long list count as unscored, an average of exactly one half); one to one, two."""
    records, files = _name_lists()
    records["business_number"] = None
    records.loc[len(records)] = ["long/twin", records.loc[3, "legal_name"], None]
    files = np.append(files, "long")
    shared = records["record_key"].isin(["long/3", "long/twin", "short/3"])
    records.loc[shared, "business_number"] = "123456782"
    plain = link_records(records.copy(), link_only=files)
    strict = link_records(records.copy(), link_only=files, one_to_one=True)
    for result, most in ((plain, 3), (strict, 2)):
        cluster = result.clusters.set_index("record_key")["cluster_id"]
        assert (cluster == cluster["short/3"]).sum() == most
    clusters = strict.clusters.assign(file=files)
    assert not clusters.duplicated(["cluster_id", "file"]).any()
    with pytest.raises(ValueError, match="one_to_one needs link_only"):
        link_records(records, one_to_one=True)


def test_the_advice_to_link_only_comes_when_nearly_every_match_joins_two_files() -> None:
    from matching.link_shape import link_only_advice

    across = np.array(["a"] * 30, object), np.array(["b"] * 30, object)
    matched = np.ones(30, bool)
    text = link_only_advice(*across, matched, files=2)
    assert text is not None and "30 of the 30" in text and "--link-only" in text
    assert link_only_advice(*across, matched, files=1) is None
    assert link_only_advice(*across, matched[:30] & (np.arange(30) < 5), files=2) is None
    within = np.array(["a"] * 30, object)
    assert link_only_advice(across[0], within, matched, files=2) is None


def test_cli_one_to_one_needs_link_only(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(dedupe)
    app.callback()(lambda: None)
    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text("Id,Name\n1,Maple Bakery\n")
    (tmp_path / "mapping.yaml").write_text("id: Id\nfields: {name: Name}\n")
    run = CliRunner().invoke(app, ["dedupe", "--mapping", str(tmp_path / "mapping.yaml"),
                                   "--out", str(tmp_path / "out"), "--one-to-one",
                                   str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert run.exit_code != 0 and "add --link-only" in run.output
