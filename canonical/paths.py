"""Default locations of the source configuration and the data.

A value passed in wins; the environment (UBR_SOURCES_CONFIG, UBR_DATA_DIR) is only the default,
consulted by the code location and the command line when they resolve a run's settings, never
by a run in progress. Kept free of heavy imports so that the command line starts fast.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES_CONFIG = PROJECT_ROOT / "config" / "sources.yaml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"
SOURCES_CONFIG_ENV = "UBR_SOURCES_CONFIG"
DATA_DIR_ENV = "UBR_DATA_DIR"


def sources_config_path(path: str | Path | None = None) -> Path:
    """`path`, else $UBR_SOURCES_CONFIG, else config/sources.yaml."""
    return Path(path or os.environ.get(SOURCES_CONFIG_ENV) or DEFAULT_SOURCES_CONFIG)


def data_dir(path: str | Path | None = None) -> Path:
    """`path`, else $UBR_DATA_DIR, else data/demo; absolute."""
    return Path(path or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()
