"""The door of the owner's room: every /owner route is protected here, in one place.

- `owner_guard` (a guard on the /owner router) lets a request through only with a live session: an API
  request without one gets 401 JSON, a page a redirect to the sign-in page. Handlers opt out only by
  name (`opt={PUBLIC: True}`: the sign-in page, the sign-in form, the pages' assets), so a route added
  later is protected unless it says otherwise (tests/service/http/test_owner_gate.py checks every
  route of the table).
- `OwnerGate` (middleware on the same router) refuses a state-changing request whose Origin (or, without
  one, Referer) is not the app's own, then runs Litestar's CSRF middleware with its default names
  (cookie `csrftoken`, header `x-csrftoken`, form field `_csrf_token`), keyed by the deployment's secret
  so a token from one instance holds on every other. Its cookie is SameSite=Strict, Path=/owner,
  Secure over HTTPS; it is readable by the pages' script, which sends it back as the header.
- The session cookie itself is HttpOnly, SameSite=Strict, Path=/owner, Secure over HTTPS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response import Redirect
from litestar.types import ASGIApp, Guard, Receive, Scope, Send

from memory.secret import SharedSecret
from service.errors import NotSignedIn
from service.owner.access import OwnerAccess, OwnerSession

#: The room's path: the session cookie and the CSRF cookie are sent for it only.
ROOM = "/owner"
SESSION_COOKIE = "twin_owner"
#: `opt` keys: a handler that needs no session; a page (a redirect, not 401, without a session).
PUBLIC = "owner_public"
PAGE = "owner_page"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The pages' policy: their own script and styles only, nothing inline, nothing from elsewhere, never framed.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

#: Where a sign-in may send the owner afterwards: one of the room's own pages, nothing else.
_NEXT = re.compile(
    r"^/owner/(?:conversations/[A-Za-z0-9_-]{32}|questions|instructions|leads|feedback|stats|audit)$"
)


class SignInNeeded(Exception):
    """A page was asked for without a session: the answer is the sign-in page, then `path` again."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def next_page(path: str | None) -> str:
    """`path` if the sign-in may send the owner there, else the dashboard (`/owner`, which the app
    also answers as `/owner/`; links use the form API Gateway routes exactly)."""
    return path if path and _NEXT.fullmatch(path) else ROOM


def redirect_to_sign_in(request: Request[Any, Any, Any], exc: SignInNeeded) -> Redirect:
    target = next_page(exc.path)
    query = "" if target == ROOM else f"?next={quote(target, safe='/')}"
    return Redirect(f"{ROOM}{query}", status_code=303)


def is_https(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return connection.url.scheme == "https"


def session_cookie(value: str, *, max_age: int, secure: bool) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        path=ROOM,
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def owner_guard(access: OwnerAccess) -> Guard:
    """The guard that lets a request into the room only with a live session (or to a handler marked
    PUBLIC). A closure, not an object: Litestar copies routers deeply, and `access` must stay one."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if handler.opt.get(PUBLIC):
            return
        session = await access.session(connection.cookies.get(SESSION_COOKIE))
        if session is None:
            if handler.opt.get(PAGE):
                raise SignInNeeded(connection.url.path)
            raise NotSignedIn()
        connection.state.owner_session = session

    return guard


def owner_gate(secret: SharedSecret) -> Callable[[ASGIApp], ASGIApp]:
    """The room's middleware (`OwnerGate`), as a factory closing over the one `secret`."""

    def wrap(app: ASGIApp) -> ASGIApp:
        return OwnerGate(app, secret)

    return wrap


def current_session(request: Request[Any, Any, Any]) -> OwnerSession:
    """The session the guard found (the dependency `session` of the room's handlers)."""
    session: OwnerSession = request.state.owner_session
    return session


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The peer (behind API Gateway, Mangum takes it from the request context, never a header)."""
    return connection.client.host if connection.client else "unknown"


class OwnerGate:
    """The room's request check: same origin for every state change, then Litestar's CSRF check."""

    def __init__(self, app: ASGIApp, secret: SharedSecret) -> None:
        self._app = app
        self._secret = secret
        self._csrf: dict[bool, CSRFMiddleware] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope)
        if request.method not in SAFE_METHODS and not same_origin(request):
            raise PermissionDeniedException("requests to the owner's room from other origins are refused")
        csrf = await self._csrf_for(is_https(request))
        await csrf(scope, receive, send)

    async def _csrf_for(self, secure: bool) -> CSRFMiddleware:
        if secure not in self._csrf:
            key = (await self._secret.get()).key("csrf").hex()
            config = CSRFConfig(secret=key, cookie_path=ROOM, cookie_samesite="strict", cookie_secure=secure)
            self._csrf[secure] = CSRFMiddleware(self._app, config)
        return self._csrf[secure]


def same_origin(request: Request[Any, Any, Any]) -> bool:
    """Whether the request says it comes from a page of this app: its Origin, else its Referer."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is None:
        referer = urlsplit(request.headers.get("referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else None
    return origin == own
