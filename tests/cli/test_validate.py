"""``contractgate validate`` through main() and, for the exit path, the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from contractgate.cli import main
from tests.conftest import clean, example

SCRIPT = Path(sys.executable).with_name("contractgate")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_conforming_file_is_ok_and_exit_0(capsys, write_json):
    path = write_json("ok.json", clean("asleep-v3"))
    code, out, err = run(capsys, "validate", "asleep-v3", "getSession", str(path))
    assert (code, out.strip(), err) == (0, f"{path}: ok", "")


def test_json_output_is_the_documented_contract(capsys, write_json):
    body = clean("asleep-v3")
    body["result"]["session"]["state"] = "DONE"
    del body["result"]["session"]["id"]
    path = write_json("bad.json", body)
    code, out, _ = run(capsys, "validate", "asleep-v3", "getSession", str(path), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    [result] = doc["results"]
    assert result["file"] == str(path) and result["ok"] is False
    by_pointer = {v["pointer"]: v for v in result["violations"]}
    assert set(by_pointer) == {"/result/session/id", "/result/session/state"}
    state = by_pointer["/result/session/state"]
    assert {k: state[k] for k in ("rule", "severity", "kind")} == {
        "rule": "schema", "severity": "error", "kind": "schema"}
    assert state["message"] == '"DONE" is not one of ["OPEN", "CLOSED", "COMPLETE"]'  # JSON terms, not Python's
    assert state["source"] and state["values"] == {"keyword": "enum", "actual": "DONE",
                                                   "expected": ["OPEN", "CLOSED", "COMPLETE"]}
    assert by_pointer["/result/session/id"]["message"] == 'required property "id" is missing'


def test_text_output_lists_each_violation_with_its_pointer(capsys, write_json):
    body = clean("asleep-v3")
    body["result"]["stat"]["time_in_bed"] = "x"
    path = write_json("bad.json", body)
    code, out, _ = run(capsys, "validate", "asleep-v3", "getSession", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{path}: 1 violation"
    assert lines[1].split() [:2] == ["error", "/result/stat/time_in_bed:"]


def test_status_selects_the_error_body_schema(capsys, write_json):
    path = write_json("404.json", {"detail": "Unable to find the sleep session of id x"})
    assert run(capsys, "validate", "asleep-v3", "getSession", "--status", "404", str(path))[0] == 0
    assert run(capsys, "validate", "asleep-v3", "getSession", str(path))[0] == 1
    code, _, err = run(capsys, "validate", "asleep-v3", "getSession", "--status", "418", str(path))
    assert code == 2 and err.startswith("contractgate: error: asleep-v3/getSession documents no response 418")


BAD_INPUTS = {
    "missing.json": (None, "no such file"),
    "folder": ("mkdir", "is a directory, not a file"),
    "empty.json": (b"", "empty file"),
    "text.json": (b"hello", "not JSON"),
    "latin1.json": (b'{"detail": "caf\xe9"}', "not valid UTF-8"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 128 levels"),
}


def _make_bad_inputs(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, (content, _) in BAD_INPUTS.items():
        path = tmp_path / name
        if content == "mkdir":
            path.mkdir()
        elif content is not None:
            path.write_bytes(content)
        paths[name] = path
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    paths["big.json"] = big
    return paths


def test_each_bad_input_is_one_line_exit_2_and_the_good_files_are_still_checked(capsys, tmp_path, write_json):
    bad = _make_bad_inputs(tmp_path)
    good = write_json("good.json", clean("asleep-v3"))
    broken_body = clean("asleep-v3")
    broken_body["result"]["timezone"] = 7
    broken = write_json("broken.json", broken_body)
    files = [str(good), *map(str, bad.values()), str(broken)]
    code, out, err = run(capsys, "validate", "asleep-v3", "getSession", *files, "--format", "json")
    assert code == 2
    err_lines = err.splitlines()
    assert len(err_lines) == len(bad)
    expected_causes = {**{n: c for n, (_, c) in BAD_INPUTS.items()}, "big.json": "file is 50.0 MB"}
    for line, (name, path) in zip(err_lines, bad.items(), strict=True):
        assert line.startswith(f"contractgate: error: {path}: {expected_causes[name]}"), line
    results = {r["file"]: r for r in json.loads(out)["results"]}
    assert results[str(good)]["ok"] is True
    assert [v["pointer"] for v in results[str(broken)]["violations"]] == ["/result/timezone"]
    assert all("error" in results[str(p)] for p in bad.values())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "nope", "getSession", "x.json"], "unknown API 'nope'"),
        (["validate", "asleep-v3", "nope", "x.json"], "unknown operation 'nope' for API 'asleep-v3'"),
        (["validate", "asleep-v3", "getSession"], "Missing argument 'FILES...'"),
        (["validate", "asleep-v3", "getSession", "x.json", "--format", "xml"], "Invalid value for '--format'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("contractgate: error: ") and message in err


def test_the_installed_console_script_exits_with_the_documented_codes(tmp_path, write_json):
    good = write_json("good.json", clean("emogg"))
    bad_body = clean("emogg")
    bad_body["name"] = "x" * 300
    bad = write_json("bad.json", bad_body)
    missing = tmp_path / "missing.json"

    def call(*files: Path) -> subprocess.CompletedProcess[str]:
        argv = [str(SCRIPT), "validate", "emogg", "getSession", *map(str, files)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    assert call(good).returncode == 0
    result = call(bad)
    assert result.returncode == 1 and "/name:" in result.stdout
    result = call(good, missing)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"contractgate: error: {missing}: no such file\n"
    assert f"{good}: ok" in result.stdout


def test_warnings_pass_unless_strict_and_the_text_line_counts_them(capsys, write_json):
    path = write_json("doc.json", example("asleep-v3", "doc-200"))  # breaks inferred (warning) rules only
    code, out, _ = run(capsys, "validate", "asleep-v3", "getSession", str(path))
    assert code == 0
    assert out.splitlines()[0] == f"{path}: ok, 6 warnings"
    assert "[ASLEEP-V3-I116]" in out
    assert run(capsys, "validate", "asleep-v3", "getSession", "--strict", str(path))[0] == 1


def test_json_violations_of_rules_carry_id_source_and_the_documents_sentence(capsys, write_json):
    body = clean("asleep-v3")
    body["result"]["peculiarities"] = ["TOO_SHORT_FOR_ANALYSIS"]
    path = write_json("short.json", body)
    code, out, _ = run(capsys, "validate", "asleep-v3", "getSession", "--format", "json", str(path))
    assert code == 1
    [violation] = json.loads(out)["results"][0]["violations"]
    assert violation["rule"] == "ASLEEP-V3-N001" and violation["kind"] == "conditional"
    assert violation["pointer"] == "/result/stat" and violation["severity"] == "error"
    assert violation["source"] == "000_ebe58ac5aadef951.txt 2.1.1"
    assert violation["quote"].startswith("if peculiarities == IN_PROGRESS or NO_REALTIME_POLLING")
    assert violation["values"]["/result/peculiarities"] == ["TOO_SHORT_FOR_ANALYSIS"]


def test_a_violation_where_the_document_contradicts_itself_names_the_conflict(capsys, write_json):
    path = write_json("doc.json", example("upheal", "doc-200"))  # its recordingUrl is "string"
    code, out, _ = run(capsys, "validate", "upheal", "getSessionData", "--format", "json", str(path))
    assert code == 1
    [url] = [v for v in json.loads(out)["results"][0]["violations"] if v["pointer"] == "/recordingUrl"]
    assert "UPHEAL-C012" in url["conflicts"]
