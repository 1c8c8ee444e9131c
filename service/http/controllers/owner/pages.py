"""The owner's room as pages: GET /owner/ (the dashboard, or the sign-in page without a session), the
other pages, their script and style, and signing in and out.

Every page is the same small document: the room's script (built from web/src/owner/ by `make web`)
draws the page its address names, from the JSON API under /owner/api/. The sign-in page is complete
without script: a plain form, so signing in works however the browser is set up.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Body, Parameter
from litestar.response import File, Redirect
from litestar.utils.scope.state import ScopeState

from service.http.contract import LoginForm
from service.http.controllers.conversation import PathSessionId
from service.http.owner_gate import (
    PAGE,
    PAGE_CSP,
    PUBLIC,
    ROOM,
    SESSION_COOKIE,
    client_ip,
    is_https,
    next_page,
    session_cookie,
)
from service.owner.access import OwnerAccess, OwnerSession

#: The room's built files and their types; nothing else is served from the directory.
ASSETS = {"owner.js": "text/javascript", "owner.css": "text/css"}

_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="same-origin">
<title>{title}</title>
<link rel="stylesheet" href="/owner/static/owner.css">
<script src="/owner/static/owner.js" defer></script>
</head>
"""

SHELL = (
    _HEAD.format(title="Owner&#39;s room")
    + """<body>
<div id="room" class="or"><noscript><p>The owner&#39;s room needs JavaScript.</p></noscript></div>
</body>
</html>
"""
)

_SIGN_IN = """<body class="or-signin-body">
<main class="or or-signin" id="sign-in">
<h1>Owner&#39;s room</h1>
<p class="or-lead">Sign in to read conversations, answer questions and step in live.</p>
{notice}<form method="post" action="/owner/login" class="or-card or-signin-form">
<input type="hidden" name="_csrf_token" value="{token}">
<input type="hidden" name="next" value="{next}">
<input type="text" name="username" value="owner" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit" class="or-button or-primary">Sign in</button>
</form>
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class OwnerAssets:
    """Where the room's built script and style are (TWIN_WEB_DIR/owner)."""

    root: Path

    def file(self, name: str) -> File:
        path = self.root / name
        if name not in ASSETS or not path.is_file():
            raise NotFoundException(f"no {name} in the owner's room (run `make web`)")
        return File(
            path,
            filename=name,
            media_type=ASSETS[name],
            content_disposition_type="inline",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )


def page(body: str, status_code: int = 200, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        body,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": PAGE_CSP, **(headers or {})},
    )


def sign_in_page(
    request: Request[Any, Any, Any],
    *,
    notice: str = "",
    error: bool = True,
    next_path: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """The sign-in form, with the CSRF token the gate just issued or found."""
    token = ScopeState.from_scope(request.scope).csrf_token
    kind = "error" if error else "info"
    alert = f'<p class="or-notice" data-kind="{kind}" role="alert">{html.escape(notice)}</p>\n'
    alert = alert if notice else ""
    body = _HEAD.format(title="Sign in · Owner&#39;s room") + _SIGN_IN.format(
        notice=alert,
        token=html.escape(token if isinstance(token, str) else ""),
        next=html.escape(next_page(next_path)),
    )
    return page(body, status_code, headers)


async def _form_only(request: Request[Any, Any, Any]) -> None:
    """Sign-in takes the page's form only: any other body is refused before it is read, so no error
    can quote it back (a JSON body would otherwise be read as one form field named by the body,
    password and all)."""
    media_type, _ = request.content_type
    if media_type != RequestEncodingType.URL_ENCODED:
        raise HTTPException(
            status_code=415, detail=f"sign in with the form: send {RequestEncodingType.URL_ENCODED.value}"
        )


class OwnerPagesController(Controller):
    """The pages (a redirect to sign in without a session), the sign-in form and signing out."""

    path = "/"
    include_in_schema = False
    opt = {PAGE: True}

    @get("/", opt={PUBLIC: True})
    async def dashboard(
        self, request: Request[Any, Any, Any], access: NamedDependency[OwnerAccess]
    ) -> Response[str]:
        if await access.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return page(SHELL)
        signed_out = request.query_params.get("signed_out") == "1"
        return sign_in_page(
            request,
            notice="You are signed out." if signed_out else "",
            error=False,
            next_path=request.query_params.get("next", ""),
        )

    @get(["/questions", "/instructions", "/leads", "/feedback", "/stats", "/audit"])
    async def room_page(self) -> Response[str]:
        return page(SHELL)

    @get("/conversations/{session_id:str}")
    async def conversation_page(self, session_id: PathSessionId) -> Response[str]:
        return page(SHELL)

    @get("/static/{name:str}", opt={PUBLIC: True})
    async def asset(
        self, name: Annotated[str, Parameter(max_length=32)], owner_assets: NamedDependency[OwnerAssets]
    ) -> File:
        return owner_assets.file(name)

    @post("/login", opt={PUBLIC: True}, status_code=303, before_request=_form_only)
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        access: NamedDependency[OwnerAccess],
    ) -> Response[Any]:
        result = await access.sign_in(
            data.password, client_ip(request), request.headers.get("user-agent", "")
        )
        if result.session is None:
            wait = result.wait_seconds
            notice = "Too many failed sign-ins from your address." if result.throttled else "Wrong password."
            if wait:
                notice += f" Try again in {wait} seconds."
            return sign_in_page(
                request,
                notice=notice,
                next_path=data.next,
                status_code=429 if result.throttled else 401,
                headers={"Retry-After": str(wait)} if wait else None,
            )
        response = Redirect(next_page(data.next), status_code=303)
        response.set_cookie(
            session_cookie(
                result.cookie, max_age=int(access.lifetime.total_seconds()), secure=is_https(request)
            )
        )
        return response

    @post("/logout", status_code=303)
    async def logout(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[OwnerSession],
        access: NamedDependency[OwnerAccess],
    ) -> Redirect:
        await access.sign_out(session, client_ip(request))
        response = Redirect(f"{ROOM}?signed_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=ROOM)
        return response
