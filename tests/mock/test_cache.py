"""The mock's answer cache is bounded in bytes: in the cache's own account, and in the process's resident memory."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from contractgate.mock.app import ENTRY_OVERHEAD, AnswerCache, create_app
from contractgate.mock.ids import sample_ids
from contractgate.secrets import LOCAL_DEFAULTS
from tests.support import running_mock

MB = 1024 * 1024
HEADERS = {
    "asleep-v3": {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]},
    "upheal": {"x-api-key": LOCAL_DEFAULTS["UPHEAL_API_KEY"]},
    "emogg": {"authorization": f"Bearer {LOCAL_DEFAULTS['EMOGG_API_TOKEN']}"},
}
PATHS = {"asleep-v3": "/data/v3/sessions/", "upheal": "/v2/sessions/", "emogg": "/v1/sessions/"}
PREFIXES = {"asleep-v3": "/asleep", "upheal": "/upheal", "emogg": "/emogg"}


def _key(n: int) -> tuple[str, str, tuple[str | None, ...]]:
    return ("emogg", f"{n:024x}", (None,))


def _entry(size: int) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    return 200, b"x" * size, ()


def test_the_cache_keeps_the_most_recently_used_answers_within_its_budget():
    cache = AnswerCache(10_000)
    for n in range(10):
        cache.put(_key(n), _entry(1_000))
    assert cache.size <= 10_000 and cache.size == sum(cost for _, cost in cache.entries.values())
    kept = [int(key[1], 16) for key in cache.entries]
    assert kept == list(range(10 - len(kept), 10)) and 5 <= len(kept) < 10  # each costs 1,000 + its overhead
    assert cache.get(_key(kept[0])) is not None  # used: now the most recent, so another goes first
    cache.put(_key(99), _entry(1_000))
    assert _key(kept[0]) in cache.entries and _key(kept[1]) not in cache.entries
    assert cache.get(_key(0)) is None


def test_the_cache_keeps_compact_copies_and_skips_what_alone_is_over_its_budget():
    cache = AnswerCache(4_000 + ENTRY_OVERHEAD + 200)
    body = bytearray(b"y" * 4_000)
    kept = cache.put(_key(1), (200, bytes(body), ()))
    assert kept[1] == body and sys.getsizeof(kept[1]) - len(kept[1]) == sys.getsizeof(b"")  # no spare capacity
    assert cache.put(_key(2), _entry(10_000))[1] == b"x" * 10_000  # served, not kept
    assert list(cache.entries) == [_key(1)]
    cache.put(_key(1), _entry(10))  # the same request again replaces its entry
    assert cache.size == sum(cost for _, cost in cache.entries.values()) < 1_000


@pytest.mark.anyio
async def test_serving_many_distinct_ids_keeps_the_cache_within_its_byte_budget():
    budget = 4 * MB
    app = create_app(cache_bytes=budget)
    ids = [("asleep-v3", i) for i in sample_ids("asleep-v3", 900, seed=4)] + [
        ("upheal", i) for i in sample_ids("upheal", 30, seed=4)]
    served = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        for api, session_id in ids:
            response = await client.get(PREFIXES[api] + PATHS[api] + session_id, headers=HEADERS[api])
            assert response.status_code == 200
            served += len(response.content)
            assert app.state.answers.size <= budget
    cache: AnswerCache = app.state.answers
    assert served > 1.5 * budget and 0 < len(cache.entries) < len(ids)  # the budget, not the count, decided
    assert cache.size == sum(cost for _, cost in cache.entries.values())
    assert cache.size >= sum(len(rendered[1]) for rendered, _ in cache.entries.values())


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _requests(count: int) -> list[tuple[str, str]]:
    """``count`` distinct ids: one Asleep session in 8, one Upheal session (about 200 KB) in 200, Emogg otherwise
    (quick to render: the test is about memory, not rendering)."""
    asleep, upheal, emogg = (sample_ids(api, count, seed=9) for api in ("asleep-v3", "upheal", "emogg"))
    return [("upheal", upheal[n]) if n % 200 == 100 else ("asleep-v3", asleep[n]) if n % 8 == 0 else ("emogg", emogg[n])
            for n in range(count)]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_resident_memory_stays_flat_over_20000_distinct_ids_with_a_4_mb_cache():
    requests = _requests(20_000)
    with running_mock("--cache-mb", "4") as mock, httpx.Client(timeout=30) as client:

        def serve(part: list[tuple[str, str]]) -> set[int]:
            return {client.get(mock.urls[api] + PATHS[api] + i, headers=HEADERS[api]).status_code for api, i in part}

        assert serve(requests[:2_000]) == {200}
        after_2k = _rss_mb(mock.process.pid)
        assert serve(requests[2_000:]) == {200}
        after_20k = _rss_mb(mock.process.pid)
    print(f"mock RSS: {after_2k:.1f} MB after 2,000 ids, {after_20k:.1f} MB after 20,000")
    # The cache is full after 2,000 ids; what may still grow is the bounded cache of drawn nights (512 of them)
    # and the allocator's fragmentation. The cache bounded by count (2,048 answers) grew 64 MB over such ids.
    assert after_20k - after_2k < 24
