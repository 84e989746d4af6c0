"""The steward review pages: server-rendered HTML (Jinja2) under /review, no build step.

A steward signs in (intake_api/steward_auth.py), works through the queue, looks at a pair side
by side with its evidence and the business each record is in, decides (same, different,
unsure) with a reason, links or moves a record by hand, unmerges a business, and undoes any
earlier action from the decision log. Every action goes through `registry.steward_desk` to
the append-only log and applies from the next run; every look at a pair's records is written
to the access log. Forms post back to the server and are answered with a redirect (no
JavaScript needed).
"""

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from intake_api.steward_auth import SESSION_COOKIE, SESSION_SECONDS, Session, StewardKeys
from registry.access_log import record_access
from registry.golden_store import GoldenStore
from registry.lineage_common import evidence_items
from registry.steward_desk import (
    PENDING,
    Outcome,
    QueueFilter,
    StewardDesk,
    StewardError,
    side_by_side,
)
from registry.store import RegistryStore

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
BANDS = {"all": (0.0, 1.0), "high": (0.8, 1.0), "middle": (0.5, 0.8), "low": (0.0, 0.5)}
PAGE_SIZE = 50
NOT_SIGNED_IN = "sign in at /review/login with your steward name and key"
API_KEY_REFUSED = ("the steward pages do not accept ministry API keys: a steward signs in "
                   "at /review/login")


class SignInRequired(Exception):
    """A page asked for without a valid session: answered with the sign-in page."""


def _redirect(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)


def _signed(who: Session, kind: str, message: str) -> dict[str, str]:
    """A message for the next page with its signature under the steward's session, so that
    only what this server said is shown (a crafted link cannot put words on the page)."""
    return {kind: message, "sig": _signature(who, kind, message)}


def _signature(who: Session, kind: str, message: str) -> str:
    return hmac.new(who.form_token.encode(), f"{kind}|{message}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def _acted(who: Session, action: Callable[[], Outcome], failed_at: str,
           done_at: str = "/review/decisions") -> RedirectResponse:
    """Run a desk action; back to `done_at` saying what it did, or to `failed_at` saying
    why it could not be done."""
    try:
        outcome = action()
    except StewardError as exc:
        return _redirect(failed_at, **_signed(who, "problem", str(exc)))
    return _redirect(done_at, **_signed(who, "done", outcome.message))


def review_router(store: RegistryStore, stewards: StewardKeys) -> APIRouter:
    """The pages over the registry in `store`, for the stewards in `stewards`."""
    desk = StewardDesk(GoldenStore(store))
    router = APIRouter(prefix="/review", include_in_schema=False)

    def session(request: Request) -> Session:
        if request.headers.get("x-api-key"):
            raise HTTPException(403, API_KEY_REFUSED)
        found = stewards.session(request.cookies.get(SESSION_COOKIE))
        if found is None:
            if request.method == "GET":
                raise SignInRequired()
            raise HTTPException(401, NOT_SIGNED_IN)
        return found

    def checked(request: Request, token: str) -> Session:
        """The session of a form post, whose token must be this session's."""
        found = session(request)
        if token != found.form_token:
            raise HTTPException(403, "this form is stale or came from another site: reload "
                                     "the page and submit it again")
        return found

    Steward = Annotated[Session, Depends(session)]

    def page(request: Request, name: str, who: Session | None, http_status: int = 200,
             **context: Any) -> HTMLResponse:
        notices = {}
        for kind in ("done", "problem"):  # shown only when this server signed it
            message, signature = (request.query_params.get(kind),
                                  request.query_params.get("sig", ""))
            if who and message and hmac.compare_digest(
                    signature, _signature(who, kind, message)):
                notices[kind] = message
        return TEMPLATES.TemplateResponse(request, name, {
            "steward": who.steward if who else None,
            "form_token": who.form_token if who else "", "done": notices.get("done"),
            "problem": notices.get("problem"), **context}, status_code=http_status)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next_page: Annotated[str, Query(alias="next")] = "/review",
                   ) -> HTMLResponse:
        return page(request, "review/login.html", None, configured=bool(stewards.keys),
                    next_page=next_page)

    @router.post("/login")
    def login(request: Request, name: Annotated[str, Form()], key: Annotated[str, Form()],
              next_page: Annotated[str, Form(alias="next")] = "/review") -> Response:
        cookie = stewards.sign_in(name, key)
        if cookie is None:
            return page(request, "review/login.html", None, http_status=401,
                        configured=bool(stewards.keys), next_page=next_page,
                        failed="that name and key do not match a steward of this server")
        response = _redirect(next_page if next_page.startswith("/review") else "/review")
        response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True,
                            samesite="strict", path="/review",
                            secure=request.url.scheme == "https")
        return response

    @router.post("/logout")
    def logout(request: Request, token: Annotated[str, Form()]) -> Response:
        checked(request, token)
        response = _redirect("/review/login")
        response.delete_cookie(SESSION_COOKIE, path="/review")
        return response

    @router.get("", response_class=HTMLResponse)
    def queue(request: Request, who: Steward,
              band: Annotated[str, Query(pattern="^(all|high|middle|low)$")] = "all",
              source: str = "", status: Annotated[
                  str, Query(pattern="^(pending|decided|all)$")] = PENDING,
              page_number: Annotated[int, Query(alias="page", ge=1)] = 1) -> HTMLResponse:
        low, high = BANDS[band]
        shown = desk.queue(QueueFilter(low, high, source or None, status))
        start = (page_number - 1) * PAGE_SIZE
        rows = shown.iloc[start:start + PAGE_SIZE]
        names = desk.names([*rows["record_key_l"], *rows["record_key_r"]])
        return page(request, "review/queue.html", who, pairs=rows.to_dict("records"),
                    names=names, total=len(shown), band=band,
            source=source, status=status, sources=desk.sources(), bands=list(BANDS),
            page_number=page_number, pages=max(1, -(-len(shown) // PAGE_SIZE)))

    @router.get("/pairs/{pair_id}", response_class=HTMLResponse)
    def pair(request: Request, pair_id: str, who: Steward) -> HTMLResponse:
        try:
            found = desk.pair(pair_id)
        except StewardError as exc:
            return page(request, "review/problem.html", who, http_status=404, message=str(exc))
        record_access(store.engine, action="review", who=who.steward, row_count=2,
                      purpose="steward review of a candidate pair",
                      detail={"pair_id": found["pair_id"], "role": "steward", "via": "web"})
        fields = side_by_side(found["record_l"], found["record_r"])
        return page(request, "review/pair.html", who, pair=found, fields=fields,
                    evidence=evidence_items(found["evidence"]),
                    rule=(found["evidence"] or {}).get("rule"))

    @router.post("/pairs/{pair_id}/decide")
    def decide(request: Request, pair_id: str, token: Annotated[str, Form()],
               judgement: Annotated[str, Form()], reason: Annotated[str, Form()] = "") -> Response:
        who = checked(request, token)
        return _acted(who, lambda: desk.decide(pair_id, judgement, who.steward, reason),
                      f"/review/pairs/{pair_id}", done_at="/review")

    @router.get("/businesses/{registry_id}", response_class=HTMLResponse)
    def business(request: Request, registry_id: str, who: Steward) -> HTMLResponse:
        found = desk.business(registry_id)
        if found is None:
            return page(request, "review/problem.html", who, http_status=404,
                        message=f"no business {registry_id}")
        return page(request, "review/business.html", who, business=found)

    @router.post("/businesses/{registry_id}/unmerge")
    def unmerge(request: Request, registry_id: str, token: Annotated[str, Form()],
                reason: Annotated[str, Form()] = "") -> Response:
        who = checked(request, token)
        return _acted(who, lambda: desk.unmerge(registry_id, who.steward, reason),
                      f"/review/businesses/{registry_id}")

    @router.post("/records/assign")
    def assign(request: Request, token: Annotated[str, Form()],
               record_key: Annotated[str, Form()], registry_id: Annotated[str, Form()],
               how: Annotated[str, Form(pattern="^(move|link)$")],
               reason: Annotated[str, Form()] = "", back: Annotated[str, Form()] = "/review",
               ) -> Response:
        who = checked(request, token)
        back = back if back.startswith("/review") else "/review"
        action = desk.move if how == "move" else desk.link
        return _acted(who, lambda: action(record_key.strip(), registry_id.strip(),
                                          who.steward, reason), back)

    @router.get("/decisions", response_class=HTMLResponse)
    def decisions(request: Request, who: Steward) -> HTMLResponse:
        return page(request, "review/decisions.html", who,
                    actions=desk.log().to_dict("records"))

    @router.post("/decisions/{decision_id}/undo")
    def undo(request: Request, decision_id: int, token: Annotated[str, Form()],
             reason: Annotated[str, Form()] = "") -> Response:
        who = checked(request, token)
        return _acted(who, lambda: desk.undo(decision_id, who.steward, reason), "/review/decisions")

    return router


def sign_in_page(request: Request, _exc: SignInRequired) -> Response:
    """A page asked for without a session: to the sign-in page, then back."""
    return _redirect("/review/login", next=request.url.path)

