"""Starting the API: the store, the registry loaded in memory, keys, then uvicorn.

    ubr serve --host 127.0.0.1 --port 8000 [--processes N]

With `--processes N` the registry is loaded once, then the server forks: N processes accept
on one listening socket and answer side by side, sharing the loaded arrays copy-on-write.
Each process starts its own threads after the fork (the reload watch, the access log writer)
and its own database connections; online registrations reach every process through the
`RegistrationClock` (intake_api/registration_clock.py).
"""

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from intake_api.access_recorder import AccessRecorder
from intake_api.api_keys import ApiKeys, load_api_keys
from intake_api.app import create_app
from intake_api.registry_service import RegistryService
from intake_api.steward_auth import StewardKeys, load_steward_keys
from registry.database import configured_home, store_home
from registry.sharing_agreement import load_sharing
from registry.store import RegistryStore
from sources.config import load_sources


@dataclass
class LoadedService:
    """What every server process shares: the store, the registry in memory, the keys."""

    store: RegistryStore
    service: RegistryService
    keys: ApiKeys
    stewards: StewardKeys


def load_service(database_url: str, home: Path | None = None,
                 sharing_config: Path | None = None, sources_config: Path | None = None,
                 min_probability: float = 0.05, keys: ApiKeys | None = None,
                 say: Callable[[str], None] = print) -> LoadedService:
    """The registry at `database_url`, loaded and ready to serve."""
    from canonical.paths import DEFAULT_SOURCES_CONFIG

    store = RegistryStore(database_url)
    store.migrate()
    sharing = load_sharing(sharing_config)
    keys = keys or load_api_keys([a.id for a in sharing.agreements])
    for problem in keys.refused.values():
        say(f"refused: {problem}")
    say(f"API keys: {', '.join(sorted(keys.keys))}")
    sources = {s.id: s for s in load_sources(sources_config or DEFAULT_SOURCES_CONFIG).sources}
    service = RegistryService(store, store_home(store.url, configured_home(home)), sharing,
                              sources, min_probability, say)
    stewards = load_steward_keys()
    for problem in stewards.refused.values():
        say(f"refused: {problem}")
    say(f"steward review pages (/review): {', '.join(sorted(stewards.keys))}" if stewards.keys
        else "steward review pages (/review): no steward key set (UBR_STEWARD_KEY_<NAME>)")
    return LoadedService(store, service, keys, stewards)


def process_app(loaded: LoadedService, reload_seconds: float = 30.0,
                process: int | None = None, say: Callable[[str], None] = print) -> FastAPI:
    """The application of one server process, with the threads that process needs."""
    if reload_seconds > 0:
        loaded.service.watch(reload_seconds)
    recorder = AccessRecorder(loaded.store.engine, say)
    return create_app(loaded.service, loaded.keys, recorder, on_shutdown=loaded.store.close,
                      process=process, stewards=loaded.stewards)


def build_app(database_url: str, home: Path | None = None, sharing_config: Path | None = None,
              sources_config: Path | None = None, min_probability: float = 0.05,
              reload_seconds: float = 30.0, keys: ApiKeys | None = None,
              say: Callable[[str], None] = print) -> FastAPI:
    """The application over the registry at `database_url` in this one process."""
    loaded = load_service(database_url, home, sharing_config, sources_config, min_probability,
                          keys, say)
    return process_app(loaded, reload_seconds, say=say)


def _run_uvicorn(app: FastAPI, sock: socket.socket) -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="info"))
    server.run(sockets=[sock])


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _stop_with_parent() -> None:
    """Ask Linux to end this forked process when its parent ends (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def serve(loaded: LoadedService, host: str, port: int, processes: int = 1,
          reload_seconds: float = 30.0, say: Callable[[str], None] = print) -> None:
    """Answer on host:port until interrupted, in `processes` processes forked after loading."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    sock = _listening_socket(host, port)
    # the loaded registry lives as long as the server: the collector need not walk it on
    # each full collection, nor touch (and so copy) the pages forked processes share
    gc.freeze()
    children: list[int] = []
    for index in range(1, processes):
        pid = os.fork()
        if pid == 0:  # a server process of its own from here on
            code = 0
            try:
                _stop_with_parent()
                loaded.store.engine.dispose(close=False)  # the parent keeps its connections
                _run_uvicorn(process_app(loaded, reload_seconds, index, say), sock)
            except BaseException as exc:  # noqa: BLE001 - never return into the parent's code
                if not isinstance(exc, KeyboardInterrupt | SystemExit):
                    say(f"server process {index} stopped: {type(exc).__name__} (no values "
                        "shown); the other processes go on answering")
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    if processes > 1:
        say(f"{processes} server processes answer on http://{host}:{port}")
    try:
        _run_uvicorn(process_app(loaded, reload_seconds, 0 if processes > 1 else None, say),
                     sock)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
