"""Identifier formats of the mocked APIs, the stable subset of ids that answer 404, and seeded randomness.

Every mock answer is a pure function of (seed, id, ...): ``rng_for`` turns those into a ``random.Random``
through SHA-256, never ``hash()``, whose value changes from one process to the next.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

#: Session ids as the vendor documents show them (see docs/mock.md). Digits are ASCII: ``\d`` is not.
ASLEEP_SESSION_ID = re.compile(r"[0-9]{14}_[a-z0-9]{5}")
ASLEEP_USER_ID = re.compile(r"G-[0-9]{14}-[A-Za-z0-9]{20}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
OBJECT_ID = re.compile(r"[0-9a-f]{24}")

#: Well-formed ids ending with this answer 404 in every API, so that tests can reach a 404 on purpose.
UNKNOWN_SUFFIX = "0404"

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_FIRST_SAMPLE_DAY = datetime(2023, 6, 1, tzinfo=UTC)
_SAMPLE_DAYS = 940  # to the end of 2025: before and after every dated field addition of the Asleep API


def is_unknown(session_id: str) -> bool:
    return session_id.endswith(UNKNOWN_SUFFIX)


def rng_for(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    """One of the keys, as often as its weight says."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_object_id(created: datetime, rng: random.Random) -> str:
    """A MongoDB ObjectId: 4 bytes of creation time (epoch seconds), then 8 random bytes."""
    return f"{int(created.timestamp()) & 0xFFFFFFFF:08x}{rng.getrandbits(64):016x}"


def object_id_time(object_id: str) -> datetime:
    return datetime.fromtimestamp(int(object_id[:8], 16), tz=UTC)


def asleep_session_id(start: datetime, rng: random.Random) -> str:
    """An Asleep session id: the start time in UTC (yyyymmddhhmmss), ``_`` and 5 letters or digits."""
    return f"{start.astimezone(UTC):%Y%m%d%H%M%S}_{''.join(rng.choice(_ALNUM) for _ in range(5))}"


def asleep_id_start(session_id: str) -> datetime | None:
    """The start time an Asleep id encodes, or None when its digits are no date the mock can use."""
    try:
        start = datetime.strptime(session_id[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    # Far from today's dates, zone rules and the date arithmetic of a long night are out of range.
    return start if 2000 <= start.year <= 2099 else None


def sample_ids(api_id: str, count: int, seed: int = 0) -> list[str]:
    """``count`` distinct random well-formed ids of ``api_id`` outside the 404 subset (tests, benchmarks);
    the API's mock module (its catalog ``mock``) says what an id looks like."""
    from contractgate.mock.registry import rest_mock  # the vendor modules import this one

    make = rest_mock(api_id).sample_id
    rng = rng_for("sample-ids", api_id, seed)
    found: dict[str, None] = {}
    while len(found) < count:
        session_id = make(_FIRST_SAMPLE_DAY + timedelta(seconds=rng.randrange(_SAMPLE_DAYS * 86400)), rng)
        if not is_unknown(session_id):
            found[session_id] = None
    return list(found)
