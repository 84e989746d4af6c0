"""Partner contribution report: what each ministry register brings to the registry.

Every figure is an SQL aggregate grouped by source (a handful of scans whatever the size of
the registry); no table is read whole into pandas. Only active businesses count: a business
retired by a merge keeps its old provenance for the audit trail but is no longer part of the
registry. Figures are counts and shares only, never a record value. See docs/contribution.md.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pandas as pd
import sqlalchemy as sa

from canonical.schema import DATA_FIELDS, FieldType
from registry.golden_schema import GOLDEN_COLUMNS, businesses, cross_reference, field_provenance
from registry.queries import frame_of, latest_read_batches, quarantine_counts
from registry.schema import source_batches, source_records

TOP_REASONS = 3
NOT_CONFIGURED = "(not in the source configuration)"
REPORT_COLUMNS: tuple[str, ...] = (
    "source", "ministry", "batch_status", "batch_recorded_at", "rows_read", "rows_accepted",
    "rows_quarantined", "quarantine_rate", "current_records", "open_quarantine",
    "top_quarantine_reasons", "registry_records", "businesses", "business_share",
    "businesses_only_here",
)  # then shared_with_<source> per source, then QUALITY_COLUMNS
QUALITY_COLUMNS: tuple[str, ...] = (
    "golden_values", "golden_value_share", "completeness", "business_number_share",
    "matched_share", "duplicate_businesses", "duplicate_records",
)


class UnknownSourceError(ValueError):
    """A source id that neither the configuration nor the store knows."""


@dataclass
class _Figures:
    """The raw aggregates of one report, all sources at once."""

    sources: list[str]
    ministries: dict[str, str]
    mapped: dict[str, list[str]]  # source -> canonical fields mapped from its columns
    batches: pd.DataFrame  # index source: latest batch that read files
    records: pd.DataFrame  # index source: records, then non-empty count per data field
    quarantine: pd.DataFrame  # open rows: source, stage, column, reason, rows
    registry: pd.DataFrame  # index source: registry figures
    matrix: pd.DataFrame  # source x source: active businesses holding records of both
    provenance: pd.DataFrame  # source, field, won (active businesses)
    active_businesses: int


@dataclass
class ContributionDetail:
    """One register's contribution: the report row and the tables behind it."""

    source: str
    ministry: str
    summary: dict[str, Any]  # the report row, shared_with_* included
    quarantine_reasons: pd.DataFrame  # stage, column, reason, rows (open rows)
    overlaps: pd.DataFrame  # other_source, ministry, shared_businesses, share_of_its, ...
    fields: pd.DataFrame  # field, won, businesses_with_field, share
    completeness: pd.DataFrame  # field, filled, records, share
    active_businesses: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain ints, floats and ISO timestamps."""
        return {
            "source": self.source, "ministry": self.ministry,
            "registry_active_businesses": self.active_businesses,
            "summary": {key: _plain(value) for key, value in self.summary.items()},
            **{name: _records(getattr(self, name)) for name in (
                "quarantine_reasons", "overlaps", "fields", "completeness")},
        }


def _plain(value: Any) -> Any:
    """A JSON-ready scalar (numpy and pandas values unwrapped, timestamps as ISO text)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and value != value else value  # NaN: no value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in row.items()}
            for row in frame.to_dict("records")]


def _share(part: float, whole: float) -> float:
    """part / whole, and 0.0 for a register with nothing yet (zeros, not errors)."""
    return float(part) / float(whole) if whole else 0.0


def _latest_read_batches(connection: sa.Connection) -> pd.DataFrame:
    b = source_batches.c
    latest = latest_read_batches()
    statement = sa.select(b.source, b.status, b.run_id, b.recorded_at, b.rows_read,
                          b.rows_accepted, b.rows_quarantined).join_from(
        source_batches, latest, latest.c.batch_id == b.batch_id)
    return frame_of(connection, statement).set_index("source")


def _filled(name: str, kind: FieldType) -> sa.ColumnElement[Any]:
    """Non-empty values of a column: blanks in text count as empty."""
    column = source_records.c[name]
    if kind is FieldType.STRING:
        return sa.func.count(sa.func.nullif(sa.func.trim(column), ""))
    return sa.func.count(column)


def _record_counts(connection: sa.Connection) -> pd.DataFrame:
    statement = sa.select(
        source_records.c.source, sa.func.count().label("records"),
        *(_filled(f.name, f.type).label(f.name) for f in DATA_FIELDS),
    ).group_by(source_records.c.source)
    return frame_of(connection, statement).set_index("source")


def _membership_patterns(connection: sa.Connection, sources: list[str]) -> pd.DataFrame:
    """Active businesses grouped by which registers hold them: at most 2^k small rows.

    One pass over cross_reference grouped by registry_id (its index order) counts each
    business's records per source; active businesses are then grouped by the pattern of
    holders (has<i>), with per source the records and the duplicates (2+ of its records).
    Every registry figure, the overlap matrix included, follows from this little table.
    """
    x = cross_reference.c
    per_business = sa.select(x.registry_id, *(
        sa.func.sum(sa.case((x.source == source, 1), else_=0)).label(f"n{i}")
        for i, source in enumerate(sources))).group_by(x.registry_id).subquery("per_business")
    p = per_business.c
    zero = sa.literal_column("0")
    flagged = (sa.select(*(p[f"n{i}"] for i in range(len(sources))), *(
        sa.case((p[f"n{i}"] > zero, 1), else_=0).label(f"has{i}") for i in range(len(sources))))
        .join_from(per_business, businesses, p.registry_id == businesses.c.registry_id)
        .where(businesses.c.status == "active").subquery("flagged"))
    f = flagged.c
    one = sa.literal_column("1")
    totals = []
    for i in range(len(sources)):
        n = f[f"n{i}"]
        totals += [sa.func.sum(n).label(f"records{i}"),
                   sa.func.sum(sa.case((n > one, 1), else_=0)).label(f"dup_businesses{i}"),
                   sa.func.sum(sa.case((n > one, n), else_=0)).label(f"dup_records{i}")]
    has = [f[f"has{i}"] for i in range(len(sources))]
    statement = sa.select(*has, sa.func.count().label("businesses"), *totals).group_by(*has)
    frame = frame_of(connection, statement)
    return frame.map(int) if not frame.empty else frame  # PostgreSQL sums are Decimal


def _registry_figures(patterns: pd.DataFrame, sources: list[str]
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per source registry figures, and the source x source matrix of shared businesses."""
    columns = ["registry_records", "businesses", "businesses_only_here", "matched_records",
               "duplicate_businesses", "duplicate_records"]
    if patterns.empty:
        zeros = pd.DataFrame(0, index=sources, columns=sources, dtype="int64")
        return pd.DataFrame(0, index=sources, columns=columns, dtype="int64"), zeros
    has = patterns[[f"has{i}" for i in range(len(sources))]].to_numpy(dtype=bool)
    count = patterns["businesses"].to_numpy(dtype="int64")
    holders = has.sum(axis=1)
    matrix = pd.DataFrame((has.T * count) @ has.astype("int64"), index=sources,
                          columns=sources)
    rows = {}
    for i, source in enumerate(sources):
        records = patterns[f"records{i}"].to_numpy(dtype="int64")
        rows[source] = [int(records.sum()), int(count[has[:, i]].sum()),
                        int(count[has[:, i] & (holders == 1)].sum()),
                        int(records[holders > 1].sum()),
                        int(patterns[f"dup_businesses{i}"].sum()),
                        int(patterns[f"dup_records{i}"].sum())]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns), matrix


def _provenance_counts(connection: sa.Connection) -> pd.DataFrame:
    """Golden values won per source and field, active businesses only.

    All rows grouped (a plain scan) minus those of retired businesses (few, found through
    the status index): cheaper than joining every row to its business.
    """
    f = field_provenance.c
    keys = ["source", "field"]
    every = frame_of(connection, sa.select(f.source, f.field, sa.func.count().label("won"))
                   .group_by(f.source, f.field))
    retired = frame_of(connection, sa.select(f.source, f.field, sa.func.count().label("gone"))
                     .join_from(businesses, field_provenance,
                                f.registry_id == businesses.c.registry_id)
                     .where(businesses.c.status != "active").group_by(f.source, f.field))
    both = every.merge(retired, on=keys, how="left")
    both["won"] = both["won"].astype("int64") - both["gone"].fillna(0).astype("int64")
    return both.loc[both["won"] > 0, [*keys, "won"]].reset_index(drop=True)


class Register(Protocol):
    """A configured register as the report names it (sources.config.SourceConfig is one)."""

    id: str
    ministry: str
    mapping: Mapping[str, str]


class Registers(Protocol):
    """The source configuration as the report reads it (sources.config.SourcesFile is one):
    given by the caller, so the registry never reads the sources' configuration itself."""

    sources: Sequence[Register]


def _gather(engine: sa.Engine, sources: Registers | None) -> _Figures:
    configured = [s.id for s in sources.sources] if sources is not None else []
    with engine.connect() as connection:
        batches = _latest_read_batches(connection)
        records = _record_counts(connection)
        quarantine = quarantine_counts(connection)
        linked = connection.scalars(sa.select(cross_reference.c.source).distinct()).all()
        provenance = _provenance_counts(connection)
        seen = set(batches.index) | set(records.index) | set(quarantine["source"]) | set(
            linked) | set(provenance["source"])
        ordered = configured + sorted(seen - set(configured))
        patterns = _membership_patterns(connection, ordered)
        active = int(connection.scalar(sa.select(sa.func.count()).select_from(businesses)
                                       .where(businesses.c.status == "active")) or 0)
    registry, matrix = _registry_figures(patterns, ordered)
    return _Figures(
        sources=ordered,
        ministries={s.id: s.ministry for s in sources.sources} if sources else {},
        mapped={s.id: list(s.mapping) for s in sources.sources} if sources else {},
        batches=batches, records=records, quarantine=quarantine, registry=registry,
        matrix=matrix, provenance=provenance, active_businesses=active,
    )


# -- the report -------------------------------------------------------------------------------

def _count(frame: pd.DataFrame, source: str, column: str) -> int:
    if source not in frame.index:
        return 0
    value = frame.at[source, column]
    return 0 if pd.isna(value) else int(value)


def _completeness(figures: _Figures, source: str) -> pd.DataFrame:
    records = _count(figures.records, source, "records")
    fields = figures.mapped.get(source, [])
    filled = [_count(figures.records, source, name) for name in fields]
    return pd.DataFrame({
        "field": pd.Series(fields, dtype=object),
        "filled": pd.Series(filled, dtype="int64"),
        "records": pd.Series([records] * len(fields), dtype="int64"),
        "share": pd.Series([_share(n, records) for n in filled], dtype="float64"),
    })


def reason_label(reason: str, column: str | None) -> str:
    """A reason prefix with its column when the prefix does not already name it."""
    return reason if not column or column == reason else f"{reason} ({column})"


def _reasons(figures: _Figures, source: str) -> pd.DataFrame:
    rows = figures.quarantine[figures.quarantine["source"] == source]
    return rows[["stage", "column", "reason", "rows"]].reset_index(drop=True)


def _row(figures: _Figures, source: str) -> dict[str, Any]:
    batch = figures.batches.loc[source] if source in figures.batches.index else None
    read = _count(figures.batches, source, "rows_read")
    reasons = _reasons(figures, source)
    top = "; ".join(f"{reason_label(r.reason, r.column)}: {r.rows}"
                    for r in reasons.head(TOP_REASONS).itertuples())
    in_registry = _count(figures.registry, source, "registry_records")
    held = _count(figures.registry, source, "businesses")
    won = figures.provenance[figures.provenance["source"] == source]["won"].sum()
    completeness = _completeness(figures, source)
    row: dict[str, Any] = {
        "source": source,
        "ministry": figures.ministries.get(source, NOT_CONFIGURED),
        "batch_status": None if batch is None else str(batch["status"]),
        "batch_recorded_at": None if batch is None else batch["recorded_at"],
        "rows_read": read,
        "rows_accepted": _count(figures.batches, source, "rows_accepted"),
        "rows_quarantined": _count(figures.batches, source, "rows_quarantined"),
        "quarantine_rate": _share(_count(figures.batches, source, "rows_quarantined"), read),
        "current_records": _count(figures.records, source, "records"),
        "open_quarantine": int(reasons["rows"].sum()),
        "top_quarantine_reasons": top,
        "registry_records": in_registry,
        "businesses": held,
        "business_share": _share(held, figures.active_businesses),
        "businesses_only_here": _count(figures.registry, source, "businesses_only_here"),
    }
    for other in figures.sources:
        row[f"shared_with_{other}"] = int(figures.matrix.at[source, other])
    row.update({
        "golden_values": int(won),
        "golden_value_share": _share(won, figures.provenance["won"].sum()),
        "completeness": _share(completeness["filled"].sum(), completeness["records"].sum()),
        "business_number_share": _share(_count(figures.records, source, "business_number"),
                                        _count(figures.records, source, "records")),
        "matched_share": _share(_count(figures.registry, source, "matched_records"),
                                in_registry),
        "duplicate_businesses": _count(figures.registry, source, "duplicate_businesses"),
        "duplicate_records": _count(figures.registry, source, "duplicate_records"),
    })
    return row


def _check_source(figures: _Figures, source: str | None) -> None:
    if source is not None and source not in figures.sources:
        raise UnknownSourceError(
            f"unknown source '{source}': the registry knows {', '.join(figures.sources)} "
            "(config/sources.yaml and the sources already stored)")


def contribution_report(engine: sa.Engine, source: str | None = None, *,
                        sources: Registers | None = None) -> pd.DataFrame:
    """One row per source register (or only `source`): what it brings to the registry.

    `sources` is the source configuration (the caller loads it): it gives the order, the
    ministry names and the mapped fields; without it, the registers stored are reported in
    name order with no ministry. Registers with no data yet appear with zeros; a source id
    nobody knows raises UnknownSourceError.
    """
    figures = _gather(engine, sources)
    _check_source(figures, source)
    chosen = [source] if source is not None else figures.sources
    frame = pd.DataFrame([_row(figures, name) for name in chosen])
    shared = [f"shared_with_{other}" for other in figures.sources]
    return frame[[*REPORT_COLUMNS, *shared, *QUALITY_COLUMNS]]


def _fields(figures: _Figures, source: str) -> pd.DataFrame:
    totals = figures.provenance.groupby("field")["won"].sum()
    own = figures.provenance[figures.provenance["source"] == source].set_index("field")["won"]
    order = [f for f in GOLDEN_COLUMNS if f in totals.index] + sorted(
        set(totals.index) - set(GOLDEN_COLUMNS))
    won = [int(own.get(field, 0)) for field in order]
    with_field = [int(totals[field]) for field in order]
    return pd.DataFrame({
        "field": pd.Series(order, dtype=object),
        "won": pd.Series(won, dtype="int64"),
        "businesses_with_field": pd.Series(with_field, dtype="int64"),
        "share": pd.Series([_share(w, t) for w, t in zip(won, with_field, strict=True)],
                           dtype="float64"),
    })


def _overlaps(figures: _Figures, source: str) -> pd.DataFrame:
    others = [other for other in figures.sources if other != source]
    mine = int(figures.matrix.at[source, source])
    shared = [int(figures.matrix.at[source, other]) for other in others]
    theirs = [int(figures.matrix.at[other, other]) for other in others]
    return pd.DataFrame({
        "other_source": pd.Series(others, dtype=object),
        "ministry": pd.Series([figures.ministries.get(o, NOT_CONFIGURED) for o in others],
                              dtype=object),
        "shared_businesses": pd.Series(shared, dtype="int64"),
        "share_of_its_businesses": pd.Series([_share(n, mine) for n in shared],
                                             dtype="float64"),
        "share_of_their_businesses": pd.Series(
            [_share(n, t) for n, t in zip(shared, theirs, strict=True)], dtype="float64"),
    })


def _detail(figures: _Figures, source: str) -> ContributionDetail:
    return ContributionDetail(
        source=source, ministry=figures.ministries.get(source, NOT_CONFIGURED),
        summary=_row(figures, source), quarantine_reasons=_reasons(figures, source),
        overlaps=_overlaps(figures, source), fields=_fields(figures, source),
        completeness=_completeness(figures, source),
        active_businesses=figures.active_businesses,
    )


def contribution_detail(engine: sa.Engine, source: str, *,
                        sources: Registers | None = None) -> ContributionDetail:
    """One register in full: its report row, overlaps, fields won, completeness, reasons."""
    figures = _gather(engine, sources)
    _check_source(figures, source)
    return _detail(figures, source)


def contribution_details(engine: sa.Engine, *, sources: Registers | None = None
                         ) -> list[ContributionDetail]:
    """Every register in full, from one pass over the store (for the JSON report)."""
    figures = _gather(engine, sources)
    return [_detail(figures, name) for name in figures.sources]
