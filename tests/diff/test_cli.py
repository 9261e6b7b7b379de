"""``contractgate diff`` and ``spec-diff`` through main() and, once, the installed console script."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from contractgate.cli import main
from tests.conftest import clean
from tests.diff.conftest import NEW_TIME, interaction, write_folder

SCRIPT = Path(sys.executable).with_name("contractgate")
SPEC = Path(__file__).parents[2] / "specs" / "asleep-v3" / "openapi.yaml"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("contractgate: error: "), err
    assert all(f in lines[0] for f in fragments), err


@pytest.fixture
def payloads(write_json):
    old = clean("asleep-v3")
    harmless, breaking = copy.deepcopy(old), copy.deepcopy(old)
    harmless["result"]["stat"]["sleep_index"] += 1
    breaking["result"]["stat"]["breathing_index"] = None
    return write_json("old.json", old), write_json("harmless.json", harmless), write_json("breaking.json", breaking)


def test_payload_files_exit_0_without_breaking_change_and_1_with_one(capsys, payloads):
    old, harmless, breaking = payloads
    code, out, err = run(capsys, "diff", old, harmless)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "non-breaking         /result/stat/sleep_index: value changed in 1 interaction, e.g. 82 -> 83 (value-changed)",
        "1 change: 0 breaking, 0 potentially-breaking, 1 non-breaking"]
    code, out, _ = run(capsys, "diff", old, breaking, "--format", "json")
    assert code == 1
    [change] = json.loads(out)["changes"]
    assert {k: change[k] for k in ("pointer", "change", "class", "count")} == {
        "pointer": "/result/stat/breathing_index", "change": "null-appeared", "class": "breaking", "count": 1}


def test_api_option_brings_the_spec_enums_and_the_volatile_fields(capsys, write_json):
    old = clean("upheal")
    new = copy.deepcopy(old)
    new["recordingUrl"] = "https://files.upheal.example/r?sig=new"
    new["state"] = "Archived"
    a, b = write_json("a.json", old), write_json("b.json", new)
    code, out, _ = run(capsys, "diff", a, b, "--api", "upheal", "--format", "json")
    assert code == 1
    assert {(c["change"], c["pointer"]) for c in json.loads(out)["changes"]} == {("enum-value-added", "/state")}
    # --ignore hides value changes only: the new enum value is still news.
    code, out, _ = run(capsys, "diff", a, b, "--format", "json", "--api", "upheal", "--ignore", "/state")
    assert (code, {c["change"] for c in json.loads(out)["changes"]}) == (1, {"enum-value-added"})


def test_without_api_the_payloads_api_is_inferred_when_one_schema_fits(capsys, write_json):
    old = clean("upheal")
    new = copy.deepcopy(old)
    new["recordingUrl"] = "https://files.upheal.example/r?sig=new"
    new["state"] = "Archived"  # NEW no longer fits the schema; OLD does, and names the API
    code, out, err = run(capsys, "diff", write_json("a.json", old), write_json("b.json", new), "--format", "json")
    assert (code, err) == (1, "")
    assert {(c["change"], c["pointer"]) for c in json.loads(out)["changes"]} == {("enum-value-added", "/state")}


def test_without_api_and_no_fitting_schema_stderr_says_enum_checks_were_skipped(capsys, write_json):
    a, b = write_json("a.json", {"state": "on"}), write_json("b.json", {"state": "off"})
    code, out, err = run(capsys, "diff", a, b)
    assert code == 0 and out.startswith("non-breaking         /state: value changed")
    assert err.splitlines() == [
        "contractgate: note: enum checks skipped: the payloads fit no single API's 200 schema; "
        "name it with --api API (and --operation, --status)"]
    code, _, err = run(capsys, "diff", a, b, "--api", "emogg")
    assert err == ""


def test_config_replaces_the_packaged_volatile_fields(capsys, write_json, tmp_path):
    old = clean("upheal")
    new = {**old, "recordingUrl": "https://files.upheal.example/r?sig=new"}
    a, b = write_json("a.json", old), write_json("b.json", new)
    assert json.loads(run(capsys, "diff", a, b, "--api", "upheal", "--format", "json")[1]) == {"changes": []}
    config = tmp_path / "volatile.yaml"
    config.write_text("emogg:\n  - {pointer: /meta/expires, reason: moves}\n")
    code, out, _ = run(capsys, "diff", a, b, "--api", "upheal", "--config", config, "--format", "json")
    assert (code, [c["pointer"] for c in json.loads(out)["changes"]]) == (0, ["/recordingUrl"])


@pytest.fixture
def folders(tmp_path):
    body = clean("asleep-v3")
    changed = copy.deepcopy(body)
    changed["result"]["session"]["state"] = "ARCHIVED"
    old = write_folder(tmp_path / "old", [interaction("s1", body), interaction("s2", body)])
    new = write_folder(tmp_path / "new", [interaction("s1", changed, recorded_at=NEW_TIME),
                                          interaction("s2", body, recorded_at=NEW_TIME)])
    return old, new


def test_recording_folders_and_the_report_formats(capsys, folders, tmp_path):
    old, new = folders
    code, out, err = run(capsys, "diff", old, new)
    assert (code, err) == (1, "")
    assert "enum-value-added; asleep-v3/getSession response 200" in out
    for fmt, marker in (("md", "| breaking | `enum-value-added` |"), ("html", "<table>"), ("json", '"changes"')):
        target = tmp_path / f"report.{fmt}"
        code, out, _ = run(capsys, "diff", old, new, "--format", fmt, "--out", target)
        assert (code, out) == (1, "")
        assert marker in target.read_text()


def test_an_unreadable_recording_is_one_line_and_the_rest_is_still_diffed(capsys, folders):
    old, new = folders
    (new / "broken.json").write_text("{oops")
    code, out, err = run(capsys, "diff", old, new, "--format", "json")
    assert code == 2
    one_error_line(err, "broken.json: not JSON")
    assert {c["change"] for c in json.loads(out)["changes"]} == {"enum-value-added"}


def test_bad_input_is_one_line_and_exit_2(capsys, payloads, folders, tmp_path):
    old, harmless, _ = payloads
    text = tmp_path / "text.json"
    text.write_text("hello")
    cases = [
        (("diff", old, tmp_path / "nope.json"), ("nope.json: no such file or folder",)),
        (("diff", old, text), ("text.json: not JSON",)),
        (("diff", folders[0], old), ("is a folder but", "old.json is not")),
        (("diff", old, harmless, "--format", "xml"), ("'xml' is not one of",)),
        (("diff", *folders, "--api", "asleep-v3"), ("--api and --operation apply to payload files",)),
        (("diff", old, harmless, "--api", "acme"), ("unknown API 'acme'",)),
        (("diff", old, harmless, "--ignore", "no-slash"), ("not a JSON Pointer",)),
        (("diff", old, harmless, "--config", tmp_path / "none.yaml"), ("cannot read",)),
    ]
    for argv, fragments in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        one_error_line(err, *fragments)
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("acme:\n  - {pointer: /x, reason: y}\n")
    code, _, err = run(capsys, "diff", old, harmless, "--config", bad_config)
    assert code == 2
    one_error_line(err, "acme: unknown API")


def _spec_copy(tmp_path: Path, name: str, edit=None) -> Path:
    doc = yaml.safe_load(SPEC.read_text())
    if edit:
        edit(doc)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc))
    return path


def test_spec_diff_exit_codes_and_formats(capsys, tmp_path):
    old = _spec_copy(tmp_path, "old.yaml")
    same = _spec_copy(tmp_path, "same.yaml")
    added = _spec_copy(tmp_path, "added.yaml", lambda d: d["components"]["schemas"]["Session"]["properties"].update(
        hr={"type": "integer"}))
    removed = _spec_copy(tmp_path, "removed.yaml", lambda d: d["paths"].clear())
    assert run(capsys, "spec-diff", old, same)[:2] == (0, "no changes\n")
    code, out, _ = run(capsys, "spec-diff", old, added, "--format", "md")
    assert code == 0
    assert "| non-breaking | `response-property-added` | GET /data/v3/sessions/{session_id} response 200 |" in out
    code, out, _ = run(capsys, "spec-diff", old, removed, "--format", "json")
    assert code == 1
    assert [c["change"] for c in json.loads(out)["changes"]] == ["operation-removed"]
    not_openapi = tmp_path / "other.yaml"
    not_openapi.write_text("just: data\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [\n")
    for argv, fragment in (((old, tmp_path / "nope.yaml"), "cannot read"), ((old, not_openapi), "not an OpenAPI"),
                           ((old, broken), "not valid YAML")):
        code, out, err = run(capsys, "spec-diff", *argv)
        assert (code, out) == (2, "")
        one_error_line(err, fragment)


def test_the_installed_command_exits_1_on_a_breaking_change(payloads):
    old, _, breaking = payloads
    done = subprocess.run([SCRIPT, "diff", old, breaking, "--format", "json"], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stderr) == (1, "")
    assert json.loads(done.stdout)["changes"][0]["change"] == "null-appeared"
