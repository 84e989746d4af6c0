"""Deliver OpenLineage events: one JSON-lines file by default, a lineage server when configured.

Lineage must never fail a registry run, so emission reports its failures (which transport,
why, what to check) in its result for the caller to log as a warning, without credentials.
"""

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from openlineage.client.event_v2 import RunEvent
from openlineage.client.transport import Transport
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import (
    ApiKeyTokenProvider,
    HttpConfig,
    HttpTransport,
    TokenProvider,
)

from registry.database import ubr_home

FILE_ENV = "UBR_OPENLINEAGE_FILE"
URL_ENV = "OPENLINEAGE_URL"
API_KEY_ENV = "OPENLINEAGE_API_KEY"
ENDPOINT_ENV = "OPENLINEAGE_ENDPOINT"
# A failing lineage server must not hold a run up for long: two retries, short back-off.
HTTP_RETRY: dict[str, Any] = {"total": 2, "read": 2, "connect": 2, "backoff_factor": 0.5,
                              "status_forcelist": [500, 502, 503, 504],
                              "allowed_methods": ["HEAD", "POST"]}
HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class EmitResult:
    """What emission did; `error` is a sentence to log as a warning (the run is not failed)."""

    transport: str  # e.g. "file /home/me/.ubr/openlineage/events.jsonl", "HTTP http://host/..."
    emitted: int
    total: int
    error: str | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.error is None


def default_events_file(home: Path | None = None) -> Path:
    """UBR_OPENLINEAGE_FILE, else openlineage/events.jsonl in `home` (default: the UBR home)."""
    configured = os.environ.get(FILE_ENV, "").strip()
    return Path(configured).expanduser() if configured else (
        (home or ubr_home()) / "openlineage" / "events.jsonl")


def _safe_url(url: str) -> str:
    """The URL without user name or password (they may be credentials)."""
    try:
        parts = urlsplit(url)
        netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "(an unparsable URL)"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _http_settings() -> tuple[str, str, str] | None:
    """(URL, endpoint, API key) when OPENLINEAGE_URL is set, else None (file transport)."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        return None
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip() or "api/v1/lineage"
    return url, endpoint, os.environ.get(API_KEY_ENV, "").strip()


def default_transport_label(home: Path | None = None) -> str:
    """Where events go, for messages: "HTTP <url>/<endpoint>" or "file <path>"."""
    http = _http_settings()
    if http:
        return f"HTTP {_safe_url(http[0]).rstrip('/')}/{http[1].lstrip('/')}"
    return f"file {default_events_file(home)}"


def default_transport(home: Path | None = None) -> Transport:
    """HTTP to OPENLINEAGE_URL when set (OPENLINEAGE_API_KEY as bearer, OPENLINEAGE_ENDPOINT
    default api/v1/lineage), else one JSON-lines file appended to (default_events_file())."""
    http = _http_settings()
    if http:
        url, endpoint, api_key = http
        auth = ApiKeyTokenProvider({"apiKey": api_key}) if api_key else TokenProvider({})
        return HttpTransport(HttpConfig(url=url, endpoint=endpoint, timeout=HTTP_TIMEOUT_S,
                                        auth=auth, retry=dict(HTTP_RETRY)))
    path = default_events_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    # append=True: one file; without it the client writes a timestamped file per event.
    return FileTransport(FileConfig(log_file_path=str(path), append=True))


def emit_run_events(
    events: Sequence[RunEvent], transport: Transport | None = None, home: Path | None = None
) -> EmitResult:
    """Send `events` in order; never raises for a transport failure but reports it in the result.

    Without a `transport`, the default one; its events file lies in `home` (the run's artefact
    folder) unless UBR_OPENLINEAGE_FILE names one.

    The caller logs `result.error` as a warning: lineage must not fail a registry run.
    """
    total = len(events)
    own = transport is None
    label = "the configured transport"
    try:
        label = default_transport_label(home) if own else type(transport).__name__
        if transport is None:
            transport = default_transport(home)
    except Exception as error:  # noqa: BLE001 (a misconfigured transport must not fail a run)
        return EmitResult(label, 0, total, _failure(f"to {label} could not be set up", error))
    emitted = 0
    try:
        for event in events:
            transport.emit(event)
            emitted += 1
    except Exception as error:  # noqa: BLE001
        return EmitResult(label, emitted, total, _failure(
            f"to {label} failed after {emitted} of {total} events", error))
    finally:
        if own and isinstance(transport, HttpTransport):
            transport.close()
    return EmitResult(label, emitted, total)


def _failure(what: str, error: Exception) -> str:
    """A warning sentence: which transport, why, and what to check; never a credential."""
    detail = str(error)
    http = _http_settings()
    secrets = [http[2]] if http else []
    if http:
        with contextlib.suppress(ValueError):
            secrets.append(urlsplit(http[0]).password or "")
    for secret in filter(None, secrets):
        detail = detail.replace(secret, "***")
    if len(detail) > 300:
        detail = detail[:297] + "..."
    check = (f"the lineage server and {URL_ENV}" if http
             else f"{FILE_ENV} (or UBR_HOME) and the folder's permissions")
    return (f"OpenLineage events were not recorded: emission {what}: {type(error).__name__}: "
            f"{detail}. The registry run itself is unaffected; check {check}.")
