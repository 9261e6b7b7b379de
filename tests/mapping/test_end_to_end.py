"""The mock's own v1/v3 pairs show no drift through the mapping, whatever zone each side is rendered in.

The v1 side is the mock's SESSION_COMPLETE (and INFERENCE_COMPLETE) callbacks; the v3 side is what the mock's
ASGI app answers to GET /data/v3/sessions/{id} with a ``timezone`` header. Differences both documents promise
(v3 ``stat`` null for a session v1 calls INVALID, v3 ``breath_stages`` null without the breathing feature)
are expected, not drift, and must come with the documented peculiarity.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from contractgate.catalog import load_catalog
from contractgate.mapping import compare_payloads
from contractgate.mock import callbacks
from contractgate.mock.app import create_app
from contractgate.mock.common import Credentials
from contractgate.mock.ids import sample_ids

ZONES = ("UTC", "Asia/Seoul", "America/New_York")
SEED = 0
SESSION_IDS = sample_ids("asleep-v3", 50, seed=SEED)
EXPECTED_BECAUSE = {
    "/result/stat": {"TOO_SHORT_FOR_ANALYSIS", "TOO_MANY_DEFECTS_IN_SLEEP_STAGES", "NO_REALTIME_POLLING"},
    "/result/session/breath_stages": {"NO_BREATHING_STABILITY"},
    "/result/session/sleep_stages": {"NO_REALTIME_POLLING"},
}


async def _fetch_all(zones: tuple[str, ...]) -> dict[tuple[str, str], Any]:
    credentials = Credentials.from_env({})  # the local defaults, whatever the environment exports
    api = load_catalog().api("asleep-v3")
    path = f"{api.mock_prefix}{api.operation('getSession').path}"
    headers = {"x-api-key": credentials.asleep_api_key, "x-user-id": credentials.asleep_user_id}
    transport = httpx.ASGITransport(app=create_app(seed=SEED, credentials=credentials))
    answers = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
        for session_id in SESSION_IDS:
            for zone in zones:
                response = await http.get(path.format(session_id=session_id), headers={**headers, "timezone": zone})
                assert response.status_code == 200, (session_id, response.text)
                answers[session_id, zone] = response.json()
    return answers


@pytest.fixture(scope="module")
def v3_answers() -> dict[tuple[str, str], Any]:
    """The mock's v3 body for each (session id, zone), fetched once over its ASGI app."""
    return asyncio.run(_fetch_all(ZONES))


@pytest.mark.parametrize("v1_zone", ZONES)
def test_session_complete_and_the_v3_answer_agree_in_every_pair_of_zones(v3_answers, v1_zone):
    compared = Counter()
    for session_id in SESSION_IDS:
        callback = callbacks.session_complete(session_id, seed=SEED, timezone=v1_zone)
        if callback is None:  # not COMPLETE yet: no SESSION_COMPLETE to compare
            continue
        for v3_zone in ZONES:
            body = v3_answers[session_id, v3_zone]
            result = compare_payloads("asleep-v1-to-v3", callback, body)
            assert result.drifts == (), (session_id, v1_zone, v3_zone, [d.to_dict() for d in result.drifts][:3])
            labels = set(body["result"]["peculiarities"])
            for difference in result.expected:
                assert labels & EXPECTED_BECAUSE[difference.v3_pointer], (session_id, difference)
            compared["pairs"] += 1
            compared["expected"] += bool(result.expected)
    assert compared["pairs"] >= 60, compared  # enough COMPLETE sessions among the 50 ids to mean something


def test_each_inference_window_agrees_with_the_final_session(v3_answers):
    windows = 0
    for session_id in SESSION_IDS[:15]:
        body = v3_answers[session_id, "Asia/Seoul"]
        if body["result"]["session"]["state"] != "COMPLETE":
            continue
        for callback in callbacks.inference_callbacks(session_id, seed=SEED):
            result = compare_payloads("asleep-v1-to-v3", callback, body)
            assert result.drifts == (), (session_id, callback["callback_data"]["inference_seq_num"])
            windows += 1
    assert windows >= 100
