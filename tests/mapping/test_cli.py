"""``contractgate mapping check|compare`` through main() and, once each, through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contractgate.cli import main
from tests.mapping.conftest import edit, session_complete, v3_twin

SCRIPT = Path(sys.executable).with_name("contractgate")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pair(write_json):
    def make(v1=None, v3=None) -> tuple[str, str]:
        return (str(write_json("v1.json", v1 if v1 is not None else session_complete())),
                str(write_json("v3.json", v3 if v3 is not None else v3_twin(session_complete(), "Asia/Seoul"))))

    return make


def test_check_passes_on_todays_specs(capsys):
    code, out, err = run(capsys, "mapping", "check", "asleep-v1-to-v3")
    assert (code, err) == (0, "")
    assert out.startswith("asleep-v1-to-v3: ok (35 mapped, 4 v1-only, 22 v3-only; all 38 fields")


def test_check_json(capsys):
    code, out, _ = run(capsys, "mapping", "check", "asleep-v1-to-v3", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"mapping": "asleep-v1-to-v3", "ok": True, "findings": []}


def test_compare_a_true_pair_is_exit_0(capsys, pair):
    v1, v3 = pair()
    code, out, err = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3)
    assert (code, out.strip(), err) == (0, "asleep-v1-to-v3 (SESSION_COMPLETE): no drift in 33 mapped fields", "")
    code, out, _ = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3, "--format", "json")
    assert (code, json.loads(out)) == (0, {"ok": True, "drifts": []})


def test_compare_drift_is_exit_1_with_the_documented_json(capsys, pair):
    body = v3_twin(session_complete(), "Asia/Seoul")
    body["result"]["stat"]["breathing_pattern"] = "STABLE_BREATH"
    del body["result"]["stat"]["time_in_sleep"]
    v1, v3 = pair(v3=body)
    code, out, err = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3, "--format", "json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {"ok": False, "drifts": [
        {"v1_pointer": "/callback_data/sleep_data/time_in_sleep", "v3_pointer": "/result/stat/time_in_sleep",
         "kind": "missing", "v1_value": 1350},
        {"v1_pointer": "/callback_data/sleep_data/breathing_pattern", "v3_pointer": "/result/stat/breathing_pattern",
         "kind": "value_mismatch", "v1_value": "STABLE", "v3_value": "STABLE_BREATH"},
    ]}
    code, out, _ = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3)
    assert code == 1
    assert out.splitlines() == [
        "asleep-v1-to-v3 (SESSION_COMPLETE): 2 drifts in 33 mapped fields",
        "  missing        /callback_data/sleep_data/time_in_sleep -> /result/stat/time_in_sleep: v1 1350, v3 (absent)",
        "  value_mismatch /callback_data/sleep_data/breathing_pattern -> /result/stat/breathing_pattern: "
        'v1 "STABLE", v3 "STABLE_BREATH" (inferred mapping)',
    ]


def test_each_unreadable_file_is_one_line_and_exit_2(capsys, tmp_path, pair):
    good, _ = pair()
    folder = tmp_path / "folder"
    folder.mkdir()
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", str(empty), "--v3", str(folder))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"contractgate: error: {empty}: empty file",
                                f"contractgate: error: {folder}: is a directory, not a file"]
    code, _, err = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", good, "--v3", str(tmp_path / "no.json"))
    assert (code, err) == (2, f"contractgate: error: {tmp_path / 'no.json'}: no such file\n")


def test_a_file_over_max_bytes_is_refused(capsys, pair):
    v1, v3 = pair()
    code, _, err = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3, "--max-bytes", "100")
    assert code == 2 and err.startswith(f"contractgate: error: {v1}: file is ") and "over the 100 bytes limit" in err


def test_a_payload_that_is_not_a_callback_is_exit_2_naming_the_file(capsys, pair):
    v1, v3 = pair(v1={"detail": "OK", "result": {}})
    code, out, err = run(capsys, "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3)
    assert (code, out) == (2, "")
    assert err == (f"contractgate: error: {v1}: /callback_event is missing, expected one of INFERENCE_COMPLETE, "
                   "SESSION_COMPLETE\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mapping", "check", "nope"], "unknown mapping 'nope' (known: asleep-v1-to-v3)"),
        (["mapping", "compare", "nope", "--v1", "a", "--v3", "b"], "unknown mapping 'nope' (known: asleep-v1-to-v3)"),
        (["mapping", "compare", "asleep-v1-to-v3", "--v1", "a"], "Missing option '--v3'"),
        (["mapping", "check", "asleep-v1-to-v3", "--format", "xml"], "Invalid value for '--format'"),
        (["mapping", "frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("contractgate: error: ") and message in err


def test_the_console_script_checks_an_edited_spec_copy_and_compares_files(specs_copy, pair):
    edit(specs_copy / "asleep-v3/openapi.yaml", "        start_time:\n", "        started_at:\n")
    env = {**os.environ, "CONTRACTGATE_SPECS": str(specs_copy)}
    done = subprocess.run([str(SCRIPT), "mapping", "check", "asleep-v1-to-v3"], capture_output=True, text=True,
                          env=env, check=False, timeout=60)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [
        ["error", "mapping-pointer-missing"], ["error", "mapping-field-unlisted"]]
    assert lines[-1] == "asleep-v1-to-v3: 2 errors, 0 warnings"

    body = v3_twin(session_complete(), "America/New_York")
    body["result"]["session"]["end_time"] = None
    v1, v3 = pair(v3=body)
    done = subprocess.run([str(SCRIPT), "mapping", "compare", "asleep-v1-to-v3", "--v1", v1, "--v3", v3, "--format",
                           "json"], capture_output=True, text=True, check=False, timeout=60)
    assert (done.returncode, done.stderr) == (1, "")
    assert [d["kind"] for d in json.loads(done.stdout)["drifts"]] == ["null_mismatch"]
