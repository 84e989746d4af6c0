"""How fast a publication writes the golden registry and every ministry's share, how fast
a ministry's export reads it back, and how fast the auditors' look-ups (explain, trace) answer.

    .venv/bin/python benchmarks/publication_speed.py                  # 100,000 businesses, both
    .venv/bin/python benchmarks/publication_speed.py --businesses 1000000 --backend postgresql

A synthetic golden registry is written straight into the tables (bulk.insert_frame): one run,
`businesses` with text in every golden column (about 10 % sole proprietorships with owner
fields, 2 % retired into an active id), about 3.7 source records per business in
`cross_reference` and their `linked` rows in `cross_reference_history`. Source records, field
provenance and match evidence stay empty. Building happens in one process and measuring in
another, so peak memory (ru_maxrss) is the measurement's own. Measured: four publications under
config/sharing.yaml with keep=3 (the first; a second with nothing changed; a third after about
1 % of the registry changed: values updated, businesses retired into others, new businesses
with their records; a fourth with nothing changed that prunes the first) with the time of each
step inside publish_registry; an `ubr export`-equivalent read of one
ministry's share to CSV; and the latency of `explain` and `trace` over 200 random ids and
records. PostgreSQL runs in a scratch database `ubr_bench_<uuid8>`, dropped afterwards
(publishing there creates the cluster-wide ministry roles ubr_rjsc, ubr_wcb...).
"""

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.golden.registry_ids import format_registry_ids  # noqa: E402
from registry import (  # noqa: E402
    RegistryStore,
    bulk,
    lineage,
    ministry_access,
    publication,
    publication_shares,
)
from registry.database import write_transaction  # noqa: E402
from registry.golden_schema import businesses, cross_reference, golden_runs  # noqa: E402
from registry.publication_schema import cross_reference_history, publications  # noqa: E402
from registry.sharing_agreement import load_sharing, sharing_hash  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRETS = ("UBR_SHARING_SECRET_RJSC", "UBR_SHARING_SECRET_WCB", "UBR_SHARING_SECRET_PERMITS")
LOOKUPS = 200
WARM_UP = 10

WORDS = ["Boulangerie", "Côté", "Atlantic", "Fisheries", "Érablière", "Harbour", "Maritime",
         "Lévesque", "Fundy", "Acadian", "Bluenose", "Northumberland", "Cabot", "Évangéline",
         "Tidal", "Granite", "Highland", "Seaside", "Ocean", "Valley", "Pêcheries", "Sable"]
TRADES = ["Plumbing", "Trucking", "Construction", "Bakery", "Consulting", "Landscaping",
          "Hair Studio", "Electric", "Café", "Fishing Charters", "Auto Repair", "Daycare"]
GIVEN = ["Zoë", "Marie-Ève", "John", "Aaliyah", "Pierre", "Mohammed", "Siobhan", "Hélène",
         "Ravi", "Chloé", "Liam", "Noémie", "Darnell", "Yuki"]
SURNAMES = ["Tremblay", "MacDonald", "LeBlanc", "Nguyen", "Gallant", "Boudreau", "O'Neil",
            "Chiasson", "Fraser", "Côté", "Arsenault", "Singh", "MacKinnon", "Doucet"]
STREETS = ["Rue Principale", "Main Street", "Portland St.", "Chemin du Lac", "Water Street",
           "Queen St", "Spring Garden Road", "Route 134", "Boul. Saint-Pierre O.", "King Street"]
CITIES = [("Halifax", "NS", "B"), ("Dartmouth", "NS", "B"), ("Moncton", "NB", "E"),
          ("Dieppe", "NB", "E"), ("Charlottetown", "PE", "C"), ("St. John's", "NL", "A"),
          ("Caraquet", "NB", "E"), ("Sydney", "NS", "B"), ("Fredericton", "NB", "E")]
CORPORATE = [("Limited", "limited"), ("Ltd.", "limited"), ("Inc.", "incorporated"),
             ("Ltée", "limited"), ("Corp.", "corporation"), ("Company", "company")]
TYPES = ["corporation", "sole_proprietorship", "partnership", "society", "cooperative", None]
TYPE_SHARES = [0.74, 0.10, 0.03, 0.05, 0.03, 0.05]
BANDS = ["1-4", "5-9", "10-19", "20-49", "50-99", "100-499", "500+"]
# Records per business by source, as in the demo registers (~3.75 a business).
SOURCES = (("rjsc", "R", 0.90), ("wcb", "W", 0.57), ("revenue", "RT", 1.92),
           ("permits", "P", 0.36))


def stage(message: str, started: float) -> None:
    """A progress line on stderr (stdout carries the figures)."""
    print(f"  [{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)


def _pick(rng: np.random.Generator, values: list[Any], n: int,
          p: list[float] | None = None) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array[rng.choice(len(values), n, p=p)]


def _digits(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high, n).astype(str).astype(object)


def _dates(rng: np.random.Generator, n: int, start: str, days: int) -> np.ndarray:
    values = np.datetime64(start) + rng.integers(0, days, n).astype("timedelta64[D]")
    return values.astype(str).astype(object)


def _postal(rng: np.random.Generator, first: np.ndarray) -> np.ndarray:
    letters = np.array(list("ABCEGHJKLMNPRSTVXY"), dtype=object)
    n = len(first)
    digit = _digits(rng, n, 0, 10)
    return (first + _digits(rng, n, 0, 10) + letters[rng.integers(0, 18, n)] + " " + digit
            + letters[rng.integers(0, 18, n)] + _digits(rng, n, 0, 10))


def synthetic_businesses(n: int, run_id: str, seed: int = 7) -> pd.DataFrame:
    """Golden rows with realistic text in every column (vectorised: seconds at a million)."""
    rng = np.random.default_rng(seed)
    kind = _pick(rng, TYPES, n, TYPE_SHARES)
    w1, w2, trade = _pick(rng, WORDS, n), _pick(rng, WORDS, n), _pick(rng, TRADES, n)
    given, surname = _pick(rng, GIVEN, n), _pick(rng, SURNAMES, n)
    person = given + " " + surname
    forms = rng.integers(0, len(CORPORATE), n)
    suffix = np.array([f for f, _ in CORPORATE], dtype=object)[forms]
    legal_form = np.array([c for _, c in CORPORATE], dtype=object)[forms]
    legal_name = w1 + " " + w2 + " " + suffix
    numbered = rng.random(n) < 0.1
    legal_name[numbered] = (_digits(rng, int(numbered.sum()), 3_000_000, 4_000_000)
                            + " Nova Scotia Limited")
    operating = np.where(rng.random(n) < 0.5, w1 + " " + trade, None)
    for name, form, text in (("society", "society", w1 + " " + trade + " Society"),
                             ("cooperative", "cooperative", w2 + " Co-operative Limited"),
                             ("partnership", "llp", surname + " & " + w1 + " LLP")):
        rows = kind == name
        legal_name[rows], legal_form[rows] = text[rows], form
    sole = kind == "sole_proprietorship"
    legal_name[sole], legal_form[sole] = person[sole], None
    operating[sole] = (surname + " " + trade)[sole]
    untyped = pd.isna(kind)
    legal_form[untyped & (rng.random(n) < 0.5)] = None
    city = rng.integers(0, len(CITIES), n)
    cities = np.array([c for c, _, _ in CITIES], dtype=object)
    provinces = np.array([p for _, p, _ in CITIES], dtype=object)
    letters = np.array([f for _, _, f in CITIES], dtype=object)
    area = np.array(["902", "506", "782", "709"], dtype=object)[rng.integers(0, 4, n)]
    owners = sole | ((kind == "partnership") & (rng.random(n) < 0.7))
    owner_city = rng.integers(0, len(CITIES), n)

    def only(values: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.where(where, values, None)

    frame = pd.DataFrame({
        "registry_id": format_registry_ids(np.arange(1, n + 1)),
        "status": "active",
        "retired_into": None,
        "legal_name": legal_name,
        "operating_name": operating,
        "business_type": kind,
        "legal_form": legal_form,
        "business_number": only(_digits(rng, n, 100_000_000, 999_999_999),
                                rng.random(n) < 0.85),
        "business_status": _pick(rng, ["active", "inactive", "dissolved"], n, [0.85, 0.08, 0.07]),
        "status_date": only(_dates(rng, n, "1995-01-01", 11_000), rng.random(n) < 0.6),
        "registration_date": _dates(rng, n, "1950-01-01", 27_000),
        "address_type": _pick(rng, ["registered_office", "mailing", "site", "business"], n),
        "address_line": _digits(rng, n, 1, 9999) + " " + _pick(rng, STREETS, n),
        "city": cities[city],
        "province": provinces[city],
        "postal_code": _postal(rng, letters[city]),
        "phone": only("+1" + area + "555" + _digits(rng, n, 1000, 9999), rng.random(n) < 0.8),
        "email": only("info@" + pd.Series(w1).str.normalize("NFKD").str.encode(
            "ascii", "ignore").str.decode("ascii").str.lower().to_numpy(object)
            + _digits(rng, n, 1, 999) + ".ca", rng.random(n) < 0.6),
        "naics_code": only(_digits(rng, n, 111_110, 931_999), rng.random(n) < 0.7),
        "employee_band": only(_pick(rng, BANDS, n), rng.random(n) < 0.5),
        "owner_name": only(person, owners),
        "owner_address_line": only(_digits(rng, n, 1, 999) + " " + _pick(rng, STREETS, n),
                                   owners),
        "owner_city": only(cities[owner_city], owners),
        "owner_postal_code": only(_postal(rng, letters[owner_city]), owners),
        "member_count": 0,
        "state_hash": pd.util.hash_array(np.arange(n)).astype("U32").astype(object),
        "first_run_id": run_id,
        "last_run_id": run_id,
    })
    retired = np.flatnonzero(rng.random(n) < 0.02)
    active = np.setdiff1d(np.arange(n), retired)
    frame.loc[retired, "status"] = "retired"
    frame.loc[retired, "retired_into"] = frame["registry_id"].to_numpy()[
        rng.choice(active, len(retired))]
    return frame


def synthetic_cross_reference(golden: pd.DataFrame, run_id: str, seed: int = 8) -> pd.DataFrame:
    """Each active business's source records (~3.75), record ids unique per source."""
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(golden["status"].to_numpy() == "active")
    ids = golden["registry_id"].to_numpy()[active]
    counts = {s: (rng.poisson(rate, len(active)) if rate > 1 else
                  (rng.random(len(active)) < rate).astype(int)) for s, _, rate in SOURCES}
    counts["rjsc"][sum(counts.values()) == 0] = 1  # every active business has a record
    parts = []
    for source, prefix, _ in SOURCES:
        owners = np.repeat(ids, counts[source])
        numbers = pd.Series(np.arange(1, len(owners) + 1)).astype(str).str.zfill(9)
        parts.append(pd.DataFrame({"source": source, "source_record_id": prefix + numbers,
                                   "registry_id": owners}))
    xref = pd.concat(parts, ignore_index=True)
    xref["run_id"] = run_id
    members = xref["registry_id"].value_counts()
    golden["member_count"] = golden["registry_id"].map(members).fillna(0).astype(int)
    return xref


def build(url: str, n: int) -> dict[str, Any]:
    """Write the synthetic golden registry: run, businesses, cross-reference, its history."""
    started = time.perf_counter()
    with RegistryStore(url) as store:
        store.migrate()
        run_id = store.start_run("bench", "bench")
        golden = synthetic_businesses(n, run_id)
        xref = synthetic_cross_reference(golden, run_id)
        stage(f"generated {len(golden):,} businesses, {len(xref):,} records", started)
        with write_transaction(store.engine) as connection:
            bulk.insert_frame(connection, businesses, golden)
            stage("businesses written", started)
            bulk.insert_frame(connection, cross_reference, xref)
            stage("cross_reference written", started)
            history = xref.drop(columns="run_id").assign(change="linked")
            bulk.insert_frame(connection, cross_reference_history, history, {"run_id": run_id})
            connection.execute(golden_runs.insert().values(
                run_id=run_id, published_at=pd.Timestamp.now("UTC").to_pydatetime(),
                summary={"businesses": n}))
        store.finish_run(run_id, "succeeded")
        stage("cross_reference_history written, committed", started)
    return {"businesses": n, "records": len(xref), "retired": int((golden["status"] ==
            "retired").sum()), "sole_proprietorships": int((golden["business_type"] ==
            "sole_proprietorship").sum()), "build_s": round(time.perf_counter() - started, 1)}


def change_registry(url: str, n: int, run_id: str, fraction: float = 0.01,
                    seed: int = 9) -> dict[str, int]:
    """Change about `fraction` of the registry as a run would: 60 % of it updated values (a new
    legal name or phone), 20 % businesses retired into another (their records moved to it),
    20 % new businesses with their records. Returns the counts (untimed)."""
    rng = np.random.default_rng(seed)
    ids = format_registry_ids(np.arange(1, n + 1))
    k = max(int(n * fraction), 5)
    picked = ids[rng.choice(n, k, replace=False)]
    updated, retired = picked[: k * 3 // 5], picked[k * 3 // 5: k * 4 // 5]
    added = k - len(updated) - len(retired)
    with RegistryStore(url) as store, write_transaction(store.engine) as connection:
        b, x = businesses.c, cross_reference.c
        active = set(connection.scalars(sa.select(b.registry_id).where(
            b.registry_id.in_(list(picked)), b.status == "active")))
        retired = np.array([i for i in retired if i in active], dtype=object)
        connection.execute(businesses.update().where(b.registry_id == sa.bindparam("rid"))
                           .values(legal_name=sa.bindparam("name"), phone=sa.bindparam("ph"),
                                   last_run_id=run_id), [
            {"rid": rid, "name": f"Renamed {i} Limited", "ph": f"+1902555{i % 10000:04d}"}
            for i, rid in enumerate(updated)])
        targets = ids[rng.choice(n, len(retired))]
        for old, new in zip(retired, targets, strict=True):
            if old == new:
                continue
            connection.execute(cross_reference.update().where(x.registry_id == old).values(
                registry_id=new, run_id=run_id))
            connection.execute(businesses.update().where(b.registry_id == old).values(
                status="retired", retired_into=new, member_count=0, last_run_id=run_id))
        members = sa.select(sa.func.count()).where(x.registry_id == b.registry_id)
        connection.execute(businesses.update().where(b.registry_id.in_(list(targets)))
                           .values(member_count=members.scalar_subquery()))
        new = synthetic_businesses(added, run_id, seed=seed)
        new["registry_id"] = format_registry_ids(np.arange(n + 1, n + added + 1))
        new["status"], new["retired_into"] = "active", None
        xref = synthetic_cross_reference(new, run_id, seed=seed)
        xref["source_record_id"] = "N" + xref["source_record_id"]
        bulk.insert_frame(connection, businesses, new)
        bulk.insert_frame(connection, cross_reference, xref)
    return {"updated": len(updated), "retired": len(retired), "added": added,
            "added_records": len(xref)}


class StageTimes:
    """Wall seconds of publish_registry's steps, by wrapping the functions it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._wrap(publication, "_publish_registry_rows",
                   "close/open businesses + records (SQL)")
        self._wrap(publication, "read_published", "read published frame (shares rewritten)")
        self._wrap(publication, "read_opened", "read opened rows (shares updated)")
        self._wrap(publication_shares, "shared_rows", "shared_rows (policy)")
        self._wrap(publication_shares, "close_all", "close share rows")
        self._wrap(bulk, "insert_frame", "write share rows")
        self._wrap(publication, "prune_publications", "prune")
        self._wrap(ministry_access, "provision_ministry_access", "provision roles/views")

    def _wrap(self, module: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(module, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            begun = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - begun

        setattr(module, name, timed)

    def take(self) -> dict[str, float]:
        taken, self.seconds = self.seconds, {}
        return {label: round(value, 2) for label, value in taken.items()}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _latency(call: Callable[[Any], Any], keys: list[Any]) -> dict[str, float]:
    for key in keys[:WARM_UP]:
        call(key)
    times = []
    for key in keys[WARM_UP:]:
        begun = time.perf_counter()
        assert call(key) is not None
        times.append((time.perf_counter() - begun) * 1000)
    return {"median_ms": round(float(np.median(times)), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2), "n": len(times)}


def measure(url: str, ministry: str, n: int) -> dict[str, Any]:
    """Four publications (the third after ~1 % changed), one export, explain and trace
    latency on the built registry."""
    for name in SECRETS:
        os.environ.setdefault(name, f"benchmark-only-not-secret-{name[-5:].lower()}-0000000")
    sharing, digest = load_sharing(), sharing_hash()
    timer, started = StageTimes(), time.perf_counter()
    figures: dict[str, Any] = {"publications": []}
    with RegistryStore(url) as store:
        for number in range(1, 5):
            run_id = store.start_run("bench", "bench")
            if number == 3:
                figures["changed"] = change_registry(url, n, run_id)
                stage(f"changed {figures['changed']}", started)
            begun, cpu = time.perf_counter(), _cpu()
            made = publication.publish_registry(store, run_id, sharing, digest, keep=3)
            seconds = time.perf_counter() - begun
            steps = timer.take()
            steps["other (counts, ANALYZE, commit)"] = round(seconds - sum(steps.values()), 2)
            figures["publications"].append({
                "publication_id": made.publication_id, "s": round(seconds, 2),
                "client_cpu_s": round(_cpu() - cpu, 2), "steps": steps,
                "businesses_per_s": round((made.business_count) / seconds)})
            if number == 1:
                figures["shares"] = made.shares
                figures["peak_rss_mib_first_publication"] = _peak_mib()
            stage(f"publication {made.publication_id}: {seconds:.1f} s", started)
        with store.engine.connect() as connection:
            kept = list(connection.scalars(sa.select(publications.c.publication_id).order_by(
                publications.c.publication_id)))
        assert kept == [2, 3, 4], kept  # the fourth pruned the first
        agreement = sharing.get(ministry)
        with tempfile.TemporaryDirectory() as folder:
            begun = time.perf_counter()
            chosen, share = publication.read_share(store.engine, agreement.id,
                                                   agreement.visible_columns())
            xref = publication.read_shared_cross_reference(store.engine, agreement.id,
                                                           agreement.sources, chosen)
            read_s = time.perf_counter() - begun
            for name, part in (("businesses", share), ("cross_reference", xref)):
                part.to_csv(Path(folder) / f"{ministry}_{name}_{chosen}.csv", index=False,
                            encoding="utf-8")
            figures["export"] = {"ministry": ministry, "rows": len(share),
                                 "records": len(xref), "read_s": round(read_s, 2),
                                 "total_s": round(time.perf_counter() - begun, 2)}
        stage(f"export {ministry}: {figures['export']['total_s']} s", started)
        with store.engine.connect() as connection:
            ids = list(connection.scalars(sa.select(businesses.c.registry_id).order_by(
                sa.func.random()).limit(LOOKUPS + WARM_UP)))
            records = [tuple(r) for r in connection.execute(sa.select(
                cross_reference.c.source, cross_reference.c.source_record_id).order_by(
                sa.func.random()).limit(LOOKUPS + WARM_UP))]
        figures["explain"] = _latency(lambda i: lineage.explain(store.engine, i), ids)
        figures["trace"] = _latency(lambda r: lineage.trace(store.engine, *r), records)
        stage("explain and trace", started)
        figures["database_mib"] = _database_mib(store.engine, url)
    figures["peak_rss_mib"] = _peak_mib()
    figures["load_avg_1m"] = round(os.getloadavg()[0], 1)
    return figures


def _database_mib(engine: sa.Engine, url: str) -> int:
    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database or "")
        return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20)
    with engine.connect() as connection:
        return round(connection.scalar(sa.text(
            "SELECT pg_database_size(current_database())")) / 2**20)


def _child(phase: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one phase in a fresh process (its own peak memory); stderr shows its stages."""
    output = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--url", url, "--businesses",
         str(args.businesses), "--ministry", args.ministry],
        stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build then measure in a scratch SQLite file or PostgreSQL database, removed after."""
    print(f"{backend}, {args.businesses:,} businesses:", file=sys.stderr, flush=True)
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ubr_bench_") as folder:
            url = f"sqlite:///{folder}/bench.sqlite"
            return {"build": _child("build", url, args), **_child("measure", url, args)}
    admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"ubr_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(args.postgres_url).set(database=name).render_as_string(
            hide_password=False)
        return {"build": _child("build", url, args), **_child("measure", url, args)}
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def summary_table(results: dict[str, dict[str, Any]]) -> str:
    """A short Markdown table: one row per backend."""
    head = ("| backend | businesses | records | 1st publication s | businesses/s | 2nd "
            "(unchanged) s | 3rd (~1 % changed) s | 4th (prunes) s | peak MiB | export s (rows) "
            "| explain ms median/p95 | trace ms median/p95 |")
    lines = [head, "|" + "---|" * 12]
    for backend, r in results.items():
        pubs = r["publications"]
        lines.append(
            f"| {backend} | {r['build']['businesses']:,} | {r['build']['records']:,} "
            f"| {pubs[0]['s']} | {pubs[0]['businesses_per_s']:,} | {pubs[1]['s']} | {pubs[2]['s']} "
            f"| {pubs[3]['s']} | {r['peak_rss_mib_first_publication']:,} "
            f"| {r['export']['total_s']} ({r['export']['rows']:,}) "
            f"| {r['explain']['median_ms']} / {r['explain']['p95_ms']} "
            f"| {r['trace']['median_ms']} / {r['trace']['p95_ms']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL,
                        help="a server where a scratch database may be created and dropped")
    parser.add_argument("--ministry", default="wcb", help="whose share the export reads")
    parser.add_argument("--phase", choices=["build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(build(args.url, args.businesses)))
        return
    if args.phase == "measure":
        print(json.dumps(measure(args.url, args.ministry, args.businesses)))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {}
    for backend in backends:
        results[backend] = run_backend(backend, args)
        print(f"{backend}: {json.dumps(results[backend])}", flush=True)
    print(summary_table(results))


if __name__ == "__main__":
    main()
