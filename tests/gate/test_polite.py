"""Live-mode politeness: 429 honoured with Retry-After, 5xx retried with backoff, both bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from contractgate.http import PoliteSession


class _Script(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict[str, str]]]] = []
    seen: ClassVar[list[float]] = []

    def do_GET(self) -> None:
        type(self).seen.append(time.monotonic())
        status, headers = type(self).answers.pop(0) if type(self).answers else (200, {})
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Script)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Script.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}/x"
    httpd.shutdown()


def test_429_is_retried_after_the_time_the_server_asks_for(server):
    _Script.answers = [(429, {"Retry-After": "1"}), (200, {})]
    response = PoliteSession(rate=100).get(server)
    assert response.status_code == 200
    assert len(_Script.seen) == 2 and _Script.seen[1] - _Script.seen[0] >= 0.95


def test_5xx_is_retried_with_backoff_a_bounded_number_of_times(server):
    _Script.answers = [(503, {})] * 10
    session = PoliteSession(rate=100, max_retries=2)
    response = session.get(server)
    assert response.status_code == 503 and len(_Script.seen) == 3 and session.retries_made == 2
    gaps = [b - a for a, b in zip(_Script.seen, _Script.seen[1:], strict=False)]
    assert gaps[0] >= 0.45 and gaps[1] >= 0.95  # 0.5 s, then 1 s


def test_a_retry_after_longer_than_a_run_waits_is_the_answer_not_a_wait(server):
    # Coming back early would be impolite and waiting an hour is no test run: the 429 is what the gate saw.
    _Script.answers = [(429, {"Retry-After": "3600"}), (200, {})]
    response = PoliteSession(rate=100, max_wait=0.2).get(server)
    assert response.status_code == 429 and len(_Script.seen) == 1


def test_retry_after_as_an_http_date_is_honoured(server):
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    _Script.answers = [(503, {"Retry-After": when}), (200, {})]
    assert PoliteSession(rate=100).get(server).status_code == 200
    assert len(_Script.seen) == 2 and _Script.seen[1] - _Script.seen[0] >= 0.5  # the date has whole seconds


def test_the_rate_limit_spaces_requests(server):
    session = PoliteSession(rate=10)
    for _ in range(4):
        session.get(server)
    assert _Script.seen[-1] - _Script.seen[0] >= 0.28  # 3 gaps of 0.1 s


def test_a_redirect_is_followed_within_the_origin_only():
    """Credentials may follow a redirect on the same scheme, host and port; to another port nothing is sent."""
    from contractgate.http import PoliteSession

    seen: dict[str, list[dict[str, str]]] = {"a": [], "b": []}

    def handler(name: str, location: str | None) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen[name].append(dict(self.headers.items()))
                if location and self.path == "/start":
                    self.send_response(302)
                    self.send_header("Location", location)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    other = ThreadingHTTPServer(("127.0.0.1", 0), handler("b", None))
    threading.Thread(target=other.serve_forever, daemon=True).start()
    other_url = f"http://localhost:{other.server_address[1]}/stolen"
    first = ThreadingHTTPServer(("127.0.0.1", 0), handler("a", other_url))
    threading.Thread(target=first.serve_forever, daemon=True).start()
    same = ThreadingHTTPServer(("127.0.0.1", 0), handler("a", "/next"))
    threading.Thread(target=same.serve_forever, daemon=True).start()
    try:
        session = PoliteSession(rate=100)
        answer = session.get(f"http://127.0.0.1:{first.server_address[1]}/start", headers={"x-api-key": "k-1234"})
        assert answer.status_code == 302 and not seen["b"], "the key went to another port"
        answer = session.get(f"http://127.0.0.1:{same.server_address[1]}/start", headers={"x-api-key": "k-1234"})
        assert answer.status_code == 200 and seen["a"][-1].get("x-api-key") == "k-1234"
    finally:
        for server in (other, first, same):
            server.shutdown()
            server.server_close()
