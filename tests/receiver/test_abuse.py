"""``contractgate receive`` under abuse: slowloris connections, malformed requests, bodies nested too deep.

Everything is bounded: the attackers and the senders run until the load is done or its deadline passes, every
retry loop has a count, and every socket is closed on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections import Counter
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from starlette.responses import Response

from contractgate.receiver.store import canonical, delivery_key
from contractgate.serving import GuardedApp, Limits
from tests.receiver.conftest import HEADERS, distinct_callbacks, receiver_process, stored

HALF_OPEN = 300
LOAD = 1000
SENDERS = 50
ATTEMPTS = 6  # per delivery: the first and 5 retries
BACKOFF = 0.1  # seconds before the first retry, doubled after each
LOAD_SECONDS = 180  # the whole test; on this 2-core machine the load takes about 10 s
PARTIAL = b"POST /asleep-v1-callback HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
RETRYABLE = {408, 429, 503}


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1" and parts.port is not None
    return parts.hostname, parts.port


async def _slowloris(address: tuple[str, int], stop: asyncio.Event, held: set[int], seen: Counter[str]) -> None:
    """One attacker: a request whose headers never end, one more header line every half second; when the server
    drops it, another at once, until ``stop``."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(*address)
        except OSError:
            seen["refused"] += 1
            await asyncio.sleep(0.1)
            continue
        me = id(writer)
        try:
            writer.write(PARTIAL)
            await writer.drain()
            held.add(me)
            seen["opened"] += 1
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    answer = await asyncio.wait_for(reader.read(4096), 0.5)
                    seen["408" if answer.startswith(b"HTTP/1.1 408 ") else "dropped"] += 1
                    break
                writer.write(b"x-slow: 1\r\n")
                await writer.drain()
        except OSError:
            seen["reset"] += 1
        finally:
            held.discard(me)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _deliver(client: httpx.AsyncClient, url: str, body: bytes, attempts: Counter[int]) -> httpx.Response:
    """A sender's delivery with a bounded retry budget, as the mock's emitter does it."""
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            response = await client.post(url, content=body, headers=HEADERS)
        except httpx.TransportError:
            continue
        if response.status_code not in RETRYABLE:
            attempts[attempt + 1] += 1
            return response
    raise AssertionError(f"not delivered in {ATTEMPTS} attempts")


@pytest.mark.slow
def test_1000_callbacks_are_stored_exactly_once_while_300_slowloris_connections_are_held(tmp_path):
    bodies = distinct_callbacks(LOAD)
    store = tmp_path / "store"
    held: set[int] = set()
    seen: Counter[str] = Counter()
    attempts: Counter[int] = Counter()

    async def scenario(url: str) -> tuple[list[httpx.Response], int]:
        stop = asyncio.Event()
        attackers = [asyncio.create_task(_slowloris(_address(url), stop, held, seen)) for _ in range(HALF_OPEN)]
        try:
            async with asyncio.timeout(LOAD_SECONDS):
                while len(held) < HALF_OPEN:  # bounded by the timeout: every attacker holds a connection
                    await asyncio.sleep(0.05)
                held_at_start = len(held)
                queue = list(reversed(bodies))

                async def sender() -> list[httpx.Response]:
                    answers = []
                    async with httpx.AsyncClient(timeout=30) as client:
                        while queue:
                            answers.append(await _deliver(client, url, orjson.dumps(queue.pop()), attempts))
                    return answers

                answers = [a for some in await asyncio.gather(*(sender() for _ in range(SENDERS))) for a in some]
        finally:
            stop.set()
            await asyncio.gather(*attackers)
        return answers, held_at_start

    with receiver_process(store, tmp_path / "logs") as receiver:
        answers, held_at_start = asyncio.run(scenario(receiver.url))
        assert receiver.stop() == 0
    print(f"attackers: {dict(seen)}; deliveries by attempts needed: {dict(sorted(attempts.items()))}")
    assert held_at_start == HALF_OPEN and held == set()
    assert [a.status_code for a in answers] == [200] * LOAD
    assert {p.stem for p in stored(store)} == {delivery_key(canonical(b)) for b in bodies}
    assert len(list((store / "accepted" / "meta").glob("*.json"))) == LOAD
    assert stored(store, "rejected") == []


def _raw_exchange(address: tuple[str, int], first: bytes, *, trickle: bytes = b"", seconds: float = 30) -> bytes:
    """Send ``first``, then ``trickle`` every half second, until the server closes (at most ``seconds``)."""
    received = b""
    with socket.create_connection(address, timeout=0.5) as sock:
        sock.sendall(first)
        for _ in range(int(seconds / 0.5)):
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                if trickle:
                    sock.sendall(trickle)
                continue
            if not chunk:
                return received
            received += chunk
    raise AssertionError(f"the server kept the connection open for {seconds} s; received {received!r}")


def _status_and_json(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("ascii").split("\r\n")
    assert "content-type: application/json" in lines, lines
    return int(lines[0].split()[1]), json.loads(body)


@pytest.mark.slow
def test_a_client_that_never_finishes_its_headers_is_answered_408_and_dropped(tmp_path):
    with receiver_process(tmp_path / "store", tmp_path / "logs") as receiver:
        address = _address(receiver.url)
        # Trickling keeps the connection busy, so only the header timeout can end it (not keep-alive's).
        answer = _raw_exchange(address, PARTIAL, trickle=b"x-slow: 1\r\n")
        silent = _raw_exchange(address, b"")
        assert httpx.get(receiver.health, timeout=10).status_code == 200
        assert receiver.stop() == 0
    timeout = Limits().header_timeout
    message = f"the request line and headers did not arrive within {timeout:g} s"
    assert _status_and_json(answer) == _status_and_json(silent) == (408, {"error": message})


def test_a_request_that_is_not_http_is_answered_400_in_json(tmp_path):
    with receiver_process(tmp_path / "store", tmp_path / "logs") as receiver:
        answer = _raw_exchange(_address(receiver.url), b"HELLO\x00 there\r\n\r\n")
        assert receiver.stop() == 0
    assert _status_and_json(answer) == (400, {"error": "the request is not valid HTTP/1.1"})


def test_a_body_nested_too_deep_is_answered_400_in_json_and_kept_under_rejected(tmp_path):
    deep = b"[" * 300 + b"]" * 300
    with receiver_process(tmp_path / "store", tmp_path / "logs") as receiver:
        response = httpx.post(receiver.url, content=deep, headers=HEADERS, timeout=10)
        assert receiver.stop() == 0
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["error"].startswith("request body: JSON nested") and answer["outcome"] == "rejected"
    assert [p.read_bytes() for p in stored(tmp_path / "store", "rejected")] == [deep]


@pytest.mark.anyio
async def test_requests_past_the_cap_are_answered_503_in_json_and_connections_are_not_counted():
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await Response(b"{}", 200, media_type="application/json")(scope, receive, send)

    transport = httpx.ASGITransport(app=GuardedApp(slow_app, Limits(max_requests=2)))
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        first = [asyncio.create_task(client.get("/")) for _ in range(2)]
        while transport.app.in_flight < 2:  # bounded: both are in the app after a few loop turns
            await asyncio.sleep(0)
        busy = await client.get("/")
        release.set()
        served = await asyncio.gather(*first)
        again = await client.get("/")
    assert [r.status_code for r in served] == [200, 200] and again.status_code == 200
    assert (busy.status_code, busy.headers["retry-after"], busy.json()) == (
        503, "1", {"error": "the server is busy (2 requests at once); retry"})
