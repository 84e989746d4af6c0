"""Configuration files as data: YAML validated by pydantic, errors that name file and key.

Every UBR configuration (sources, expectations, matching, survivorship, data-sharing
agreements) loads through `load_yaml_model`, so a data engineer reads the same kind of
sentence whichever file is wrong.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file is wrong; the message says where and what is expected."""


def check_field_names(names: Any, allowed: tuple[str, ...], what: str) -> Any:
    """Refuse names outside `allowed`, listing them all (a pydantic validator's body)."""
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise ValueError(
            f"{what} names unknown canonical field(s) {unknown}; allowed: {', '.join(allowed)}"
        )
    return names


def describe_validation_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as "key 'a.b': what is wrong", in words a config editor follows."""
    key = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] in ("enum", "literal_error"):
        message = f"{message} (got {error.get('input')!r})"
    return f"key '{key}': {message}" if key else message


def load_yaml_model(
    path: str | Path,
    model: type[ModelT],
    error: type[Exception] = ConfigError,
    describe: Callable[[Mapping[str, Any], Any], str] | None = None,
) -> ModelT:
    """Read a YAML file and validate it with a pydantic model.

    Every problem is reported, each naming the key, in one `error` that starts with the file.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: configuration file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise error(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        explain = describe or (lambda problem, _raw: describe_validation_error(problem))
        raise error(f"{path}: " + "; ".join(explain(e, raw) for e in exc.errors())) from None
