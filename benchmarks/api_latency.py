"""`ubr serve` under load: /v1/resolve latency with concurrent clients against a built registry,
next to Splink 5 scoring the same records one at a time (the yardstick).

    .venv/bin/python benchmarks/api_latency.py --businesses 20000 --requests 1000
    .venv/bin/python benchmarks/api_latency.py --businesses 100000 --keep /tmp/ubr-api-100k
    .venv/bin/python benchmarks/api_latency.py --keep /tmp/ubr-api-100k --processes 2

Stages, each printed with its counts and seconds:
1. registry: the demo registers (benchmarks/datasets.py, cached in .bench_cache/) and the batch
   job in a child process (benchmarks/pipeline_speed.run_child) on a scratch SQLite store;
   skipped with --keep DIR when DIR already holds a registry of that size;
2. queries: records of the demo registers, perturbed with a fixed seed (typos in the name,
   fields dropped or abbreviated, phone and postal code reformatted), plus ~20 % businesses the
   registry does not hold (benchmarks/second_generator);
3. start-up: `ubr serve --processes N` as a subprocess, until /v1/health answers; the
   server's own loading time and its resident memory (VmRSS, VmHWM), and under load the
   proportional set size of all its processes together (shared pages counted once);
4. warm-up (50 requests), then the load: --concurrency asyncio clients in this process (one
   keep-alive httpx.AsyncClient each) share --requests requests; the phase stops by itself at
   --duration-cap. Latency is time.perf_counter() around each call. The server's CPU comes from
   /proc/PID/stat; the load generator's own CPU is reported too (it shares the cores);
5. one client, one request at a time (100 requests): the latency without queueing;
6. the yardstick, server stopped: Splink trained as benchmarks/splink_runner.py trains it on the
   same registers, then `linker.inference.predict_between(registry, one_record)` per record
   (Splink 5 replaced `find_matches_to_new_records` by predict_between) for the same 100
   records.
The goal (for 1,000,000 businesses, 16 clients): p50 <= 10 ms and p99 <= 50 ms.
"""

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datasets import (  # noqa: E402
    CONTRACT_FIELDS,
    demo_registers_dir,
    load_demo_registers,
    second_generator_frame,
)
from benchmarks.pipeline_speed import SECRETS, run_child, scratch_database  # noqa: E402

UBR = str(Path(sys.executable).with_name("ubr"))
MINISTRY = "revenue"  # whose key the clients present (its share shows every business)
API_KEYS = {m: f"benchmark-only-api-key-{m}-0123456789abcdef"
            for m in ("rjsc", "wcb", "revenue", "permits")}
WARMUP, SEQUENTIAL, UNKNOWN_SHARE = 50, 100, 0.2
GOAL_BUSINESSES, GOAL_CLIENTS, GOAL_P50_MS, GOAL_P99_MS = 1_000_000, 16, 10.0, 50.0
TICKS = os.sysconf("SC_CLK_TCK")
ABBREVIATIONS = {"street": "St", "avenue": "Ave", "road": "Rd", "drive": "Dr", "boulevard": "Blvd",
                 "highway": "Hwy", "court": "Ct", "suite": "Ste", "limited": "Ltd.",
                 "incorporated": "Inc.", "company": "Co.", "enterprises": "Ent.", "rue": "R."}


@dataclass
class Query:
    kind: str  # "known": a perturbed register record; "unknown": not in the registry
    body: dict[str, str]


@dataclass
class Sample:
    seconds: float
    status: int | None  # None: no answer (transport error or timeout)
    kind: str
    candidates: int = 0
    best: str | None = None  # the best candidate's decision
    error: str | None = None


def stage(name: str, text: str, seconds: float) -> None:
    print(f"[{name}] {text} ({seconds:.1f} s)", flush=True)


@contextmanager
def timed() -> Iterator[list[float]]:
    """Yields a list that holds the elapsed seconds once the block ends."""
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


# --- queries ----------------------------------------------------------------------------------


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in a letter after the first: dropped, swapped, doubled or replaced."""
    letters = [i for i, c in enumerate(text) if c.isalpha()][1:]
    if len(letters) < 3:
        return text
    i = rng.choice(letters)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    other = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return text[:i] + (other.upper() if text[i].isupper() else other) + text[i + 1:]


def abbreviate(text: str) -> str:
    """Street types, units and legal forms shortened ("Main Street" -> "Main St")."""
    def short(match: re.Match[str]) -> str:
        return ABBREVIATIONS.get(match.group(0).lower(), match.group(0))
    return re.sub(r"[A-Za-z]+", short, text)


def reformat_phone(phone: str, rng: random.Random) -> str:
    digits = re.sub(r"\D", "", phone)[-10:]
    if len(digits) < 10:
        return phone
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}.{b}.{c}", digits, f"+1 {a} {b} {c}",
                       f"1-{a}-{b}-{c}"])


def reformat_postal(code: str, rng: random.Random) -> str:
    compact = re.sub(r"\s", "", code)
    return rng.choice([compact, compact.lower(), f"{compact[:3]} {compact[3:]}".lower()])


def perturb(record: dict[str, Any], rng: random.Random) -> dict[str, str]:
    """A clerk's version of a stored record: typed again, partly, in another format."""
    body = {f: str(record[f]) for f in CONTRACT_FIELDS
            if f in record and not pd.isna(record[f]) and str(record[f]).strip()}
    name = body["name"]
    if rng.random() < 0.6:
        name = typo(name, rng)
    if rng.random() < 0.3:
        name = abbreviate(name)
    if rng.random() < 0.2:
        name = rng.choice([name.upper(), name.lower(), name.title()])
    body["name"] = name
    drops = {"operating_name": 0.5, "address": 0.25, "city": 0.2, "postal_code": 0.2,
             "phone": 0.3, "email": 0.5, "business_number": 0.5}
    for field, share in drops.items():
        if field in body and rng.random() < share:
            del body[field]
    if "address" in body and rng.random() < 0.5:
        body["address"] = abbreviate(body["address"])
    if "phone" in body:
        body["phone"] = reformat_phone(body["phone"], rng)
    if "postal_code" in body:
        body["postal_code"] = reformat_postal(body["postal_code"], rng)
    if "business_number" in body and rng.random() < 0.5:
        body["business_number"] = body["business_number"][:9]  # the BN root only
    if "email" in body and rng.random() < 0.3:
        body["email"] = body["email"].upper()
    return body


def make_queries(businesses: int, count: int, seed: int = 42) -> list[Query]:
    """`count` distinct query bodies, shuffled: perturbed register records and ~20 % unknown
    businesses from the second generator (one record per company)."""
    rng = random.Random(seed)
    registers = pd.concat(load_demo_registers(businesses).files.values(), ignore_index=True)
    unknown = round(count * UNKNOWN_SHARE)
    picked = registers.sample(count - unknown, random_state=seed)
    queries = [Query("known", perturb(row, rng)) for row in picked.to_dict("records")]
    others = second_generator_frame(max(4 * unknown, 2000), seed=7).drop_duplicates("entity")
    for row in others.sample(unknown, random_state=seed).to_dict("records"):
        queries.append(Query("unknown", perturb(row, rng)))
    rng.shuffle(queries)
    return queries


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(url: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UBR_")}
    env.update(SECRETS)
    env.update({f"UBR_API_KEY_{m.upper()}": key for m, key in API_KEYS.items()})
    env.update({"UBR_DATABASE_URL": url, "UBR_HOME": str(work / "home"),
                "DAGSTER_HOME": str(work / "dagster_home"), "UBR_USER": "api-benchmark"})
    return env


def proc_memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak resident) of a process, in MiB."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def server_pids(pid: int) -> list[int]:
    """The server and the processes it forked (`--processes`)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [pid, *(int(child) for child in children.read().split())]
    except OSError:
        return [pid]


def total_pss_mib(pids: list[int]) -> float:
    """Proportional set size of the processes together: pages they share counted once."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            total += sum(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    return total / 1024


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_for_health(base: str, process: subprocess.Popen, log: Path,
                    limit: float = 900.0) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while True:
        try:
            answer = httpx.get(f"{base}/v1/health", timeout=2)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"`ubr serve` exited ({process.returncode}):\n"
                             f"{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"`ubr serve` did not answer /v1/health in {limit:.0f} s")
        time.sleep(0.2)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the load generator -----------------------------------------------------------------------


async def load(base: str, queries: list[Query], concurrency: int,
               cap: float) -> tuple[list[Sample], float, bool]:
    """`concurrency` clients share the queries; returns the samples, the wall seconds and
    whether the duration cap stopped the phase before every query was sent."""
    samples: list[Sample] = []
    pending = iter(queries)
    timeout = httpx.Timeout(max(5.0, min(60.0, cap)))
    headers = {"X-API-Key": API_KEYS[MINISTRY]}
    start = time.perf_counter()
    deadline = start + cap
    capped = False

    async def client() -> None:
        nonlocal capped
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout,
                                     limits=limits) as http:
            for query in pending:
                if time.perf_counter() > deadline:
                    capped = True
                    return
                began = time.perf_counter()
                try:
                    answer = await http.post("/v1/resolve", json=query.body)
                except httpx.HTTPError as exc:
                    samples.append(Sample(time.perf_counter() - began, None, query.kind,
                                          error=type(exc).__name__))
                    continue
                seconds = time.perf_counter() - began
                found = answer.json().get("candidates", []) if answer.status_code == 200 else []
                samples.append(Sample(seconds, answer.status_code, query.kind, len(found),
                                      found[0]["decision"] if found else None,
                                      None if answer.status_code == 200 else answer.text[:200]))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return samples, time.perf_counter() - start, capped


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def latency_line(seconds: list[float]) -> str:
    if not seconds:
        return "no successful request"
    ms = [s * 1000 for s in seconds]
    return (f"p50 {percentile(ms, 0.5):.1f} ms, p90 {percentile(ms, 0.9):.1f} ms, "
            f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms")


def logged_seconds(log: Path, offset: int) -> list[float]:
    """The server's own timing of each /v1/resolve it logged after `offset` (its access log:
    from the request reaching the application to the response, queueing in uvicorn left
    out)."""
    with log.open("rb") as text:
        text.seek(offset)
        tail = text.read().decode(errors="replace")
    return [float(ms) / 1000 for ms in re.findall(r"POST /v1/resolve \d+ ([\d.]+)ms", tail)]


def answers_line(samples: list[Sample]) -> str:
    """How the answers look: a check that the server resolved rather than failed fast."""
    parts = []
    for kind in ("known", "unknown"):
        mine = [s for s in samples if s.kind == kind and s.status == 200]
        if mine:
            some = sum(s.candidates > 0 for s in mine) / len(mine)
            match = sum(s.best == "match" for s in mine) / len(mine)
            parts.append(f"{kind} {len(mine):,}: {some:.0%} with a candidate, "
                         f"{match:.0%} best is a match")
    return "; ".join(parts)


# --- the yardstick: Splink --------------------------------------------------------------------


def splink_yardstick(businesses: int, queries: list[Query], work: Path) -> dict[str, Any]:
    """Splink trained on the registers as benchmarks/splink_runner.py trains it (one table of
    all records, which scores the same pairs as its link_and_dedupe over the four files), then
    one predict_between per query record: cleaning, blocking, scoring, fetching the pairs."""
    import logging

    import duckdb
    import yaml
    from splink import DuckDBAPI, Linker, SettingsCreator

    from benchmarks.splink_runner import (
        ALL_FIELDS,
        PROFILES,
        _clean_sql,
        _present,
        comparisons,
        load_inputs,
        rules,
    )

    with timed() as took:
        dataset = load_demo_registers(businesses)
        mapping_path, paths = dataset.write(work / "splink_inputs")
        con = duckdb.connect()
        tables = load_inputs(con, yaml.safe_load(mapping_path.read_text()), paths)
        union = " UNION ALL ".join(
            f"SELECT * REPLACE (file || '/' || record_id AS record_id) FROM {t}" for t in tables)
        con.execute(f"CREATE TABLE registry AS {union}")
        for table in tables:
            con.execute(f"DROP TABLE {table}")
        present = _present(con, ["registry"])
        spec = PROFILES["registers"]
        settings = SettingsCreator(
            unique_id_column_name="record_id", link_type="dedupe_only",
            blocking_rules_to_generate_predictions=rules(spec["blocking"], present),
            comparisons=comparisons(present, tuple(spec.get("exact_only", ()))),
            additional_columns_to_retain=["file"],
            retain_intermediate_calculation_columns=False)
        db_api = DuckDBAPI(connection=con)
        registry = db_api.register("registry", dataset_display_name="registry")
        linker = Linker(registry, settings, log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(
            rules(spec["deterministic"], present), recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
        for rule in rules(spec["em"], present):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=5e6)
        for column in linker._settings_obj._term_frequency_columns:
            linker.table_management.compute_tf_table(column.unquote().name)
    stage("splink", f"trained on {dataset.records:,} records, term frequencies registered",
          took[0])

    raw = ", ".join(f"CAST(? AS VARCHAR) AS {f}" for f in ALL_FIELDS)
    cleaned = ", ".join(f"{_clean_sql(f, f)} AS {f}" for f in ALL_FIELDS)

    def one(i: int, query: Query) -> tuple[float, int]:
        values = [query.body.get(f) for f in ALL_FIELDS]
        began = time.perf_counter()
        con.execute(
            f"CREATE TABLE new_{i} AS SELECT 'query' AS file, 'query/{i}' AS record_id, *, "
            f"list_distinct(string_split(name, ' ')) AS name_tokens "
            f"FROM (SELECT {cleaned} FROM (SELECT {raw}))", values)
        new = db_api.register(f"new_{i}", dataset_display_name=f"new_{i}")
        found = linker.inference.predict_between(registry, new, threshold_match_weight=-4,
                                                 warning_mode="never")
        pairs = len(found.as_pandas_dataframe())
        seconds = time.perf_counter() - began
        found.drop_table_from_database_and_remove_from_cache()
        con.execute(f"DROP TABLE new_{i}")
        return seconds, pairs

    for i, query in enumerate(queries[:3]):  # warm-up, not counted
        one(10_000 + i, query)
    with timed() as took:
        timings = [one(i, query) for i, query in enumerate(queries)]
    seconds = [s for s, _ in timings]
    stage("splink", f"{len(queries)} records one at a time: {latency_line(seconds)}; "
          f"{sum(p > 0 for _, p in timings)} with a pair (match weight > -4)", took[0])
    con.close()
    return {"p50": percentile(seconds, 0.5), "p99": percentile(seconds, 0.99)}


# --- the run ----------------------------------------------------------------------------------


def build_registry(businesses: int, work: Path) -> str:
    """The demo registers and one batch run on a SQLite store in `work`; its URL."""
    url, _ = scratch_database("sqlite", work)
    meta = work / "api_latency.json"
    if meta.exists() and (work / "registry.sqlite").exists():
        built = json.loads(meta.read_text())
        if built["businesses"] != businesses:
            raise SystemExit(f"{work} holds a registry of {built['businesses']:,} businesses, "
                             f"not {businesses:,}")
        stage("registry", f"reused {work} ({businesses:,} businesses)", 0.0)
        return url
    with timed() as took:
        data = demo_registers_dir(businesses)
    records = sum(1 for _ in (data / "answer_key.csv").open()) - 1
    stage("registry", f"demo registers: {businesses:,} businesses, {records:,} records "
          f"in {data.name}", took[0])
    with timed() as took:
        row = run_child(data, url, work)
    if not row["success"]:
        raise SystemExit(f"the batch run on {data} failed")
    stage("registry", f"batch run: {row['wall_seconds']:.1f} s in the job, peak "
          f"{row['peak_mib']:,} MiB; stages {', '.join(row['stages'])}", took[0])
    meta.write_text(json.dumps({"businesses": businesses, "data": str(data)}))
    return url


def benchmark(args: argparse.Namespace, work: Path) -> None:
    url = build_registry(args.businesses, work)
    with timed() as took:
        queries = make_queries(args.businesses, WARMUP + args.requests + SEQUENTIAL)
    warmup, main_load = queries[:WARMUP], queries[WARMUP:WARMUP + args.requests]
    sequential = queries[WARMUP + args.requests:]
    unknown = sum(q.kind == "unknown" for q in queries)
    stage("queries", f"{len(queries):,} bodies ({unknown:,} of businesses not in the registry), "
          "perturbed with seed 42", took[0])

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    process = None
    try:
        started = time.perf_counter()
        with log.open("w") as out:
            process = subprocess.Popen(
                [UBR, "serve", "--database-url", url, "--home", str(work / "home"),
                 "--port", str(port), "--processes", str(args.processes)],
                env=server_environment(url, work),
                stdout=out, stderr=subprocess.STDOUT)
        health = wait_for_health(base, process, log)
        memory = proc_memory_mib(process.pid)
        stage("start-up", f"/v1/health answered: {health['records']:,} records, registry "
              f"{health['registry_version']}, loaded in {health['loaded_in_seconds']:.1f} s "
              f"(server's own figure); RSS {memory['VmRSS']:,.0f} MiB, "
              f"peak {memory['VmHWM']:,.0f} MiB; {args.processes} process(es)",
              time.perf_counter() - started)

        with timed() as took:
            samples, _, _ = asyncio.run(load(base, warmup, 1, args.duration_cap))
        stage("warm-up", f"{len(samples)} requests, one client, "
              f"{sum(s.status == 200 for s in samples)} answered 200", took[0])

        offset = log.stat().st_size
        pids = server_pids(process.pid)
        cpu_before = sum(map(proc_cpu_seconds, pids))
        own_before = time.process_time()
        samples, wall, capped = asyncio.run(
            load(base, main_load, args.concurrency, args.duration_cap))
        server_cpu = sum(map(proc_cpu_seconds, pids)) - cpu_before
        own_cpu = time.process_time() - own_before
        memory = proc_memory_mib(process.pid)
        pss = total_pss_mib(pids)
        ok = [s.seconds for s in samples if s.status == 200]
        errors = [s for s in samples if s.status != 200]
        stage("load", f"{args.concurrency} clients, {len(samples):,} of {len(main_load):,} "
              f"requests{' (STOPPED by the duration cap)' if capped else ''}; "
              f"{len(samples) / wall:.1f} req/s; errors {len(errors)}", wall)
        print(f"  latency (200s): {latency_line(ok)}")
        for kind in ("known", "unknown"):
            mine = [s.seconds for s in samples if s.status == 200 and s.kind == kind]
            print(f"  {kind:>7}: {latency_line(mine)}")
        print(f"  server's own timing (its log): {latency_line(logged_seconds(log, offset))}")
        print(f"  answers: {answers_line(samples)}")
        print(f"  server CPU {server_cpu:.1f} s over {wall:.1f} s "
              f"({server_cpu / wall:.2f} cores), {1000 * server_cpu / max(len(samples), 1):.1f} "
              f"ms per request; RSS {memory['VmRSS']:,.0f} MiB, peak {memory['VmHWM']:,.0f} MiB "
              f"(first process); {len(pids)} process(es) together {pss:,.0f} MiB PSS")
        print(f"  closed loop: {args.concurrency} busy clients / {len(samples) / wall:.1f} req/s "
              f"= {1000 * args.concurrency * wall / max(len(samples), 1):.0f} ms mean latency "
              f"(Little's law); a p50 of {GOAL_P50_MS:.0f} ms with {args.concurrency} clients "
              f"needs about {1000 * args.concurrency / GOAL_P50_MS:,.0f} req/s")
        print(f"  load generator CPU {own_cpu:.1f} s ({own_cpu / wall:.2f} cores) - it shares "
              f"the machine's {os.cpu_count()} cores with the server; load average "
              f"{os.getloadavg()[0]:.2f} (other work on the machine counts too)")
        if errors:
            kinds: dict[str, int] = {}
            for s in errors:
                key = f"{s.status or 'no answer'} {s.error or ''}".strip()
                kinds[key] = kinds.get(key, 0) + 1
            print(f"  errors: {kinds}")
            print(f"  server log tail:\n{log.read_text()[-1500:]}")

        with timed() as took:
            seq, _, _ = asyncio.run(load(base, sequential, 1, args.duration_cap))
        seq_ok = [s.seconds for s in seq if s.status == 200]
        stage("sequential", f"{len(seq)} requests, one client, one at a time: "
              f"{latency_line(seq_ok)}", took[0])
    finally:
        stop(process)

    splink = None
    if args.no_splink:
        print("[splink] not measured: --no-splink")
    else:
        try:
            splink = splink_yardstick(args.businesses, sequential, work)
        except Exception as exc:  # the yardstick must not hide the API's figures
            print(f"[splink] not measured: {type(exc).__name__}: {exc}")

    p50 = percentile(ok, 0.5) * 1000 if ok else float("inf")
    p99 = percentile(ok, 0.99) * 1000 if ok else float("inf")
    print(f"\nSUMMARY {args.businesses:,} businesses ({health['records']:,} records), "
          f"{args.concurrency} clients: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"{len(samples) / wall:.1f} req/s, {len(errors)} errors; start-up: loaded in "
          f"{health['loaded_in_seconds']:.1f} s, RSS {memory['VmRSS']:,.0f} MiB")
    if splink:
        seq_p50 = percentile(seq_ok, 0.5) if seq_ok else float("inf")
        print(f"YARDSTICK Splink predict_between p50 {splink['p50'] * 1000:.1f} ms, "
              f"p99 {splink['p99'] * 1000:.1f} ms per record; UBR p50 / Splink p50 = "
              f"{seq_p50 / splink['p50']:.3f} one at a time, "
              f"{p50 / 1000 / splink['p50']:.3f} under load")
    verdict = ("MET" if p50 <= GOAL_P50_MS else "NOT MET", "MET" if p99 <= GOAL_P99_MS
               else "NOT MET")
    scope = "" if (args.businesses >= GOAL_BUSINESSES and args.concurrency == GOAL_CLIENTS) \
        else f" - measured at {args.businesses:,} businesses, {args.concurrency} clients, " \
             "not the goal's conditions"
    print(f"GOAL ({GOAL_BUSINESSES:,} businesses, {GOAL_CLIENTS} clients): p50 <= "
          f"{GOAL_P50_MS:.0f} ms {verdict[0]} ({p50:.1f} ms), p99 <= {GOAL_P99_MS:.0f} ms "
          f"{verdict[1]} ({p99:.1f} ms){scope}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration-cap", type=float, default=120.0,
                        help="seconds after which the load phase stops sending requests")
    parser.add_argument("--keep", type=Path,
                        help="build the registry in this folder, or reuse the one it holds")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink yardstick")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes (`ubr serve --processes`)")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        benchmark(args, args.keep.resolve())
        return
    with tempfile.TemporaryDirectory(prefix="ubr-api-latency-") as scratch:
        benchmark(args, Path(scratch))


if __name__ == "__main__":
    main()
