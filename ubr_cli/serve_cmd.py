"""`ubr serve`: the real-time API for ministry intake desks (docs/api.md).

Register in ubr_cli/main.py: `app.command("serve")(serve)`.
"""

from pathlib import Path

import typer

from ubr_cli.console import console, fail
from ubr_cli.settings import DATABASE_URL_OPTION, HOME_OPTION, SOURCES_CONFIG_OPTION

SHARING_OPTION = typer.Option(
    None, "--sharing-config", envvar="UBR_SHARING_CONFIG",
    help="The data-sharing agreements file (YAML). Default: config/sharing.yaml.")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    database_url: str | None = DATABASE_URL_OPTION,
    home: Path | None = HOME_OPTION,
    sharing_config: Path | None = SHARING_OPTION,
    config: Path = SOURCES_CONFIG_OPTION,
    min_probability: float = typer.Option(
        0.05, "--min-probability", min=0.0, max=1.0,
        help="Candidates below this match probability are not returned (a call may set its "
        "own)."),
    reload_every: float = typer.Option(
        30.0, "--reload-every", min=0.0,
        help="Seconds between checks for a newer published registry (0: never reload)."),
    processes: int = typer.Option(
        1, "--processes", min=0,
        help="Server processes answering side by side, forked after the registry is loaded "
        "(0: one per core). Each holds its own copy of what it changes."),
) -> None:
    """Serve the registry to ministry intake desks: resolve, register, read (OpenAPI at /docs).

    Each ministry authenticates with its key from UBR_API_KEY_<MINISTRY> (32+ characters).
    """
    from intake_api.api_keys import ApiKeyError
    from intake_api.registry_service import RegistryNotReady
    from intake_api.server import load_service
    from intake_api.server import serve as run_server
    from matching.parallel import available_workers
    from registry.database import database_url as default_url
    from registry.sharing_agreement import ConfigError
    from registry.sharing_policy import SharingError

    try:
        loaded = load_service(database_url or default_url(), home, sharing_config, config,
                              min_probability, say=console.print)
    except (ApiKeyError, RegistryNotReady, ConfigError, SharingError) as exc:
        raise fail(str(exc)) from None
    console.print(f"serving on http://{host}:{port} (OpenAPI: http://{host}:{port}/docs)")
    try:
        run_server(loaded, host, port, processes or available_workers(), reload_every,
                   say=console.print)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
