"""The mapping file: today's file loads and says what the issue asks; broken files are one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from contractgate.errors import ContractgateError
from contractgate.mapping.model import load_mapping, mapping_names
from contractgate.mapping.transforms import TRANSFORMS
from tests.mapping.conftest import NAME

SEED_OR_NOTE = re.compile(r"^(\d{3}_[0-9a-f]{16}\.txt \S|vendor-notes\.md .*\((doc|sdk)\)$)")


def by_v1(pointer: str):
    [entry] = [f for f in load_mapping(NAME).fields if f.v1 == pointer]
    return entry


def test_the_asleep_mapping_is_known_by_name():
    assert NAME in mapping_names()
    mapping = load_mapping(NAME)
    assert (mapping.v1.api, mapping.v1.operation) == ("asleep-v1-callback", "sessionCallback")
    assert (mapping.v3.api, mapping.v3.operation, mapping.v3.status) == ("asleep-v3", "getSession", "200")


@pytest.mark.parametrize(
    ("v1", "v3", "kind"),
    [
        ("/callback_data/sleep_data/session_start_time", "/result/session/start_time", "timestamp"),
        ("/callback_data/sleep_data/session_end_time", "/result/session/end_time", "timestamp"),
        ("/callback_data/sleep_data/osa_stages", "/result/session/breath_stages", "list_rename"),
        ("/callback_data/sleep_data/estimated_ahi", "/result/stat/breathing_index", "rename"),
        ("/callback_data/sleep_data/session_id", "/result/session/id", "rename"),
        ("/callback_data/sleep_data/state", "/result/session/state", "identity"),
        ("/callback_data/sleep_data/sleep_efficiency", "/result/stat/sleep_efficiency", "identity"),
        ("/callback_data/sleep_data/breathing_pattern", "/result/stat/breathing_pattern", "enum_map"),
        ("/callback_data/stage_list", "/result/session/sleep_stages", "window"),
    ],
)
def test_the_facts_of_the_issue_are_encoded(v1, v3, kind):
    entry = by_v1(v1)
    assert (entry.v3, entry.transform.kind) == (v3, kind)


def test_breathing_pattern_maps_every_v1_grade_by_rank_and_is_marked_inferred():
    entry = by_v1("/callback_data/sleep_data/breathing_pattern")
    assert entry.transform.params["values"] == {
        "VERY_STABLE": "STABLE_BREATH",
        "STABLE": "MILDLY_UNSTABLE_BREATH",
        "UNSTABLE": "MODERATELY_UNSTABLE_BREATH",
        "VERY_UNSTABLE": "SEVERELY_UNSTABLE_BREATH",
    }
    assert entry.basis == "inferred"
    assert {"ASLEEP-V3-C007", "ASLEEP-V1-CALLBACK-C010"} <= set(entry.sources)


def test_documented_entries_cite_a_seed_or_vendor_written_note_and_inferred_ones_explain_themselves():
    mapping = load_mapping(NAME)
    entries = [*mapping.fields, *mapping.v1_only, *mapping.v3_only]
    for entry in entries:
        if entry.basis == "documented":
            assert any(SEED_OR_NOTE.match(s) for s in entry.sources), entry
    for entry in mapping.fields:
        if entry.basis == "inferred":
            assert entry.note, f"inferred mapping {entry.v1} -> {entry.v3} needs a note saying why"
    inferred = {(f.v1, f.v3) for f in mapping.fields if f.basis == "inferred"}
    assert ("/callback_data/sleep_data/estimated_ahi", "/result/stat/breathing_index") not in inferred
    assert ("/callback_data/sleep_data/breathing_pattern", "/result/stat/breathing_pattern") in inferred


def test_every_transform_kind_is_registered_with_its_parameters():
    assert set(TRANSFORMS) == {"identity", "rename", "list_rename", "enum_map", "timestamp", "scale", "window",
                               "container"}
    assert set(TRANSFORMS["window"].params) == {"block_pointer", "epochs_per_block", "blocks"}


GOOD = {
    "mapping": "m",
    "title": "t",
    "v1": {"api": "asleep-v1-callback", "operation": "sessionCallback"},
    "v3": {"api": "asleep-v3", "operation": "getSession"},
    "fields": [{"v1": "/a", "v3": "/b", "transform": "rename", "basis": "documented", "sources": ["x"]}],
}


def _with(**changes):
    doc = {**GOOD, "fields": [dict(GOOD["fields"][0])]}
    for key, value in changes.items():
        if key.startswith("field_"):
            doc["fields"][0][key[6:]] = value
        else:
            doc[key] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_with(surprise=1), "unknown keys ['surprise']"),
        (_with(field_colour="red"), "fields[0]: unknown keys ['colour']"),
        (_with(field_transform="idenity"), "fields[0].transform: unknown transform 'idenity' (known: container,"),
        (_with(field_transform={"kind": "enum_map"}), "fields[0].transform: enum_map needs parameter 'values'"),
        (_with(field_transform={"kind": "scale", "factor": "60"}), "fields[0].transform.factor: expected int or float"),
        (_with(field_transform={"kind": "rename", "factor": 2}), "unknown parameters ['factor'] for rename"),
        (_with(field_basis="guessed"), "fields[0].basis: expected one of documented, inferred, got 'guessed'"),
        (_with(field_sources=[]), "fields[0].sources: expected a non-empty list"),
        (_with(field_v3="result/x"), "fields[0].v3: expected a JSON Pointer"),
        (_with(field_v1="/a/*"), "as many array wildcards"),
        (_with(field_tolerance=-1), "fields[0].tolerance: expected a number >= 0"),
        (_with(mapping="other"), "mapping: is 'other', but the file is named m.yaml"),
        (_with(v1_only=[{"v1": "/a", "reason": "r", "basis": "inferred", "sources": ["s"]}]),
         "v1_only: also mapped under fields: /a"),
        (_with(v3_only=[{"v3": "/c", "reason": "r", "basis": "inferred", "sources": ["s"]}] * 2),
         "v3_only: listed twice: /c"),
        (_with(v3_only=[{"v1": "/c", "reason": "r", "basis": "inferred", "sources": ["s"]}]),
         "v3_only[0]: unknown keys ['v1']"),
        (_with(fields=[GOOD["fields"][0], GOOD["fields"][0]]), "fields: mapped twice: /a -> /b"),
        (_with(field_null_when={"v3": "/p", "any_of": ["X"]}), "fields[0]: null_when needs a null_note"),
        (_with(field_null_note="n", field_null_when={"v1": "/p", "v3": "/p", "any_of": ["X"]}),
         "fields[0].null_when: expected exactly one of v1 or v3"),
        (_with(field_null_note="n", field_null_when={"v3": "/p", "any_of": []}),
         "fields[0].null_when.any_of: expected a non-empty list"),
        (_with(field_null_note="n", field_null_when={"v3": "/p", "any_of": ["X"], "other_blank": -1}),
         "fields[0].null_when.other_blank: expected a list"),
    ],
)
def test_a_malformed_mapping_is_one_line_naming_the_file_and_the_entry(tmp_path, doc, message):
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "m.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ContractgateError) as info:
        load_mapping("m", tmp_path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(folder / "m.yaml"))
    assert message in text


def test_bad_yaml_is_one_line_with_line_and_column(tmp_path):
    (tmp_path / "mappings").mkdir()
    path: Path = tmp_path / "mappings" / "m.yaml"
    path.write_text("mapping: m\nfields: [\n", encoding="utf-8")
    with pytest.raises(ContractgateError, match=r"m\.yaml:\d+:\d+: not valid YAML"):
        load_mapping("m", tmp_path)
    path.write_text("mapping: m\nmapping: n\n", encoding="utf-8")
    with pytest.raises(ContractgateError, match="duplicate key 'mapping'"):
        load_mapping("m", tmp_path)


def test_an_unknown_mapping_name_lists_the_known_ones():
    with pytest.raises(ContractgateError, match=r"^unknown mapping 'nope' \(known: asleep-v1-to-v3\)$"):
        load_mapping("nope")


def test_the_public_surface_is_locked():
    import contractgate.mapping as package

    assert sorted(package.__all__) == [
        "CHECKS", "CheckResult", "Comparison", "DRIFT_KINDS", "FieldDrift", "Finding", "MappedField",
        "MappingFile", "TRANSFORMS", "UnmappedField", "compare_documents", "compare_payloads", "inventories_for",
        "load_mapping", "mapping_names", "run_check",
    ]
    assert all(hasattr(package, name) for name in package.__all__)
