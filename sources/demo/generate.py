"""Generate the four demo registers, the answer key and a manifest into one directory.

Each stage has its own random stream (spawned from the one seed), so that changing the noise of
one register does not reshuffle the others, and the same seed always gives the same bytes.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sources.demo import writers
from sources.demo.population import build_population
from sources.demo.registers import Register, build_rjsc, build_wcb
from sources.demo.tax_and_permits import build_permits, build_revenue

XLSX_MAX_ROWS = 100_000  # openpyxl writes ~25k rows/s; past this the permits go to CSV
WCB_TABLE = "employer_accounts"
REVENUE_ENCODING = "latin-1"
PERMITS_DELIMITER = ";"
GENERATOR_VERSION = 1

Builder = Callable[[np.random.Generator, dict[str, np.ndarray]], Register]
BUILDERS: tuple[tuple[str, Builder], ...] = (
    ("rjsc", build_rjsc), ("wcb", build_wcb), ("revenue", build_revenue),
    ("permits", build_permits),
)
WCB_TYPES = {"account_no": "INTEGER PRIMARY KEY"}


@dataclass
class DemoSummary:
    """What was generated: rows and file per register, the answer key, and timings."""

    out_dir: Path
    businesses: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    answer_key: Path | None = None
    manifest: Path | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    elapsed_seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # this process's CPU time: the figure that ignores other load

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _write(register: Register, out_dir: Path) -> Path:
    """Write one register in its ministry's format; returns the file written."""
    cols = register.columns
    if register.source == "rjsc":
        path = out_dir / "rjsc" / "companies.csv"
        writers.write_csv(path, cols)
    elif register.source == "wcb":
        path = out_dir / "wcb" / "employers.sqlite"
        writers.write_sqlite(path, WCB_TABLE, cols, WCB_TYPES)
    elif register.source == "revenue":
        path = out_dir / "revenue" / "registrants.jsonl"
        writers.write_jsonl(path, cols, REVENUE_ENCODING)
    else:
        folder = out_dir / "permits"
        for stale in folder.glob("permis.*"):  # the config reads permits/permis.*
            stale.unlink()
        if register.rows <= XLSX_MAX_ROWS:
            path = folder / "permis.xlsx"
            writers.write_xlsx(path, cols, sheet="Permis")
        else:
            path = folder / "permis.csv"
            writers.write_csv(path, cols, delimiter=PERMITS_DELIMITER)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def generate_demo_registers(
    out_dir: Path,
    businesses: int = 5000,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write rjsc, wcb, revenue and permits registers about one seeded population.

    Also writes answer_key.csv (source, source_record_id, business_id: the truth for measuring
    match quality; the pipeline never reads it) and manifest.json (seed, size, counts, hashes).
    """
    if businesses < 1:
        raise ValueError(f"businesses must be at least 1, got {businesses}")
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary(out_dir=out_dir, businesses=businesses, seed=seed)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(
        1 + len(BUILDERS))]
    started, cpu_started = time.perf_counter(), time.process_time()

    clock = time.perf_counter()
    population = build_population(streams[0], businesses)
    took = time.perf_counter() - clock
    summary.stage_seconds["population"] = took
    say(f"population: {businesses:,} businesses in {took:.1f}s ({businesses / took:,.0f}/s)")

    summary.answer_key = out_dir / "answer_key.csv"
    seen = np.zeros(businesses, bool)
    key_rows = 0
    with summary.answer_key.open("w", encoding="utf-8", newline="\n") as key:
        key.write("source,source_record_id,business_id\n")
        for (source, build), rng in zip(BUILDERS, streams[1:], strict=True):
            clock = time.perf_counter()
            register = build(rng, population)
            path = _write(register, out_dir)
            pd.DataFrame({
                "source": source,
                "source_record_id": register.record_ids(),
                "business_id": register.business_id,
            }, dtype=object).to_csv(key, index=False, header=False, lineterminator="\n")
            seen[register.population_rows] = True
            key_rows += register.rows
            took = time.perf_counter() - clock
            summary.rows[source] = register.rows
            summary.paths[source] = path
            summary.stage_seconds[source] = took
            say(f"{source}: {register.rows:,} rows -> {path.relative_to(out_dir)} in {took:.1f}s "
                f"({register.rows / max(took, 1e-9):,.0f} rows/s)")
            del register  # one register in memory at a time
    say(f"answer key: {key_rows:,} rows -> answer_key.csv, {int(seen.sum()):,} distinct "
        f"businesses in at least one register")

    manifest = {
        "generator": "ubr demo-data",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "businesses": businesses,
        "rows": summary.rows,
        "answer_key_rows": key_rows,
        "files": {s: str(p.relative_to(out_dir)) for s, p in summary.paths.items()},
        "sha256": {s: _sha256(p) for s, p in summary.paths.items()},
    }
    summary.manifest = out_dir / "manifest.json"
    summary.manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    summary.elapsed_seconds = time.perf_counter() - started
    summary.cpu_seconds = time.process_time() - cpu_started
    return summary
