"""The webhook receiver as an ASGI application: authenticate, bound, parse, check, store, answer.

Checks run in the order of docs/receiver.md and the first that fails answers. The body is only read once the
sender has authenticated, and a delivery is only acknowledged (2xx) once it is on disk. Everything that
leaves the process (answers, stored files, log lines) goes through the Masker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contractgate.catalog import Api, Operation, load_catalog
from contractgate.errors import ContractgateError, InputError
from contractgate.findings import Violation, failing
from contractgate.mock.common import Credentials, same_secret
from contractgate.payload import parse_json
from contractgate.receiver.store import Outcome, Store, canonical, delivery_key
from contractgate.secrets import Masker
from contractgate.validate import checker_for

#: A SESSION_COMPLETE of a 24-hour session is about 20 KB; a megabyte is no callback.
DEFAULT_MAX_BYTES = 1024 * 1024
#: Seconds a sender gets to deliver the whole body once its headers are accepted.
BODY_TIMEOUT = 10.0
#: Violations listed in a 422 answer; the stored metadata has them all.
MAX_LISTED = 100
JSON_TYPE = "application/json"


def webhook_operation(api_id: str) -> Operation:
    """The operation the receiver checks bodies against; a usage error for an API it cannot receive."""
    catalog = load_catalog()
    api = catalog.api(api_id)
    if api.kind != "webhook":
        webhooks = ", ".join(a.id for a in catalog.of_kind("webhook")) or "none"
        raise ContractgateError(f"cannot receive {api_id!r}: it is not a webhook (webhooks: {webhooks})")
    return next(op for op in api.operations.values() if op.is_webhook)


def default_webhook() -> str:
    """The catalog's first webhook: what the receiver takes when no API is named."""
    webhooks = load_catalog().of_kind("webhook")
    if not webhooks:
        raise ContractgateError("the catalog has no webhook to receive")
    return webhooks[0].id


def callback_path(api_id: str | None = None) -> str:
    """Where a webhook's callbacks are POSTed: ``/<api id>`` (``/asleep-v1-callback``)."""
    return f"/{api_id or default_webhook()}"


@dataclass(frozen=True)
class _Expected:
    """One authentication header a callback must carry, in the order they are checked."""

    header: str
    variable: str
    value: str
    secret: bool  # a credential: compared in constant time, never quoted
    identifier: bool  # whose callbacks these are: a wrong one names the variable that says whom


def _expected_headers(api: Api, credentials: Credentials) -> list[_Expected]:
    auth = api.auth
    named = ({"authorization": auth["token"]} if auth.get("scheme") == "bearer"
             else {h.lower(): v for h, v in auth.get("headers", {}).items()})
    expected = [_Expected(header, var, credentials[var], var in api.secrets or header == "authorization",
                          var in api.identifiers) for header, var in named.items()]
    # The key first: a sender without it learns nothing about users.
    return sorted(expected, key=lambda e: not e.secret)


def _brief(violation: Violation) -> dict[str, str]:
    return {"rule": violation.rule, "severity": violation.severity, "pointer": violation.pointer,
            "message": violation.message}


def _keyed(body: bytes) -> tuple[Any, str]:
    """The body's JSON and its delivery key; InputError for a body that is not JSON or has no canonical form."""
    payload = parse_json(body, "request body")
    try:
        return payload, delivery_key(canonical(payload))
    except orjson.JSONEncodeError as exc:
        # orjson writes at most 254 levels of nesting: a body deeper than that (and than parse_json refuses) has
        # no canonical form, hence no key. Refused like a body that is not JSON, not a 500.
        raise InputError("request body", f"JSON nested too deep for its canonical form ({exc})") from None


def _unsupported_type(content_type: str | None) -> str | None:
    """Why a Content-Type is refused (None: it is JSON in UTF-8)."""
    if content_type is None:
        return f"content-type is missing; send {JSON_TYPE}"
    media, *params = (part.strip() for part in content_type.split(";"))
    if media.lower() != JSON_TYPE:
        return f"content-type {media!r} is not supported; send {JSON_TYPE}"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return f"charset {value.strip()!r} is not supported; send UTF-8"
    return None


class _AccessLog:
    """One line per request, whatever answered it (the handler, routing's 404/405, an error)."""

    def __init__(self, app: ASGIApp, write: Callable[[str], None], masker: Masker) -> None:
        self.app = app
        self.write = write
        self.masker = masker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            note = scope.get("state", {}).get("note", "")
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            # Masked before quoting, which would hide a secret from the masker; quoted, so that a percent-encoded
            # newline in the path cannot start a second log line.
            path = quote(self.masker.text(scope["path"]), safe="/-._~*")
            elapsed = (time.perf_counter() - started) * 1000
            self.write(self.masker.text(f"{stamp} {scope['method']} {path} {status} {elapsed:.1f}ms {note}".rstrip()))


class _Receiver:
    def __init__(self, api_id: str, store: Store, credentials: Credentials, masker: Masker, max_bytes: int,
                 body_timeout: float) -> None:
        self.api_id = api_id
        self.store = store
        self.masker = masker
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout
        self.operation = webhook_operation(api_id)
        self.checker = checker_for(api_id, self.operation.operation_id)
        self.expected = _expected_headers(load_catalog().api(api_id), credentials)

    def masked(self, data: bytes) -> bytes:
        # surrogateescape: bytes that are not UTF-8 (a refused body) are kept exactly, secrets still masked.
        return self.masker.text(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def json(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
        return Response(self.masked(orjson.dumps(body)), status, headers, JSON_TYPE)

    def check_headers(self, headers: Headers) -> None:
        for expected in self.expected:
            given = headers.get(expected.header)
            if expected.header == "authorization":
                scheme, _, token = (given or "").partition(" ")
                given = token.strip() if scheme.lower() == "bearer" else None
            if expected.secret:
                if not same_secret(given, expected.value):
                    raise HTTPException(401, f"{expected.header} is missing or wrong")
                continue
            # Every header of the security requirement (Asleep's x-user-id: AsleepUserId) answers 401 when wrong.
            if not given:
                raise HTTPException(401, f"{expected.header} is missing")
            if given != expected.value:
                whose = "the user" if expected.identifier else "the value"
                raise HTTPException(401, f"{expected.header} is not {whose} this receiver takes callbacks for "
                                         f"({expected.variable})")
        if headers.get("content-encoding", "identity").lower() != "identity":
            raise HTTPException(415, "content-encoding is not supported; send the body uncompressed")
        if problem := _unsupported_type(headers.get("content-type")):
            raise HTTPException(415, problem)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise HTTPException(413, f"the body is {length} bytes, over the {self.max_bytes}-byte limit")

    async def read_body(self, request: Request) -> bytes:
        """The body, refused as soon as it passes the limit or takes too long (no Content-Length is trusted)."""
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise HTTPException(413, f"the body is over the {self.max_bytes}-byte limit")
                    chunks.append(chunk)
        except TimeoutError:
            raise HTTPException(408, f"the body did not arrive within {self.body_timeout:g} s") from None
        except ClientDisconnect:
            raise HTTPException(400, "the sender disconnected before the end of the body") from None
        body = b"".join(chunks)
        if not body.strip():
            raise HTTPException(400, "the body is empty")
        return body

    def keep(self, outcome: Outcome, key: str, body: bytes, meta: dict[str, Any]) -> bool:
        try:
            return self.store.put(outcome, key, self.masked(body), self.masked(orjson.dumps(
                {"key": key, "outcome": outcome, **meta}, option=orjson.OPT_INDENT_2)))
        except OSError as exc:
            # Not acknowledged, so the sender retries; a 5xx says the fault is here, not in the delivery.
            raise HTTPException(503, f"the store could not write the delivery: {exc.strerror or exc}",
                                {"Retry-After": "1"}) from None

    def settle(self, body: bytes, headers: Headers) -> tuple[int, dict[str, Any], str]:
        """Check and store one authenticated body: (status, answer, log note). Blocking: runs in a thread."""
        meta: dict[str, Any] = {
            "api": self.api_id, "operation": self.operation.operation_id,
            "received_at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "bytes": len(body), "headers": self.masker.headers(dict(headers)),
        }
        try:
            payload, key = _keyed(body)
        except InputError as exc:
            key = delivery_key(body)
            created = self.keep("rejected", key, body, {**meta, "status": 400, "error": exc.cause})
            answer = {"error": str(exc), "outcome": "rejected", "key": key, "duplicate": not created}
            return 400, answer, f"rejected {key[:12]}: {exc.cause}"
        violations = self.checker.check(payload)
        errors = len(failing(violations))
        status, outcome = (422, "rejected") if errors else (200, "accepted")
        created = self.keep(outcome, key, body, {**meta, "status": status,
                                                 "violations": [v.to_dict() for v in violations]})
        answer: dict[str, Any] = {"outcome": outcome, "key": key, "duplicate": not created}
        if errors:
            answer = {"error": f"the body breaks its contract (errors: {errors})", **answer,
                      "violation_count": len(violations)}
        answer["violations"] = [_brief(v) for v in violations[:MAX_LISTED]]
        warnings = len(violations) - errors
        note = f"{outcome} {key[:12]} {'duplicate' if not created else 'new'}, {errors} errors, {warnings} warnings"
        return status, answer, note

    async def callback(self, request: Request) -> Response:
        self.check_headers(request.headers)
        body = await self.read_body(request)
        status, answer, request.state.note = await run_in_threadpool(self.settle, body, request.headers)
        return self.json(status, answer)

    async def healthz(self, _: Request) -> Response:
        return self.json(200, {"status": "ok", "api": self.api_id, "callback": callback_path(self.api_id)})

    async def refuse(self, request: Request, exc: HTTPException) -> Response:
        detail = exc.detail
        if exc.status_code == 404:  # routing's: its detail is only the reason phrase
            detail = f"nothing here; callbacks are POSTed to {callback_path(self.api_id)}"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed here; callbacks are POSTed to {callback_path(self.api_id)}"
        request.state.note = detail
        return self.json(exc.status_code, {"error": detail}, exc.headers)

    async def fail(self, request: Request, exc: Exception) -> Response:
        """A bug, answered in JSON like everything else (Starlette still raises it, so it is logged)."""
        request.state.note = f"internal error: {type(exc).__name__}"
        return self.json(500, {"error": "internal error in the receiver; the delivery was not stored"})


def create_receiver(store: Path, *, api_id: str | None = None, credentials: Credentials | None = None,
                    masker: Masker | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                    body_timeout: float = BODY_TIMEOUT, log: Callable[[str], None] | None = None) -> Starlette:
    """The receiver of ``api_id``'s deliveries (default: the catalog's first webhook, ``asleep-v1-callback``) at
    ``POST /<api_id>``, storing into ``store``.

    Accepted credentials are the catalog's auth headers of that API, valued as for the mock (the environment
    variables, or their local defaults); ``log`` gets one masked line per request.
    """
    api_id = api_id or default_webhook()
    credentials = credentials or Credentials.from_env()
    receiver = _Receiver(api_id, Store(store), credentials, masker or Masker.from_env(), max_bytes, body_timeout)
    # The accepted key is masked even when it is a local default that no environment variable holds.
    receiver.masker = receiver.masker.with_values(*(e.value for e in receiver.expected if e.secret and e.value))
    masker = receiver.masker
    middleware = [Middleware(_AccessLog, write=log, masker=masker)] if log is not None else []
    return Starlette(
        routes=[Route(callback_path(api_id), receiver.callback, methods=["POST"]),
                Route("/healthz", receiver.healthz, methods=["GET"])],
        middleware=middleware,
        exception_handlers={HTTPException: receiver.refuse, Exception: receiver.fail},
    )
