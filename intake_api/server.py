"""Starting the API: the store, the registry loaded in memory, keys, then uvicorn.

    ubr serve --host 127.0.0.1 --port 8000
"""

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from intake_api.access_recorder import AccessRecorder
from intake_api.api_keys import ApiKeys, load_api_keys
from intake_api.app import create_app
from intake_api.registry_service import RegistryService
from registry.database import configured_home, store_home
from registry.sharing_agreement import load_sharing
from registry.store import RegistryStore
from sources.config import load_sources


def build_app(database_url: str, home: Path | None = None, sharing_config: Path | None = None,
              sources_config: Path | None = None, min_probability: float = 0.05,
              reload_seconds: float = 30.0, keys: ApiKeys | None = None,
              say: Callable[[str], None] = print) -> FastAPI:
    """The application over the registry at `database_url`, loaded and ready."""
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
    if reload_seconds > 0:
        service.watch(reload_seconds)
    recorder = AccessRecorder(store.engine, say)
    return create_app(service, keys, recorder, on_shutdown=store.close)


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run until interrupted; one process holds the registry in memory."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
