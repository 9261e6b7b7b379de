"""Asleep v1 HTTP callbacks of a mock session, and an emitter that plays them to a receiver.

The callbacks render the same ``Night`` as the v3 answer for the same id (``asleep.night``), so a v1-to-v3
comparison sees one night through two API versions: same instants, same stage arrays (v1 ``osa_stages`` is
v3 ``breath_stages``), same metrics (v1 ``estimated_ahi`` is v3 ``breathing_index``).
"""

from __future__ import annotations

import ipaddress
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import orjson
import requests

from contractgate.errors import ContractgateError
from contractgate.http import PoliteSession
from contractgate.mock import asleep
from contractgate.mock.asleep import EPOCHS_PER_BLOCK, SECONDS_PER_EPOCH, Night
from contractgate.mock.common import Credentials, WebhookMock
from contractgate.mock.ids import sample_ids
from contractgate.mock.profiles import Profile

#: v3 grade -> v1 grade, in the order of both scales (vendor notes: the value set changed between 1.x and 2.x).
V1_BREATHING_PATTERN = {
    "STABLE_BREATH": "VERY_STABLE",
    "MILDLY_UNSTABLE_BREATH": "STABLE",
    "MODERATELY_UNSTABLE_BREATH": "UNSTABLE",
    "SEVERELY_UNSTABLE_BREATH": "VERY_UNSTABLE",
}
#: v1 Sleep Data metric -> the v3 stat field it is (001_c3a65489533af317.txt 1.3.3), in v1 order.
V1_METRICS = {
    "sleep_efficiency": "sleep_efficiency", "sleep_latency": "sleep_latency", "sleep_time": "sleep_time",
    "wakeup_latency": "wakeup_latency", "wake_time": "wake_time", "time_in_wake": "time_in_wake",
    "time_in_sleep_period": "time_in_sleep_period", "time_in_sleep": "time_in_sleep", "time_in_bed": "time_in_bed",
    "time_in_rem": "time_in_rem", "time_in_light": "time_in_light", "time_in_deep": "time_in_deep",
    "time_in_stable_breath": "time_in_stable_breath", "time_in_unstable_breath": "time_in_unstable_breath",
    "wake_ratio": "wake_ratio", "sleep_ratio": "sleep_ratio", "rem_ratio": "rem_ratio",
    "light_ratio": "light_ratio", "deep_ratio": "deep_ratio", "stable_breath_ratio": "stable_breath_ratio",
    "unstable_breath_ratio": "unstable_breath_ratio", "breathing_pattern": "breathing_pattern",
    "estimated_ahi": "breathing_index",
}
#: The v1 metrics that are never null, even for an invalid session (the table types them without `?`).
V1_NEVER_NULL = frozenset(("sleep_efficiency", "time_in_wake", "time_in_sleep_period", "time_in_sleep",
                           "time_in_bed"))
#: What v1 calls an INVALID session: under 20 minutes or not analysable.
_INVALID = frozenset((asleep.TOO_SHORT, asleep.TOO_MANY_DEFECTS))

SECONDS_PER_BLOCK = SECONDS_PER_EPOCH * EPOCHS_PER_BLOCK
RETRY_STATUSES = frozenset((408, 425, 429, 500, 502, 503, 504))
REQUEST_TIMEOUT = 5.0  # seconds a receiver gets to answer one delivery
MAX_RETRY_WAIT = 30.0  # cap on one wait, whatever Retry-After asks
DELIVERY_DEADLINE = 60.0  # all attempts of one callback together
ANSWER_CHARS = 2000  # of a refusal's body shown to the user: the receiver's reason, not a megabyte


def _osa_stages(night: Night) -> list[int]:
    # v1 types osa_stages as a non-null array; without the breathing feature there is no analysis: errors.
    if night.no_breathing_stability:
        return [asleep.ERROR] * len(night.sleep_stages)
    return list(night.breath_stages)


def _user(user_id: str | None) -> str:
    return user_id or Credentials.from_env()["ASLEEP_USER_ID"]


def inference_callbacks(session_id: str, *, seed: int = 0, user_id: str | None = None) -> list[dict[str, Any]]:
    """One INFERENCE_COMPLETE per analysed 5-minute block, each with the stages of the last 20 minutes."""
    found = asleep.night(session_id, seed)
    if found is None or found.no_realtime_polling:
        return []
    stages, osa = list(found.sleep_stages), _osa_stages(found)
    callbacks = []
    for block in range(len(stages) // EPOCHS_PER_BLOCK):
        window = slice(max(0, block - 3) * EPOCHS_PER_BLOCK, (block + 1) * EPOCHS_PER_BLOCK)
        callbacks.append({
            "callback_event": "INFERENCE_COMPLETE",
            "callback_data": {
                "user_id": _user(user_id),
                "session_id": session_id,
                # The last audio chunk of the block: 001 1.3.1 pairs seq_num 39 with inference_seq_num 3.
                "seq_num": (block + 1) * EPOCHS_PER_BLOCK - 1,
                "inference_seq_num": block,
                "stage_list": stages[window],
                "osa_stage_list": osa[window],
            },
        })
    return callbacks


def session_complete(session_id: str, *, seed: int = 0, timezone: str = "UTC",
                     user_id: str | None = None) -> dict[str, Any] | None:
    """The SESSION_COMPLETE callback of a COMPLETE session (None for any other state or no session)."""
    found = asleep.night(session_id, seed)
    if found is None or found.state != asleep.COMPLETE:
        return None
    zone = ZoneInfo(timezone)
    stat = asleep.night_stat(found)
    invalid = bool(_INVALID.intersection(found.peculiarities))
    sleep_data: dict[str, Any] = {
        "session_id": session_id,
        "state": asleep.COMPLETE,
        "session_start_time": asleep.render_time(found.start, zone),
        "session_end_time": asleep.render_time(found.end, zone),
        "sleep_stages": list(found.sleep_stages),
        "osa_stages": _osa_stages(found),
    }
    for v1_name, v3_name in V1_METRICS.items():
        value = stat[v3_name]
        if invalid and v1_name not in V1_NEVER_NULL:
            value = None
        elif v1_name == "breathing_pattern" and value is not None:
            value = V1_BREATHING_PATTERN[value]
        sleep_data[v1_name] = asleep.render_time(value, zone) if v1_name in ("sleep_time", "wake_time") else value
    return {
        "callback_event": "SESSION_COMPLETE",
        "callback_data": {"user_id": _user(user_id), "session_id": session_id, "sleep_data": sleep_data},
    }


def silence(session_id: str, *, seed: int = 0) -> str | None:
    """Why a mock session sends fewer callbacks than a finished night (None: it sends them all)."""
    found = asleep.night(session_id, seed)
    if found is None:
        return f"no mock session {session_id!r} (malformed, or in the 404 subset)"
    reasons = []
    if found.no_realtime_polling:
        reasons.append(f"real-time polling is off for it ({asleep.NO_REALTIME_POLLING}): no INFERENCE_COMPLETE")
    elif len(found.sleep_stages) < EPOCHS_PER_BLOCK:
        reasons.append("no 5-minute block of it is analysed yet: no INFERENCE_COMPLETE")
    if found.state != asleep.COMPLETE:
        reasons.append(f"no SESSION_COMPLETE until it is {asleep.COMPLETE}")
    return f"session {session_id} is {found.state}: {'; '.join(reasons)}" if reasons else None


def sample(count: int, seed: int) -> list[Any]:
    """Up to ``count`` SESSION_COMPLETE and ``count`` INFERENCE_COMPLETE bodies, each from another mock session
    (the inference block picked by the session id, so that a seed replays), in sample order."""
    complete: list[Any] = []
    inference: list[Any] = []
    for session_id in sample_ids("asleep-v3", 4 * count, seed):  # some sessions never complete
        if len(complete) >= count and len(inference) >= count:
            break
        final = session_complete(session_id, seed=seed)
        if final is not None and len(complete) < count:
            complete.append(final)
        blocks = inference_callbacks(session_id, seed=seed)
        if blocks and len(inference) < count:
            inference.append(blocks[zlib.crc32(session_id.encode()) % len(blocks)])
    return complete + inference


def pairs(count: int, seed: int) -> list[tuple[str, Any, Any]]:
    """The SESSION_COMPLETE and v3 bodies of ``count`` mock sessions, in two zones (the v1-to-v3 audit)."""
    found = []
    for session_id in sample_ids("asleep-v3", count, seed) if count else ():
        for zone in ("UTC", "Asia/Seoul"):
            v1 = session_complete(session_id, seed=seed, timezone=zone)
            v3 = asleep.session_body(session_id, seed=seed, timezone=zone)
            if v1 is not None and v3 is not None:
                found.append((f"mock session {session_id} ({zone})", v1, v3))
    return found


API = WebhookMock("asleep-v1-callback", sample, pairs)


# --- the emitter ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    event: str
    sequence: int | None  # inference_seq_num of an INFERENCE_COMPLETE
    status: int | None  # the receiver's last answer; None when it never answered
    attempts: int
    error: str | None = None
    answer: str | None = None  # the receiver's body when it refused the callback (4xx): its reason


    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def require_loopback(url: str) -> None:
    """The emitter only talks to this machine: a receiver under test, never a real customer endpoint."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ContractgateError(f"not an http(s) URL: {url!r}")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ContractgateError(f"the receiver must be on this machine (localhost, 127.0.0.0/8, ::1), not {host!r}")


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _answer(response: requests.Response) -> str | None:
    text = " ".join(response.text.split())
    return text[:ANSWER_CHARS] + ("..." if len(text) > ANSWER_CHARS else "") if text else None


def deliver(client: PoliteSession, url: str, payload: Any, headers: dict[str, str], *, max_attempts: int = 5,
            backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep
            ) -> tuple[int | None, int, str | None, str | None]:
    """POST one callback; retry transient failures with exponential backoff, bounded in count and time.

    Returns the last status (None if the receiver never answered), the attempts made, the last error and, for
    a refusal, the receiver's answer (what it says is wrong with the callback).
    """
    body = orjson.dumps(payload)
    deadline = time.monotonic() + DELIVERY_DEADLINE
    attempt = 0
    while True:
        attempt += 1
        wait = backoff * 2 ** (attempt - 1)
        status: int | None
        problem: str | None
        try:
            response = client.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            status, problem = None, f"{type(exc).__name__}: {exc}"
        else:
            status, problem = response.status_code, None
            if 200 <= status < 300:
                return status, attempt, None, None
            if status not in RETRY_STATUSES:  # the receiver refused it: sending it again will not help
                return status, attempt, f"HTTP {status}", _answer(response)
            problem = f"HTTP {status}"
            asked = _retry_after(response)
            wait = wait if asked is None else asked
        wait = min(wait, MAX_RETRY_WAIT)
        if attempt >= max_attempts or time.monotonic() + wait > deadline:
            return status, attempt, problem, None
        sleep(wait)


def emit(url: str, session_id: str, *, seed: int = 0, timezone: str = "UTC", speed: float = 3600.0,
         credentials: Credentials | None = None, profile: Profile | None = None, max_attempts: int = 5,
         backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
         on_delivery: Callable[[Delivery], None] | None = None) -> list[Delivery]:
    """Play a session's callbacks to ``url``: one INFERENCE_COMPLETE per 5 minutes of audio, ``speed`` times
    faster than real time, then the SESSION_COMPLETE of a COMPLETE session, with the documented headers."""
    require_loopback(url)
    credentials = credentials or Credentials.from_env()
    if asleep.night(session_id, seed) is None:
        raise ContractgateError(str(silence(session_id, seed=seed)))
    user = credentials["ASLEEP_USER_ID"]
    callbacks = inference_callbacks(session_id, seed=seed, user_id=user)
    final = session_complete(session_id, seed=seed, timezone=timezone, user_id=user)
    if final is not None:
        callbacks.append(final)
    if not callbacks:
        raise ContractgateError(f"{silence(session_id, seed=seed)}; nothing to send")
    headers = {"x-api-key": credentials["ASLEEP_API_KEY"], "x-user-id": user, "content-type": "application/json"}
    deliveries = []
    # The one HTTP layer (bounded answers, no redirect to another origin); this loop owns the retries.
    with PoliteSession(rate=0, max_retries=0, deadline=REQUEST_TIMEOUT) as client:
        for callback in callbacks:
            sleep(SECONDS_PER_BLOCK / speed)  # each callback follows the 5 minutes of audio it reports on
            payload = profile.transform("asleep-v1-callback", "request", callback) if profile else callback
            status, attempts, problem, answer = deliver(client, url, payload, headers, max_attempts=max_attempts,
                                                        backoff=backoff, sleep=sleep)
            data = callback["callback_data"]
            delivery = Delivery(callback["callback_event"], data.get("inference_seq_num"), status, attempts, problem,
                                answer)
            deliveries.append(delivery)
            if on_delivery is not None:
                on_delivery(delivery)
    return deliveries
