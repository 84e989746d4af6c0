"""Who may use the steward pages: `UBR_STEWARD_KEY_<NAME>` variables and a signed cookie.

Stewards are named people, not ministries: each has a key of their own (at least 16
characters) in the server's environment, and signs in with name and key. The session is a
cookie the server signs with that steward's key (name, expiry, HMAC-SHA256), so every server
process accepts it without shared state, and changing a key ends its sessions. The cookie is
HttpOnly and SameSite=Strict, and every form carries a token derived from the session, so a
page on another site cannot post a decision. Ministry API keys are never steward keys: the
pages refuse a request that presents one. Keys are compared in constant time, never logged.
"""

import hashlib
import hmac
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

KEY_PREFIX = "UBR_STEWARD_KEY_"
MIN_KEY_LENGTH = 16
SESSION_COOKIE = "ubr_steward"
SESSION_SECONDS = 8 * 3600  # a working day


@dataclass(frozen=True)
class Session:
    steward: str
    expires: int
    form_token: str  # the value every form of this session must post back


@dataclass(frozen=True)
class StewardKeys:
    keys: dict[str, str]  # steward name (lower case) -> key
    refused: dict[str, str]  # variable -> why it was refused

    def sign_in(self, name: str, presented: str, now: float | None = None) -> str | None:
        """A session cookie value for a steward whose key matches, else None."""
        name = name.strip().lower()
        found = False
        for steward, key in self.keys.items():  # every key compared: constant time overall
            if hmac.compare_digest(key.encode(), presented.encode()) and steward == name:
                found = True
        if not found:
            return None
        expires = int((now or time.time()) + SESSION_SECONDS)
        return f"{name}|{expires}|{self._signature(name, expires, 'session')}"

    def session(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session a cookie carries, if its signature holds and it has not expired."""
        try:
            name, expires_text, signature = (cookie or "").split("|")
            expires = int(expires_text)
        except ValueError:
            return None
        if name not in self.keys or expires < (now or time.time()):
            return None
        if not hmac.compare_digest(signature, self._signature(name, expires, "session")):
            return None
        return Session(name, expires, self._signature(name, expires, "form"))

    def _signature(self, name: str, expires: int, purpose: str) -> str:
        message = f"{purpose}|{name}|{expires}".encode()
        return hmac.new(self.keys[name].encode(), message, hashlib.sha256).hexdigest()


def load_steward_keys(environ: Mapping[str, str] | None = None) -> StewardKeys:
    """Every `UBR_STEWARD_KEY_<NAME>` of the environment; none set means no steward pages."""
    environ = os.environ if environ is None else environ
    keys, refused = {}, {}
    for variable, value in environ.items():
        if not variable.startswith(KEY_PREFIX) or not variable[len(KEY_PREFIX):]:
            continue
        name = variable[len(KEY_PREFIX):].lower()
        if len(value.strip()) < MIN_KEY_LENGTH:
            refused[variable] = (f"{variable} is shorter than {MIN_KEY_LENGTH} characters; "
                                 "make one with `python -c \"import secrets; "
                                 "print(secrets.token_urlsafe(16))\"`")
            continue
        keys[name] = value.strip()
    return StewardKeys(keys, refused)
