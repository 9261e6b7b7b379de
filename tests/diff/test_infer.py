"""Inferring the API of two payload files from their shape."""

from __future__ import annotations

import copy

from contractgate.catalog import load_catalog
from contractgate.diff.infer import Candidate, infer_candidate
from contractgate.spec import payload_schema_or_none
from tests.conftest import clean


def _all() -> list[Candidate]:
    return [Candidate(api.id, op, schema) for api in load_catalog().apis.values() for op in api.operations
            if (schema := payload_schema_or_none(api.id, op, "200")) is not None]


def test_each_apis_own_payload_picks_that_api_and_operation():
    for api in ("asleep-v3", "upheal", "emogg", "asleep-v1-callback"):
        found = infer_candidate([clean(api), clean(api)], _all())
        assert found is not None and found.api == api, api


def test_a_new_enum_value_in_new_does_not_hide_the_api():
    old = clean("asleep-v3")
    new = copy.deepcopy(old)
    new["result"]["session"]["state"] = "ARCHIVED"
    found = infer_candidate([old, new], _all())
    assert found is not None and (found.api, found.operation) == ("asleep-v3", "getSession")


def test_payloads_that_fit_no_schema_fall_back_to_the_required_top_level_members():
    old, new = clean("asleep-v3"), clean("asleep-v3")
    old["result"] = new["result"] = "drifted"  # no schema admits them, the envelope still names the API
    found = infer_candidate([old, new], _all())
    assert found is not None and found.api == "asleep-v3"


def test_nothing_or_several_fitting_is_no_guess():
    assert infer_candidate([{"x": 1}, {"x": 2}], _all()) is None
    twice = [Candidate("a", "get", {"type": "object"}), Candidate("b", "get", {"type": "object"})]
    assert infer_candidate([{"x": 1}, {"x": 1}], twice) is None
