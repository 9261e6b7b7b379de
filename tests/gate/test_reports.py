"""Failure reports that explain themselves: the changed field's pointer first, no schema dumps, no long arrays,
every distinct failure, a console that names what broke, JUnit that CI tools read."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from junitparser import JUnitXml

from contractgate.cli import main
from contractgate.mock.profiles import load_profiles

PROFILES = load_profiles()
CHANGES = sorted(name for name, p in PROFILES.items() if p.expect)
#: Where each drift profile changes the answers: its first failure line must name it.
POINTERS = {
    "type-change": "/result/stat/sleep_efficiency",
    "renamed-field": "/result/session/breath_stages",
    "removed-field": "/result/missing_data_ratio",
}


def run(tmp_path, *args: str) -> tuple[int, str, str]:
    code = main(["run", "--seed", "7", "--report-dir", str(tmp_path), *args])
    return code, (tmp_path / "summary.md").read_text(), (tmp_path / "report.html").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("profile", CHANGES)
def test_each_drift_profile_is_named_at_its_pointer_without_dumps_or_long_arrays(tmp_path, capsys, profile):
    apis = sorted({e["api"] for e in PROFILES[profile].expect})
    code, summary, html = run(tmp_path, "--profile", profile, "--max-examples", "60",
                              *[a for api in apis for a in ("--api", api)])
    capsys.readouterr()
    assert code == 1
    first = summary[summary.index("\n### "):].splitlines()[1]
    if profile in POINTERS:
        assert POINTERS[profile] in summary.split("\n### ", 2)[1], summary[:2000]
    assert first.startswith("### ")
    junit = (tmp_path / "junit.xml").read_text()
    for name, text in (("summary.md", summary), ("report.html", html), ("junit.xml", junit)):
        assert "is not valid under any of the schemas" not in text, f"a schema dump in {name}"
        assert '"properties":' not in text and "'properties':" not in text, f"a schema dump in {name}"
        for array in re.findall(r"\[[^\[\]]{200,}\]", text):
            assert array.count(",") < 20, f"an array of more than 20 items in {name}: {array[:120]}"


def test_renamed_field_names_the_missing_and_the_undocumented_field(tmp_path, capsys):
    _, summary, _ = run(tmp_path, "--profile", "renamed-field", "--api", "asleep-v3", "--max-examples", "20")
    capsys.readouterr()
    assert "/result/session/breath_stages" in summary and "osa_stages" in summary


def test_the_vendor_sentence_is_shown_for_a_rule(tmp_path, capsys):
    _, summary, html = run(tmp_path, "--profile", "broken-conditional", "--api", "asleep-v3", "--max-examples", "60")
    capsys.readouterr()
    assert "ASLEEP-V3-N001" in summary and "The document:" in summary
    assert "<blockquote>" in html


def test_a_target_with_three_independent_breaks_reports_three_failures(tmp_path, monkeypatch, capsys):
    """A vendor whose 200 answers changed in three unrelated places: a type, a removed field, a renamed one."""
    import json

    from contractgate.secrets import LOCAL_DEFAULTS
    from tests.gate.test_safety import ids_file, vendor_server
    from tests.support import running_mock

    def three_breaks(status: int, body: bytes) -> bytes:
        if status != 200:
            return body
        data = json.loads(body)
        result = data["result"]
        if isinstance(result.get("stat"), dict):
            result["stat"]["sleep_efficiency"] = str(result["stat"]["sleep_efficiency"])
        result.pop("missing_data_ratio", None)
        result["session"]["osa_stages"] = result["session"].pop("breath_stages", None)
        return json.dumps(data).encode()

    for name, value in LOCAL_DEFAULTS.items():
        monkeypatch.setenv(name, value)
    with running_mock("--seed", "7") as mock, vendor_server(mock.urls["asleep-v3"], transform=three_breaks) as (url, _):
        code = main(["run", "--base-url", f"asleep-v3={url}", "--seed", "7", "--max-examples", "20", "--rate", "100",
                     "--ids", f"asleep-v3={ids_file(tmp_path)}", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 1
    fails = [line for line in out.splitlines() if line.startswith("  FAIL")]
    for pointer in ("/result/stat/sleep_efficiency", "/result/missing_data_ratio", "/result/session/breath_stages"):
        assert any(pointer in line for line in fails), (pointer, fails)
    summary = (tmp_path / "r" / "summary.md").read_text()
    assert summary.count("\n### ") == len(fails) >= 3


def test_the_console_names_every_distinct_failure_and_where_the_report_is(tmp_path, capsys):
    code = main(["run", "--seed", "7", "--max-examples", "30", "--profile", "type-change", "--api", "asleep-v3",
                 "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    fail_lines = [line for line in out.splitlines() if line.startswith("  FAIL")]
    assert fail_lines and all(" at /" in line or "[" in line for line in fail_lines)
    assert any("/result/stat/sleep_efficiency" in line for line in fail_lines)
    assert f"{tmp_path / 'report.html'}" in out
    assert "1 APIs" not in out


def test_max_failures_stops_sending_and_says_so(tmp_path, capsys):
    code = main(["run", "--seed", "7", "--max-examples", "30", "--profile", "renamed-field", "--api", "asleep-v3",
                 "--max-failures", "1", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    # The answer that crossed the bound keeps all it showed (here two findings); nothing is sent after it.
    assert code == 1 and "(--max-failures 1)" in out and "stopped sending after" in out
    assert "requests sent: GET 1;" in out


def test_junit_is_valid_with_times_and_skips(tmp_path, capsys):
    assert main(["run", "--seed", "7", "--max-examples", "10", "--report-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    xml = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    suites = list(xml)
    assert [s.name for s in suites] == ["asleep-v3", "asleep-v1-callback", "upheal", "emogg"]
    root = ET.parse(tmp_path / "junit.xml").getroot()
    for name in ("tests", "failures", "errors", "skipped", "time"):
        assert root.get(name) is not None
    for suite in root:
        for name in ("tests", "failures", "errors", "skipped", "time"):
            assert suite.get(name) is not None, (suite.get("name"), name)
        assert all(case.get("time") is not None for case in suite)
    skipped = {c.get("name"): c.find("skipped").get("message") for c in root.iter("testcase")
               if c.find("skipped") is not None}
    assert "stateful" in skipped["use_after_free"] and "stateful" in skipped["ensure_resource_availability"]
    assert float(root.find("testsuite").get("time")) > 0


def test_junit_failure_type_is_the_readable_check_name(tmp_path, capsys):
    assert main(["run", "--seed", "7", "--max-examples", "20", "--profile", "type-change", "--api", "asleep-v3",
                 "--report-dir", str(tmp_path)]) == 1
    capsys.readouterr()
    types = {f.get("type") for f in ET.parse(tmp_path / "junit.xml").getroot().iter("failure")}
    assert "response_schema_conformance" in types and not any(t.startswith(("CG", "ST")) for t in types)


def test_the_webhook_row_says_what_it_checked_and_max_examples_bounds_it(tmp_path, capsys):
    _, summary, _ = run(tmp_path, "--api", "asleep-v1-callback", "--max-examples", "5")
    capsys.readouterr()
    [row] = [line for line in summary.splitlines() if line.startswith("| asleep-v1-callback")]
    assert "| 10 |" in row  # 5 SESSION_COMPLETE and 5 INFERENCE_COMPLETE bodies
    assert "10 callback bodies generated in-process" in summary


def test_profile_with_a_target_that_is_not_the_mock_is_a_usage_error(capsys):
    assert main(["run", "--target", "live", "--profile", "type-change", "--api", "emogg"]) == 2
    assert "not the mock" in capsys.readouterr().err


def test_without_a_terminal_a_heartbeat_line_says_how_far_the_run_is(tmp_path, monkeypatch, capsys):
    from contractgate.gate import runner

    monkeypatch.setattr(runner, "HEARTBEAT_S", 0.0)  # every case: the test need not wait for the real interval
    assert main(["run", "--api", "emogg", "--max-examples", "5", "--seed", "7", "--report-dir", str(tmp_path)]) == 0
    beats = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  emogg: ")]
    assert beats and beats[-1].endswith("0 failures so far")
    counts = [int(line.split(": ")[1].split(" case")[0].replace(",", "")) for line in beats]
    assert counts == sorted(counts) and counts[-1] > 1
