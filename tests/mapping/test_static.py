"""``mapping check``: clean on today's specs; each edited copy of a spec fails with exactly the expected findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from contractgate.mapping.fields import inventory_of, split_null
from contractgate.mapping.model import load_mapping
from contractgate.mapping.static import CHECKS, run_check
from tests.mapping.conftest import NAME, edit

V1 = "asleep-v1-callback/openapi.yaml"
V3 = "asleep-v3/openapi.yaml"
SD = "/callback_data/sleep_data"


def findings(root: Path | None = None) -> set[tuple[str, str | None, str | None]]:
    result = run_check(load_mapping(NAME, root), root)
    return {(f.check, f.v1_pointer, f.v3_pointer) for f in result.findings}


def test_todays_specs_pass_with_no_finding_at_all():
    result = run_check(load_mapping(NAME))
    assert [(f.check, f.v1_pointer, f.v3_pointer, f.message) for f in result.findings] == []
    assert not result.failed(strict=True)
    assert (result.v1_fields, result.v3_fields) == (38, 54)


def test_the_mapping_covers_every_field_of_both_specs_exactly_once_per_role():
    from contractgate.mapping.static import inventories_for

    mapping = load_mapping(NAME)
    v1, v3 = inventories_for(mapping)
    assert mapping.listed("v1") == set(v1.fields)
    assert mapping.listed("v3") == set(v3.fields)


# (file, old, new, after) edits -> the exact findings, and whether the check then fails (errors) or only warns.
CASES = {
    "v3 field renamed": (
        [(V3, "        start_time:\n", "        started_at:\n", None)],
        {("mapping-pointer-missing", f"{SD}/session_start_time", "/result/session/start_time"),
         ("mapping-field-unlisted", None, "/result/session/started_at")},
        True,
    ),
    "v1 field renamed": (
        [(V1, "        osa_stages:\n", "        breath_stages:\n", None)],
        {("mapping-pointer-missing", f"{SD}/osa_stages", "/result/session/breath_stages"),
         ("mapping-field-unlisted", f"{SD}/breath_stages", None)},
        True,
    ),
    "window position field renamed": (
        [(V1, "        inference_seq_num:\n", "        block:\n", None)],
        {("mapping-pointer-missing", "/callback_data/stage_list", "/result/session/sleep_stages"),
         ("mapping-pointer-missing", "/callback_data/osa_stage_list", "/result/session/breath_stages"),
         ("mapping-pointer-missing", "/callback_data/inference_seq_num", None),
         ("mapping-field-unlisted", "/callback_data/block", None)},
        True,
    ),
    "v3 field added": (
        [(V3, "        sleep_time:\n", "        sleep_debt:\n          type: integer\n        sleep_time:\n",
          "    Stat:\n")],
        {("mapping-field-unlisted", None, "/result/stat/sleep_debt")},
        True,
    ),
    "v3 type changed": (
        [(V3, "type: integer", "type: string", "        time_in_bed:\n")],
        {("mapping-type-incompatible", f"{SD}/time_in_bed", "/result/stat/time_in_bed")},
        True,
    ),
    "v1 integer became number": (
        [(V1, "type: integer", "type: number", "        time_in_bed:\n")],
        {("mapping-type-incompatible", f"{SD}/time_in_bed", "/result/stat/time_in_bed")},
        True,
    ),
    "v3 timestamp lost its format": (
        [(V3, "          format: date-time\n", "", "        start_time:\n")],
        {("mapping-type-incompatible", f"{SD}/session_start_time", "/result/session/start_time")},
        True,
    ),
    "v3 field became nullable": (
        [(V3, "type: number", 'type: [number, "null"]', "        sleep_efficiency:\n")],
        {("mapping-nullability-incompatible", f"{SD}/sleep_efficiency", "/result/stat/sleep_efficiency")},
        True,
    ),
    "v3 nullable through anyOf": (
        [(V3, "          type: integer\n", '          anyOf: [{type: integer}, {type: "null"}]\n',
          "        time_in_sleep:\n")],
        {("mapping-nullability-incompatible", f"{SD}/time_in_sleep", "/result/stat/time_in_sleep")},
        True,
    ),
    "v3 field became optional": (
        [(V3, "        - sleep_latency\n", "", "    Stat:\n")],
        {("mapping-nullability-incompatible", f"{SD}/sleep_latency", "/result/stat/sleep_latency")},
        True,
    ),
    "v1 enum value added": (
        [(V1, "VERY_UNSTABLE, null]", "VERY_UNSTABLE, EXTREMELY_UNSTABLE, null]", None)],
        {("mapping-enum-unmapped", f"{SD}/breathing_pattern", "/result/stat/breathing_pattern")},
        True,
    ),
    "v1 const became an enum v3 lacks": (
        [(V1, "const: COMPLETE", "enum: [COMPLETE, FAILED]", None)],
        {("mapping-enum-unmapped", f"{SD}/state", "/result/session/state")},
        True,
    ),
    "v3 enum value added": (
        [(V3, "            - SEVERELY_UNSTABLE_BREATH\n",
          "            - SEVERELY_UNSTABLE_BREATH\n            - CRITICALLY_UNSTABLE_BREATH\n", None)],
        {("mapping-enum-unreachable", f"{SD}/breathing_pattern", "/result/stat/breathing_pattern")},
        True,
    ),
    "v3 stage code added": (
        [(V3, "enum: [-1, 0, 1]", "enum: [-1, 0, 1, 2]", "    BreathStage:\n")],
        {("mapping-enum-unreachable", f"{SD}/osa_stages", "/result/session/breath_stages"),
         ("mapping-enum-unreachable", "/callback_data/osa_stage_list", "/result/session/breath_stages")},
        True,
    ),
    "v3 enum value removed (stale unreachable)": (
        [(V3, "enum: [OPEN, CLOSED, COMPLETE]", "enum: [CLOSED, COMPLETE]", None)],
        {("mapping-stale", f"{SD}/state", "/result/session/state")},
        False,
    ),
    "v1 enum value removed (stale enum_map row)": (
        [(V1, "enum: [VERY_STABLE, STABLE, UNSTABLE, VERY_UNSTABLE, null]", "enum: [VERY_STABLE, STABLE, null]", None),
         (V3, "            - MODERATELY_UNSTABLE_BREATH\n            - SEVERELY_UNSTABLE_BREATH\n", "", None)],
        {("mapping-stale", f"{SD}/breathing_pattern", "/result/stat/breathing_pattern")},
        False,
    ),
    "v3 end_time no longer nullable (stale null_note)": (
        [(V3, 'type: [string, "null"]', "type: string", "        end_time:\n")],
        {("mapping-stale", f"{SD}/session_end_time", "/result/session/end_time")},
        False,
    ),
    "cited conflict id renumbered": (
        [("asleep-v3/conflicts.yaml", "id: ASLEEP-V3-C007", "id: ASLEEP-V3-C097", None)],
        {("mapping-source-unknown", f"{SD}/breathing_pattern", "/result/stat/breathing_pattern")},
        False,
    ),
    "peculiarity renamed under a null_when": (
        [(V3, "        - NO_BREATHING_STABILITY\n", "        - NO_BREATHING_FEATURE\n", None)],
        {("mapping-stale", f"{SD}/osa_stages", "/result/session/breath_stages"),
         ("mapping-stale", "/callback_data/osa_stage_list", "/result/session/breath_stages")},
        False,
    ),
    "other_blank placeholder the v1 side cannot hold": (
        [("mappings/asleep-v1-to-v3.yaml", "other_blank: [-1]", "other_blank: [-2]", None)],
        {("mapping-stale", f"{SD}/osa_stages", "/result/session/breath_stages")},
        False,
    ),
    "null_when reads a field that is gone": (
        [(V3, "        peculiarities:\n", "        labels:\n", "    SessionResult:\n")],
        {("mapping-pointer-missing", f"{SD}/sleep_stages", "/result/session/sleep_stages"),
         ("mapping-pointer-missing", f"{SD}/osa_stages", "/result/session/breath_stages"),
         ("mapping-pointer-missing", f"{SD}", "/result/stat"),
         ("mapping-pointer-missing", "/callback_data/stage_list", "/result/session/sleep_stages"),
         ("mapping-pointer-missing", "/callback_data/osa_stage_list", "/result/session/breath_stages"),
         ("mapping-pointer-missing", None, "/result/peculiarities"),
         ("mapping-field-unlisted", None, "/result/labels")},
        True,
    ),
    "identity between different names (mapping edited)": (
        [("mappings/asleep-v1-to-v3.yaml", "transform: list_rename", "transform: identity", None)],
        {("mapping-rename-inconsistent", f"{SD}/osa_stages", "/result/session/breath_stages")},
        True,
    ),
    "rename between equal names (mapping edited)": (
        [("mappings/asleep-v1-to-v3.yaml", "transform: identity", "transform: rename", f"v1: {SD}/state\n")],
        {("mapping-rename-inconsistent", f"{SD}/state", "/result/session/state")},
        True,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_edited_spec_breaks_the_mapping_with_exactly_these_findings(specs_copy, reuse_parsed_yaml, case):
    edits, expected, fails = CASES[case]
    for file, old, new, after in edits:
        edit(specs_copy / file, old, new, after)
    assert findings(specs_copy) == expected
    result = run_check(load_mapping(NAME, specs_copy), specs_copy)
    assert result.failed() is fails
    assert result.failed(strict=True)


def test_every_check_id_is_exercised_by_an_edited_copy():
    exercised = {check for _, expected, _ in CASES.values() for check, _, _ in expected}
    assert exercised == {c.id for c in CHECKS}


def test_the_check_list_is_sorted_unique_and_each_has_a_level_description_and_message():
    ids = [c.id for c in CHECKS]
    assert ids == sorted(set(ids))
    for check in CHECKS:
        assert check.id.startswith("mapping-") and check.level in ("error", "warning")
        assert check.description.endswith(".") and check.template


def test_docs_describe_every_check_transform_and_drift_kind():
    from contractgate.mapping.compare import DRIFT_KINDS
    from contractgate.mapping.transforms import TRANSFORMS

    text = (Path(__file__).resolve().parents[2] / "docs" / "mapping.md").read_text(encoding="utf-8")
    for name in [*(c.id for c in CHECKS), *TRANSFORMS, *DRIFT_KINDS]:
        assert f"| `{name}` |" in text, f"docs/mapping.md does not describe {name}"


# --- the canonical form the checks rely on -------------------------------------------------------------

@pytest.mark.parametrize(
    ("schema", "nullable", "types"),
    [
        ({"type": ["integer", "null"]}, True, {"integer"}),
        ({"type": "integer"}, False, {"integer"}),
        ({"anyOf": [{"type": "object", "properties": {}}, {"type": "null"}], "description": "d"}, True, {"object"}),
        ({"oneOf": [{"type": "string"}, {"const": None}]}, True, {"string"}),
        ({"type": ["string", "null"], "enum": ["A", None]}, True, {"string"}),
        ({"enum": ["A", "B"]}, False, {"string"}),
        ({"type": "null"}, True, set()),
    ],
)
def test_every_way_of_writing_nullable_is_one_idea(schema, nullable, types):
    from contractgate.mapping.fields import _types

    body, is_nullable = split_null(schema)
    assert is_nullable is nullable
    assert set(_types(body)) == types


def test_a_discriminated_oneof_tags_each_field_with_its_branches():
    schema = {
        "oneOf": [
            {"type": "object", "required": ["e", "d"], "properties": {
                "e": {"const": "A"}, "d": {"type": "object", "properties": {"x": {"type": "integer"}}}}},
            {"type": "object", "required": ["e"], "properties": {
                "e": {"const": "B"}, "d": {"type": "object", "properties": {"y": {"type": ["string", "null"]}}},
                "items": {"type": "array", "items": {"type": "object", "properties": {"z": {"type": "boolean"}}}}}},
        ],
        "discriminator": {"propertyName": "e"},
    }
    inv = inventory_of("x", schema)
    assert [(d.pointer, d.property, d.values) for d in inv.discriminators] == [("", "e", ("A", "B"))]
    assert inv.fields["/e"].values == ("A", "B") and inv.fields["/e"].variants == {"A", "B"}
    assert inv.fields["/d"].optional  # required in A, not in B
    assert inv.fields["/d/x"].variants == {"A"}
    assert inv.fields["/d/y"].nullable and inv.fields["/d/y"].variants == {"B"}
    assert inv.fields["/items/*/z"].types == {"boolean"}
