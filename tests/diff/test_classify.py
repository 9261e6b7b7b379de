"""The change list: one entry per kind, pinned; every kind has test cases; docs/changes.md is up to date."""

from __future__ import annotations

import re
import string
from pathlib import Path

from contractgate.diff.classify import BY_ID, CHANGE_KINDS, CLASSES, SPEC_KINDS
from contractgate.reports.diff import with_reference
from tests.diff import test_behaviour, test_spec

DOC = Path(__file__).parents[2] / "docs" / "changes.md"
#: Spec kinds the engine names itself rather than through a schema facet.
DIRECT_SPEC_KINDS = {"operation-added", "operation-removed", "response-status-added", "response-success-status-removed",
                     "response-non-success-status-removed", "response-body-added", "response-body-removed"}


def test_ids_are_unique_kebab_case_and_sorted_within_each_diff():
    ids = [k.id for k in CHANGE_KINDS]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", i) for i in ids)
    for scope in ("behaviour", "spec"):
        mine = [k.id for k in CHANGE_KINDS if k.scope == scope]
        assert mine == sorted(mine), scope
    assert [k.scope for k in CHANGE_KINDS] == sorted(k.scope for k in CHANGE_KINDS)


def test_every_kind_has_a_class_a_message_and_a_description():
    for k in CHANGE_KINDS:
        assert k.klass in CLASSES and k.description.endswith(".") and k.message
        fields = {name for _, name, _, _ in string.Formatter().parse(k.message) if name}
        assert fields <= ({"old", "new", "interactions"} if k.scope == "behaviour" else {"old", "new"}), k.id


def test_spec_directions_name_a_spec_kind_for_every_facet():
    assert SPEC_KINDS["received"].keys() == SPEC_KINDS["sent"].keys()
    named = {kind for table in SPEC_KINDS.values() for kind in table.values() if kind is not None}
    assert named | DIRECT_SPEC_KINDS == {k.id for k in CHANGE_KINDS if k.scope == "spec"}
    assert all(kind is not None for kind in SPEC_KINDS["received"].values())


def test_every_kind_has_test_cases():
    assert {k.id for k in CHANGE_KINDS if k.scope == "behaviour"} == test_behaviour.COVERED
    assert {k.id for k in CHANGE_KINDS if k.scope == "spec"} == test_spec.COVERED


def test_docs_changes_md_is_generated_from_the_list_and_up_to_date():
    text = DOC.read_text(encoding="utf-8")
    assert with_reference(text) == text, "stale: run `python -m contractgate.reports.diff docs/changes.md`"
