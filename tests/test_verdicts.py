"""One pass/fail policy (findings.failing): for every command that prints a verdict, the text, the JSON and the
exit code agree, with and without --strict."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from contractgate.cli import main
from contractgate.findings import Violation, failing
from tests.conftest import example

WARNING = Violation("R-I1", "warning", "invariant", "/a", "inferred")
ERROR = Violation("R-N1", "error", "conditional", "/b", "documented")


def test_the_policy_errors_always_warnings_under_strict():
    assert failing([WARNING, ERROR]) == [ERROR]
    assert failing([WARNING, ERROR], strict=True) == [WARNING, ERROR]
    assert failing([WARNING]) == []


@pytest.mark.parametrize("strict", [False, True])
def test_validate_text_json_and_exit_code_agree_on_warnings(write_json, capsys, strict):
    # The Asleep document's own example breaks inferred rules only (warnings, each at a documented conflict).
    path = write_json("doc.json", example("asleep-v3", "doc-200"))
    flags = ["--strict"] if strict else []
    code = main(["validate", "asleep-v3", "getSession", *flags, str(path)])
    text = capsys.readouterr().out
    assert main(["validate", "asleep-v3", "getSession", *flags, "--format", "json", str(path)]) == code
    [result] = json.loads(capsys.readouterr().out)["results"]
    verdict = text.splitlines()[0].split(": ", 1)[1]
    assert result["violations"] and all(v["severity"] == "warning" for v in result["violations"])
    if strict:
        assert (code, result["ok"]) == (1, False) and verdict.startswith(f"{len(result['violations'])} violations")
    else:
        assert (code, result["ok"]) == (0, True) and verdict.startswith("ok, ")


def test_validate_errors_fail_with_or_without_strict(write_json, capsys):
    body = example("asleep-v3", "doc-200")
    body["result"]["session"]["state"] = "DONE"
    path = write_json("bad.json", body)
    for flags in ([], ["--strict"]):
        assert main(["validate", "asleep-v3", "getSession", *flags, str(path)]) == 1
        assert "violations" in capsys.readouterr().out.splitlines()[0]


@pytest.mark.parametrize(("profile", "code"), [("faithful", 0), ("type-change", 1)])
def test_run_summary_junit_and_exit_code_agree(tmp_path, capsys, profile, code):
    assert main(["run", "--api", "asleep-v3", "--seed", "7", "--max-examples", "10", "--profile", profile,
                 "--report-dir", str(tmp_path)]) == code
    out = capsys.readouterr().out
    verdict = "PASSED" if code == 0 else "FAILED"
    assert out.splitlines()[-1 if code == 0 else -2].startswith(verdict) or f"\n{verdict}:" in out
    assert (tmp_path / "summary.md").read_text().startswith(f"## contractgate: {verdict}")
    failures = int(ET.parse(tmp_path / "junit.xml").getroot().get("failures", "0"))
    assert (failures > 0) == (code == 1)


def test_drift_report_json_and_exit_code_agree(tmp_path, capsys):
    base = tmp_path / "base"
    assert main(["record", "--api", "emogg", "--sample", "3", "--out", str(base)]) == 0
    for profile, code in (("faithful", 0), ("type-change", 0)):  # type-change touches asleep only
        assert main(["drift", "--api", "emogg", "--baseline", str(base), "--profile", profile,
                     "--report-dir", str(tmp_path / profile)]) == code
    assert main(["drift", "--api", "emogg", "--baseline", str(base), "--profile", "new-enum-value",
                 "--report-dir", str(tmp_path / "enum")]) in (0, 1)
    out = capsys.readouterr().out
    for folder in ("faithful", "type-change", "enum"):
        [report] = (tmp_path / folder / "drift").glob("*.json")
        data = json.loads(report.read_text())
        line = next(line for line in out.splitlines() if str(report.with_suffix("")) in line)
        assert line.startswith("FAILED") == data["failed"]


def test_the_receiver_accepts_warnings_and_refuses_errors_by_the_same_policy(tmp_path):
    import asyncio

    import httpx

    from contractgate.receiver.app import create_receiver
    from contractgate.secrets import LOCAL_DEFAULTS

    body = example("asleep-v1-callback", "derived-session-complete", "request")
    broken = json.loads(json.dumps(body))
    broken["callback_event"] = "SESSION_DONE"
    headers = {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}

    async def deliver() -> tuple[httpx.Response, httpx.Response]:
        app = create_receiver(tmp_path)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client:
            return (await client.post("/asleep-v1-callback", json=body, headers=headers),
                    await client.post("/asleep-v1-callback", json=broken, headers=headers))

    ok, bad = asyncio.run(deliver())
    assert ok.status_code == 200 and ok.json()["outcome"] == "accepted"
    assert bad.status_code == 422 and bad.json()["outcome"] == "rejected"


def test_lint_prints_ok_and_exits_0_on_the_projects_specs(capsys):
    assert main(["lint"]) == 0
    out = capsys.readouterr().out
    assert " error" not in out.lower().replace("no error", "")


def test_audit_docs_is_a_report_not_a_verdict(capsys):
    assert main(["audit-docs", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)


def test_validate_and_drift_say_which_rules_their_payloads_exercised(tmp_path, capsys):
    from tests.conftest import PAYLOADS

    files = sorted(str(p) for p in PAYLOADS.glob("asleep-v3*.json"))
    assert main(["validate", "asleep-v3", "getSession", *files]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("rules: ") and " exercised by these files" in line
    assert main(["validate", "asleep-v3", "getSession", "--format", "json", *files]) == 0
    coverage = json.loads(capsys.readouterr().out)["coverage"]
    assert coverage["ASLEEP-V3-N002"]["evaluated"] == len(files) and coverage["ASLEEP-V3-N002"]["exercised"] >= 1
    base = tmp_path / "base"
    assert main(["record", "--api", "asleep-v3", "--sample", "5", "--out", str(base)]) == 0
    assert main(["drift", "--api", "asleep-v3", "--baseline", str(base), "--report-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    [report] = (tmp_path / "drift").glob("*.json")
    assert json.loads(report.read_text())["coverage"]["ASLEEP-V3-N001"]["evaluated"] >= 1
    [markdown] = (tmp_path / "drift").glob("*.md")
    assert "**Rules**: " in markdown.read_text()
