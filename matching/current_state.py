"""Which match state is the registry's current one: a pointer file in the store's home.

A run's match state becomes current once its golden records are published
(`mark_current_state`); the next run starts from it, and so does the real-time API.
"""

import json
from pathlib import Path

from matching.state import MatchState, StateError, training_record

CURRENT_STATE = "match_state.json"  # in the store's home: the state of the last published run


def state_folder(home: Path, dagster_run_id: str) -> Path:
    return home / "runs" / dagster_run_id / "state"


def mark_current_state(home: Path, registry_run_id: str, dagster_run_id: str) -> None:
    """Once a run's golden records are published, its match state is the next run's start."""
    pointer = {"registry_run_id": registry_run_id,
               "state": str(state_folder(home, dagster_run_id))}
    path = home / CURRENT_STATE
    path.with_suffix(".tmp").write_text(json.dumps(pointer), encoding="utf-8")
    path.with_suffix(".tmp").replace(path)


def current_state(home: Path, published_run: str | None) -> tuple[MatchState | None, str | None]:
    """The match state of the last published run, or None and why there is none."""
    folder, why = _current_folder(home, published_run)
    if folder is None:
        return None, why
    try:
        return MatchState.load(folder), None
    except (StateError, OSError) as exc:
        return None, f"the last match state cannot be read ({exc})"


def current_training(home: Path, published_run: str | None) -> tuple[dict | None, str | None]:
    """The training record of the current match state (matching/state.training_record), or
    None and why there is none; reads the manifest only."""
    folder, why = _current_folder(home, published_run)
    if folder is None:
        return None, why
    try:
        return training_record(folder), None
    except (StateError, OSError, ValueError) as exc:
        return None, f"the last match state cannot be read ({exc})"


def _current_folder(home: Path, published_run: str | None) -> tuple[Path | None, str | None]:
    path = home / CURRENT_STATE
    if published_run is None or not path.is_file():
        return None, "no match state from an earlier run"
    pointer = json.loads(path.read_text(encoding="utf-8"))
    if pointer.get("registry_run_id") != published_run:
        return None, "the last published run kept no match state"
    return Path(pointer["state"]), None
