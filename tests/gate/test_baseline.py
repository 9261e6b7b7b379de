"""Known deviations: a baseline recorded on a drifting target makes the next run pass with them listed as
known; a new deviation or an expired entry still fails it. Fingerprints ignore messages and array positions."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from contractgate.baseline import Baseline, Entry, Fingerprint, load_baseline, save_baseline, wildcard_pointer
from contractgate.cli import main

RUN = ["run", "--api", "asleep-v3", "--seed", "7", "--max-examples", "30"]


def test_fingerprints_ignore_array_positions():
    assert wildcard_pointer("/result/session/sleep_stages/17") == "/result/session/sleep_stages/*"
    a = Fingerprint.of("asleep-v3", "getSession", "ASLEEP-V3-I101", 200, "/result/x/3/y")
    assert a == Fingerprint.of("asleep-v3", "getSession", "ASLEEP-V3-I101", 200, "/result/x/12/y")


def test_triage_sorts_known_new_expired_and_resolved():
    seen = [Fingerprint.of("a", "op", "R1", 200, "/x"), Fingerprint.of("a", "op", "R2", 200, "/y"),
            Fingerprint.of("a", "op", "R3", 200, "/z")]
    baseline = Baseline((Entry(seen[0]), Entry(seen[1], expires=dt.date(2020, 1, 1)),
                         Entry(Fingerprint.of("a", "op", "R9", 200, "/gone"))))
    triage = baseline.triage(seen, dt.date(2026, 1, 1))
    assert triage.known == (seen[0],) and triage.expired == (seen[1],) and triage.new == (seen[2],)
    assert [e.fingerprint.check for e in triage.resolved] == ["R9"]
    assert not triage.is_new(seen[0]) and triage.is_new(seen[1]) and triage.is_new(seen[2])


def test_a_baseline_makes_known_deviations_pass_and_new_or_expired_ones_fail(tmp_path, capsys):
    baseline = tmp_path / "baseline.yaml"
    reports = tmp_path / "r"
    # First run against a drifting vendor: triage and record what it does.
    assert main([*RUN, "--profile", "type-change", "--report-dir", str(reports)]) == 1
    assert main([*RUN, "--profile", "type-change", "--baseline", str(baseline), "--update-baseline",
                 "--report-dir", str(reports)]) == 0
    recorded = load_baseline(baseline)
    assert {(e.fingerprint.check, e.fingerprint.pointer) for e in recorded.entries} >= {
        ("schema", "/result/stat/sleep_efficiency")}
    # The next run: the same deviations are known, the run passes and says so.
    capsys.readouterr()
    assert main([*RUN, "--profile", "type-change", "--baseline", str(baseline),
                 "--report-dir", str(reports)]) == 0
    out = capsys.readouterr().out
    assert "known (baseline)" in out
    summary = (reports / "summary.md").read_text()
    assert summary.startswith("## contractgate: PASSED") and "known deviations" in summary
    assert "/result/stat/sleep_efficiency" in summary
    # A new deviation (another profile) still fails it.
    assert main([*RUN, "--profile", "removed-field", "--baseline", str(baseline), "--report-dir", str(reports)]) == 1
    # An expired entry no longer excuses anything.
    data = yaml.safe_load(baseline.read_text())
    for entry in data["entries"]:
        entry["expires"] = "2020-01-01"
        entry["reason"] = "vendor ticket 42"
    baseline.write_text(yaml.safe_dump(data))
    assert main([*RUN, "--profile", "type-change", "--baseline", str(baseline),
                 "--report-dir", str(reports)]) == 1
    # Updating keeps the reasons and dates a person wrote.
    assert main([*RUN, "--profile", "type-change", "--baseline", str(baseline), "--update-baseline",
                 "--report-dir", str(reports)]) == 0
    assert all(e.reason == "vendor ticket 42" for e in load_baseline(baseline).entries)
    capsys.readouterr()


def test_a_faithful_run_lists_baseline_entries_no_longer_seen(tmp_path, capsys):
    baseline = tmp_path / "b.yaml"
    save_baseline(Baseline((Entry(Fingerprint.of("asleep-v3", "getSession", "ASLEEP-V3-N001", 200, "/result/stat")),)),
                  baseline)
    assert main([*RUN, "--baseline", str(baseline), "--report-dir", str(tmp_path)]) == 0
    assert "no longer seen" in capsys.readouterr().out
    assert "not seen in this run" in (tmp_path / "summary.md").read_text()


@pytest.mark.parametrize(("content", "message"), [
    ("entries: []\n", "not a contractgate baseline"),
    ("format: contractgate-baseline/1\nentries:\n  - {api: a, operation: o, check: c, colour: red}\n",
     "unknown key 'colour'"),
    ("format: contractgate-baseline/1\nentries:\n  - {api: a, operation: o, check: c, expires: soon}\n",
     "expires must be a date"),
])
def test_a_bad_baseline_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "b.yaml"
    path.write_text(content)
    assert main([*RUN, "--baseline", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_baseline_flags_are_checked_before_anything_runs(tmp_path, capsys):
    assert main([*RUN, "--update-baseline"]) == 2
    assert main([*RUN, "--baseline", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "--update-baseline needs --baseline" in err[0] and "no such file" in err[1]


def test_validate_and_drift_take_the_same_baseline(tmp_path, capsys):
    """A deviation triaged in a gate run is known to `validate` (--baseline) and `drift` (--known-deviations)."""
    import json

    from tests.conftest import clean

    body = clean("asleep-v3")
    body["result"]["stat"]["sleep_efficiency"] = "0.93"  # what the type-change profile does
    payload = tmp_path / "body.json"
    payload.write_text(json.dumps(body))
    baseline = tmp_path / "b.yaml"
    save_baseline(Baseline((Entry(Fingerprint.of("asleep-v3", "getSession", "schema", 200,
                                                  "/result/stat/sleep_efficiency")),)), baseline)
    assert main(["validate", "asleep-v3", "getSession", str(payload)]) == 1
    capsys.readouterr()
    assert main(["validate", "asleep-v3", "getSession", "--baseline", str(baseline), str(payload)]) == 0
    out = capsys.readouterr().out
    assert "ok, 1 known" in out and "in the baseline)" in out
    assert main(["validate", "asleep-v3", "getSession", "--format", "json", "--baseline", str(baseline),
                 str(payload)]) == 0
    [result] = json.loads(capsys.readouterr().out)["results"]
    assert result["ok"] and result["known"][0]["pointer"] == "/result/stat/sleep_efficiency"

    recording = tmp_path / "base"
    assert main(["record", "--api", "asleep-v3", "--sample", "5", "--out", str(recording)]) == 0
    drift = ["drift", "--api", "asleep-v3", "--baseline", str(recording), "--profile", "type-change",
             "--report-dir", str(tmp_path / "r")]
    assert main(drift) == 1
    capsys.readouterr()
    # The type change is still a breaking change of the diff (exit 1); as a violation it is known now.
    assert main([*drift, "--known-deviations", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert "(0 errors, 0 warnings, 3 known deviations)" in out, out
