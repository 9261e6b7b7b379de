"""``contractgate mock`` as a real process on a free loopback port: URLs, answers, abuse, Ctrl-C and SIGTERM."""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from contractgate.catalog import load_catalog
from contractgate.mock import asleep
from contractgate.mock.ids import sample_ids
from contractgate.secrets import LOCAL_DEFAULTS
from contractgate.serving import Limits
from tests.support import running_mock

ASLEEP = {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    with running_mock("--seed", "3") as mock:
        yield mock.process, mock.urls


def test_it_prints_a_base_url_per_api_on_loopback(server):
    _, urls = server
    assert set(urls) == {api.id for api in load_catalog().of_kind("rest")} | {"health"}
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
    assert urls["asleep-v3"].endswith("/asleep")


def test_it_serves_the_same_sessions_as_the_generator(server):
    _, urls = server
    session_id = sample_ids("asleep-v3", 1)[0]
    response = httpx.get(f"{urls['asleep-v3']}/data/v3/sessions/{session_id}",
                         headers={**ASLEEP, "timezone": "Asia/Seoul"}, timeout=10)
    assert response.json() == asleep.session_body(session_id, seed=3, timezone="Asia/Seoul")


def _raw_request(origin: str, head: bytes, pieces: int) -> bytes:
    """Send ``head`` in ``pieces`` writes (a pause between them, so that the server reads them apart), then read
    the whole answer; the server closes (Connection: close)."""
    host, port = origin.removeprefix("http://").split(":")
    size = -(-len(head) // pieces)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(head), size):
            sock.sendall(head[start:start + size])
            time.sleep(0.01)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _head(path: str, total: int) -> bytes:
    """A request line and headers of exactly ``total`` bytes."""
    head = [f"GET {path} HTTP/1.1", "host: mock", "connection: close",
            *(f"{name}: {value}" for name, value in ASLEEP.items())]
    bare = len("\r\n".join(head)) + len("\r\nx-padding: \r\n\r\n")
    return "\r\n".join([*head, "x-padding: " + "x" * (total - bare), "", ""]).encode()


@pytest.mark.parametrize("pieces", [1, 16])
def test_headers_up_to_64_kib_are_served_and_larger_ones_answered_431_however_they_arrive(server, pieces):
    _, urls = server
    path = f"/asleep/data/v3/sessions/{sample_ids('asleep-v3', 1)[0]}"
    origin = urls["health"].rsplit("/", 1)[0]
    limit = Limits().max_header_bytes
    assert len(_head(path, limit)) == limit
    assert _raw_request(origin, _head(path, limit), pieces).startswith(b"HTTP/1.1 200 ")
    refused = _raw_request(origin, _head(path, limit + 1), pieces)
    status, _, body = refused.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 431 ") and b"content-type: application/json" in status.lower()
    assert json.loads(body) == {"error": f"the request line and headers are over the {limit}-byte limit"}


def test_a_megabyte_of_headers_is_answered_431_not_reset(server):
    _, urls = server
    url = f"{urls['asleep-v3']}/data/v3/sessions/{sample_ids('asleep-v3', 1)[0]}"
    # The server refuses after 64 KiB but reads the rest (up to 4 MiB), so that the client gets to read the answer.
    response = httpx.get(url, headers={**ASLEEP, "x-padding": "x" * 1_000_000}, timeout=30)
    assert (response.status_code, response.json()) == (431, {"error": "the request line and headers are over the "
                                                                    "65536-byte limit"})
    assert httpx.get(urls["health"], timeout=10).status_code == 200


def test_many_concurrent_clients_get_no_server_error(server):
    _, urls = server

    async def hammer() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            ids = sample_ids("asleep-v3", 10)
            responses = await asyncio.gather(*(
                client.get(f"{urls['asleep-v3']}/data/v3/sessions/{ids[n % 10]}", headers=ASLEEP)
                for n in range(200)))
            return [r.status_code for r in responses]

    assert set(asyncio.run(hammer())) == {200}


def test_ctrl_c_stops_it_cleanly(server):
    process, _ = server
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == 130
    assert "Traceback" not in process.stderr.read()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_stops_it_with_130_even_when_it_was_started_with_sigint_ignored(monkeypatch):
    # As a shell starts a background job; tests.support starts the mock, in a child that ignores SIGINT.
    monkeypatch.setattr(subprocess, "Popen", functools.partial(subprocess.Popen, preexec_fn=_ignore_sigint))
    with running_mock() as mock:
        monkeypatch.undo()
        assert httpx.get(mock.urls["health"], timeout=10).status_code == 200
        mock.process.send_signal(signal.SIGINT)
        assert mock.process.wait(15) == 130
        assert "Traceback" not in mock.process.stderr.read()


def test_sigterm_stops_it_with_0():
    with running_mock() as mock:
        mock.process.send_signal(signal.SIGTERM)
        assert mock.process.wait(15) == 0
