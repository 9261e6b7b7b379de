"""Drift profiles: each simulated vendor change is caught by ``contractgate validate`` as profiles.yaml says."""

from __future__ import annotations

import asyncio
import fnmatch
import json
from collections import Counter
from pathlib import Path

import httpx
import pytest

from contractgate.cli import main
from contractgate.errors import ContractgateError
from contractgate.mock import app as mock_app
from contractgate.mock import asleep, callbacks
from contractgate.mock.app import create_app
from contractgate.mock.ids import sample_ids
from contractgate.mock.profiles import Profile, get_profile, load_profiles
from contractgate.pointer import parse_pointer
from contractgate.secrets import LOCAL_DEFAULTS

HEADERS = {
    "asleep-v3": {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]},
    "upheal": {"x-api-key": LOCAL_DEFAULTS["UPHEAL_API_KEY"]},
    "emogg": {"authorization": f"Bearer {LOCAL_DEFAULTS['EMOGG_API_TOKEN']}"},
}
PATHS = {"asleep-v3": "/asleep/data/v3/sessions/", "upheal": "/upheal/v2/sessions/", "emogg": "/emogg/v1/sessions/"}
# Ids that produce each documented error status.
ERROR_IDS = {("asleep-v3", "400"): "20230608020315_hz82", ("asleep-v3", "404"): "20230608020315_a0404",
             ("upheal", "404"): "not-a-uuid", ("emogg", "404"): "not-an-object-id"}
DRIFT = [(name, expect) for name, profile in load_profiles().items() for expect in profile.expect]


async def _first_change(profile: str, api_id: str, status: str) -> bytes | None:
    """The first answer giving ``status`` that the profile changes; None if it changes none."""
    ids = [ERROR_IDS[api_id, status]] if status != "200" else sample_ids(api_id, 200, seed=3)
    async with (httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://m") as faithful,
                httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(profile=profile)),
                                  base_url="http://m") as drifted):
        for session_id in ids:
            url = PATHS[api_id] + session_id
            before = (await faithful.get(url, headers=HEADERS[api_id])).content
            after = (await drifted.get(url, headers=HEADERS[api_id])).content
            if after != before:
                return after
    return None


def _drifted_body(name: str, expect: dict) -> object:
    if expect["api"] == "asleep-v1-callback":
        session = next(i for i in sample_ids("asleep-v3", 100, seed=3) if callbacks.session_complete(i))
        return get_profile(name).transform("asleep-v1-callback", "request", callbacks.session_complete(session))
    changed = asyncio.run(_first_change(name, expect["api"], expect["status"]))
    assert changed is not None, f"profile {name} changed no {expect['api']} {expect['status']} answer"
    return json.loads(changed)


@pytest.mark.parametrize(("name", "expect"), DRIFT, ids=[f"{n}-{e['api']}-{e['status']}" for n, e in DRIFT])
def test_validate_catches_each_drift_profile(name, expect, tmp_path: Path, capsys):
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(_drifted_body(name, expect)), encoding="utf-8")
    code = main(["validate", expect["api"], expect["operation"], "--status", expect["status"], "--format", "json",
                 str(path)])
    [result] = json.loads(capsys.readouterr().out)["results"]
    found = {(v["rule"], v["pointer"]) for v in result["violations"]}
    assert code == 1
    assert any(rule == expect["rule"] and fnmatch.fnmatchcase(pointer, expect["pointer"]) for rule, pointer in found), (
        found)


def test_every_content_profile_says_what_validate_will_report():
    for name, profile in load_profiles().items():
        assert bool(profile.expect) == bool(profile.ops), name
    assert {"faithful", "slow", "flaky"} <= set(load_profiles())


@pytest.mark.anyio
async def test_the_slow_profile_delays_every_api_answer_but_not_health(monkeypatch):
    delays: list[float] = []
    sleep = asyncio.sleep

    async def recorded(seconds: float) -> None:  # what the mock asks for, not what a loaded machine takes
        if seconds:  # a library's sleep(0) is only a yield
            delays.append(seconds)
        await sleep(0)

    monkeypatch.setattr(mock_app.asyncio, "sleep", recorded)
    transport = httpx.ASGITransport(app=create_app(profile="slow"))
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        assert (await client.get("/healthz")).status_code == 200
        assert delays == []
        response = await client.get(PATHS["emogg"] + sample_ids("emogg", 1)[0], headers=HEADERS["emogg"])
    assert response.status_code == 200 and len(delays) == 1 and 0.25 <= delays[0] <= 0.75


async def _flaky_statuses(seed: int) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=create_app(seed=seed, profile="flaky"))
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        return [await client.get(PATHS["emogg"] + "65ea1530bb50af72b6e3dc1e", headers=HEADERS["emogg"])
                for _ in range(200)]


@pytest.mark.anyio
async def test_the_flaky_profile_answers_some_429_with_retry_after_and_sporadic_5xx():
    responses = await _flaky_statuses(seed=1)
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) == {200, 429, 500, 502, 503}
    assert 20 <= sum(n for s, n in statuses.items() if s != 200) <= 60
    limited = [r for r in responses if r.status_code == 429]
    assert all(r.headers["retry-after"] == "1" and r.headers["ratelimit-remaining"] == "0" for r in limited)
    assert all(r.json()["error"] is True for r in responses if r.status_code != 200)
    assert [r.status_code for r in responses] == [r.status_code for r in await _flaky_statuses(seed=1)]


def test_ops_do_nothing_where_their_pointer_does_not_resolve():
    profile = load_profiles()["type-change"]
    body = {"result": {"stat": None}}
    assert profile.transform("asleep-v3", "200", body) == {"result": {"stat": None}}
    assert profile.transform("upheal", "200", {"a": 1}) == {"a": 1}


@pytest.mark.parametrize(("text", "problem"), [
    ("faithful: {description: x}\nbad: {description: y, ops: [{api: a, op: explode, pointer: /x}]}", "one of"),
    ("faithful: {description: x}\nbad: {description: y, ops: [{api: a, op: rename, pointer: /x}]}", "missing keys"),
    ("faithful: {description: x}\nbad: {description: y, colour: red}", "only"),
    ("faithful: {description: x}\nbad: {description: y, behaviour: {error_rate: 3}}", "error_rate"),
    ("other: {description: x}", "'faithful'"),
])
def test_a_broken_profiles_file_is_refused(tmp_path: Path, text, problem):
    path = tmp_path / "profiles.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractgateError, match=problem):
        load_profiles(path)


def test_unknown_profiles_are_usage_errors(capsys):
    assert main(["mock", "--profile", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err
    assert main(["mock", "--list-profiles"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == list(load_profiles())


def test_pointers_unescape_like_rfc_6901():
    assert parse_pointer("/a~1b/c~0d/0") == ("a/b", "c~d", "0")
    assert Profile("p", "d").transform("x", "200", {"k": 1}) == {"k": 1}


def test_a_drifted_answer_leaves_the_faithful_sessions_untouched():
    session_id = sample_ids("asleep-v3", 1, seed=3)[0]
    faithful = asleep.session_body(session_id)
    drifted = asyncio.run(_first_change("new-enum-value", "asleep-v3", "200"))
    assert drifted is not None and b"LOW_AUDIO_QUALITY" in drifted
    assert asleep.session_body(session_id) == faithful
    assert "LOW_AUDIO_QUALITY" not in asleep.night(session_id).peculiarities
