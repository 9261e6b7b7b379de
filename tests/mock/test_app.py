"""The mock over HTTP (in-process ASGI): credentials, documented errors, time zones, determinism, abuse."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from contractgate.mock import asleep
from contractgate.mock.app import base_urls, create_app
from contractgate.mock.common import Credentials
from contractgate.mock.ids import sample_ids
from contractgate.secrets import LOCAL_DEFAULTS
from contractgate.validate import checker_for

pytestmark = pytest.mark.anyio

ASLEEP = {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}
UPHEAL = {"x-api-key": LOCAL_DEFAULTS["UPHEAL_API_KEY"]}
EMOGG = {"authorization": f"Bearer {LOCAL_DEFAULTS['EMOGG_API_TOKEN']}"}
SESSION = "20240312221500_k3v9q"
UPHEAL_ID = "7aea51dc-a52c-49d4-bc48-3d2b15e42972"
EMOGG_ID = "65ea1530bb50af72b6e3dc1e"


def client(**options) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(**options)), base_url="http://mock")


def asleep_url(session_id: str = SESSION) -> str:
    return f"/asleep/data/v3/sessions/{session_id}"


def conforms(api_id: str, operation: str, response: httpx.Response) -> bool:
    return checker_for(api_id, operation, str(response.status_code)).check(response.json()) == []


@pytest.mark.parametrize(("headers", "status", "detail"), [
    ({}, 401, "The API key is missing or invalid"),
    ({**ASLEEP, "x-api-key": "wrong"}, 401, "The API key is missing or invalid"),
    ({"x-api-key": ASLEEP["x-api-key"]}, 400, "The format of x-user-id is invalid"),
    ({**ASLEEP, "x-user-id": "G-2025-short"}, 400, "The format of x-user-id is invalid"),
    ({**ASLEEP, "timezone": "Mars/Olympus"}, 400, "The invalid timezone is provided"),
    ({**ASLEEP, "timezone": ""}, 400, "The invalid timezone is provided"),
    ({**ASLEEP, "x-user-id": "G-20240101000000-SomeoneElseEntirely0"}, 404,
     f"Unable to find the sleep session of id {SESSION}"),
])
async def test_asleep_refuses_bad_headers_as_documented(headers, status, detail):
    async with client() as http:
        response = await http.get(asleep_url(), headers=headers)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert conforms("asleep-v3", "getSession", response)


async def test_asleep_malformed_and_unknown_ids_get_the_documented_texts():
    async with client() as http:
        malformed = await http.get(asleep_url("20230608020315_hz82"), headers=ASLEEP)
        unknown = await http.get(asleep_url("20230608020315_a0404"), headers=ASLEEP)
    assert (malformed.status_code, malformed.json()) == (
        400, {"detail": "The format of sleep session id 20230608020315_hz82 is not valid"})
    assert (unknown.status_code, unknown.json()) == (
        404, {"detail": "Unable to find the sleep session of id 20230608020315_a0404"})


def _timestamps(body: dict) -> list[str]:
    session, stat = body["result"]["session"], body["result"]["stat"] or {}
    found = [session["start_time"], session["end_time"], session["unexpected_end_time"],
             stat.get("sleep_time"), stat.get("wake_time"), *stat.get("sleep_cycle_time", [])]
    return [t for t in found if t is not None]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Seoul", "America/Los_Angeles", "Asia/Kathmandu", "Etc/GMT+11"])
async def test_the_timezone_header_renders_every_timestamp_in_that_zone(zone):
    complete = next(i for i in sample_ids("asleep-v3", 50) if asleep.night(i).state == asleep.COMPLETE
                    and not asleep.night(i).peculiarities)
    async with client() as http:
        utc = (await http.get(asleep_url(complete), headers=ASLEEP)).json()
        local = (await http.get(asleep_url(complete), headers={**ASLEEP, "timezone": zone})).json()
    assert local["result"]["timezone"] == zone and utc["result"]["timezone"] == "UTC"
    assert len(_timestamps(local)) > 3
    for in_utc, in_zone in zip(_timestamps(utc), _timestamps(local), strict=True):
        moment = datetime.fromisoformat(in_zone)
        assert moment == datetime.fromisoformat(in_utc)  # the same instant, only written differently
        assert moment.utcoffset() == moment.astimezone(ZoneInfo(zone)).utcoffset()


@pytest.mark.parametrize(("path", "headers", "status", "body"), [
    (f"/upheal/v2/sessions/{UPHEAL_ID}", {}, 403, {"message": "Invalid API Key"}),
    (f"/upheal/v2/sessions/{UPHEAL_ID}", {"x-api-key": "nope"}, 403, {"message": "Invalid API Key"}),
    ("/upheal/v2/sessions/not-a-uuid", UPHEAL, 404, {"message": "Record with given ID wasn't found."}),
    ("/upheal/v2/sessions/7aea51dc-a52c-49d4-bc48-3d2b15e40404", UPHEAL, 404,
     {"message": "Record with given ID wasn't found."}),
])
async def test_upheal_errors(path, headers, status, body):
    async with client() as http:
        response = await http.get(path, headers=headers)
    assert (response.status_code, response.json()) == (status, body)
    assert conforms("upheal", "getSessionData", response)


@pytest.mark.parametrize(("session_id", "headers", "status"), [
    (EMOGG_ID, {}, 401),
    (EMOGG_ID, {"authorization": "Bearer wrong"}, 401),
    (EMOGG_ID, {"authorization": LOCAL_DEFAULTS["EMOGG_API_TOKEN"]}, 401),  # no scheme
    ("65ea1530bb50af72b6e30404", EMOGG, 404),
    ("not-an-object-id", EMOGG, 404),
    (EMOGG_ID, EMOGG, 200),
])
async def test_emogg_answers_carry_rate_limit_headers_and_error_objects(session_id, headers, status):
    async with client() as http:
        response = await http.get(f"/emogg/v1/sessions/{session_id}", headers=headers)
    assert response.status_code == status
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"} <= set(response.headers)
    assert conforms("emogg", "getSession", response)
    if status != 200:
        assert response.json()["error"] is True and response.json()["status"] == status


async def test_credentials_come_from_the_environment_and_never_show():
    credentials = Credentials.from_env({"ASLEEP_API_KEY": "k-from-env", "EMOGG_API_TOKEN": "t-from-env"})
    assert "k-from-env" not in repr(credentials) and "t-from-env" not in str(credentials)
    async with client(credentials=credentials) as http:
        default_key = await http.get(asleep_url(), headers=ASLEEP)
        env_key = await http.get(asleep_url(), headers={**ASLEEP, "x-api-key": "k-from-env"})
        emogg = await http.get(f"/emogg/v1/sessions/{EMOGG_ID}", headers={"authorization": "bearer t-from-env"})
    assert (default_key.status_code, env_key.status_code, emogg.status_code) == (401, 200, 200)


async def test_answers_are_deterministic_per_seed():
    paths = [asleep_url(i) for i in sample_ids("asleep-v3", 5)]
    async with client(seed=1) as one, client(seed=1) as again, client(seed=2) as other:
        first = [(await one.get(p, headers=ASLEEP)).content for p in paths]
        assert first == [(await one.get(p, headers=ASLEEP)).content for p in paths]
        assert first == [(await again.get(p, headers=ASLEEP)).content for p in paths]
        assert first != [(await other.get(p, headers=ASLEEP)).content for p in paths]


async def test_health_and_base_urls():
    async with client() as http:
        response = await http.get("/healthz")
    assert response.json() == {"status": "ok", "profile": "faithful"}
    assert base_urls("http://127.0.0.1:9/") == {"asleep-v3": "http://127.0.0.1:9/asleep",
                                                "upheal": "http://127.0.0.1:9/upheal",
                                                "emogg": "http://127.0.0.1:9/emogg"}


ABUSE = [
    ("GET", "/asleep/data/v3/sessions/", {}),
    ("GET", "/asleep/data/v3/sessions/%00%ff", ASLEEP),
    ("GET", "/asleep/data/v3/sessions/" + "9" * 10_000, ASLEEP),
    ("GET", "/asleep/data/v3/sessions/٠١٢٣٤٥٦٧٨٩٠١٢٣_abcde", ASLEEP),  # Arabic-Indic digits are not \d here
    ("GET", asleep_url(), {**ASLEEP, "timezone": "../../../etc/passwd"}),
    ("GET", asleep_url(), {**ASLEEP, "timezone": "x" * 65_536}),
    ("GET", asleep_url(), {"x-api-key": "é" * 1000, "x-user-id": "\x00"}),
    ("POST", asleep_url(), ASLEEP),
    ("DELETE", f"/emogg/v1/sessions/{EMOGG_ID}", EMOGG),
    ("GET", "/upheal/v2/sessions/" + "a" * 60_000, UPHEAL),
    ("GET", "/emogg/v1/sessions/%2e%2e%2f%2e%2e", EMOGG),
    ("GET", "/nowhere", {}),
]


@pytest.mark.parametrize(("method", "path", "headers"), ABUSE, ids=[f"{m} {p[:30]}" for m, p, _ in ABUSE])
async def test_abuse_never_gets_a_server_error(method, path, headers):
    async with client() as http:
        response = await http.request(method, path, headers={k: v.encode("utf-8") for k, v in headers.items()})
    assert response.status_code < 500


async def test_concurrent_requests_get_consistent_answers():
    ids = sample_ids("asleep-v3", 20)
    async with client() as http:
        responses = await asyncio.gather(*(http.get(asleep_url(ids[n % 20]), headers=ASLEEP) for n in range(400)))
    assert all(r.status_code == 200 for r in responses)
    for n, response in enumerate(responses):
        assert response.content == responses[n % 20].content
