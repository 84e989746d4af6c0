"""Every call timed and logged, every /v1/ call in the access log, and no unhandled error shown.

A plain ASGI middleware: Starlette's `@app.middleware("http")` wraps each request and response
in extra objects and tasks, which cost more than a resolve's own scoring under load.
"""

import logging
import time
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake_api.access_recorder import AccessRecorder

log = logging.getLogger("ubr.api")
ACTIONS = {"/v1/resolve": "api_resolve", "/v1/records": "api_register",
           "/v1/businesses/{registry_id}": "api_business"}
SERVER_ERROR = {"detail": "the server could not answer; its log names the error type"}


class AccessLog:
    """Times each HTTP call, records /v1/ calls (but health) with who, what and why, and
    turns an unhandled error into a 500 whose body and log line carry no value. With several
    server processes, each answer names the one that gave it (header X-UBR-Process)."""

    def __init__(self, app: ASGIApp, recorder: AccessRecorder,
                 process: int | None = None) -> None:
        self.app = app
        self.recorder = recorder
        self.process_header = None if process is None else (b"x-ubr-process",
                                                            str(process).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def sending(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                if self.process_header:
                    message["headers"] = [*message.get("headers", []), self.process_header]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # noqa: BLE001 - a 500 that shows and logs no value
            log.error("%s %s failed: %s (no values logged)", scope["method"],
                      getattr(scope.get("route"), "path", "?"), type(exc).__name__)
            if started:  # the answer has begun: nothing else can be sent
                raise
            status = 500
            await JSONResponse(status_code=500, content=SERVER_ERROR)(scope, receive, send)
        self._record(scope, status, start)

    def _record(self, scope: Scope, status: int, start: float) -> None:
        template = getattr(scope.get("route"), "path", "(no route)")
        access: dict[str, Any] = scope.get("state", {}).get("access", {})
        if scope["path"].startswith("/v1/") and template != "/v1/health":
            self.recorder.record(
                who=access.get("who", "unauthenticated"), ministry=access.get("ministry"),
                purpose=access.get("purpose", "refused: no valid API key"),
                action=ACTIONS.get(template, "api_other"), row_count=access.get("rows", 0),
                detail={"method": scope["method"], "route": template, "status": status,
                        **access.get("detail", {})})
        log.info("%s %s %d %.1fms ministry=%s", scope["method"], template, status,
                 (time.perf_counter() - start) * 1000, access.get("ministry", "-"))
