"""Hand-made broken payloads, per API: each is caught by the schema at the expected pointer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from contractgate.pointer import pointer_from
from contractgate.schema import FORMATS
from contractgate.validate import checker_for
from tests.conftest import example


def _set(path: str, value: Any) -> Callable[[Any], None]:
    *parents, last = [int(t) if t.isdigit() else t for t in path.strip("/").split("/")]

    def apply(doc: Any) -> None:
        node = doc
        for token in parents:
            node = node[token]
        node[last] = value

    return apply


def _delete(path: str) -> Callable[[Any], None]:
    *parents, last = [int(t) if t.isdigit() else t for t in path.strip("/").split("/")]

    def apply(doc: Any) -> None:
        node = doc
        for token in parents:
            node = node[token]
        del node[last]

    return apply


def _wrap(key: str) -> Callable[[Any], Any]:
    """The whole body one level down, as if an SDK had wrapped it."""
    return lambda doc: {key: doc}


def _nest(path: str) -> Callable[[Any], None]:
    """An extra level of nesting: the object at ``path`` wrapped in another object under the same key."""
    *parents, last = [int(t) if t.isdigit() else t for t in path.strip("/").split("/")]

    def apply(doc: Any) -> None:
        node = doc
        for token in parents:
            node = node[token]
        node[last] = {str(last): node[last]}

    return apply


CALLBACK_COMPLETE = example("asleep-v1-callback", "derived-session-complete", "request")
CALLBACK_INFERENCE = example("asleep-v1-callback", "derived-inference-complete", "request")
UPHEAL_BASE = copy.deepcopy(example("upheal", "doc-200"))
UPHEAL_BASE["recordingUrl"] = "https://files.upheal.example/rec/1.m4a"  # the doc's "string" is not a URI

CASES: dict[str, tuple[Any, list[tuple[str, Callable[[Any], None], set[str]]]]] = {
    "asleep-v3/getSession": (example("asleep-v3", "doc-200"), [
        ("wrong type", _set("/result/stat/time_in_bed", "x"), {"/result/stat/time_in_bed"}),
        ("missing required", _delete("/result/session/id"), {"/result/session/id"}),
        ("outside the enum", _set("/result/session/state", "DONE"), {"/result/session/state"}),
        ("peculiarity outside the enum", _set("/result/peculiarities", ["SLEEPY"]), {"/result/peculiarities/0"}),
        ("stage outside the enum", _set("/result/session/sleep_stages/3", 4), {"/result/session/sleep_stages/3"}),
        ("null where not nullable", _set("/result/session/start_time", None), {"/result/session/start_time"}),
        ("bad date-time", _set("/result/session/start_time", "2023-13-01T00:00:00+00:00"),
         {"/result/session/start_time"}),
        ("Z instead of an offset", _set("/result/stat/sleep_time", "2023-01-01T00:00:00Z"),
         {"/result/stat/sleep_time"}),
        ("extra level of nesting", _nest("/result/session"), {
            f"/result/session/{name}" for name in ("id", "state", "start_time", "end_time", "unexpected_end_time",
                                                   "created_timezone", "sleep_stages", "breath_stages")}),
        ("envelope detail not a string", _set("/detail", 200), {"/detail"}),
    ]),
    "asleep-v1-callback/sessionCallback": (CALLBACK_COMPLETE, [
        ("wrong type", _set("/callback_data/sleep_data/time_in_bed", 1.5), {"/callback_data/sleep_data/time_in_bed"}),
        ("missing required", _delete("/callback_data/sleep_data/osa_stages"), {"/callback_data/sleep_data/osa_stages"}),
        ("state other than COMPLETE", _set("/callback_data/sleep_data/state", "OPEN"),
         {"/callback_data/sleep_data/state"}),
        ("v3 enum value in v1", _set("/callback_data/sleep_data/breathing_pattern", "STABLE_BREATH"),
         {"/callback_data/sleep_data/breathing_pattern"}),
        ("null where not nullable", _set("/callback_data/sleep_data/session_end_time", None),
         {"/callback_data/sleep_data/session_end_time"}),
        ("unknown event", _set("/callback_event", "SESSION_STARTED"), {"/callback_event"}),
        ("inference data under SESSION_COMPLETE", _set("/callback_data", CALLBACK_INFERENCE["callback_data"]),
         {"/callback_data/sleep_data"}),
        ("extra level of nesting", _nest("/callback_data"), {"/callback_data/user_id", "/callback_data/session_id",
                                                             "/callback_data/sleep_data"}),
    ]),
    "upheal/getSessionData": (UPHEAL_BASE, [
        ("wrong type", _set("/transcript/utterances/0/start", "x"), {"/transcript/utterances/0/start"}),
        ("missing required", _delete("/sessionId"), {"/sessionId"}),
        ("outside the enum", _set("/state", "Finished"), {"/state"}),
        ("null where not nullable", _set("/providerUserId", None), {"/providerUserId"}),
        ("bad date-time", _set("/date", "yesterday"), {"/date"}),
        ("word missing its end", _delete("/transcript/utterances/0/words/0/end"),
         {"/transcript/utterances/0/words/0/end"}),
        ("extra level of nesting", _nest("/error"), {"/error/code", "/error/message"}),
    ]),
    "emogg/getSession": (example("emogg", "doc-200"), [
        ("wrong type", _set("/duration", "120"), {"/duration"}),
        ("missing required", _delete("/timestamp"), {"/timestamp"}),
        ("name too long", _set("/name", "x" * 257), {"/name"}),
        ("null where not nullable", _set("/config", None), {"/config"}),
        ("bad date-time", _set("/timestamp", "2024-04-01 10:30"), {"/timestamp"}),
        ("extra level of nesting", _nest("/sources/0"), set()),
        ("the whole body nested", _wrap("session"), {"/_id", "/name", "/type", "/state", "/timestamp",
                                                     "/duration", "/product", "/user", "/version"}),
    ]),
}


@pytest.mark.parametrize("target", sorted(CASES))
def test_every_base_payload_conforms(target):
    api, operation = target.split("/")
    assert checker_for(api, operation).schema.violations(CASES[target][0]) == []


@pytest.mark.parametrize(
    ("target", "mutate", "pointers"),
    [pytest.param(t, m, p, id=f"{t}: {name}") for t, (_, cases) in CASES.items() for name, m, p in cases],
)
def test_a_broken_payload_is_caught_at_the_right_pointer(target, mutate, pointers):
    api, operation = target.split("/")
    payload = copy.deepcopy(CASES[target][0])
    payload = mutate(payload) or payload
    violations = checker_for(api, operation).schema.violations(payload)
    if not pointers:  # an open object with nothing required: nesting is invisible to a schema
        assert violations == []
        return
    assert {v.pointer for v in violations} == pointers
    assert all(v.rule == "schema" and v.severity == "error" and v.category == "schema" for v in violations)


def test_messages_quote_the_value_not_the_whole_payload():
    payload = copy.deepcopy(CASES["asleep-v3/getSession"][0])
    payload["result"]["session"]["sleep_stages"] = "x" * 5000
    [violation] = checker_for("asleep-v3", "getSession").schema.violations(payload)
    assert violation.pointer == "/result/session/sleep_stages"
    assert len(violation.message) < 150


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date-time", ["2023-01-01T00:00:00+09:00", "2024-04-01T10:30:00.000Z"],
         ["2023-01-01", "2023-02-30T00:00:00Z", "2023-01-01T25:00:00Z", "2023-01-01T01:31: 17+09: 00"]),
        ("uuid", ["c1fcba18-15ec-457c-a1de-fcbb87aeaa0e"], ["c1fcba18", "c1fcba18-15ec-457c-a1de-fcbb87aeaa0"]),
        ("uri", ["https://x.example/a?b=1"], ["string", "/relative/path"]),
        ("date", ["2024-02-29"], ["2023-02-29", "2024-2-1"]),
    ],
)
def test_the_asserted_formats(fmt, good, bad):
    assert all(FORMATS[fmt](value) for value in good)
    assert not any(FORMATS[fmt](value) for value in bad)


def test_pointers_escape_slash_and_tilde():
    assert pointer_from(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
