"""Splink 5 (DuckDB) behind the same contract as `ubr dedupe`, so both tools are judged alike.

    python benchmarks/splink_runner.py --mapping MAPPING.yaml --out DIR [--profile P] FILE.csv...

writes DIR/clusters.csv (file,record_id,cluster_id), DIR/pairs.csv (every scored candidate pair:
file_l,record_id_l,file_r,record_id_r,match_probability,decision,match_weight) and
DIR/timings.json. Splink sees the same CSV columns as UBR and nothing else.

The configuration follows Splink's own FEBRL examples, adapted to the fields the contract
allows: generic cleaning in DuckDB (lower case, accents and punctuation removed, phone and
postal code reduced to their characters), blocking on a union of several keys, comparisons with
several similarity levels and term-frequency adjustments on exact matches, lambda from
deterministic rules, u by random sampling (max_pairs 1e6 by default: 1e7 cost ~10 s more and
gave the same accuracy in earlier measurements; `--u-max-pairs 1e7` to check), m by EM on two
blocking rules (each capped at 5e6 sampled pairs so that it scales to a million businesses),
then connected components at a fixed match probability (0.9 by default).
"""

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
import yaml
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

TEXT_FIELDS = ("name", "operating_name", "address", "city")
ALL_FIELDS = (*TEXT_FIELDS, "postal_code", "phone", "email", "business_number")


def _clean_sql(field: str, column: str) -> str:
    """Generic standardisation a careful Splink user would do; no UBR domain rules."""
    raw = f'CAST("{column}" AS VARCHAR)'
    if field in TEXT_FIELDS:
        text = f"regexp_replace(strip_accents(lower({raw})), '[^a-z0-9]+', ' ', 'g')"
        return f"nullif(trim({text}), '')"
    if field == "postal_code":
        return f"nullif(regexp_replace(upper({raw}), '[^A-Z0-9]', '', 'g'), '')"
    if field == "phone":  # digits only, without a leading country code 1
        digits = f"regexp_replace({raw}, '[^0-9]', '', 'g')"
        return f"nullif(right({digits}, 10), '')"
    if field == "email":
        return f"CASE WHEN {raw} LIKE '%@%' THEN lower(trim({raw})) END"
    if field == "business_number":  # the 9-digit BN root; program accounts differ by design
        digits = f"regexp_replace({raw}, '[^0-9]', '', 'g')"
        return f"CASE WHEN length({digits}) >= 9 THEN left({digits}, 9) END"
    raise ValueError(f"unknown contract field {field!r}")


def load_inputs(con: duckdb.DuckDBPyConnection, mapping: dict, files: list[Path]) -> list[str]:
    """Read and clean each CSV into a DuckDB table; return the table names."""
    id_column = mapping["id"]
    fields: dict[str, str] = mapping["fields"]
    tables = []
    for i, path in enumerate(files):
        selects = [f"'{path.name}' AS file", f'CAST("{id_column}" AS VARCHAR) AS record_id']
        for field in ALL_FIELDS:
            sql = _clean_sql(field, fields[field]) if field in fields else "NULL::VARCHAR"
            selects.append(f"{sql} AS {field}")
        table = f"input_{i}"
        con.execute(
            f"CREATE TABLE {table} AS SELECT {', '.join(selects)} "
            f"FROM read_csv('{path}', all_varchar = true, header = true)"
        )
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT *, "
            "list_distinct(string_split(name, ' ')) AS name_tokens FROM " + table
        )
        tables.append(table)
    return tables


def _present(con: duckdb.DuckDBPyConnection, tables: list[str]) -> set[str]:
    """Fields with at least one value: comparisons on empty fields would only add noise."""
    present = set()
    for field in ALL_FIELDS:
        filled = sum(
            con.execute(f"SELECT count({field}) FROM {t}").fetchall()[0][0] for t in tables
        )
        if filled:
            present.add(field)
    return present


# --- comparisons ------------------------------------------------------------------------------

_SHARED = "len(list_intersect(name_tokens_l, name_tokens_r))"
_LONGER = "greatest(len(name_tokens_l), len(name_tokens_r))"
_SHORTER = "least(len(name_tokens_l), len(name_tokens_r))"


def name_comparison() -> ComparisonCreator:
    """Exact (TF-adjusted), near-identical, most words shared, similar, else.

    The word level catches reordered and abbreviated business names that Jaro-Winkler alone
    scores low ("lincoln centre abraham" vs "abraham lincoln centre").
    """
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("name", 0.95),
            cll.CustomLevel(
                f"({_SHARED} >= 0.6 * {_LONGER}) OR ({_SHORTER} >= 2 AND {_SHARED} = {_SHORTER})",
                label_for_charts="most words shared",
            ),
            cll.JaroWinklerLevel("name", 0.85),
            cll.ElseLevel(),
        ],
    )


def comparisons(present: set[str], exact_only: tuple[str, ...] = ()) -> list[ComparisonCreator]:
    """One comparison per populated field, each with levels and TF on its exact match.

    Fields in `exact_only` get exact-or-not: a similarity level that never occurs (no typos in
    a register's city list or phones, nor in the second generator's phones, postal codes and
    BNs) cannot be trained and would score with defaults.
    """
    out: list[ComparisonCreator] = []
    if "name" in present:
        out.append(name_comparison())
    if "operating_name" in present:
        out.append(cl.JaroWinklerAtThresholds("operating_name", [0.92, 0.8]).configure(
            term_frequency_adjustments=True))
    if "address" in present:
        out.append(cl.JaroWinklerAtThresholds("address", [0.95, 0.88]).configure(
            term_frequency_adjustments=True))
    if "city" in present and "city" in exact_only:
        out.append(cl.ExactMatch("city").configure(term_frequency_adjustments=True))
    elif "city" in present:
        out.append(cl.JaroWinklerAtThresholds("city", [0.9]).configure(
            term_frequency_adjustments=True))
    if "postal_code" in present and "postal_code" in exact_only:
        out.append(cl.ExactMatch("postal_code").configure(term_frequency_adjustments=True))
    elif "postal_code" in present:
        out.append(cl.DamerauLevenshteinAtThresholds("postal_code", [1]).configure(
            term_frequency_adjustments=True))
    if "phone" in present and "phone" in exact_only:
        out.append(cl.ExactMatch("phone").configure(term_frequency_adjustments=True))
    elif "phone" in present:
        out.append(cl.DamerauLevenshteinAtThresholds("phone", [1]).configure(
            term_frequency_adjustments=True))
    if "email" in present:
        out.append(cl.EmailComparison("email"))
    if "business_number" in present and "business_number" in exact_only:
        out.append(cl.ExactMatch("business_number"))
    elif "business_number" in present:
        out.append(cl.DamerauLevenshteinAtThresholds("business_number", [1]))
    return out


# --- profiles: blocking, training rules -------------------------------------------------------


def _sorted_words(column: str = "name") -> str:
    """The words of a value in alphabetical order: blind to "smith john" vs "john smith"."""
    return f"array_to_string(list_sort(string_split({column}, ' ')), ' ')"


def _first_word(column: str = "name") -> str:
    """Alphabetically first word: the same key whatever the word order."""
    return f"list_sort(string_split({column}, ' '))[1]"


def _last_word(column: str = "name") -> str:
    return f"list_sort(string_split({column}, ' '))[-1]"


def _house_number(column: str = "address") -> str:
    """The first number followed by a word ("suite 200 14 main st" -> 14): the house number
    wherever the unit is written."""
    return f"nullif(regexp_extract({column}, '([0-9]+) [a-z]', 1), '')"


Rule = tuple[str, ...] | str  # block_on parts, or one SQL condition on l. and r.

PROFILES: dict[str, dict[str, list]] = {
    # FEBRL: people with name, address, suburb, postcode only (no date of birth, no SSN).
    "febrl": {
        "blocking": [
            (_sorted_words(),), ("address",), ("postal_code",),
            (_first_word(), "city"), (_last_word(), "city"),
            (_first_word(), "substr(postal_code, 1, 2)"),
            (_last_word(), "substr(postal_code, 1, 2)"),
            ("substr(address, 1, 8)",),
        ],
        "em": [("postal_code",), ("name",)],
        "deterministic": [("name", "address"), ("name", "postal_code")],
    },
    # Sites kept by several agencies (dedupe-examples): name, address, zip, phone.
    "sites": {
        "blocking": [
            ("name",), ("address",), ("phone",),
            ("substr(name, 1, 6)",), ("substr(address, 1, 6)",),
            (_sorted_words(),), (_first_word("address"), "postal_code"),
        ],
        "em": [("phone",), ("substr(address, 1, 6)",)],
        "deterministic": [("name", "address"), ("phone", "address")],
    },
    # Ministry registers: every rule keeps a full postal code, an identifier or a name plus
    # address, so candidate pairs grow about linearly with size (city or FSA keys grow
    # quadratically: registered offices hold hundreds of firms, chains repeat one name).
    # Measured on the demo registers: 74k pairs at 10k businesses (blocking recall 0.964),
    # 1.2M at 100k; the rules with the FSA or city kept 0.2-0.5 points more recall for
    # 1.3-3x the pairs. Trade names are matched against legal names in both directions.
    "registers": {
        "blocking": [
            (_sorted_words(), "postal_code"), ("name", "address"),
            ("operating_name", "postal_code"), ("substr(name, 1, 6)", "postal_code"),
            ("phone",), ("business_number",), ("email",),
            "l.name = r.operating_name AND substr(l.postal_code, 1, 3) = "
            "substr(r.postal_code, 1, 3)",
            "l.operating_name = r.name AND substr(l.postal_code, 1, 3) = "
            "substr(r.postal_code, 1, 3)",
        ],
        "em": [("postal_code",), ("name",)],
        "deterministic": [("business_number", "name"), ("name", "postal_code")],
        "exact_only": ["city", "phone"],
    },
    # A list of names only: names, their sorted words, their first six letters. No EM: every
    # rule is on the name, the only comparison, so no session has anything left to train and
    # the name levels keep Splink's default m.
    "names": {
        "blocking": [("name",), (_sorted_words(),), ("substr(name, 1, 6)",), (_first_word(),)],
        "em": [],
        "deterministic": [("name",)],
    },
    # Companies from several sources (benchmarks/second_generator): name, address, city,
    # postal code, phone, BN. Every rule holds an identifier, a full name, a postal code or a
    # house number with the city, so pairs grow about linearly with size: sorted words catch
    # reordered names; the name's first six letters with the postal code, or with the city
    # and house number, catch legal-form variants and late typos; the house number with the
    # postal code catches misspelt names at one address; the first or last sorted name word
    # with house number and city catch prefixes and early typos. Measured at 100 k records:
    # blocking recall 0.963; name prefix x city, first name word x city or rarest name word
    # x city add 0.5-2 points for 24-470 M pairs at 1 M records (the name words repeat).
    "companies": {
        "blocking": [
            ("name",), (_sorted_words(),), ("phone",), ("business_number",),
            ("substr(name, 1, 6)", "postal_code"), (_house_number(), "postal_code"),
            ("substr(name, 1, 6)", "city", _house_number()),
            (_last_word(), _house_number(), "city"), (_first_word(), _house_number(), "city"),
        ],
        "em": [("postal_code",), ("name",)],
        "deterministic": [("business_number", "name"), ("name", "postal_code")],
        "exact_only": ["phone", "postal_code", "business_number"],
    },
}


def _columns_of(rule: Rule) -> set[str]:
    """Contract fields a rule's SQL refers to."""
    parts = [rule] if isinstance(rule, str) else rule
    words = {w for part in parts for w in re.findall(r"[a-z_]+", part)}
    return words & set(ALL_FIELDS)


def rules(keys: list[Rule], present: set[str]) -> list[BlockingRuleCreator | str]:
    """Splink blocking rules for the keys whose fields are all populated."""
    usable = [k for k in keys if _columns_of(k) and _columns_of(k) <= present]
    return [k if isinstance(k, str) else block_on(*k) for k in usable]


# --- the run ----------------------------------------------------------------------------------


def run(
    mapping_path: Path, files: list[Path], out_dir: Path, profile: str = "registers",
    link_type: str = "auto", threshold: float = 0.9, u_max_pairs: float = 1e6, seed: int = 42,
    thresholds_out: list[float] | None = None, em_max_pairs: float = 5e6,
) -> dict:
    """Train, predict and cluster; write the contract's outputs; return phase timings."""
    timings: dict[str, float] = {}
    start = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[name] = round(now - last, 3)
        last = now

    mapping = yaml.safe_load(mapping_path.read_text())
    con = duckdb.connect()
    tables = load_inputs(con, mapping, files)
    present = _present(con, tables)
    lap("read_and_clean")

    if link_type == "auto":
        link_type = "dedupe_only" if len(tables) == 1 else "link_and_dedupe"
    spec = PROFILES[profile]
    settings = SettingsCreator(
        unique_id_column_name="record_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=rules(spec["blocking"], present),
        comparisons=comparisons(present, tuple(spec.get("exact_only", ()))),
        additional_columns_to_retain=["file"],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=con)
    inputs = [db_api.register(t, dataset_display_name=t) for t in tables]
    linker = Linker(inputs if len(inputs) > 1 else inputs[0], settings, log_level=logging.WARNING)
    if link_type != "link_only":
        linker.training.estimate_probability_two_random_records_match(
            rules(spec["deterministic"], present), recall=0.7
        )
    # else: Splink 5.0 fails there (a sample filter built without a SQL dialect); lambda
    # starts at Splink's default and EM re-estimates it
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    # Splink 5 cannot sample EM pairs when linking only ("EM sampling requires a SQL
    # dialect"): those sets are small, so EM reads every blocked pair there
    sampling = {} if link_type == "link_only" else {"max_pairs": em_max_pairs}
    for rule in rules(spec["em"], present):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, **sampling
        )
    lap("train")

    predictions = linker.inference.predict()
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    lap("cluster")

    out_dir.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"COPY (SELECT file_l, record_id_l, file_r, record_id_r, match_probability, "
        f"CASE WHEN match_probability >= {threshold} THEN 'match' ELSE 'non-match' END "
        f"AS decision, match_weight FROM {predictions.physical_name}) "
        f"TO '{out_dir / 'pairs.csv'}' (HEADER)"
    )
    con.execute(
        f"COPY (SELECT file, record_id, cluster_id FROM {clusters.physical_name}) "
        f"TO '{out_dir / 'clusters.csv'}' (HEADER)"
    )
    lap("write")
    for extra in thresholds_out or []:  # diagnostics only, outside the timed run
        more = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=extra
        )
        con.execute(
            f"COPY (SELECT file, record_id, cluster_id FROM {more.physical_name}) "
            f"TO '{out_dir / f'clusters_at_{extra}.csv'}' (HEADER)"
        )
    timings["total"] = round(last - start, 3)
    report = {"tool": "splink", "profile": profile, "link_type": link_type,
              "threshold": threshold, "u_max_pairs": u_max_pairs, "em_max_pairs": em_max_pairs,
              "fields": sorted(present),
              "timings": timings}
    (out_dir / "timings.json").write_text(json.dumps(report, indent=2))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mapping", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="registers")
    parser.add_argument("--link-type", default="auto",
                        choices=["auto", "dedupe_only", "link_only", "link_and_dedupe"])
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--u-max-pairs", type=float, default=1e6)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--em-max-pairs", type=float, default=5e6,
                        help="cap on the blocked pairs each EM session samples")
    parser.add_argument("--also-cluster-at", type=str, default="",
                        help="comma-separated extra thresholds, written after the timed run")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    extra = [float(t) for t in args.also_cluster_at.split(",") if t]
    report = run(args.mapping, args.files, args.out, args.profile, args.link_type,
                 args.threshold, args.u_max_pairs, args.seed, extra, args.em_max_pairs)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
