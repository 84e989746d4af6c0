"""The FastAPI application: routes, the API-key check, the access log and error bodies.

Errors are sentences a clerk's system can act on: 401 for a missing or unknown key, 422
naming the field or the failed expectations, 404 for a business the ministry may not see,
409 for a record already registered, 503 while a batch run holds the registry. A 500 never
shows or logs a value: its log line names the error type only.
"""

from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from intake_api.access_middleware import AccessLog
from intake_api.access_recorder import AccessRecorder
from intake_api.api_keys import ApiKeys
from intake_api.record_validation import RecordRejected
from intake_api.registry_service import RegistryService
from intake_api.review_pages import SignInRequired, review_router, sign_in_page
from intake_api.schemas import (
    BusinessResponse,
    Problem,
    RecordRequest,
    RecordResponse,
    RejectedRecord,
    ResolveRequest,
    ResolveResponse,
)
from intake_api.steward_auth import StewardKeys
from registry.intake_store import IntakeConflict
from registry.run_lock import RegistryBusyError

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False,
                       description="Your ministry's key (UBR_API_KEY_<MINISTRY> on the server).")
REGISTRY_ID_PATTERN = r"^UBR-[0-9]{9}$"
NO_KEY = "no valid API key: send your ministry's key in the X-API-Key header"


@dataclass(frozen=True)
class Caller:
    ministry: str
    purpose: str


def _field_of(error: dict) -> str:
    """The field a validation error is about ('body' for a body that is not JSON)."""
    if error.get("type") == "json_invalid":
        return "body"
    location = [str(p) for p in error.get("loc", ()) if p not in ("body", "path", "query")]
    return ".".join(location) or "body"


def create_app(service: RegistryService, keys: ApiKeys, recorder: AccessRecorder,
               on_shutdown: Callable[[], None] | None = None,
               process: int | None = None, stewards: StewardKeys | None = None) -> FastAPI:
    """The API over `service`; `recorder` receives every call under /v1/. With `stewards`,
    the steward review pages are served under /review (intake_api/review_pages.py)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202 - FastAPI's lifespan protocol
        yield
        recorder.close()
        if on_shutdown:
            on_shutdown()

    app = FastAPI(
        title="UBR intake API", version="1",
        description="Is this business already registered? Resolve a record against the "
        "Unified Business Registry, register a new one, read a business, each as your "
        "ministry's data-sharing agreement allows (docs/api.md).",
        lifespan=lifespan)

    async def caller(request: Request,
                     key: Annotated[str | None, Security(API_KEY)]) -> Caller:
        ministry = keys.ministry_of(key)
        if ministry is None:
            raise HTTPException(401, NO_KEY, headers={"WWW-Authenticate": "X-API-Key"})
        agreement = service.agreements[ministry]
        request.state.access = {"ministry": ministry, "who": f"api:{ministry}",
                                "purpose": agreement.purpose}
        return Caller(ministry, agreement.purpose)

    def note(request: Request, rows: int, **detail: object) -> None:
        request.state.access.update(rows=rows, detail=detail)

    app.add_middleware(AccessLog, recorder=recorder, process=process)
    if stewards is not None:
        app.include_router(review_router(service.store, stewards))
        app.add_exception_handler(SignInRequired, sign_in_page)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # the field and what was expected, never the value sent back or logged
        errors = [{"field": _field_of(e), "problem": e.get("msg", "invalid"),
                   "type": e.get("type")} for e in exc.errors()]
        fields = ", ".join(e["field"] for e in errors)
        return JSONResponse(status_code=422, content={
            "detail": f"the request is not valid: {fields}", "errors": errors})

    @app.exception_handler(RecordRejected)
    async def rejected(_request: Request, exc: RecordRejected) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "detail": str(exc), "failed_expectations": exc.failed})

    @app.exception_handler(IntakeConflict)
    async def conflict(_request: Request, exc: IntakeConflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(RegistryBusyError)
    async def busy(_request: Request, _exc: RegistryBusyError) -> JSONResponse:
        return JSONResponse(status_code=503, headers={"Retry-After": "60"}, content={
            "detail": "a batch run is updating the registry; try again in a minute "
                      "(resolving works meanwhile)"})

    @app.get("/v1/health", tags=["status"])
    def health() -> dict:
        """Whether the server is up, which registry run it serves and how long loading took."""
        loaded = service.loaded
        return {"status": "ok", "registry_version": loaded.run_id,
                "records": loaded.resolver.size, "loaded_in_seconds": round(loaded.seconds, 3)}

    @app.post("/v1/resolve", response_model=ResolveResponse, tags=["registry"],
              responses={401: {"model": Problem}, 422: {"description": "invalid fields"}})
    async def resolve(body: ResolveRequest, request: Request,
                      who: Annotated[Caller, Depends(caller)]) -> ResolveResponse:
        """The registry's businesses that may be this one, best first."""
        candidates, version = service.resolve(who.ministry, body.canonical(), body.limit,
                                              body.min_probability)
        note(request, len(candidates), candidates=len(candidates),
             best=candidates[0]["registry_id"] if candidates else None)
        return ResolveResponse(candidates=candidates, registry_version=version)

    @app.post("/v1/records", response_model=RecordResponse, status_code=201, tags=["registry"],
              responses={401: {"model": Problem}, 409: {"model": Problem},
                         422: {"model": RejectedRecord}, 503: {"model": Problem}})
    def register(body: RecordRequest, request: Request,
                 who: Annotated[Caller, Depends(caller)]) -> RecordResponse:
        """Register a record of one of your sources: validated, resolved, linked to a
        business or given a new registry id, stored with lineage."""
        fields = body.canonical()
        result = service.register(who.ministry, body.source, body.source_record_id, fields)
        source = body.source or service.agreements[who.ministry].sources[0]
        note(request, 1, registry_id=result.registry_id, outcome=result.outcome,
             run_id=result.run_id)
        return RecordResponse(
            registry_id=result.registry_id, outcome=result.outcome, source=source,
            source_record_id=body.source_record_id, decision=result.decision,
            match_probability=result.match_probability, review_pairs=result.review_pairs,
            run_id=result.run_id)

    @app.get("/v1/businesses/{registry_id}", response_model=BusinessResponse,
             tags=["registry"], responses={401: {"model": Problem}, 404: {"model": Problem}})
    def business(registry_id: Annotated[str, Path(pattern=REGISTRY_ID_PATTERN)],
                 request: Request, who: Annotated[Caller, Depends(caller)]) -> BusinessResponse:
        """One business, as your agreement allows (404 when it is not in your share)."""
        found = service.business(who.ministry, registry_id)
        note(request, 1 if found else 0, registry_id=registry_id)
        if found is None:
            raise HTTPException(404, f"no business {registry_id} in your ministry's share")
        return BusinessResponse(**found)

    return app
