"""``contractgate observed``: what recordings of the mock, faithful or drifted, show against the spec."""

from __future__ import annotations

import json

import pytest

from contractgate.gate.target import Target
from contractgate.observed import Place, UnseenValues, observe_folder
from contractgate.recorder import RecordOptions, record
from contractgate.recordings import Interaction, Request, Response, write_interaction
from contractgate.secrets import Masker
from tests.recordings.conftest import REST_APIS, ids_of, one_error_line, run

EMBEDDED = Target.parse("embedded")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """(profile, api) -> a recording folder of 12 sessions and one 404, made on first use."""
    root = tmp_path_factory.mktemp("observed")
    made = {}

    def folder(profile: str, api_id: str):
        if (profile, api_id) not in made:
            made[(profile, api_id)] = record(api_id, ids_of(api_id), EMBEDDED, root / profile / api_id,
                                             RecordOptions(profile=profile)).folder
        return made[(profile, api_id)]

    return folder


@pytest.mark.parametrize("api_id", REST_APIS)
def test_the_faithful_mock_shows_nothing_undocumented_missing_or_violated(folders, api_id):
    report = observe_folder(folders("faithful", api_id))
    assert (report.unanalysed, report.errors) == ((), ())
    assert [(g.location, g.interactions) for g in report.groups] == [("response 200", 12), ("response 404", 1)]
    for group in report.groups:
        assert (group.schema_failures, group.undocumented, group.never_present) == (0, (), ())
        assert [t.rule.id for t in group.rules if t.violated] == []
    ok = report.groups[0]
    assert ok.rules  # every REST API has rules, and none was violated (above)
    assert ok.unseen_values == {
        "asleep-v3": (UnseenValues("/result/peculiarities/*", True, ("NEVER_SLEPT", "NO_BREATHING_STABILITY",
                                                                    "TOO_LONG_FOR_ANALYSIS",
                                                                    "TOO_MANY_DEFECTS_IN_SLEEP_STAGES"), 3),
                      UnseenValues("/result/stat/breathing_pattern", True,
                                   ("MODERATELY_UNSTABLE_BREATH", "SEVERELY_UNSTABLE_BREATH"), 2)),
        "upheal": (),
        "emogg": (UnseenValues("/state", False, ("active",), 2),),  # x-known-values: an open list
    }[api_id]


def test_nullability_is_read_through_anyof_wrappers_and_maps_are_one_place(folders):
    [ok, _] = observe_folder(folders("faithful", "upheal")).groups
    never_null = [p.pointer for p in ok.never_null]
    assert "/analyticsSummary" in never_null  # anyOf: [AnalyticsSummary, {type: 'null'}]
    assert "/transcript/utterances" in never_null  # type: [array, 'null']
    # analyticsSummary.responseTime is a map keyed by speaker ids: its keys are one place, not one per speaker.
    assert [p for p in never_null if p.startswith("/analyticsSummary/responseTime/")
            and not p.startswith("/analyticsSummary/responseTime/*")] == []


@pytest.mark.parametrize(("profile", "api_id", "undocumented", "never_present", "violated"), [
    ("renamed-field", "asleep-v3", [Place("/result/session/osa_stages", 12)],
     [Place("/result/session/breath_stages", 12)], {"ASLEEP-V3-N012": 9}),
    ("removed-field", "asleep-v3", [], [Place("/result/missing_data_ratio", 12)], {}),
    ("removed-field", "emogg", [], [Place("/user", 12)], {}),
    ("broken-conditional", "asleep-v3", [], [], {"ASLEEP-V3-N001": 2, "ASLEEP-V3-I103": 1, "ASLEEP-V3-N012": 2,
                                                 "ASLEEP-V3-N013": 2}),
])
def test_a_drift_profile_shows_where_it_changed_the_answers(folders, profile, api_id, undocumented, never_present,
                                                            violated):
    [ok, missing] = observe_folder(folders(profile, api_id)).groups
    assert (list(ok.undocumented), list(ok.never_present)) == (undocumented, never_present)
    assert {t.rule.id: t.violated for t in ok.rules if t.violated} == violated
    assert (missing.undocumented, missing.never_present) == ((), ())


def test_an_undocumented_status_is_listed_not_analysed(tmp_path):
    write_interaction(tmp_path, Interaction("emogg", "getSession", Request("GET", "/v1/sessions/x"),
                                            Response(503, {}, {"error": "busy"}), "2024-03-11T08:00:00+00:00"),
                      Masker())
    report = observe_folder(tmp_path)
    assert (report.groups, report.unanalysed) == ((), (("emogg/getSession", "response 503", 1),))


def test_the_command_renders_every_format_and_says_what_never_violated_means(folders, capsys, tmp_path):
    folder = folders("broken-conditional", "asleep-v3")
    code, out, err = run(capsys, "observed", folder)
    assert (code, err) == (0, "")
    assert "asleep-v3/getSession response 200: 12 interactions, 0 with JSON Schema violations" in out
    assert "Rules never violated in 12 interactions (including those where a rule's condition did not hold" in out
    assert "    ASLEEP-V3-N001  error  documented  2 of 12  stat is null while the session cannot be analysed" in out
    code, out, _ = run(capsys, "observed", folder, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and [g["location"] for g in doc["groups"]] == ["response 200", "response 404"]
    assert {r["rule"]: r["violated"] for r in doc["groups"][0]["rules"] if r["violated"]} == {
        "ASLEEP-V3-N001": 2, "ASLEEP-V3-I103": 1, "ASLEEP-V3-N012": 2, "ASLEEP-V3-N013": 2}
    for fmt, marker in (("md", "### Rules violated"), ("html", "<h3>Rules violated</h3>")):
        assert run(capsys, "observed", folder, "--format", fmt, "--out", tmp_path / f"r.{fmt}")[0] == 0
        text = (tmp_path / f"r.{fmt}").read_text(encoding="utf-8")
        assert marker in text and "ASLEEP-V3-N001" in text
    assert "<script" not in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_an_unreadable_recording_is_one_line_and_exit_2_the_rest_still_reported(folders, capsys, tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    for source in folders("faithful", "emogg").glob("*.json"):
        (folder / source.name).write_bytes(source.read_bytes())
    (folder / "broken.json").write_text("{", encoding="utf-8")
    code, out, err = run(capsys, "observed", folder)
    assert code == 2 and "emogg/getSession response 200: 12 interactions" in out
    one_error_line(err, "broken.json")
    code, out, err = run(capsys, "observed", tmp_path / "nowhere")
    assert (code, out) == (2, "")
    one_error_line(err, "no such folder")
