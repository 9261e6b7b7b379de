"""The one HTTP client for targets that are not in-process: gate, record and drift all send through it.

Politeness and safety live here and nowhere else: a rate limit, bounded retries (429 with ``Retry-After``
in seconds or as an HTTP date, 5xx and connection errors with backoff), redirects followed only within the
origin (so credentials never reach another host), a request policy that refuses anything but the
documented operations, and bounds on every answer (bytes on the wire and decoded, a total deadline).
Every wait and retry is bounded in count and time.

Schemathesis sends through a ``requests.Session``, so this is one (an adapter would be a second layer).
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from contractgate.errors import ContractgateError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
DEFAULT_DEADLINE = 30.0
_CHUNK = 64 * 1024


class UnsafeRequest(ContractgateError):
    """A request the policy forbids (an undocumented method or path to a real vendor): never sent."""


class ResponseTooLarge(requests.RequestException):
    """The answer grew past the size bound; it was cut off, not read."""


class DeadlineExceeded(requests.Timeout):
    """The whole exchange (connect, headers, body) took longer than the deadline."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what a credential is bound to."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


@dataclass(frozen=True)
class RequestPolicy:
    """Which requests may leave the process: ``(method, URL pattern)`` pairs; anything else is refused."""

    allowed: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def documented(cls, operations: Iterable[tuple[str, str, str]]) -> RequestPolicy:
        """From ``(method, base URL, path template)`` triples; a path parameter matches one segment."""
        allowed = []
        for method, base_url, template in operations:
            parts = re.split(r"(\{[^}/]+\})", template)
            path = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            allowed.append((method.upper(), re.compile(re.escape(base_url.rstrip("/")) + path + r"(\?.*)?")))
        return cls(tuple(allowed))

    def permits(self, method: str, url: str) -> bool:
        return any(method.upper() == m and pattern.fullmatch(url) for m, pattern in self.allowed)


def connection_problem(exc: BaseException) -> str:
    """What went wrong in a user's words: 'connection refused', 'name not resolved', 'TLS error: ...'."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "name not resolved (DNS)"
        if isinstance(cause, ssl.SSLError | requests.exceptions.SSLError):
            return f"TLS error: {str(cause).splitlines()[0][:200]}"
        if isinstance(cause, requests.Timeout | TimeoutError | socket.timeout):
            return "timed out"
        args = getattr(cause, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        cause = getattr(cause, "reason", None) or nested or cause.__cause__ or cause.__context__
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "Failed to resolve" in text:
        return "name not resolved (DNS)"
    if "Connection refused" in text:
        return "connection refused"
    return text.splitlines()[0][:200] if text else type(exc).__name__


class PoliteSession(requests.Session):
    """A ``requests.Session`` that is polite and safe towards a remote API (see the module's docstring)."""

    def __init__(self, *, rate: float, timeout: float = 10.0, max_retries: int = 3, max_wait: float = 30.0,
                 policy: RequestPolicy | None = None, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
                 deadline: float = DEFAULT_DEADLINE) -> None:
        super().__init__()
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait  # the longest single wait, whatever Retry-After asks
        self.policy = policy
        self.max_response_bytes = max_response_bytes
        self.deadline = deadline
        self.max_redirects = 5
        self.retries_made = 0
        self.sent: Counter[str] = Counter()  # method -> requests that left the process
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def _pace(self) -> None:
        with self._lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self.interval
        if wait > 0:
            time.sleep(wait)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """Redirects are followed within the origin only: another host never sees the credentials."""
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        absolute = requests.compat.urljoin(resp.url, target)
        return target if origin(absolute) == origin(resp.url) else None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        # Every request, redirects included, passes here: the policy is enforced at the last moment.
        method, url = request.method or "GET", request.url or ""
        if self.policy is not None and not self.policy.permits(method, url):
            raise UnsafeRequest(f"refused to send {method} {url}: not a documented read operation of this target")
        with self._lock:
            self.sent[method] += 1
        return super().send(request, **kwargs)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["timeout"] = self._timeout(kwargs.get("timeout"))
        kwargs.pop("stream", None)  # the body is always read here, within its bounds
        attempt = 0
        while True:
            self._pace()
            started = time.monotonic()
            try:
                response = super().request(method, url, *args, stream=True, **kwargs)
                self._read_bounded(response, started)
            except (ResponseTooLarge, DeadlineExceeded):
                raise  # a bound: asking again would cost the same
            except requests.ConnectionError:
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                self.retries_made += 1
                time.sleep(min(0.5 * 2 ** (attempt - 1), self.max_wait))
                continue
            except requests.Timeout:
                raise DeadlineExceeded(f"no answer within {self.deadline:g} s") from None
            if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                return response
            delay = self._delay(response, attempt + 1)
            if delay > self.max_wait:
                return response  # the server asks for more patience than a run has: its answer is the answer
            attempt += 1
            self.retries_made += 1
            time.sleep(delay)

    def _timeout(self, given: Any) -> Any:
        """Each socket wait is at most the deadline, so that no single wait outlives the whole exchange."""
        if given is None:
            return min(self.timeout, self.deadline)
        if isinstance(given, tuple):
            return tuple(min(t, self.deadline) if t is not None else self.deadline for t in given)
        return min(given, self.deadline)

    def _read_bounded(self, response: requests.Response, started: float) -> None:
        """Read the body here, within the size bound (on the wire and decoded) and the deadline."""
        limit = self.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise ResponseTooLarge(f"the answer declares {int(declared):,} bytes, over the {limit:,}-byte limit "
                                   "(--max-response-bytes)")
        raw = response.raw
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                self._shorten_socket_wait(raw, started)
                chunk = raw.read1(_CHUNK, decode_content=True) if hasattr(raw, "read1") else raw.read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                wire = raw.tell() if hasattr(raw, "tell") else total
                if total > limit or wire > limit:
                    raise ResponseTooLarge(f"the answer passed the {limit:,}-byte limit (--max-response-bytes); "
                                           "reading stopped there")
                if time.monotonic() - started > self.deadline:
                    raise DeadlineExceeded(f"the answer took longer than {self.deadline:g} s in total; "
                                           "reading stopped there")
                chunks.append(chunk)
        except (requests.RequestException, TimeoutError, OSError) as exc:
            response.close()
            if isinstance(exc, ResponseTooLarge | DeadlineExceeded):
                raise
            if time.monotonic() - started >= self.deadline or isinstance(exc, TimeoutError | socket.timeout):
                raise DeadlineExceeded(f"the answer took longer than {self.deadline:g} s in total") from None
            raise requests.ConnectionError(f"the connection broke while reading the answer: {exc}") from None
        except Exception as exc:  # urllib3's protocol and decoding errors: the answer is unreadable
            response.close()
            if "timed out" in str(exc).lower():
                raise DeadlineExceeded(f"the answer took longer than {self.deadline:g} s in total") from None
            raise requests.ConnectionError(f"the answer could not be read: {exc}") from None
        response._content = b"".join(chunks)
        response._content_consumed = True
        response.close()

    def _shorten_socket_wait(self, raw: Any, started: float) -> None:
        """A server that drips a byte now and then must not stretch the deadline: the next wait is what is left."""
        remaining = self.deadline - (time.monotonic() - started)
        sock = getattr(getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(max(remaining, 0.01))

    @staticmethod
    def _delay(response: requests.Response, attempt: int) -> float:
        retry_after = response.headers.get("Retry-After", "").strip()
        if retry_after.isdigit():
            return float(retry_after)
        if retry_after:
            try:
                when = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError):
                when = None
            if when is not None and when.tzinfo is not None:
                return max(0.0, when.timestamp() - time.time())
        return 0.5 * 2 ** (attempt - 1)  # 0.5, 1, 2 s: exponential backoff
