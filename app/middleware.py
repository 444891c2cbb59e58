"""Pure ASGI middleware: request ids, security headers, NUL-free URLs and body size limits."""

import itertools
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_MEDIA_TYPE, problem

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# The interactive API docs run an inline start-up script.
DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " \
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and adds the security headers.

    An id is the process's random prefix and a count: unique across workers and restarts without
    asking the kernel for random bytes on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.prefix = secrets.token_hex(8)
        self.count = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            await _refuse_nul(scope, send)
            return
        request_id = f"{self.prefix}{next(self.count):016x}"
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope["path"]
        csp = DOCS_CSP if path.startswith(("/docs", "/redoc")) else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Request-ID", request_id)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("Content-Security-Policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        is_upload = content_type.startswith(("multipart/form-data", "text/csv"))
        limit = self.max_upload if is_upload else self.max_body
        too_large = HTTPException(413, f"The request body is larger than the {limit:,} bytes allowed.")
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            # The app renders the problem when it reads the body, which it never receives.
            await self.app(scope, _raising_receive(too_large), send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        await self.app(scope, counting_receive, send)


def _raising_receive(error: HTTPException) -> Callable[[], Awaitable[MutableMapping[str, Any]]]:
    async def receive() -> MutableMapping[str, Any]:
        raise error

    return receive


async def _refuse_nul(scope: Scope, send: Send) -> None:
    """A NUL character in the URL can reach no valid resource or value."""
    body = json.dumps(problem(400, "The URL contains a NUL character.")).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
