"""Whether a registry run would change anything: the check behind `ubr run`'s and the
nightly schedule's "nothing to do" (docs/incremental.md).

A run's result is a function of: each source's files, the configuration files, the code, the
steward decisions and online registrations recorded since the last run, each ministry's
agreement and pseudonym key, and the model's age (it is retrained weekly). When none of
these moved since the last job run, and that run succeeded and published, a new run would
publish the same registry: it is not started. Every reason found is returned, so the caller
can say why a run is needed.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pipelines.resources import RegistryStoreResource, SharingConfig, SourceCatalog

if TYPE_CHECKING:
    from registry.store import RegistryStore


@dataclass(frozen=True)
class PendingWork:
    """What a new run would have to do: nothing when `reasons` is empty."""

    last_run_id: str | None
    reasons: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.reasons

    def sentence(self) -> str:
        if self.nothing_to_do:
            return (f"nothing changed since registry run {self.last_run_id} (the same source "
                    "files, configuration and code; no steward decision or online "
                    "registration since; the model is not due to be retrained): no run needed")
        return "a run is needed: " + "; ".join(self.reasons)


def pending_work(catalog: SourceCatalog, store: RegistryStoreResource,
                 sharing: SharingConfig, now: datetime | None = None) -> PendingWork:
    """Compare what a run would read with what the last job run read (cheap: file checksums
    and a few queries; no row is read)."""
    from registry.run_activity import activity_since, last_job_run
    from registry.sharing_policy import SharingError
    from registry.store import same_committed_code

    registry = store.open()
    last = last_job_run(registry)
    if last is None:
        return PendingWork(None, ["the registry has never been built"])
    if last.status != "succeeded" or last.share_hashes is None:
        return PendingWork(last.run_id, [f"the last run {last.run_id} did not succeed and "
                                         f"publish (status {last.status})"])
    reasons = _changed_sources(catalog, registry)
    if last.config_hash != store.config_hash():
        reasons.append("the configuration files changed")
    if not same_committed_code(last.code_version):
        reasons.append("the code changed (or runs from a checkout with uncommitted changes)")
    for what, count in activity_since(registry, last.started_at).items():
        if count:
            reasons.append(f"{count:,} {what} since the last run")
    try:
        if _share_hashes(sharing) != last.share_hashes:
            reasons.append("a data-sharing agreement or pseudonym key changed")
    except SharingError as exc:  # a run stops on it with the same sentence
        reasons.append(str(exc))
    reasons += _model_due(store, last.run_id, now)
    return PendingWork(last.run_id, reasons)


@dataclass(frozen=True)
class SourceFileChanges:
    """Sources whose files differ from those behind the registry's current batch."""

    changed: dict[str, list[str]]  # source id -> the SHA-256 of its files now
    unreadable: dict[str, str]  # source id -> why its files cannot be fingerprinted


def source_file_changes(catalog: SourceCatalog, registry: "RegistryStore") -> SourceFileChanges:
    """Each source's file checksums against what the registry last accepted (no row read);
    the file sensor and `pending_work` share it."""
    from sources.config import ConfigError
    from sources.ingest import fingerprint_source
    from sources.readers import SourceIngestError

    changed, unreadable = {}, {}
    for source in catalog.load().sources:
        try:
            current = {p.path: p.sha256 for p in fingerprint_source(source, catalog.data_path)}
        except (SourceIngestError, ConfigError) as exc:
            unreadable[source.id] = str(exc)
            continue
        if registry.known_file_checksums(source.id) != current:
            changed[source.id] = sorted(current.values())
    return SourceFileChanges(changed, unreadable)


def _changed_sources(catalog: SourceCatalog, registry: "RegistryStore") -> list[str]:
    files = source_file_changes(catalog, registry)
    ids = sorted({*files.changed, *files.unreadable})  # unreadable: the run says why
    return [f"new or changed files of {', '.join(ids)}"] if ids else []


def _share_hashes(sharing: SharingConfig) -> dict[str, str]:
    from registry.sharing_policy import agreement_secret, share_fingerprint

    return {agreement.id: share_fingerprint(agreement, agreement_secret(agreement))
            for agreement in sharing.load().agreements}


def _model_due(store: RegistryStoreResource, run_id: str, now: datetime | None) -> list[str]:
    from matching.current_state import current_training
    from matching.incremental import model_age_reason

    training, why_none = current_training(store.home(), run_id)
    if training is None:
        return [f"{why_none}: the next run is a full one"]
    due = model_age_reason(training, now)
    return [f"{due}: the next run retrains it"] if due else []
