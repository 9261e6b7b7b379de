"""The behaviour diff engine on hand-made payload pairs and recording sets: every kind, with exact findings."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from contractgate.absent import ABSENT
from contractgate.diff.behaviour import diff_payloads, diff_recordings, length_shifted
from contractgate.diff.volatile import Volatile, load_volatile
from contractgate.recordings import match
from contractgate.spec import payload_schema_or_none
from tests.conftest import clean
from tests.diff.conftest import NEW_TIME, delivery, interaction

OPERATION = {"asleep-v3": "getSession", "emogg": "getSession", "upheal": "getSessionData"}
Edit = Callable[[Any], Any]


def _parent(doc: Any, pointer: str) -> tuple[Any, str | int]:
    *path, last = pointer.split("/")[1:]
    node = doc
    for token in path:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node, int(last) if isinstance(node, list) else last


def put(pointer: str, value: Any) -> Edit:
    def edit(doc: Any) -> None:
        node, key = _parent(doc, pointer)
        node[key] = value
    return edit


def drop(pointer: str) -> Edit:
    def edit(doc: Any) -> None:
        node, key = _parent(doc, pointer)
        del node[key]
    return edit


def edited(doc: Any, *edits: Edit) -> Any:
    doc = copy.deepcopy(doc)
    for edit in edits:
        doc = edit(doc) or doc
    return doc


def pair_diff(api: str, *edits: Edit, schema: bool = True):
    old = clean(api)
    spec = payload_schema_or_none(api, OPERATION[api], 200) if schema else None
    return diff_payloads(old, edited(old, *edits), schema=spec, ignored=load_volatile().for_api(api))


# (case, api, edits, expected {(kind, pointer)}); each pair of payloads is one interaction, count 1.
PAIR_CASES: list[tuple[str, str, tuple[Edit, ...], set[tuple[str, str]]]] = [
    ("identical", "asleep-v3", (), set()),
    ("value changed", "asleep-v3", (put("/result/stat/sleep_index", 90),),
     {("value-changed", "/result/stat/sleep_index")}),
    ("field added", "asleep-v3", (put("/result/session/heart_rate", 60),),
     {("field-added", "/result/session/heart_rate")}),
    ("field removed", "asleep-v3", (drop("/result/stat/sleep_index"),),
     {("field-removed", "/result/stat/sleep_index")}),
    ("type changed", "asleep-v3", (put("/result/stat/sleep_index", "82"),),
     {("type-changed", "/result/stat/sleep_index")}),
    ("integer became a non-integral number", "asleep-v3", (put("/result/stat/sleep_index", 82.5),),
     {("type-changed", "/result/stat/sleep_index")}),
    ("a number that happens to be integral is only a value change", "asleep-v3",
     (put("/result/stat/breathing_index", 13),), {("value-changed", "/result/stat/breathing_index")}),
    ("null appeared", "asleep-v3", (put("/result/stat/breathing_index", None),),
     {("null-appeared", "/result/stat/breathing_index")}),
    ("null disappeared", "asleep-v3", (put("/result/session/unexpected_end_time", "2024-03-10T22:20:00+00:00"),),
     {("null-disappeared", "/result/session/unexpected_end_time")}),
    # One fact from one pair, reported once: the new value is the enum's news, not a value change as well.
    ("closed enum value never seen and undocumented", "asleep-v3", (put("/result/session/state", "ARCHIVED"),),
     {("enum-value-added", "/result/session/state")}),
    ("a documented enum value seen for the first time is a value change", "asleep-v3",
     (put("/result/session/state", "CLOSED"),), {("value-changed", "/result/session/state")}),
    ("closed enum value inside an array", "asleep-v3", (put("/result/session/sleep_stages/3", 9),),
     {("enum-value-added", "/result/session/sleep_stages/*")}),
    ("a new enum value beside a known value changed: both facts", "asleep-v3",
     (put("/result/session/sleep_stages/3", 9), put("/result/session/sleep_stages/4", 3)),
     {("enum-value-added", "/result/session/sleep_stages/*"), ("value-changed", "/result/session/sleep_stages/*")}),
    ("open enum value", "emogg", (put("/state", "paused"),), {("known-value-added", "/state")}),
    ("array length shifted: the distribution's kind, the tail a value change", "asleep-v3",
     (put("/result/peculiarities", ["NEVER_SLEPT"]),),
     {("array-length-changed", "/result/peculiarities"), ("value-changed", "/result/peculiarities/*")}),
    ("a stage array grown by a few epochs: its length and its tail", "asleep-v3",
     (lambda d: d["result"]["session"]["sleep_stages"].extend([1, 1, 2]),),
     {("array-length-differs", "/result/session/sleep_stages"), ("value-changed", "/result/session/sleep_stages/*")}),
    ("a stage array cut short by one epoch", "asleep-v3", (lambda d: d["result"]["session"]["sleep_stages"].pop(),),
     {("array-length-differs", "/result/session/sleep_stages"), ("value-changed", "/result/session/sleep_stages/*")}),
    ("member missing from some of its objects", "upheal", (drop("/transcript/utterances/1/speaker"),),
     {("field-now-optional", "/transcript/utterances/*/speaker")}),
    ("volatile field: its value is ignored", "upheal", (put("/recordingUrl", "https://files.upheal.example/r?sig=2"),),
     set()),
    ("volatile field: its shape is not", "upheal", (put("/recordingUrl", None),), {("null-appeared", "/recordingUrl")}),
    ("the payload is no longer an object", "asleep-v3", (lambda d: ["not", "an", "object"],), {("type-changed", "")}),
]


@pytest.mark.parametrize(("api", "edits", "expected"), [c[1:] for c in PAIR_CASES], ids=[c[0] for c in PAIR_CASES])
def test_payload_pairs(api, edits, expected):
    changes = pair_diff(api, *edits)
    assert {(c.kind, c.pointer) for c in changes} == expected
    assert all(c.count == 1 and c.operation is None and c.location is None for c in changes)


def test_changes_carry_the_values_a_reader_needs():
    by_kind = {c.kind: c for c in pair_diff(
        "asleep-v3", put("/result/stat/breathing_index", None), put("/result/stat/sleep_index", "x"),
        put("/result/session/state", "ARCHIVED"), put("/result/peculiarities", ["NEVER_SLEPT"]))}
    assert (by_kind["null-appeared"].old, by_kind["null-appeared"].new) == (["number"], ["null"])
    assert (by_kind["type-changed"].old, by_kind["type-changed"].new) == (["integer"], ["string"])
    assert (by_kind["enum-value-added"].old, by_kind["enum-value-added"].new) == (["COMPLETE"], "ARCHIVED")
    assert by_kind["array-length-changed"].old == {"min": 0, "median": 0, "max": 0}
    assert by_kind["array-length-changed"].new == {"min": 1, "median": 1, "max": 1}
    # The added peculiarity is a known value: the tail's item, absent in OLD.
    assert (by_kind["value-changed"].pointer, by_kind["value-changed"].old, by_kind["value-changed"].new) == (
        "/result/peculiarities/*", ABSENT, "NEVER_SLEPT")
    assert {c.kind: c.klass for c in by_kind.values()} == {
        "null-appeared": "breaking", "type-changed": "breaking", "enum-value-added": "breaking",
        "array-length-changed": "potentially-breaking", "value-changed": "non-breaking"}


def test_a_grown_array_says_how_long_it_was_and_what_was_added():
    old = clean("asleep-v3")
    stages = old["result"]["session"]["sleep_stages"]
    changes = {c.kind: c for c in pair_diff("asleep-v3",
                                            lambda d: d["result"]["session"]["sleep_stages"].extend([2, 2]))}
    length, tail = changes["array-length-differs"], changes["value-changed"]
    assert (length.old, length.new, length.count, length.klass) == (len(stages), len(stages) + 2, 1, "non-breaking")
    assert (tail.old, tail.new, tail.count) == (ABSENT, 2, 1)


def test_a_value_change_example_is_not_the_new_enum_value():
    changes = {c.kind: c for c in pair_diff(
        "asleep-v3", put("/result/session/sleep_stages/3", 9), put("/result/session/sleep_stages/4", 3))}
    assert changes["enum-value-added"].new == 9
    assert changes["value-changed"].new == 3


def test_without_a_spec_there_are_no_enum_checks():
    changes = pair_diff("asleep-v3", put("/result/session/state", "ARCHIVED"), schema=False)
    assert [(c.kind, c.pointer) for c in changes] == [("value-changed", "/result/session/state")]


def test_a_value_gone_from_a_place_optional_on_both_sides_is_a_value_change():
    old = {"a": [{"x": 1, "y": 2}, {"x": 1}]}
    new = {"a": [{"x": 1}, {"x": 1}, {"x": 1, "y": 5}]}
    changes = {(c.kind, c.pointer): c for c in diff_payloads(old, new)}
    assert set(changes) == {("value-changed", "/a/*/y"), ("value-changed", "/a/*"), ("array-length-changed", "/a")}
    value = changes["value-changed", "/a/*/y"]
    assert (value.old, value.new) == (2, ABSENT)
    assert (changes["value-changed", "/a/*"].old, changes["value-changed", "/a/*"].new) == (ABSENT, {"x": 1, "y": 5})


@pytest.mark.parametrize(("old", "new", "shifted"), [
    (0, 1, True), (2, 2.5, False), (4, 5, True), (10, 12, False), (10, 13, True), (960, 1152, False),
    (960, 1153, True), (960, 700, True),
])
def test_length_rule_20_percent_and_more_than_half_an_element(old, new, shifted):
    assert length_shifted({"median": old}, {"median": new}) is shifted


# --- recording sets ---------------------------------------------------------------------------------------

def _asleep(**stat: Any) -> Any:
    body = clean("asleep-v3")
    body["result"]["stat"].update(stat)
    return body


def _sessions(*bodies: Any, recorded_at: str = "2024-03-01T08:00:00+00:00", status: int = 200) -> list:
    return [interaction(f"s{i}", body, recorded_at=recorded_at, status=status) for i, body in enumerate(bodies, 1)]


def _stages(body: Any, *positions: int) -> Any:
    body = copy.deepcopy(body)
    stages = body["result"]["session"]["sleep_stages"]
    for p in positions:
        stages[p] = (stages[p] + 1) % 4
    return body


def _lengths(body: Any, times: int) -> Any:
    body = copy.deepcopy(body)
    body["result"]["session"]["sleep_stages"] *= times
    return body


def _grown(body: Any, epochs: int) -> Any:
    """The session with ``epochs`` more stage epochs (fewer when negative)."""
    body = copy.deepcopy(body)
    stages = body["result"]["session"]["sleep_stages"]
    body["result"]["session"]["sleep_stages"] = stages[:epochs] if epochs < 0 else stages + [1] * epochs
    return body


def _without(body: Any, field: str) -> Any:
    body = copy.deepcopy(body)
    del body["result"]["stat"][field]
    return body


BASE = _asleep()
NONE = _asleep(breathing_index=None)
CALLBACK = clean("asleep-v1-callback")
STAGES = "/result/session/sleep_stages"

# (case, OLD interactions, NEW interactions, expected {(kind, pointer, count)})
FOLDER_CASES: list[tuple[str, list, list, set[tuple[str, str, int]]]] = [
    ("identical folders", _sessions(BASE, NONE), _sessions(BASE, NONE, recorded_at=NEW_TIME), set()),
    ("null seen in some OLD interaction is not news", _sessions(BASE, NONE, BASE), _sessions(NONE, NONE, BASE),
     {("value-changed", "/result/stat/breathing_index", 1)}),
    ("null never seen in OLD", _sessions(BASE, BASE, BASE), _sessions(NONE, NONE, BASE),
     {("null-appeared", "/result/stat/breathing_index", 2)}),
    ("null no longer seen", _sessions(NONE, BASE), _sessions(BASE, BASE),
     {("null-disappeared", "/result/stat/breathing_index", 1)}),
    ("array positions aggregate; count is interactions", _sessions(BASE, BASE, BASE),
     _sessions(_stages(BASE, 3, 7, 30), _stages(BASE, 10), BASE),
     {("value-changed", "/result/session/sleep_stages/*", 2)}),
    ("field missing from some NEW interactions", _sessions(BASE, BASE, BASE),
     _sessions(BASE, _without(BASE, "waso_count"), BASE), {("field-now-optional", "/result/stat/waso_count", 1)}),
    ("field missing from every NEW interaction", _sessions(BASE, BASE), _sessions(*[_without(BASE, "waso_count")] * 2),
     {("field-removed", "/result/stat/waso_count", 2)}),
    ("field new in some NEW interactions", _sessions(BASE, BASE), _sessions(_asleep(hr=50), BASE),
     {("field-added", "/result/stat/hr", 1)}),
    # The distribution rule decides for folders: the potentially-breaking kind, counted in pairs; the tails
    # are value changes.
    ("array length distribution", _sessions(BASE, BASE, BASE), _sessions(BASE, _lengths(BASE, 2), _lengths(BASE, 2)),
     {("array-length-changed", STAGES, 2), ("value-changed", f"{STAGES}/*", 2)}),
    ("a few epochs more in one session: below the distribution rule, still reported for that pair",
     _sessions(BASE, BASE, BASE), _sessions(BASE, _grown(BASE, 4), BASE),
     {("array-length-differs", STAGES, 1), ("value-changed", f"{STAGES}/*", 1)}),
    ("an array cut short by an epoch in every session", _sessions(BASE, BASE),
     _sessions(_grown(BASE, -1), _grown(BASE, -1)),
     {("array-length-differs", STAGES, 2), ("value-changed", f"{STAGES}/*", 2)}),
    ("status changed: bodies not compared", _sessions(BASE), _sessions({"detail": "Unable to find it"}, status=404),
     {("status-changed", "", 1)}),
    ("bodies of another status are their own group", [*_sessions(BASE), interaction("s9", {"detail": "a"}, status=404)],
     [*_sessions(BASE), interaction("s9", {"detail": "b"}, status=404)], {("value-changed", "/detail", 1)}),
    ("interactions only one side has", [*_sessions(BASE, BASE)[:1], interaction("gone", BASE)],
     [*_sessions(BASE), interaction("new-1", BASE), interaction("new-2", BASE)],
     {("interaction-removed", "", 1), ("interaction-added", "", 2)}),
    ("webhook deliveries: the request body, paired in recorded order, no status",
     [delivery(CALLBACK, recorded_at="2024-03-01T08:00:00+00:00"),
      delivery(CALLBACK, recorded_at="2024-03-01T09:00:00+00:00")],
     [delivery(CALLBACK, recorded_at="2024-03-08T08:00:00+00:00", receiver_status=500),
      delivery(edited(CALLBACK, put("/callback_data/sleep_data/estimated_ahi", 0.5)),
               recorded_at="2024-03-08T09:00:00+00:00")],
     {("value-changed", "/callback_data/sleep_data/estimated_ahi", 1)}),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in FOLDER_CASES], ids=[c[0] for c in FOLDER_CASES])
def test_recording_sets(old, new, expected):
    changes = diff_recordings(match(old, new), schema_for=payload_schema_or_none, volatile=load_volatile())
    assert {(c.kind, c.pointer, c.count) for c in changes} == expected


def test_recording_changes_name_their_operation_and_status():
    old = [*_sessions(BASE, BASE), interaction("x", BASE, api="upheal", operation="getSessionData")]
    new = [*_sessions(NONE), interaction("s2", {"detail": "gone"}, status=404)]
    changes = {c.kind: c for c in diff_recordings(match(old, new), schema_for=payload_schema_or_none)}
    assert set(changes) == {"null-appeared", "status-changed", "interaction-removed"}
    assert (changes["null-appeared"].operation, changes["null-appeared"].location) == (
        "asleep-v3/getSession", "response 200")
    assert (changes["status-changed"].old, changes["status-changed"].new) == (200, 404)
    assert changes["interaction-removed"].operation == "upheal/getSessionData"
    assert changes["interaction-removed"].old == ["GET /sessions/x"]


def test_ignored_pointers_hide_value_changes_below_them_for_every_api():
    old, new = _sessions(BASE), _sessions(_stages(_asleep(sleep_index=1), 4))
    ignoring = Volatile().with_pointers(["/result/stat/sleep_index", "/result/session/sleep_stages"])
    assert diff_recordings(match(old, new), volatile=ignoring) == []
    assert len(diff_recordings(match(old, new))) == 2


def test_recordings_of_an_api_without_spec_are_still_diffed():
    old = [interaction("a", {"state": "x"}, api="acme", operation="get")]
    new = [interaction("a", {"state": "y", "extra": 1}, api="acme", operation="get")]
    changes = diff_recordings(match(old, new), schema_for=payload_schema_or_none)
    assert {(c.kind, c.pointer) for c in changes} == {("value-changed", "/state"), ("field-added", "/extra")}


COVERED = {kind for *_, expected in PAIR_CASES for kind, _ in expected} | {
    kind for *_, expected in FOLDER_CASES for kind, _, _ in expected}
