"""``contractgate mock`` as a real process on a free loopback port: URLs, answers, abuse, Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from contractgate.mock import asleep
from contractgate.mock.common import LOCAL_DEFAULTS
from contractgate.mock.ids import sample_ids
from tests.support import running_mock

ASLEEP = {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    with running_mock("--seed", "3") as mock:
        yield mock.process, mock.urls


def test_it_prints_a_base_url_per_api_on_loopback(server):
    _, urls = server
    assert set(urls) == {"asleep-v3", "upheal", "emogg", "health"}
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
    assert urls["asleep-v3"].endswith("/asleep")


def test_it_serves_the_same_sessions_as_the_generator(server):
    _, urls = server
    session_id = sample_ids("asleep-v3", 1)[0]
    response = httpx.get(f"{urls['asleep-v3']}/data/v3/sessions/{session_id}",
                         headers={**ASLEEP, "timezone": "Asia/Seoul"}, timeout=10)
    assert response.json() == asleep.session_body(session_id, seed=3, timezone="Asia/Seoul")


def test_huge_headers_and_many_concurrent_clients_get_no_server_error(server):
    _, urls = server
    url = f"{urls['asleep-v3']}/data/v3/sessions/{sample_ids('asleep-v3', 1)[0]}"
    assert httpx.get(url, headers={**ASLEEP, "x-padding": "x" * 64_000}, timeout=10).status_code == 200
    # Past the HTTP parser's limit the server refuses, or resets while the client is still sending.
    with contextlib.suppress(httpx.TransportError):
        assert httpx.get(url, headers={**ASLEEP, "x-padding": "x" * 1_000_000}, timeout=10).status_code == 400
    assert httpx.get(urls["health"], timeout=10).status_code == 200

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
    process.wait(15)
    assert process.returncode in (0, 130)
    assert "Traceback" not in process.stderr.read()
