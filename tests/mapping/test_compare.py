"""``mapping compare``: no drift on a true pair in any zone; each drift kind found, with both pointers and values."""

from __future__ import annotations

from pathlib import Path

import pytest

from contractgate.absent import ABSENT
from contractgate.errors import InputError
from contractgate.mapping.compare import compare_documents
from contractgate.mapping.fields import inventory_of
from contractgate.mapping.model import parse_mapping
from tests.mapping.conftest import compare, inference_complete, kinds, session_complete, v3_twin

SD = "/callback_data/sleep_data"
ZONES = ["UTC", "Asia/Seoul", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]


@pytest.mark.parametrize("zone", ZONES)
def test_a_true_pair_has_no_drift_whatever_the_v3_time_zone(zone):
    result = compare(session_complete(), v3_twin(session_complete(), zone))
    assert result.drifts == ()
    assert result.ok and result.variant == "SESSION_COMPLETE" and result.compared == 33


def test_the_v1_side_may_be_in_another_zone_too():
    callback = session_complete()
    data = callback["callback_data"]["sleep_data"]
    data["session_start_time"] = "2022-12-31T10:00:00-05:00"  # 2023-01-01T00:00:00+09:00
    data["sleep_time"] = "2022-12-31T15:03:00.000+00:00"
    assert compare(callback, v3_twin(session_complete(), "Asia/Seoul")).drifts == ()


def test_timestamps_one_second_apart_are_a_value_mismatch_even_across_zones():
    v3 = v3_twin(session_complete(), "America/New_York")
    v3["result"]["session"]["start_time"] = "2022-12-31T10:00:01-05:00"
    [drift] = compare(session_complete(), v3).drifts
    assert drift.to_dict() == {
        "v1_pointer": f"{SD}/session_start_time", "v3_pointer": "/result/session/start_time",
        "kind": "value_mismatch", "v1_value": "2023-01-01T00:00:00+09:00", "v3_value": "2022-12-31T10:00:01-05:00"}


def test_the_same_wall_clock_in_another_zone_is_not_the_same_instant():
    v3 = v3_twin(session_complete())
    v3["result"]["stat"]["wake_time"] = "2023-01-01T00:28:00+00:00"  # v1 says 00:28 at +09:00
    assert kinds(compare(session_complete(), v3)) == [("value_mismatch", f"{SD}/wake_time", "/result/stat/wake_time")]


@pytest.mark.parametrize("value", ["2023-01-01T00:00:00", "yesterday", "2023-13-01T00:00:00+00:00"])
def test_a_timestamp_without_offset_or_unparseable_is_a_type_change(value):
    v3 = v3_twin(session_complete())
    v3["result"]["session"]["start_time"] = value
    assert kinds(compare(session_complete(), v3)) == [
        ("type_changed", f"{SD}/session_start_time", "/result/session/start_time")]


def test_value_mismatch():
    v3 = v3_twin(session_complete())
    v3["result"]["stat"]["time_in_bed"] = 1830
    [drift] = compare(session_complete(), v3).drifts
    assert drift.to_dict() == {"v1_pointer": f"{SD}/time_in_bed", "v3_pointer": "/result/stat/time_in_bed",
                               "kind": "value_mismatch", "v1_value": 1800, "v3_value": 1830}
    assert drift.basis == "documented"


def test_integer_and_float_of_the_same_number_agree():
    v3 = v3_twin(session_complete())
    v3["result"]["stat"]["time_in_bed"] = 1800.0
    assert compare(session_complete(), v3).drifts == ()


def test_null_mismatch_either_way():
    v3 = v3_twin(session_complete())
    v3["result"]["stat"]["sleep_latency"] = None
    callback = session_complete()
    callback["callback_data"]["sleep_data"]["estimated_ahi"] = None
    result = compare(callback, v3)
    assert [d.to_dict() for d in result.drifts] == [
        {"v1_pointer": f"{SD}/sleep_latency", "v3_pointer": "/result/stat/sleep_latency", "kind": "null_mismatch",
         "v1_value": 180, "v3_value": None},
        {"v1_pointer": f"{SD}/estimated_ahi", "v3_pointer": "/result/stat/breathing_index", "kind": "null_mismatch",
         "v1_value": None, "v3_value": 0.12},
    ]


def test_null_on_both_sides_is_agreement():
    callback = session_complete()
    callback["callback_data"]["sleep_data"]["breathing_pattern"] = None
    v3 = v3_twin(callback)
    assert v3["result"]["stat"]["breathing_pattern"] is None
    assert compare(callback, v3).drifts == ()


def test_missing_leaves_the_absent_side_out_of_the_json():
    v3 = v3_twin(session_complete())
    del v3["result"]["stat"]["time_in_wake"]
    callback = session_complete()
    del callback["callback_data"]["sleep_data"]["wake_ratio"]
    result = compare(callback, v3)
    assert [d.to_dict() for d in result.drifts] == [
        {"v1_pointer": f"{SD}/time_in_wake", "v3_pointer": "/result/stat/time_in_wake", "kind": "missing",
         "v1_value": 150},
        {"v1_pointer": f"{SD}/wake_ratio", "v3_pointer": "/result/stat/wake_ratio", "kind": "missing",
         "v3_value": 0.1},
    ]
    assert result.drifts[0].v3_value is ABSENT


def test_absent_on_both_sides_is_agreement():
    callback, v3 = session_complete(), v3_twin(session_complete())
    del callback["callback_data"]["sleep_data"]["deep_ratio"]
    del v3["result"]["stat"]["deep_ratio"]
    assert compare(callback, v3).drifts == ()


@pytest.mark.parametrize(
    ("pointer", "value"),
    [("stat/time_in_bed", "1800"), ("stat/sleep_efficiency", True), ("session/sleep_stages", {"0": 0}),
     ("stat/breathing_pattern", 3)],
)
def test_type_changed(pointer, value):
    v3 = v3_twin(session_complete())
    section, name = pointer.split("/")
    v3["result"][section][name] = value
    [drift] = compare(session_complete(), v3).drifts
    assert drift.kind == "type_changed" and drift.v3_pointer == f"/result/{pointer}" and drift.v3_value == value


@pytest.mark.parametrize(
    ("v1", "v3"),
    [("VERY_STABLE", "STABLE_BREATH"), ("STABLE", "MILDLY_UNSTABLE_BREATH"), ("UNSTABLE", "MODERATELY_UNSTABLE_BREATH"),
     ("VERY_UNSTABLE", "SEVERELY_UNSTABLE_BREATH")],
)
def test_each_breathing_grade_maps_to_its_v3_grade(v1, v3):
    callback = session_complete()
    callback["callback_data"]["sleep_data"]["breathing_pattern"] = v1
    body = v3_twin(session_complete())
    body["result"]["stat"]["breathing_pattern"] = v3
    assert compare(callback, body).drifts == ()


def test_a_grade_mismatch_on_the_inferred_enum_map_is_a_value_mismatch_marked_inferred():
    body = v3_twin(session_complete())
    body["result"]["stat"]["breathing_pattern"] = "SEVERELY_UNSTABLE_BREATH"  # v1 says STABLE
    [drift] = compare(session_complete(), body).drifts
    assert (drift.kind, drift.v1_value, drift.v3_value, drift.basis) == (
        "value_mismatch", "STABLE", "SEVERELY_UNSTABLE_BREATH", "inferred")


@pytest.mark.parametrize(
    ("v1", "v3"),
    [("EXTREMELY_UNSTABLE", "SEVERELY_UNSTABLE_BREATH"), ("STABLE", "MODERTATELY_UNSTABLE_BREATH")],
    ids=["unknown-v1-value", "unknown-v3-value"],
)
def test_enum_unmapped_on_either_side(v1, v3):
    callback = session_complete()
    callback["callback_data"]["sleep_data"]["breathing_pattern"] = v1
    body = v3_twin(session_complete())
    body["result"]["stat"]["breathing_pattern"] = v3
    [drift] = compare(callback, body).drifts
    assert drift.to_dict() == {"v1_pointer": f"{SD}/breathing_pattern", "v3_pointer": "/result/stat/breathing_pattern",
                               "kind": "enum_unmapped", "v1_value": v1, "v3_value": v3}


def test_one_differing_epoch_points_at_the_item_and_a_length_change_at_the_list():
    body = v3_twin(session_complete())
    body["result"]["session"]["sleep_stages"][17] = 3
    body["result"]["session"]["breath_stages"] = body["result"]["session"]["breath_stages"][:-1]
    drifts = [d.to_dict() for d in compare(session_complete(), body).drifts]
    assert drifts[0] == {"v1_pointer": f"{SD}/sleep_stages/17", "v3_pointer": "/result/session/sleep_stages/17",
                         "kind": "value_mismatch", "v1_value": 2, "v3_value": 3}
    assert (drifts[1]["kind"], drifts[1]["v1_pointer"], drifts[1]["v3_pointer"]) == (
        "value_mismatch", f"{SD}/osa_stages", "/result/session/breath_stages")
    assert (len(drifts[1]["v1_value"]), len(drifts[1]["v3_value"]), len(drifts)) == (60, 59, 2)


def test_a_null_stat_is_one_drift_at_the_container_not_one_per_metric():
    body = v3_twin(session_complete())
    body["result"]["stat"] = None
    [drift] = compare(session_complete(), body).drifts
    assert (drift.kind, drift.v1_pointer, drift.v3_pointer, drift.v3_value) == (
        "null_mismatch", SD, "/result/stat", None)


@pytest.mark.parametrize("label", ["TOO_SHORT_FOR_ANALYSIS", "TOO_MANY_DEFECTS_IN_SLEEP_STAGES", "NO_REALTIME_POLLING"])
def test_a_null_stat_under_a_documented_label_is_expected_not_drift(label):
    body = v3_twin(session_complete())
    body["result"]["stat"] = None
    body["result"]["peculiarities"] = ["NEVER_SLEPT", label]
    result = compare(session_complete(), body)
    assert result.ok and result.drifts == ()
    assert [(d.kind, d.v1_pointer, d.v3_pointer) for d in result.expected] == [("null_mismatch", SD, "/result/stat")]


BREATH_METRICS = ("time_in_stable_breath", "time_in_unstable_breath", "stable_breath_ratio", "unstable_breath_ratio",
                  "breathing_pattern")


def _without_breathing(callback: dict, osa_stages: list | None) -> tuple[dict, dict]:
    """A v3 body under NO_BREATHING_STABILITY (breath stages and metrics null) and the callback with
    ``osa_stages`` set (None: left as the example has it, real 0/1 epochs)."""
    body = v3_twin(callback)
    body["result"]["peculiarities"] = ["NO_BREATHING_STABILITY"]
    body["result"]["session"]["breath_stages"] = None
    for name in (*BREATH_METRICS, "breathing_index"):
        body["result"]["stat"][name] = None
    if osa_stages is not None:
        callback["callback_data"]["sleep_data"]["osa_stages"] = osa_stages
    return callback, body


def test_null_breath_stages_without_the_label_are_drift():
    callback, body = _without_breathing(session_complete(), [-1] * 60)
    body["result"]["peculiarities"] = []
    assert ("null_mismatch", f"{SD}/osa_stages", "/result/session/breath_stages") in kinds(compare(callback, body))


@pytest.mark.parametrize("osa_stages", [[-1] * 60, [], [-1]], ids=["all-errors", "empty", "one-error"])
def test_null_breath_stages_under_the_label_are_expected_when_v1_has_no_analysis_either(osa_stages):
    callback, body = _without_breathing(session_complete(), osa_stages)
    for name in (*BREATH_METRICS, "estimated_ahi"):  # v1 without the feature: the six metrics null (C006)
        callback["callback_data"]["sleep_data"][name] = None
    result = compare(callback, body)
    assert result.drifts == ()
    assert [(d.kind, d.v1_pointer, d.v3_pointer) for d in result.expected] == [
        ("null_mismatch", f"{SD}/osa_stages", "/result/session/breath_stages")]
    del body["result"]["session"]["breath_stages"]  # absent is covered like null
    assert compare(callback, body).drifts == ()


def test_real_osa_stages_against_null_breath_stages_are_drift_like_the_metrics_beside_them():
    # One fact (v1 measured breathing, v3 says it was not analysed) gets one verdict: the stage array
    # drifts as the breath metrics do, even under the label.
    callback, body = _without_breathing(session_complete(), None)
    assert set(callback["callback_data"]["sleep_data"]["osa_stages"]) == {0, 1}
    result = compare(callback, body)
    assert result.expected == ()
    by_pointer = {d.v3_pointer: d.kind for d in result.drifts}
    assert by_pointer["/result/session/breath_stages"] == "null_mismatch"
    assert {by_pointer[f"/result/stat/{name}"] for name in BREATH_METRICS} == {"null_mismatch"}
    [stages] = [d for d in result.drifts if d.v3_pointer == "/result/session/breath_stages"]
    assert stages.v1_value == callback["callback_data"]["sleep_data"]["osa_stages"] and stages.v3_value is None
    # One real epoch among errors is already an analysis.
    callback["callback_data"]["sleep_data"]["osa_stages"] = [-1] * 59 + [0]
    assert "/result/session/breath_stages" in {d.v3_pointer for d in compare(callback, body).drifts}


def test_a_real_osa_window_against_null_breath_stages_is_drift_and_an_error_window_is_expected():
    callback = inference_complete()
    _, body = _without_breathing(session_complete(), None)
    result = compare(callback, body)
    assert kinds(result) == [("null_mismatch", "/callback_data/osa_stage_list", "/result/session/breath_stages")]
    callback["callback_data"]["osa_stage_list"] = [-1] * len(callback["callback_data"]["osa_stage_list"])
    result = compare(callback, body)
    assert result.drifts == ()
    assert [d.v1_pointer for d in result.expected] == ["/callback_data/osa_stage_list"]


def test_null_when_covers_only_its_own_side_and_only_a_missing_value():
    callback = session_complete()
    callback["callback_data"]["sleep_data"]["osa_stages"] = None  # v1 lacking it is not what the label explains
    body = v3_twin(session_complete())
    body["result"]["peculiarities"] = ["NO_BREATHING_STABILITY"]
    assert kinds(compare(callback, body)) == [("null_mismatch", f"{SD}/osa_stages", "/result/session/breath_stages")]
    body["result"]["session"]["breath_stages"][3] = -1  # a value that differs is still drift under the label
    assert kinds(compare(session_complete(), body)) == [
        ("value_mismatch", f"{SD}/osa_stages/3", "/result/session/breath_stages/3")]


def test_an_error_body_is_one_missing_result():
    result = compare(session_complete(), {"detail": "Unable to find the sleep session of id x"})
    assert kinds(result) == [("missing", "/callback_data", "/result")]


def test_a_missing_metric_container_in_v3_is_one_drift():
    body = v3_twin(session_complete())
    del body["result"]["stat"]
    assert kinds(compare(session_complete(), body)) == [("missing", SD, "/result/stat")]


# --- INFERENCE_COMPLETE: windows of the final arrays ---------------------------------------------------

def test_an_inference_window_matches_the_final_session_it_belongs_to():
    result = compare(inference_complete(), v3_twin(session_complete()))
    assert result.drifts == () and result.variant == "INFERENCE_COMPLETE"
    assert result.compared == 4  # the envelope, session_id and the two windows; no sleep_data entries


@pytest.mark.parametrize(("block", "start", "end"), [(0, 0, 10), (1, 0, 20), (3, 0, 40), (5, 20, 60)])
def test_the_window_is_placed_by_the_block_index(block, start, end):
    final = v3_twin(session_complete())
    callback = inference_complete()
    data = callback["callback_data"]
    data["inference_seq_num"], data["seq_num"] = block, block * 10 + 9
    data["stage_list"] = final["result"]["session"]["sleep_stages"][start:end]
    data["osa_stage_list"] = final["result"]["session"]["breath_stages"][start:end]
    assert compare(callback, final).drifts == ()
    data["stage_list"][-1] = 9
    [drift] = compare(callback, final).drifts
    assert (drift.v1_pointer, drift.v3_pointer, drift.v1_value) == (
        f"/callback_data/stage_list/{end - start - 1}", f"/result/session/sleep_stages/{end - 1}", 9)


def test_a_window_of_the_wrong_length_is_one_drift_with_the_v3_slice():
    callback = inference_complete()
    callback["callback_data"]["osa_stage_list"].pop()
    [drift] = compare(callback, v3_twin(session_complete())).drifts
    assert (drift.kind, drift.v1_pointer, len(drift.v1_value), len(drift.v3_value)) == (
        "value_mismatch", "/callback_data/osa_stage_list", 39, 40)


def test_a_window_without_its_block_index_is_reported_at_the_index():
    callback = inference_complete()
    callback["callback_data"]["inference_seq_num"] = "3"
    assert {(d.kind, d.v1_pointer) for d in compare(callback, v3_twin(session_complete())).drifts} == {
        ("type_changed", "/callback_data/inference_seq_num")}


# --- bad input: nothing to compare ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("v1", "v3", "file", "cause"),
    [
        ([1, 2], {}, "v1.json", "expected a JSON object, got array"),
        (session_complete(), "OK", "v3.json", "expected a JSON object, got string"),
        ({"callback_event": "SESSION_STARTED", "callback_data": {}}, {}, "v1.json",
         "/callback_event is 'SESSION_STARTED', expected one of INFERENCE_COMPLETE, SESSION_COMPLETE"),
        ({"callback_data": {}}, {}, "v1.json", "/callback_event is missing, expected one of"),
    ],
)
def test_a_payload_that_cannot_be_paired_is_an_input_error(v1, v3, file, cause):
    from contractgate.mapping.model import load_mapping
    from contractgate.mapping.static import inventories_for

    mapping = load_mapping("asleep-v1-to-v3")
    with pytest.raises(InputError) as info:
        compare_documents(mapping, v1, v3, *inventories_for(mapping), "v1.json", "v3.json")
    assert info.value.file == file and info.value.cause.startswith(cause)


# --- transforms the asleep mapping does not use: a small synthetic mapping -----------------------------

SYNTHETIC = {
    "mapping": "units",
    "title": "synthetic",
    "v1": {"api": "a", "operation": "o"},
    "v3": {"api": "b", "operation": "o"},
    "fields": [
        {"v1": "/minutes", "v3": "/seconds", "transform": {"kind": "scale", "factor": 60}, "basis": "documented",
         "sources": ["s"]},
        {"v1": "/celsius", "v3": "/fahrenheit", "transform": {"kind": "scale", "factor": 1.8, "offset": 32},
         "basis": "inferred", "sources": ["s"], "tolerance": 0.05},
        {"v1": "/rows/*/n", "v3": "/lines/*/count", "transform": "rename", "basis": "documented", "sources": ["s"]},
    ],
}
SCHEMA = {"type": "object", "properties": {}}


def synthetic(v1, v3):
    mapping = parse_mapping(Path("units.yaml"), SYNTHETIC)
    return compare_documents(mapping, v1, v3, inventory_of("a", SCHEMA), inventory_of("b", SCHEMA))


def test_scale_compares_after_the_unit_change_within_tolerance():
    good = synthetic({"minutes": 3, "celsius": 36.6, "rows": []}, {"seconds": 180, "fahrenheit": 97.9, "lines": []})
    assert good.drifts == ()
    bad = synthetic({"minutes": 3, "celsius": 36.6, "rows": []}, {"seconds": 3, "fahrenheit": 98.0, "lines": []})
    assert kinds(bad) == [("value_mismatch", "/minutes", "/seconds"), ("value_mismatch", "/celsius", "/fahrenheit")]


def test_wildcards_pair_array_items_by_index():
    v1 = {"minutes": 1, "celsius": 0, "rows": [{"n": 1}, {"n": 2}, {"n": 3}]}
    v3 = {"seconds": 60, "fahrenheit": 32, "lines": [{"count": 1}, {"count": 5}]}
    assert [d.to_dict() for d in synthetic(v1, v3).drifts] == [
        {"v1_pointer": "/rows/1/n", "v3_pointer": "/lines/1/count", "kind": "value_mismatch", "v1_value": 2,
         "v3_value": 5},
        {"v1_pointer": "/rows/2/n", "v3_pointer": "/lines/2/count", "kind": "missing", "v1_value": 3},
    ]


def test_wildcards_also_report_items_only_the_v3_side_has():
    v1 = {"minutes": 1, "celsius": 0, "rows": [{"n": 1}]}
    v3 = {"seconds": 60, "fahrenheit": 32, "lines": [{"count": 1}, {"count": 2}]}
    assert [d.to_dict() for d in synthetic(v1, v3).drifts] == [
        {"v1_pointer": "/rows/1/n", "v3_pointer": "/lines/1/count", "kind": "missing", "v3_value": 2}]
    assert synthetic({**v1, "rows": []}, {**v3, "lines": []}).drifts == ()
