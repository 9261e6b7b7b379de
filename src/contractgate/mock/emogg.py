"""Emogg "Get a session": an emotion-analysis session per ObjectId, its times all derived from that id.

An ObjectId starts with its creation time in epoch seconds, so the session's ``timestamp`` is read from
the requested id; the user (created earlier) and the meta times (later) are placed around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from contractgate.mock.common import Credentials, Reply, VendorApi, same_secret
from contractgate.mock.ids import OBJECT_ID, is_unknown, new_object_id, new_uuid, object_id_time, pick, rng_for

ACTIVE, PROCESSING, FINISHED = "active", "processing", "finished"
_STATE_WEIGHTS = {ACTIVE: 20, PROCESSING: 15, FINISHED: 65}
SESSION_TYPES = ("live_analysis",)  # the only published SessionType (vendor notes)
#: Plans (products) sessions are analysed with; the first is the document's own example id.
PRODUCTS = ("65946a77408bd7b32c5189a3", "65946a9e408bd7b32c5189a7")
_NAMES = ("Mobile Word Congress Pitch", "Quarterly sales review", "Customer interview #{n}", "Onboarding call",
          "Usability test - checkout flow", "Investor demo rehearsal", "Team retrospective", "Focus group {n}")
_SOURCES = (
    {"name": "Integrated Webcam", "type": "video", "device": "local_camera"},
    {"name": "FaceTime HD Camera", "type": "video", "device": "local_camera"},
    {"name": "Logitech C920", "type": "video", "device": "local_camera"},
    {"name": "Polar H10 heart rate", "type": "generic_sensor", "device": "generic_sensor"},
    {"name": "Empatica EmbracePlus", "type": "generic_sensor", "device": "generic_sensor"},
)
RETENTION = timedelta(days=30)  # how long a session's data is kept after its last activity (assumed)
#: Quota headers sent on every answer (vendor notes). The mock does not count requests; see docs/mock.md.
def _rate_limit(remaining: int) -> tuple[tuple[str, str], ...]:
    return (("RateLimit-Limit", "600"), ("RateLimit-Remaining", str(remaining)), ("RateLimit-Reset", "60"),
            ("RateLimit-Policy", "600;w=60"))


RATE_LIMIT = _rate_limit(599)


def _time(moment: datetime) -> str:
    """``2024-04-01T10:30:00.000Z``, as the document prints every time."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def session_body(session_id: str, *, seed: int = 0) -> dict[str, Any] | None:
    """The 200 body of GET /v1/sessions/{sessionId}, or None when there is no such session."""
    if not OBJECT_ID.fullmatch(session_id) or is_unknown(session_id):
        return None
    rng = rng_for("emogg", seed, session_id)
    created = object_id_time(session_id) + timedelta(milliseconds=rng.randrange(1000))
    state = pick(rng, _STATE_WEIGHTS)
    duration = rng.randint(30, 5400) if state != ACTIVE else rng.randint(0, 3600)
    last_activity = created + timedelta(seconds=duration, milliseconds=rng.randrange(1000))
    body: dict[str, Any] = {
        "_id": session_id,
        "name": rng.choice(_NAMES).format(n=rng.randint(1, 99)),
        "type": rng.choice(SESSION_TYPES),
        "state": state,
        "timestamp": _time(created),
        "duration": duration,
    }
    if rng.random() < 0.8:
        body["config"] = {"removeMedia": rng.random() < 0.5}
    if rng.random() < 0.9:
        body["sources"] = [{"id": new_uuid(rng), **source} for source in rng.sample(_SOURCES, rng.randint(1, 3))]
    meta: dict[str, Any] = {"expires": _time(last_activity + RETENTION), "healthCheck": _time(last_activity)}
    if state != FINISHED:  # a finished session has no worker any more
        meta["workerState"] = "working"
    body["meta"] = meta
    body["product"] = rng.choice(PRODUCTS)
    body["user"] = new_object_id(created - timedelta(days=rng.randint(0, 365)), rng)
    body["version"] = 3
    return body


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": True, "status": status, "message": message},
                 _rate_limit(0) if status == 429 else RATE_LIMIT)


def respond(session_id: str, headers: Mapping[str, str | None], seed: int, credentials: Credentials) -> Reply:
    authorization = headers["authorization"] or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not same_secret(token.strip(), credentials["EMOGG_API_TOKEN"]):
        return error(401, "Unauthorized")
    body = session_body(session_id, seed=seed)
    if body is None:  # unknown and forbidden look the same (003 Response codes)
        return error(404, "Not Found")
    return Reply(200, body, RATE_LIMIT)


API = VendorApi("emogg", ("authorization",), respond, error, new_object_id)
