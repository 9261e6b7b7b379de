"""The receiver in-process (ASGI): every answer code, what is stored for it, and one masked log line each."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from contractgate.cli import main
from contractgate.mock.common import Credentials
from contractgate.receiver.app import create_receiver
from contractgate.receiver.store import Store
from contractgate.secrets import MASK, Masker
from tests.receiver.conftest import HEADERS, USER, distinct_callbacks, stored

pytestmark = pytest.mark.anyio

URL = "/asleep-v1-callback"
GOOD = distinct_callbacks(2)
SECRET = "planted secret+7c1d"  # characters a URL quotes: masked before quoting


def client(store, **options) -> httpx.AsyncClient:
    options.setdefault("masker", Masker())
    app = create_receiver(store, credentials=Credentials.from_env({}), **options)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")


def meta(store, outcome: str, key: str) -> dict:
    return json.loads((store / outcome / "meta" / f"{key}.json").read_text())


async def test_a_valid_callback_is_answered_200_and_stored_as_received(tmp_path):
    body = json.dumps(GOOD[0], indent=2).encode() + b"\n"
    async with client(tmp_path) as http:
        response = await http.post(URL, content=body, headers=HEADERS)
    answer = response.json()
    assert response.status_code == 200
    assert answer == {"outcome": "accepted", "key": answer["key"], "duplicate": False, "violations": []}
    [path] = stored(tmp_path)
    assert path.name == f"{answer['key']}.json"
    assert path.read_bytes() == body  # byte for byte: the exact serialisation is part of what is tested
    record = meta(tmp_path, "accepted", answer["key"])
    assert record["status"] == 200 and record["violations"] == [] and record["bytes"] == len(body)
    assert record["headers"]["x-api-key"] == MASK and record["headers"]["x-user-id"] == USER
    assert record["received_at"].endswith("Z")


async def test_a_retry_of_the_same_delivery_is_answered_200_and_stored_once(tmp_path):
    async with client(tmp_path) as http:
        first = await http.post(URL, json=GOOD[0], headers=HEADERS)
        # A retry may be serialised differently (spacing, key order): the same JSON is the same delivery.
        retry = await http.post(URL, content=json.dumps(GOOD[0], indent=3, sort_keys=True), headers=HEADERS)
        other = await http.post(URL, json=GOOD[1], headers=HEADERS)
    assert [r.status_code for r in (first, retry, other)] == [200, 200, 200]
    assert (first.json()["duplicate"], retry.json()["duplicate"], other.json()["duplicate"]) == (False, True, False)
    assert retry.json()["key"] == first.json()["key"] != other.json()["key"]
    assert len(stored(tmp_path)) == 2


async def test_warnings_are_answered_200_and_recorded_in_the_metadata(tmp_path):
    callback = copy.deepcopy(GOOD[0])
    callback["callback_data"]["seq_num"] += 10  # breaks the inferred inference_seq_num = seq_num // 10
    async with client(tmp_path) as http:
        response = await http.post(URL, json=callback, headers=HEADERS)
    assert response.status_code == 200
    [warning] = response.json()["violations"]
    assert (warning["rule"], warning["severity"]) == ("ASLEEP-V1-I101", "warning")
    [recorded] = meta(tmp_path, "accepted", response.json()["key"])["violations"]
    assert recorded["rule"] == "ASLEEP-V1-I101" and recorded["quote"]  # the whole finding, not the brief


async def test_a_contract_error_is_answered_422_and_kept_under_rejected(tmp_path, capsys):
    callback = copy.deepcopy(GOOD[0])
    callback["callback_data"]["session_id"] = "not-a-session"
    del callback["callback_data"]["stage_list"]
    async with client(tmp_path) as http:
        response = await http.post(URL, json=callback, headers=HEADERS)
    answer = response.json()
    assert response.status_code == 422
    assert answer["error"] == "the body breaks its contract (errors: 3)" and answer["outcome"] == "rejected"
    assert {(v["rule"], v["pointer"]) for v in answer["violations"]} == {
        ("schema", "/callback_data/session_id"), ("schema", "/callback_data/stage_list"),
        ("ASLEEP-V1-N002", "/callback_data/stage_list")}
    assert all(set(v) == {"rule", "severity", "pointer", "message"} for v in answer["violations"])
    assert stored(tmp_path) == []
    [path] = stored(tmp_path, "rejected")
    assert meta(tmp_path, "rejected", answer["key"])["status"] == 422
    capsys.readouterr()
    assert main(["validate", "asleep-v1-callback", "sessionCallback", str(path)]) == 1
    assert "/callback_data/session_id" in capsys.readouterr().out  # validate shows why it was refused


@pytest.mark.parametrize(("body", "cause"), [
    (b'{"callback_event": ', "not JSON: unexpected end of data"),
    (b'{"callback_event": "\xff"}', "not valid UTF-8 (byte 20)"),
])
async def test_a_body_that_is_not_json_is_answered_400_and_kept_under_rejected(tmp_path, capsys, body, cause):
    async with client(tmp_path) as http:
        response = await http.post(URL, content=body, headers=HEADERS)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"request body: {cause}")
    [path] = stored(tmp_path, "rejected")
    assert path.read_bytes() == body
    assert meta(tmp_path, "rejected", response.json()["key"])["error"].startswith(cause)
    capsys.readouterr()
    assert main(["validate", "asleep-v1-callback", "sessionCallback", str(path)]) == 2
    assert cause in capsys.readouterr().err


async def test_an_empty_body_is_answered_400_and_not_stored(tmp_path):
    async with client(tmp_path) as http:
        response = await http.post(URL, content=b" \n", headers=HEADERS)
    assert (response.status_code, response.json()) == (400, {"error": "the body is empty"})
    assert stored(tmp_path, "rejected") == []


@pytest.mark.parametrize(("headers", "error"), [
    ({"content-type": "application/json"}, "x-api-key is missing or wrong"),
    ({**HEADERS, "x-api-key": "mock-asleep-kez"}, "x-api-key is missing or wrong"),
    ({**HEADERS, "x-api-key": "mock-asleep-key-and-more"}, "x-api-key is missing or wrong"),
    ({**HEADERS, "x-user-id": ""}, "x-user-id is missing"),
    ({k: v for k, v in HEADERS.items() if k != "x-user-id"}, "x-user-id is missing"),
    ({**HEADERS, "x-user-id": "G-20240101000000-SomeoneElseEntirely0"},
     "x-user-id is not the user this receiver takes callbacks for (ASLEEP_USER_ID)"),
])
async def test_wrong_or_missing_credentials_are_answered_401_and_nothing_is_stored(tmp_path, headers, error):
    async with client(tmp_path) as http:
        response = await http.post(URL, json=GOOD[0], headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": error})
    assert list(tmp_path.rglob("*.json")) == []


@pytest.mark.parametrize(("headers", "error"), [
    ({"content-type": "text/plain"}, "content-type 'text/plain' is not supported; send application/json"),
    ({"content-type": "application/json; charset=latin-1"}, "charset 'latin-1' is not supported; send UTF-8"),
    ({"content-encoding": "gzip"}, "content-encoding is not supported; send the body uncompressed"),
])
async def test_a_body_that_is_not_plain_json_is_answered_415(tmp_path, headers, error):
    async with client(tmp_path) as http:
        response = await http.post(URL, json=GOOD[0], headers={**HEADERS, **headers})
        charset = await http.post(URL, json=GOOD[0], headers={**HEADERS, "content-type": "Application/JSON; "
                                                                                          'charset="UTF-8"'})
    assert (response.status_code, response.json()) == (415, {"error": error})
    assert charset.status_code == 200


async def test_a_body_without_content_type_is_answered_415(tmp_path):
    request = httpx.Request("POST", f"http://receiver{URL}", content=b"{}",
                            headers={k: v for k, v in HEADERS.items() if k != "content-type"})
    async with client(tmp_path) as http:
        response = await http.send(request)
    assert (response.status_code, response.json()) == (
        415, {"error": "content-type is missing; send application/json"})


async def test_a_body_over_the_limit_is_answered_413_declared_or_streamed(tmp_path):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 30

    async with client(tmp_path, max_bytes=200) as http:
        declared = await http.post(URL, content=b" " * 201, headers=HEADERS)
        streamed = await http.post(URL, content=chunks(), headers=HEADERS)  # chunked: no Content-Length
    assert (declared.status_code, declared.json()) == (413, {"error": "the body is 201 bytes, over the 200-byte limit"})
    assert (streamed.status_code, streamed.json()) == (413, {"error": "the body is over the 200-byte limit"})
    assert list(tmp_path.rglob("*.json")) == []


async def test_a_body_that_never_ends_is_answered_408(tmp_path):
    async def slow() -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.sleep(5)
        yield b"}"

    async with client(tmp_path, body_timeout=0.2) as http:
        response = await http.post(URL, content=slow(), headers=HEADERS)
    assert (response.status_code, response.json()) == (408, {"error": "the body did not arrive within 0.2 s"})


async def test_other_paths_and_methods_are_answered_404_and_405_in_json(tmp_path):
    async with client(tmp_path) as http:
        elsewhere = await http.post("/", json=GOOD[0], headers=HEADERS)
        wrong_method = await http.get(URL, headers=HEADERS)
        health = await http.get("/healthz")
    assert (elsewhere.status_code, elsewhere.json()) == (
        404, {"error": "nothing here; callbacks are POSTed to /asleep-v1-callback"})
    assert (wrong_method.status_code, wrong_method.json()) == (
        405, {"error": "GET is not allowed here; callbacks are POSTed to /asleep-v1-callback"})
    assert wrong_method.headers["allow"] == "POST"
    assert (health.status_code, health.json()) == (
        200, {"status": "ok", "api": "asleep-v1-callback", "callback": "/asleep-v1-callback"})


async def test_a_store_that_cannot_write_is_answered_503_so_that_the_sender_retries(tmp_path, monkeypatch):
    def full(*args) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "put", full)
    async with client(tmp_path) as http:
        response = await http.post(URL, json=GOOD[0], headers=HEADERS)
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json() == {"error": "the store could not write the delivery: No space left on device"}


async def test_each_request_is_logged_on_one_masked_line_and_secrets_never_leave(tmp_path):
    lines: list[str] = []
    leaky = copy.deepcopy(GOOD[0])
    leaky["callback_data"]["session_id"] = SECRET  # quoted back by the schema violation's message
    async with client(tmp_path, masker=Masker().with_values(SECRET), log=lines.append) as http:
        answers = [
            await http.post(URL, json=GOOD[0], headers=HEADERS),
            await http.post(URL, json=leaky, headers={**HEADERS, "x-note": SECRET}),
            await http.post(URL, json=GOOD[0], headers={**HEADERS, "x-api-key": SECRET}),
            await http.get(f"/{SECRET}%0Aforged"),  # a path that would forge a second line
        ]
    assert [a.status_code for a in answers] == [200, 422, 401, 404]
    assert len(lines) == 4 and all("\n" not in line for line in lines)
    assert [line.split()[1:4] for line in lines] == [
        ["POST", URL, "200"], ["POST", URL, "422"], ["POST", URL, "401"], ["GET", f"/{MASK}%0Aforged", "404"]]
    assert "accepted" in lines[0] and "new, 0 errors, 0 warnings" in lines[0]
    everything = "".join(lines) + "".join(a.text for a in answers)
    everything += "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    assert SECRET not in everything and MASK in everything
