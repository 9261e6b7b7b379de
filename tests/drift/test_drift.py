"""``contractgate drift`` against the mock: nothing between two faithful runs, and each drift profile's change
exactly where the profile changes the answers, classified as docs/changes.md says; reports and exit codes."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase

import pytest

from contractgate.catalog import load_catalog
from contractgate.diff.volatile import DEFAULT_CONFIG, load_volatile
from contractgate.drift import run_drift
from contractgate.gate.target import Target
from contractgate.http import PoliteSession
from contractgate.mock.profiles import load_profiles
from contractgate.recorder import RecordOptions, record
from contractgate.recordings import load_folder
from tests.recordings.conftest import CANARIES, REST_APIS, ids_of, leaked, one_error_line, run

EMBEDDED = Target.parse("embedded")
R200, R404 = "response 200", "response 404"
#: The changes each profile makes, per API, as (change, pointer, location, class); any other pair finds none.
EXPECTED = {
    ("renamed-field", "asleep-v3"): {
        ("field-removed", "/result/session/breath_stages", R200, "breaking"),
        ("field-added", "/result/session/osa_stages", R200, "non-breaking")},
    ("new-enum-value", "asleep-v3"): {
        ("enum-value-added", "/result/peculiarities/*", R200, "breaking"),
        # The label is appended: every session has one more peculiarity than before.
        ("array-length-changed", "/result/peculiarities", R200, "potentially-breaking")},
    ("type-change", "asleep-v3"): {("type-changed", "/result/stat/sleep_efficiency", R200, "breaking")},
    ("removed-field", "asleep-v3"): {("field-removed", "/result/missing_data_ratio", R200, "breaking")},
    ("removed-field", "emogg"): {("field-removed", "/user", R200, "breaking")},
    ("changed-error-body", "asleep-v3"): {("field-removed", "/detail", R404, "breaking"),
                                          ("field-added", "/message", R404, "non-breaking")},
    ("changed-error-body", "upheal"): {("field-removed", "/message", R404, "breaking"),
                                       ("field-added", "/error", R404, "non-breaking")},
    # The OPEN and CLOSED sessions get the partial stat object where they had null: its null members are new
    # nulls for places that were never null in OLD, and it lacks unstable_breath_count.
    ("broken-conditional", "asleep-v3"): {
        *{("null-appeared", f"/result/stat/{name}", R200, "breaking") for name in (
            "breathing_index", "breathing_pattern", "sleep_latency", "sleep_time", "stable_breath_ratio",
            "time_in_stable_breath", "time_in_unstable_breath", "unstable_breath_ratio", "wake_time",
            "wakeup_latency")},
        ("field-now-optional", "/result/stat/unstable_breath_count", R200, "potentially-breaking"),
        ("value-changed", "/result/stat", R200, "non-breaking"),
    },
}
#: Warnings (inferred rules) a profile's answers break besides the errors its `expect` entries name.
WARNINGS = {("broken-conditional", "asleep-v3"): {("ASLEEP-V3-I103", "/result/stat/time_in_bed")}}
PROFILES = [name for name, p in load_profiles().items() if p.expect and name != "webhook-envelope"]
STAMPED = re.compile(r"^(?P<api>[a-z0-9-]+)-\d{8}T\d{6}Z\.(md|html|json)$")


@pytest.fixture(scope="module")
def baselines(tmp_path_factory):
    """A faithful recording of 12 sessions and one 404 per REST API."""
    root = tmp_path_factory.mktemp("baselines")
    return {api_id: record(api_id, ids_of(api_id), EMBEDDED, root / api_id).folder for api_id in REST_APIS}


def reports(folder):
    return sorted(p for p in (folder / "drift").iterdir() if p.is_file())


@pytest.mark.parametrize("api_id", REST_APIS)
def test_two_faithful_runs_find_no_change(baselines, tmp_path, capsys, api_id):
    code, out, err = run(capsys, "drift", "--api", api_id, "--baseline", baselines[api_id], "--report-dir", tmp_path)
    assert (code, err) == (0, "")
    [line] = out.splitlines()
    assert line.startswith(f"PASSED: {api_id} against embedded: 0 already recorded, 13 new; 13 interactions "
                           "validated, 0 with findings (0 errors, 0 warnings); no changes; reports: ")
    files = reports(tmp_path)
    assert [STAMPED.match(p.name)["api"] for p in files] == [api_id] * 3
    doc = json.loads(next(p for p in files if p.suffix == ".json").read_text(encoding="utf-8"))
    assert {k: doc[k] for k in ("api", "target", "baseline", "interactions", "validation", "changes", "breaking")} == {
        "api": api_id, "target": "embedded", "baseline": str(baselines[api_id]), "interactions": 13,
        "validation": [], "changes": [], "breaking": False}
    assert len(list((tmp_path / "drift" / files[0].stem / "recording").glob("*.json"))) == 13


def expected_errors(profile: str, api_id: str) -> list[tuple[str, str, str]]:
    return [(e["rule"], e["pointer"], e["status"]) for e in load_profiles()[profile].expect if e["api"] == api_id]


@pytest.mark.parametrize("api_id", REST_APIS)
@pytest.mark.parametrize("profile", PROFILES)
def test_each_drift_profile_is_found_where_it_changed_the_answers_and_nowhere_else(baselines, tmp_path, profile,
                                                                                   api_id):
    result = run_drift(api_id, baselines[api_id], EMBEDDED, tmp_path / "new",
                       load_volatile(DEFAULT_CONFIG, load_catalog().apis), RecordOptions(profile=profile))
    found = {(c.kind, c.pointer, c.location, c.klass) for c in result.changes}
    assert found == EXPECTED.get((profile, api_id), set())
    assert all(c.operation == f"{api_id}/{next(iter(load_catalog().api(api_id).operations))}"
               for c in result.changes)
    # The contract check agrees with the profile's own `expect` entries (profiles.yaml): errors there only.
    errors = {(v.rule, v.pointer, str(c.interaction.status)) for c in result.validation for v in c.violations
              if v.severity == "error"}
    wanted = expected_errors(profile, api_id)
    assert all(any(r == rule and s == status and fnmatchcase(p, pattern) for rule, pattern, status in wanted)
               for r, p, s in errors), errors
    assert all(any(r == rule and s == status and fnmatchcase(p, pattern) for r, p, s in errors)
               for rule, pattern, status in wanted), errors
    warnings = {(v.rule, v.pointer) for c in result.validation for v in c.violations if v.severity == "warning"}
    assert warnings == WARNINGS.get((profile, api_id), set())
    assert result.failed == bool(found or errors) and result.breaking == bool(found)


def test_a_breaking_change_exits_1_and_the_reports_say_why(baselines, tmp_path, capsys):
    code, out, err = run(capsys, "drift", "--api", "asleep-v3", "--baseline", baselines["asleep-v3"],
                         "--report-dir", tmp_path, "--profile", "type-change", "--out", tmp_path / "now")
    assert (code, err) == (1, "")
    assert out.startswith("FAILED (breaking changes and contract violations): asleep-v3 against embedded: ")
    md, html, js = (next(p for p in reports(tmp_path) if p.suffix == suffix) for suffix in (".md", ".html", ".json"))
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert (doc["breaking"], doc["failed"], doc["recording"]) == (True, True, str(tmp_path / "now"))
    [change] = doc["changes"]
    assert {k: change[k] for k in ("pointer", "change", "class", "operation", "location")} == {
        "pointer": "/result/stat/sleep_efficiency", "change": "type-changed", "class": "breaking",
        "operation": "asleep-v3/getSession", "location": "response 200"}
    assert {(v["rule"], v["pointer"]) for entry in doc["validation"] for v in entry["violations"]} == {
        ("schema", "/result/stat/sleep_efficiency")}
    assert all(entry["status"] == 200 and entry["request"].startswith("GET /data/v3/sessions/")
               for entry in doc["validation"])
    text = md.read_text(encoding="utf-8")
    assert "| breaking | `type-changed` | asleep-v3/getSession response 200 | `/result/stat/sleep_efficiency` |" in text
    assert "| `schema` | error | `/result/stat/sleep_efficiency` |" in text
    page = html.read_text(encoding="utf-8")
    assert "type-changed" in page and "<script" not in page and "src=" not in page and "<link" not in page
    assert len(list((tmp_path / "now").glob("*.json"))) == 13


def test_reports_and_recordings_never_hold_a_credential(tmp_path, monkeypatch, capsys):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    for api_id in REST_APIS:
        base = record(api_id, ids_of(api_id, 3), EMBEDDED, tmp_path / "base" / api_id).folder
        code, out, _ = run(capsys, "drift", "--api", api_id, "--baseline", base, "--report-dir", tmp_path / "reports",
                           "--profile", "changed-error-body")
        assert code in (0, 1) and not any(value in out for value in CANARIES.values())
        # The canary was the key sent and accepted: the mock answered with sessions, not 401.
        assert {i.response.status for i in load_folder(base).interactions} == {200, 404}
    assert leaked(tmp_path) == []


@pytest.fixture
def no_request(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("a request was sent")

    monkeypatch.setattr(PoliteSession, "request", refuse)


def test_a_missing_baseline_is_a_usage_error_with_the_command_that_makes_one(tmp_path, capsys):
    code, out, err = run(capsys, "drift", "--api", "emogg", "--baseline", tmp_path / "none", "--report-dir", tmp_path)
    assert (code, out) == (2, "")
    one_error_line(err, "no such folder", "contractgate record --api emogg --ids FILE")
    assert not (tmp_path / "drift").exists()


def test_a_baseline_without_the_api_and_a_live_target_without_credentials_are_usage_errors(baselines, tmp_path,
                                                                                          capsys, monkeypatch,
                                                                                          no_request):
    code, _, err = run(capsys, "drift", "--api", "emogg", "--baseline", baselines["upheal"], "--report-dir", tmp_path)
    assert code == 2
    one_error_line(err, "no emogg/getSession recordings")
    monkeypatch.delenv("EMOGG_API_TOKEN", raising=False)
    code, _, err = run(capsys, "drift", "--api", "emogg", "--baseline", baselines["emogg"], "--report-dir", tmp_path,
                       "--target", "live")
    assert code == 2
    one_error_line(err, "EMOGG_API_TOKEN", "no request was sent")
    code, _, err = run(capsys, "drift", "--api", "asleep-v1-callback", "--baseline", baselines["emogg"],
                       "--report-dir", tmp_path)
    assert code == 2
    one_error_line(err, "webhook", "contractgate receive")
    assert not (tmp_path / "drift").exists()


def test_two_drifts_in_the_same_second_get_their_own_folders(tmp_path, capsys):
    """Run names carry the second; a second run in it gets -2, never the first run's folder or recording."""
    from contractgate.cli import main

    base = tmp_path / "base"
    assert main(["record", "--api", "emogg", "--sample", "3", "--out", str(base)]) == 0
    for _ in range(3):  # three in a row: at least two share a second on any machine that is not very slow
        assert main(["drift", "--api", "emogg", "--baseline", str(base), "--report-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("3 new;") == 3, out  # each run recorded afresh: no run reused another's recording
    runs = sorted(p for p in (tmp_path / "drift").iterdir() if p.is_dir())
    assert len(runs) == 3 and len({p.name for p in runs}) == 3


def test_a_taken_report_name_gets_a_counter():
    import tempfile
    from pathlib import Path

    from contractgate.cli.drift import _claim_stem

    with tempfile.TemporaryDirectory() as folder:
        first = _claim_stem(Path(folder), "emogg-20261206T220000Z")
        second = _claim_stem(Path(folder), "emogg-20261206T220000Z")
        assert first.name == "emogg-20261206T220000Z" and second.name == "emogg-20261206T220000Z-2"
