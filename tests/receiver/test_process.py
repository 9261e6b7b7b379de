"""``contractgate receive`` as a real process on a free loopback port: the mock's emitter, a kill between two
requests, 1,000 callbacks from 50 concurrent senders, and a canary credential that must not leak."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import uuid

import httpx
import orjson
import pytest

from contractgate.cli import main
from contractgate.mock import callbacks
from contractgate.receiver.store import canonical, delivery_key
from tests.receiver.conftest import HEADERS, KEY, USER, a_nap, artifacts, distinct_callbacks, receiver_process, stored

SPEED = "1e9"  # the emitter waits 5 minutes of audio / SPEED between two callbacks
LOAD = 1000
SENDERS = 50
LOAD_SECONDS = 120  # the whole load test; on this 2-core machine it takes a few seconds


def emit(url: str, session_id: str) -> int:
    return main(["emit-callbacks", "--url", url, "--session-id", session_id, "--speed", SPEED])


def validate_store(store, outcome: str = "accepted") -> int:
    return main(["validate", "asleep-v1-callback", "sessionCallback", *map(str, stored(store, outcome))])


def test_the_mocks_emitter_delivers_a_session_that_is_stored_once_and_validates(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASLEEP_API_KEY", KEY)
    monkeypatch.setenv("ASLEEP_USER_ID", USER)
    session_id = a_nap()
    sent = len(callbacks.inference_callbacks(session_id)) + 1
    store = tmp_path / "store"
    with receiver_process(store, tmp_path / "logs") as receiver:
        assert receiver.url.startswith("http://127.0.0.1:") and receiver.url.endswith("/asleep-v1-callback")
        assert emit(receiver.url, session_id) == 0
        assert f"{sent} of {sent} callbacks delivered" in capsys.readouterr().out
        assert emit(receiver.url, session_id) == 0  # the whole night again: every delivery is a retry
        assert receiver.stop(signal.SIGTERM) == 0
    assert len(stored(store)) == sent and stored(store, "rejected") == []
    assert len(list((store / "accepted" / "meta").glob("*.json"))) == sent
    log = receiver.log().splitlines()
    assert sum(" POST /asleep-v1-callback 200 " in line and " new," in line for line in log) == sent
    assert sum(" POST /asleep-v1-callback 200 " in line and " duplicate," in line for line in log) == sent
    assert log[-1] == "contractgate receive: stopped"
    assert receiver.stderr.read_text() == ""
    capsys.readouterr()
    assert validate_store(store) == 0
    assert capsys.readouterr().out.count(": ok\n") == sent


def test_ctrl_c_stops_it_cleanly(tmp_path):
    with receiver_process(tmp_path / "store", tmp_path / "logs") as receiver:
        assert receiver.stop(signal.SIGINT) == 130
    assert receiver.log().splitlines()[-1] == "contractgate receive: stopped"
    assert "Traceback" not in receiver.stderr.read_text()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_stops_it_with_130_even_when_it_was_started_with_sigint_ignored(tmp_path):
    # A shell starts background jobs so; uvicorn would hand the signal back to the ignoring handler (exit 0).
    with receiver_process(tmp_path / "store", tmp_path / "logs", preexec_fn=_ignore_sigint) as receiver:
        assert receiver.stop(signal.SIGINT) == 130
    assert receiver.log().splitlines()[-1] == "contractgate receive: stopped"
    assert "Traceback" not in receiver.stderr.read_text()


def test_nothing_acknowledged_is_lost_when_the_process_is_killed_between_two_requests(tmp_path):
    bodies = distinct_callbacks(40)
    store = tmp_path / "store"
    with receiver_process(store, tmp_path / "first") as receiver, httpx.Client(timeout=10) as client:
        for body in bodies[:20]:
            assert client.post(receiver.url, json=body, headers=HEADERS).status_code == 200
        assert receiver.stop(signal.SIGKILL) == -signal.SIGKILL
    with receiver_process(store, tmp_path / "second") as receiver, httpx.Client(timeout=10) as client:
        # The sender retries what it was never sure of, then goes on.
        answers = [client.post(receiver.url, json=body, headers=HEADERS) for body in bodies]
        assert receiver.stop() == 0
    assert [a.json()["duplicate"] for a in answers] == [True] * 20 + [False] * 20
    assert {p.stem for p in stored(store)} == {delivery_key(canonical(b)) for b in bodies}
    assert [p.name for p in artifacts(store) if p.name.startswith(".")] == []


@pytest.mark.slow
def test_1000_callbacks_from_50_concurrent_senders_are_each_stored_exactly_once(tmp_path):
    bodies = distinct_callbacks(LOAD)
    assert len({delivery_key(canonical(b)) for b in bodies}) == LOAD
    luck = random.Random(7)
    retries = luck.sample(range(LOAD), 100)
    # Half the retries are the same bytes, half re-serialised (another sender library): both are the same delivery.
    deliveries = [orjson.dumps(b) for b in bodies]
    deliveries += [orjson.dumps(bodies[n]) for n in retries[:50]]
    deliveries += [json.dumps(bodies[n], indent=1, sort_keys=True).encode() for n in retries[50:]]
    luck.shuffle(deliveries)
    store = tmp_path / "store"

    async def sender(url: str, queue: asyncio.Queue[bytes], answers: list[dict]) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while not queue.empty():
                response = await client.post(url, content=queue.get_nowait(), headers=HEADERS)
                assert response.status_code == 200, response.text
                answers.append(response.json())

    async def load(url: str) -> list[dict]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for delivery in deliveries:
            queue.put_nowait(delivery)
        answers: list[dict] = []
        await asyncio.wait_for(asyncio.gather(*(sender(url, queue, answers) for _ in range(SENDERS))), LOAD_SECONDS)
        return answers

    with receiver_process(store, tmp_path / "logs") as receiver:
        answers = asyncio.run(load(receiver.url))
        assert receiver.stop() == 0
    assert len(answers) == LOAD + 100
    assert sum(not a["duplicate"] for a in answers) == LOAD  # each delivery was new exactly once
    files = stored(store)
    assert {p.stem for p in files} == {delivery_key(canonical(b)) for b in bodies}
    assert len(list((store / "accepted" / "meta").glob("*.json"))) == LOAD
    assert {delivery_key(canonical(orjson.loads(p.read_bytes()))) for p in files} == {p.stem for p in files}
    assert [p.name for p in artifacts(store) if p.name.startswith(".")] == []  # no temporary file left
    assert sum(" POST /asleep-v1-callback 200 " in line for line in receiver.log().splitlines()) == LOAD + 100


def test_a_canary_credential_appears_in_no_output_no_stored_file_and_no_log(tmp_path, monkeypatch, capsys):
    canary = f"canary-{uuid.uuid4().hex}"
    monkeypatch.setenv("ASLEEP_API_KEY", canary)
    monkeypatch.setenv("ASLEEP_USER_ID", USER)
    headers = {**HEADERS, "x-api-key": canary}
    leaky = distinct_callbacks(1)[0]
    leaky["callback_data"]["session_id"] = canary  # a 422 whose message quotes the value
    store = tmp_path / "store"
    with receiver_process(store, tmp_path / "logs", env={"ASLEEP_API_KEY": canary}) as receiver:
        assert emit(receiver.url, a_nap()) == 0
        base = receiver.url.rsplit("/", 1)[0]
        answers = [
            httpx.post(receiver.url, json=distinct_callbacks(2)[1], headers={**headers, "x-debug": canary}),
            httpx.post(receiver.url, json=leaky, headers=headers),
            httpx.post(receiver.url, content=f'{{"key": "{canary}"'.encode(), headers=headers),
            httpx.post(receiver.url, json=leaky, headers={**headers, "x-api-key": canary + "x"}),
            httpx.post(receiver.url, json=leaky, headers={**headers, "x-api-key": KEY}),
            httpx.get(f"{base}/{canary}"),
        ]
        assert receiver.stop() == 0
    assert [a.status_code for a in answers] == [200, 422, 400, 401, 401, 404]
    assert validate_store(store) == 0 and validate_store(store, "rejected") == 2
    output = capsys.readouterr()
    texts = [output.out, output.err, *(a.text for a in answers), *(str(a.headers) for a in answers)]
    for path in artifacts(store, tmp_path / "logs"):
        texts += [str(path), path.read_bytes().decode("utf-8", "replace")]
    assert len(stored(store)) > 10 and len(stored(store, "rejected")) == 2
    assert [n for n, text in enumerate(texts) if canary in text] == []
    assert any(b'"session_id":"***"' in p.read_bytes() for p in stored(store, "rejected"))  # masked, not dropped
