"""The gate end to end: passes against the faithful mock, fails on every simulated vendor change with
the rule or check the profile names, leaks no credential, and refuses a live run without credentials."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contractgate.cli import main
from contractgate.gate.config import GateConfig
from contractgate.gate.results import GateResult
from contractgate.gate.runner import run_gate
from contractgate.mock.profiles import load_profiles
from tests.support import running_mock

ALL = ["asleep-v3", "asleep-v1-callback", "upheal", "emogg"]
PROFILES = load_profiles()
# Declared changes of the body: caught by what the profile's `expect` names.
CHANGES = sorted(name for name, p in PROFILES.items() if p.expect)


def gate(profile: str = "faithful", target: str = "embedded", apis: list[str] = ALL, **kw) -> GateResult:
    cfg = GateConfig(target=target, seed=7, max_examples=kw.pop("max_examples", 30), profile=profile, **kw)
    return run_gate(cfg, apis, echo=lambda line: None)


def caught(result: GateResult) -> set[tuple[str, str]]:
    """(API, rule id or 'schema') for every failure of the run."""
    found = set()
    for op in result.operations:
        for failure in op.failures.values():
            if failure.violation is not None:
                found.add((op.api_id, failure.violation.rule))
            if failure.check.endswith("schema_conformance"):
                found.add((op.api_id, "schema"))
    return found


def test_the_faithful_mock_passes_every_check_and_every_api_answers_with_bodies():
    result = gate()
    assert result.ok, [(op.api_id, list(op.failures)) for op in result.operations if not op.ok]
    for op in result.operations:
        assert op.cases > 0, op.api_id
        if op.api_id != "asleep-v1-callback":
            assert op.statuses.get(200, 0) > 0, f"{op.api_id} never reached a body"
            assert any(400 <= s < 500 for s in op.statuses), f"{op.api_id} had no negative answer"


@pytest.mark.slow
@pytest.mark.parametrize("profile", CHANGES)
def test_every_drift_profile_fails_the_gate_with_what_it_declares(profile):
    expected = {(e["api"], e["rule"]) for e in PROFILES[profile].expect}
    apis = sorted({api for api, _ in expected})
    result = gate(profile, apis=apis, max_examples=60)
    assert not result.ok
    assert expected <= caught(result), f"{profile}: expected {expected}, caught {caught(result)}"


def test_a_flaky_server_fails_the_gate_with_server_errors_in_process():
    # One answer in five is an error, most of them 429s: 60 examples make sporadic 5xx a certainty for the seed.
    result = gate("flaky", apis=["emogg"], max_examples=60)
    checks = {f.check for op in result.operations for f in op.failures.values()}
    assert "not_a_server_error" in checks


@pytest.mark.slow
def test_a_slow_server_fails_a_gate_with_a_response_time_budget():
    result = gate("slow", apis=["emogg"], max_examples=2, max_response_time=0.2)
    checks = {f.check for op in result.operations for f in op.failures.values()}
    assert "max_response_time" in checks
    assert gate("slow", apis=["emogg"], max_examples=2).ok  # slowness alone breaks no contract


@pytest.mark.slow
def test_over_loopback_the_same_gate_passes_faithful_and_catches_a_broken_rule():
    with running_mock("--seed", "7") as mock:
        assert gate(target=mock.origin, apis=["asleep-v3", "emogg"], max_examples=15).ok
    with running_mock("--seed", "7", "--profile", "broken-conditional") as mock:
        result = gate(target=mock.origin, apis=["asleep-v3"], max_examples=60, profile="broken-conditional")
        assert ("asleep-v3", "ASLEEP-V3-N001") in caught(result)


CANARIES = {"ASLEEP_API_KEY": "canary/asleep+7d=41&c0\"%20 x", "UPHEAL_API_KEY": "canary-upheal-93be2a",
            "EMOGG_API_TOKEN": "canary emogg/5f+08=e6%", "ASLEEP_USER_ID": "G-20240101000000-CanaryUserCanaryUser"}


def test_no_credential_or_user_id_reaches_any_artifact_in_any_encoding(tmp_path, monkeypatch, capsys):
    from contractgate.secrets import encodings

    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    reports = tmp_path / "reports"
    # A failing run, so that reports hold reproduction commands and response excerpts.
    code = main(["run", "--seed", "7", "--max-examples", "30", "--profile", "type-change",
                 "--report-dir", str(reports)])
    out, err = capsys.readouterr()
    assert code == 1
    artifacts = {p.name: p.read_text() for p in reports.iterdir()} | {"stdout": out, "stderr": err}
    assert {"junit.xml", "summary.md", "report.html"} <= set(artifacts)
    assert "curl" in artifacts["summary.md"], "the canary test needs a reproduction command to look into"
    assert "$ASLEEP_USER_ID" in artifacts["summary.md"], "a reproduction names the user id by its variable"
    for name, text in artifacts.items():
        for canary in CANARIES.values():
            for form in encodings(canary):
                assert form not in text, f"{canary!r} leaked into {name} as {form!r}"


def test_a_live_run_without_credentials_stops_before_any_request(monkeypatch, capsys):
    for name in CANARIES:
        monkeypatch.delenv(name, raising=False)
    code = main(["run", "--target", "live", "--api", "emogg"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip() == ("contractgate: error: emogg: set EMOGG_API_TOKEN in the environment to test live "
                           "(no request was sent)")


def test_run_writes_junit_markdown_and_self_contained_html(tmp_path, capsys):
    reports = tmp_path / "r"
    assert main(["run", "--seed", "5", "--max-examples", "10", "--report-dir", str(reports)]) == 0
    out = capsys.readouterr().out
    assert "seed 5 (replay with --seed 5)" in out
    suites = ET.parse(reports / "junit.xml").getroot()
    assert [s.get("name") for s in suites] == ALL
    asleep = suites[0]
    names = {c.get("name") for c in asleep}
    assert {"contract_rules", "response_schema_conformance", "negative_data_rejection"} <= names
    html = (reports / "report.html").read_text()
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert "src=\"http" not in html and "href=\"http" not in html
    assert (reports / "summary.md").read_text().startswith("## contractgate: PASSED")


def test_the_same_seed_replays_the_same_cases():
    first, second = gate(apis=["emogg"]), gate(apis=["emogg"])
    assert [(op.cases, op.statuses) for op in first.operations] == \
           [(op.cases, op.statuses) for op in second.operations]


def test_workers_spread_apis_over_processes_with_the_same_outcome():
    cfg = GateConfig(seed=7, max_examples=10)
    spread = run_gate(cfg, ["upheal", "emogg"], workers=2, echo=lambda line: None)
    assert spread.ok and [op.api_id for op in spread.operations] == ["upheal", "emogg"]
    assert json.dumps(sorted(spread.checks))
    assert all(op.cases for op in spread.operations)


def test_known_ids_from_a_file_reach_bodies_on_any_target(tmp_path, capsys):
    from contractgate.mock.ids import sample_ids

    ids = tmp_path / "emogg-ids.txt"
    ids.write_text("\n".join(sample_ids("emogg", 5, 99)) + "\n")
    reports = tmp_path / "r"
    assert main(["run", "--api", "emogg", "--max-examples", "10", "--ids", f"emogg={ids}",
                 "--report-dir", str(reports)]) == 0
    [row] = [line for line in (reports / "summary.md").read_text().splitlines() if line.startswith("| emogg |")]
    assert "200: " in row
    assert main(["run", "--ids", "emogg"]) == 2
    assert main(["run", "--ids", f"emogg={tmp_path / 'missing.txt'}"]) == 2
    capsys.readouterr()


def test_unknown_profile_and_bad_target_are_usage_errors(capsys):
    assert main(["run", "--profile", "nope"]) == 2
    assert main(["run", "--target", "ftp://x"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "profile 'nope'" in err[0] and "--target must be" in err[1]


def test_reports_are_readable_files(tmp_path):
    # Atomic writes go through a 0600 temporary file; the report itself must be readable by others.
    assert main(["run", "--api", "emogg", "--max-examples", "5", "--report-dir", str(tmp_path)]) == 0
    assert oct((tmp_path / "report.html").stat().st_mode & 0o777) == "0o644"
    assert Path(tmp_path / "junit.xml").stat().st_size > 0


def test_two_gate_runs_in_one_process_share_nothing():
    """Settings go in as an object and results come out of it: no environment, no module state between runs."""
    import os

    def environment() -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # pytest's own, per test

    before = environment()
    broken = gate("type-change", apis=["asleep-v3"], max_examples=10)
    faithful = gate(apis=["emogg"], max_examples=10)
    again = gate("type-change", apis=["asleep-v3"], max_examples=10)
    assert not broken.ok and faithful.ok
    assert [op.api_id for op in faithful.operations] == ["emogg"]  # nothing of the first run's APIs
    assert {fp for op in broken.operations for fp in op.failures} == {fp for op in again.operations
                                                                        for fp in op.failures}
    assert environment() == before
