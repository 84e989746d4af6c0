"""Ministry API keys: `UBR_API_KEY_<MINISTRY>` environment variables, one per agreement.

A key shorter than 32 characters is refused (as the sharing secrets are): a short key is
guessed. Keys are compared in constant time and never logged; messages name the variable.
"""

import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KEY_PREFIX = "UBR_API_KEY_"
MIN_KEY_LENGTH = 32


class ApiKeyError(ValueError):
    """No usable key: the server cannot authenticate anyone."""


@dataclass(frozen=True)
class ApiKeys:
    keys: dict[str, str]  # ministry (agreement id) -> key
    refused: dict[str, str]  # variable name -> why it was refused

    def ministry_of(self, presented: str | None) -> str | None:
        """The ministry whose key was presented, or None."""
        if not presented:
            return None
        found = None
        for ministry, key in self.keys.items():  # every key compared: constant time overall
            if hmac.compare_digest(key.encode(), presented.encode()):
                found = ministry
        return found


def variable_for(ministry: str) -> str:
    return f"{KEY_PREFIX}{ministry.upper()}"


def load_api_keys(ministries: Iterable[str], environ: Mapping[str, str] | None = None) -> ApiKeys:
    """Each ministry's key from its variable; refused ones are listed (never their value)."""
    environ = os.environ if environ is None else environ
    keys, refused = {}, {}
    for ministry in ministries:
        name = variable_for(ministry)
        value = environ.get(name, "").strip()
        if not value:
            continue
        if len(value) < MIN_KEY_LENGTH:
            refused[name] = (f"{name} is shorter than {MIN_KEY_LENGTH} characters; make one with "
                             "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")
            continue
        keys[ministry] = value
    if not keys:
        wanted = ", ".join(variable_for(m) for m in ministries)
        problems = "; ".join(refused.values())
        raise ApiKeyError(f"no ministry API key is set: set at least one of {wanted} "
                          f"(at least {MIN_KEY_LENGTH} characters){'; ' if problems else ''}"
                          f"{problems}")
    return ApiKeys(keys, refused)
