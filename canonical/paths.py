"""Default locations of the source configuration and the data, each overridable by environment.

Kept free of heavy imports so that the command line starts fast.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES_CONFIG = PROJECT_ROOT / "config" / "sources.yaml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"


def sources_config_path() -> Path:
    return Path(os.environ.get("UBR_SOURCES_CONFIG") or DEFAULT_SOURCES_CONFIG)


def data_dir() -> Path:
    return Path(os.environ.get("UBR_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
