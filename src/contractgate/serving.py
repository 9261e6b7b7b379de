"""The HTTP server of the local servers (the mock, the webhook receiver): uvicorn on h11, hardened.

uvicorn alone lets one client hold a connection forever by never finishing its headers, counts such
connections against its concurrency limit (so 300 of them get every real request a 503), accepts or refuses
large headers depending on how they were split into packets, answers protocol errors in plain text and
resets connections it refuses while the client is still sending. ``serve`` adds, per connection:

- a header timeout, from the connection (or the first byte of a next request) to the end of the headers;
- a header size limit, enforced the same way whatever the packets (431);
- shedding: past ``max_connections``, the connection that has waited longest for a request is closed;
- a cap on requests being served at once, counted in requests, not connections (503 with Retry-After);
- JSON bodies for every refusal, and a lingering close after one, so that the client reads the answer
  instead of a reset while it is still sending.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import socket
from dataclasses import dataclass
from http import HTTPStatus
from types import FrameType
from typing import Any, NoReturn

import h11
import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import Server, ServerState

from contractgate.errors import EXIT_OK, ContractgateError

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Limits:
    """What one client may take from the server. The defaults are documented in docs/receiver.md and docs/mock.md."""

    #: Seconds from the connection, or from the first byte of a next request, to the end of the headers.
    header_timeout: float = 5.0
    #: Bytes of request line and headers.
    max_header_bytes: int = 64 * 1024
    #: Seconds an idle keep-alive connection is kept.
    keep_alive: int = 5
    #: Requests served at once; more are answered 503 with Retry-After: 1.
    max_requests: int = 256
    #: Open connections; past it, the one waiting longest for a request (slow headers, idle) is closed.
    max_connections: int = 2048
    #: After refusing a request still being sent, how much more of it is read (and dropped) before closing.
    linger_bytes: int = 4 * 1024 * 1024
    linger_seconds: float = 5.0


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before the server starts, so that port 0 can print the port the system picked.

    The protocol is named explicitly: asyncio sets TCP_NODELAY only on sockets created with IPPROTO_TCP, and
    without it every small answer over loopback waits about 40 ms for the delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ContractgateError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(1024)
    return sock


def error_body(message: str) -> bytes:
    return orjson.dumps({"error": message})


def _raw_answer(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 answer, for the places where h11 can no longer write one (its state is an error)."""
    body = error_body(message)
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: {JSON_TYPE}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode("ascii") + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout, shedding, JSON refusals and a lingering close."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None, *, limits: Limits) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.header_timer: asyncio.TimerHandle | None = None
        self.linger_timer: asyncio.TimerHandle | None = None
        self.drained: int | None = None  # bytes dropped since a refusal; None while the connection is healthy
        self.waiting_since = self.loop.time()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.arm_header_timer()
        if len(self.connections) > self.limits.max_connections:
            self.shed()

    def data_received(self, data: bytes) -> None:
        if self.drained is not None:
            self.drained += len(data)
            if self.drained > self.limits.linger_bytes:
                self.transport.close()
            return
        if self.conn.their_state is h11.IDLE:  # the first bytes of a next request on a kept-alive connection
            self.arm_header_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the headers are complete (or the connection is over)
            self.cancel_timers(linger=False)

    def on_response_complete(self) -> None:
        self.waiting_since = self.loop.time()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.cancel_timers(linger=True)
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.drained is not None:  # h11 is in an error state and cannot close politely
            self.transport.close()
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        # h11 raises on anything it cannot parse, a header block past its limit included (it checks the
        # buffer only while the headers are incomplete; GuardedApp checks complete ones).
        if len(self.conn.trailing_data[0]) > self.limits.max_header_bytes:
            self.refuse(431, f"the request line and headers are over the {self.limits.max_header_bytes}-byte limit")
        else:
            self.refuse(400, "the request is not valid HTTP/1.1")

    def arm_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.limits.header_timeout, self.headers_too_slow)

    def cancel_timers(self, *, linger: bool) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None
        if linger and self.linger_timer is not None:
            self.linger_timer.cancel()
            self.linger_timer = None

    def headers_too_slow(self) -> None:
        self.header_timer = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.refuse(408, f"the request line and headers did not arrive within {self.limits.header_timeout:g} s")

    def refuse(self, status: int, message: str) -> None:
        """Answer and close; keep reading (a bounded amount, for a bounded time) so that the answer is read."""
        self.cancel_timers(linger=False)
        self.transport.write(_raw_answer(status, message))
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.drained = 0
        self.linger_timer = self.loop.call_later(self.limits.linger_seconds, self.transport.close)

    def awaiting_request(self) -> bool:
        return (self.drained is None and self.conn.their_state is h11.IDLE
                and (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing())

    def shed(self) -> None:
        """Close the connection that has waited longest for a request, so that a newcomer has room."""
        waiting = [c for c in self.connections if isinstance(c, GuardedH11Protocol) and c.awaiting_request()]
        if waiting:
            min(waiting, key=lambda c: c.waiting_since).transport.close()


def _header_bytes(scope: Scope) -> int:
    """The size of the request line and headers as sent (h11 drops only optional white space)."""
    query = scope["query_string"]
    line = len(scope["method"]) + len(scope["raw_path"]) + (len(query) + 1 if query else 0) + len("  HTTP/1.1\r\n")
    return line + sum(len(name) + len(value) + len(": \r\n") for name, value in scope["headers"]) + len("\r\n")


class GuardedApp:
    """Caps the requests served at once and the size of complete header blocks; JSON refusals."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _header_bytes(scope) > self.limits.max_header_bytes:
            refusal = Response(error_body(f"the request line and headers are over the "
                                          f"{self.limits.max_header_bytes}-byte limit"), 431, media_type=JSON_TYPE)
            await refusal(scope, receive, send)
            return
        if self.in_flight >= self.limits.max_requests:
            refusal = Response(error_body(f"the server is busy ({self.limits.max_requests} requests at once); retry"),
                               503, {"Retry-After": "1"}, JSON_TYPE)
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def _exit_ok(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(EXIT_OK)


def serve(app: ASGIApp, sock: socket.socket, limits: Limits | None = None) -> None:
    """Serve ``app`` on ``sock`` until SIGINT (KeyboardInterrupt: exit 130) or SIGTERM (exit 0)."""
    limits = limits or Limits()
    config = Config(GuardedApp(app, limits), http=functools.partial(GuardedH11Protocol, limits=limits),
                    h11_max_incomplete_event_size=limits.max_header_bytes, timeout_keep_alive=limits.keep_alive,
                    log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    # uvicorn shuts down gracefully, then re-raises the signal into the handler it found. Python keeps SIGINT
    # ignored when it started ignored (a background job, nohup), so name both handlers: Ctrl-C ends the command
    # as every command does (130), SIGTERM ends it (0) rather than killing the process.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
                signal.SIGTERM: signal.signal(signal.SIGTERM, _exit_ok)}
    try:
        Server(config).run(sockets=[sock])
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
