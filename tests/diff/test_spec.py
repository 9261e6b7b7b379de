"""The spec diff engine on copies of the real specs, each edited in one way: every kind, with exact findings."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contractgate.diff.spec import diff_specs
from contractgate.spec import load_document

SPECS = Path(__file__).parents[2] / "specs"
PATH = "/data/v3/sessions/{session_id}"
OP = f"GET {PATH}"
Edit = Callable[[dict[str, Any]], None]


def spec(api: str) -> dict[str, Any]:
    return copy.deepcopy(load_document(SPECS / api / "openapi.yaml"))


def op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"][PATH]["get"]


def param(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in op(doc)["parameters"] if p["name"] == name)


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def session(doc: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    s = schemas(doc)["Session"]
    return s if name is None else s["properties"][name]


def _nothing(doc: dict[str, Any]) -> None:
    pass


def _rename_path(doc):
    doc["paths"]["/data/v4/sessions/{session_id}"] = doc["paths"].pop(PATH)


def _add_param(**p: Any) -> Edit:
    return lambda doc: op(doc)["parameters"].append(p)


def _set(where: Callable[[dict[str, Any]], dict[str, Any]], **values: Any) -> Edit:
    return lambda doc: where(doc).update(values)


def _pop(where: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Edit:
    return lambda doc: where(doc).pop(key)


def _timezone_enum(*values: str) -> Edit:
    """The timezone header's schema, replaced: a string, restricted to ``values`` when given."""
    return lambda doc: param(doc, "timezone").update(schema={"type": "string", **({"enum": list(values)} if values
                                                                                  else {})})


def _created_timezone(**schema: Any) -> Edit:
    """A response property replaced by a small schema, so that the case does not hang on the spec's details."""
    return lambda doc: session(doc)["properties"].update(created_timezone={"type": "string", **schema})


def _session_id(doc):
    return param(doc, "session_id")["schema"]


def _responses(doc):
    return op(doc)["responses"]


R200 = "response 200"
HEADERS = "header parameters"

# (case, api, edit making OLD, edit making NEW, expected {(kind, pointer, location)}); both from the real spec.
SPEC_CASES: list[tuple[str, str, Edit, Edit, set[tuple[str, str, str | None]]]] = [
    ("identical", "asleep-v3", _nothing, _nothing, set()),
    ("operation moved", "asleep-v3", _nothing, _rename_path,
     {("operation-removed", "", None), ("operation-added", "", None)}),
    ("optional parameter added", "asleep-v3", _nothing,
     _add_param(name="verbose", **{"in": "query"}, schema={"type": "boolean"}),
     {("request-optional-parameter-added", "/verbose", "query parameters")}),
    ("required parameter added", "asleep-v3", _nothing,
     _add_param(name="X-Tenant", required=True, **{"in": "header"}, schema={"type": "string"}),
     {("request-required-parameter-added", "/x-tenant", HEADERS)}),
    ("parameter removed", "asleep-v3", _nothing,
     lambda doc: op(doc)["parameters"].remove(param(doc, "timezone")),
     {("request-parameter-removed", "/timezone", HEADERS)}),
    ("parameter became required", "asleep-v3", _nothing, lambda doc: param(doc, "timezone").update(required=True),
     {("request-parameter-became-required", "/timezone", HEADERS)}),
    ("parameter became optional", "asleep-v3", _nothing, lambda doc: param(doc, "x-user-id").update(required=False),
     {("request-parameter-became-optional", "/x-user-id", HEADERS)}),
    ("parameter type replaced", "asleep-v3", _nothing, _set(_session_id, type="integer"),
     {("request-parameter-type-changed", "/session_id", "path parameters")}),
    ("parameter type narrowed", "asleep-v3", _set(_session_id, type="number"), _set(_session_id, type="integer"),
     {("request-parameter-type-changed", "/session_id", "path parameters")}),
    ("parameter type widened", "asleep-v3", _nothing, _set(_session_id, type=["string", "integer"]),
     {("request-parameter-type-widened", "/session_id", "path parameters")}),
    ("parameter enum set", "asleep-v3", _timezone_enum(), _timezone_enum("UTC", "Asia/Seoul"),
     {("request-parameter-enum-added", "/timezone", HEADERS)}),
    ("parameter enum lifted", "asleep-v3", _timezone_enum("UTC"), _timezone_enum(),
     {("request-parameter-enum-removed", "/timezone", HEADERS)}),
    ("parameter enum values", "asleep-v3", _timezone_enum("UTC", "Asia/Seoul"), _timezone_enum("UTC", "Europe/Paris"),
     {("request-parameter-enum-value-added", "/timezone", HEADERS),
      ("request-parameter-enum-value-removed", "/timezone", HEADERS)}),
    ("parameter format added", "asleep-v3", _nothing, _set(_session_id, format="uuid"),
     {("request-parameter-format-added", "/session_id", "path parameters")}),
    ("parameter format removed", "asleep-v3", _set(_session_id, format="uuid"), _nothing,
     {("request-parameter-format-removed", "/session_id", "path parameters")}),
    ("parameter format changed", "asleep-v3", _set(_session_id, format="uuid"), _set(_session_id, format="date"),
     {("request-parameter-format-changed", "/session_id", "path parameters")}),
    ("parameter pattern added", "asleep-v3", _pop(_session_id, "pattern"), _nothing,
     {("request-parameter-pattern-added", "/session_id", "path parameters")}),
    ("parameter pattern removed", "asleep-v3", _nothing, _pop(_session_id, "pattern"),
     {("request-parameter-pattern-removed", "/session_id", "path parameters")}),
    ("parameter pattern changed", "asleep-v3", _nothing, _set(_session_id, pattern="^[0-9]{14}$"),
     {("request-parameter-pattern-changed", "/session_id", "path parameters")}),
    ("response status added", "asleep-v3", _nothing, _set(_responses, **{"500": {"description": "Oops."}}),
     {("response-status-added", "", "responses")}),
    ("success response removed", "asleep-v3", _nothing, _pop(_responses, "200"),
     {("response-success-status-removed", "", "responses")}),
    ("error response removed", "asleep-v3", _nothing, _pop(_responses, "401"),
     {("response-non-success-status-removed", "", "responses")}),
    ("body removed", "asleep-v3", _nothing, _pop(lambda doc: _responses(doc)["404"], "content"),
     {("response-body-removed", "", "response 404")}),
    ("body added", "asleep-v3", _pop(lambda doc: _responses(doc)["404"], "content"), _nothing,
     {("response-body-added", "", "response 404")}),
    ("property added", "asleep-v3", _nothing,
     lambda doc: session(doc)["properties"].update(heart_rate={"type": "integer"}),
     {("response-property-added", "/result/session/heart_rate", R200)}),
    ("required property removed", "asleep-v3", _nothing, _pop(lambda doc: session(doc)["properties"], "id"),
     {("response-required-property-removed", "/result/session/id", R200)}),
    ("optional property removed", "asleep-v3", _nothing,
     _pop(lambda doc: session(doc)["properties"], "snoring_stages"),
     {("response-optional-property-removed", "/result/session/snoring_stages", R200)}),
    ("property became optional", "asleep-v3", _nothing, lambda doc: session(doc)["required"].remove("state"),
     {("response-property-became-optional", "/result/session/state", R200)}),
    ("property became required", "asleep-v3", _nothing,
     lambda doc: session(doc).update(required=[*session(doc)["required"], "snoring_stages"]),
     {("response-property-became-required", "/result/session/snoring_stages", R200)}),
    ("type replaced", "asleep-v3", _created_timezone(), _created_timezone(type="integer"),
     {("response-type-changed", "/result/session/created_timezone", R200)}),
    ("type widened to number", "asleep-v3", _nothing, _set(lambda doc: schemas(doc)["SleepStage"], type="number"),
     {("response-type-changed", "/result/session/sleep_stages/*", R200)}),
    ("type narrowed", "asleep-v3", _nothing,
     _set(lambda doc: schemas(doc)["Stat"]["properties"]["breathing_index"], type=["integer", "null"]),
     {("response-type-narrowed", "/result/stat/breathing_index", R200)}),
    ("made nullable", "asleep-v3", _created_timezone(), _created_timezone(type=["string", "null"]),
     {("response-became-nullable", "/result/session/created_timezone", R200)}),
    ("made non-nullable", "asleep-v3", _created_timezone(type=["string", "null"]), _created_timezone(),
     {("response-became-non-nullable", "/result/session/created_timezone", R200)}),
    ("enum value added and removed", "asleep-v3", _nothing,
     _set(lambda doc: session(doc, "state"), enum=["OPEN", "COMPLETE", "ARCHIVED"]),
     {("response-enum-value-added", "/result/session/state", R200),
      ("response-enum-value-removed", "/result/session/state", R200)}),
    ("enum opened", "asleep-v3", _nothing,
     lambda doc: session(doc, "state").update({"x-known-values": session(doc, "state").pop("enum")}),
     {("response-enum-removed", "/result/session/state", R200)}),
    ("enum set", "asleep-v3", _created_timezone(), _created_timezone(enum=["UTC"]),
     {("response-enum-added", "/result/session/created_timezone", R200)}),
    ("known values", "emogg", _nothing,
     _set(lambda doc: schemas(doc)["Session"]["properties"]["state"], **{"x-known-values": ["active", "paused"]}),
     {("response-known-value-added", "/state", R200), ("response-known-value-removed", "/state", R200)}),
    ("format added", "asleep-v3", _created_timezone(), _created_timezone(format="tz"),
     {("response-format-added", "/result/session/created_timezone", R200)}),
    ("format removed", "asleep-v3", _nothing, _pop(lambda doc: session(doc, "start_time"), "format"),
     {("response-format-removed", "/result/session/start_time", R200)}),
    ("format changed", "asleep-v3", _nothing, _set(lambda doc: session(doc, "start_time"), format="date"),
     {("response-format-changed", "/result/session/start_time", R200)}),
    ("pattern added", "asleep-v3", _created_timezone(), _created_timezone(pattern="^[A-Z]"),
     {("response-pattern-added", "/result/session/created_timezone", R200)}),
    ("pattern removed", "asleep-v3", _created_timezone(pattern="^[A-Z]"), _created_timezone(),
     {("response-pattern-removed", "/result/session/created_timezone", R200)}),
    ("pattern changed", "asleep-v3", _created_timezone(pattern="^[A-Z]"), _created_timezone(pattern="^[a-z]"),
     {("response-pattern-changed", "/result/session/created_timezone", R200)}),
    ("webhook: the delivered body is received", "asleep-v1-callback", _nothing,
     _pop(lambda doc: schemas(doc)["SleepData"]["properties"], "estimated_ahi"),
     {("response-required-property-removed", "/callback_data/sleep_data/estimated_ahi", "webhook request body")}),
    ("webhook: its headers are received too", "asleep-v1-callback", _nothing,
     lambda doc: doc["webhooks"]["sessionCallback"]["post"]["parameters"].pop(0),
     {("response-required-property-removed", "/x-api-key", HEADERS)}),
]


@pytest.mark.parametrize(("api", "edit_old", "edit_new", "expected"), [c[1:] for c in SPEC_CASES],
                         ids=[c[0] for c in SPEC_CASES])
def test_spec_pairs(api, edit_old, edit_new, expected):
    old, new = spec(api), spec(api)
    edit_old(old)
    edit_new(new)
    changes = diff_specs(old, new)
    assert {(c.kind, c.pointer, c.location) for c in changes} == expected
    assert all(c.count == 1 for c in changes)


def test_operations_are_named_by_method_and_path_or_webhook():
    old, new = spec("asleep-v3"), spec("asleep-v3")
    session(new)["properties"]["x"] = {"type": "string"}
    [change] = diff_specs(old, new)
    assert change.operation == OP
    old, new = spec("asleep-v1-callback"), spec("asleep-v1-callback")
    schemas(new)["SleepData"]["properties"]["x"] = {"type": "string"}
    [change] = diff_specs(old, new)
    assert (change.operation, change.pointer) == ("POST webhook sessionCallback", "/callback_data/sleep_data/x")


def test_a_path_template_differing_in_parameter_names_is_the_same_operation():
    old, new = spec("asleep-v3"), spec("asleep-v3")
    new["paths"] = {"/data/v3/sessions/{id}": new["paths"][PATH]}
    assert diff_specs(old, new) == []


def test_values_of_enum_and_type_changes():
    old, new = spec("asleep-v3"), spec("asleep-v3")
    session(new, "state")["enum"].append("ARCHIVED")
    _created_timezone()(old)
    _created_timezone(type=["integer", "null"])(new)
    by_kind = {c.kind: c for c in diff_specs(old, new)}
    assert by_kind["response-enum-value-added"].new == "ARCHIVED"
    assert (by_kind["response-type-changed"].old, by_kind["response-type-changed"].new) == (["string"], ["integer"])
    assert by_kind["response-became-nullable"].klass == "breaking"


def test_nothing_is_reported_below_a_removed_or_retyped_property():
    old, new = spec("asleep-v3"), spec("asleep-v3")
    schemas(new)["SessionResult"]["properties"]["stat"] = {"type": "string"}
    assert {(c.kind, c.pointer) for c in diff_specs(old, new)} == {
        ("response-type-changed", "/result/stat"), ("response-became-non-nullable", "/result/stat")}
    del schemas(new)["SessionResult"]["properties"]["session"]
    assert {(c.kind, c.pointer) for c in diff_specs(old, new) if c.pointer.startswith("/result/session")} == {
        ("response-required-property-removed", "/result/session")}


COVERED = {kind for *_, expected in SPEC_CASES for kind, _, _ in expected}
