"""Every bad input and every unwritable output is one line on stderr and exit 2: never a traceback, never a hang.

FIFOs, devices, nesting at and over the limits, alias and $ref bombs, sparse giant files, outputs under a file,
through a symlink or onto a device. Each test is bounded by an alarm: a regression that blocks on a FIFO fails
the test instead of hanging the suite.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from contractgate import fileio
from contractgate.cli import main
from contractgate.errors import ContractgateError
from contractgate.payload import MAX_DEPTH, MAX_IDS_BYTES
from contractgate.recorder import read_ids
from contractgate.yamlfile import MAX_ALIASES
from tests.conftest import clean
from tests.diff.conftest import NEW_TIME, interaction, write_folder

SPEC = Path(__file__).parents[2] / "specs" / "emogg" / "openapi.yaml"
ALARM_S = 60


class Hung(BaseException):
    """Not an Exception: no handler of the code under test may swallow it."""


@pytest.fixture(autouse=True)
def _bounded() -> Iterator[None]:
    def hung(_signum: int, _frame: object) -> None:
        raise Hung(f"still running after {ALARM_S} s: blocked on a FIFO?")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, ALARM_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def error_lines(err: str, count: int, *fragments: str) -> list[str]:
    lines = err.strip().splitlines()
    assert len(lines) == count and all(line.startswith("contractgate: error: ") for line in lines), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return lines


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def deep_json(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels


def with_deep(levels: int, leaf: str = "1") -> str:
    """A valid asleep-v3 body whose extra member nests the whole document ``levels`` deep."""
    body = json.dumps(clean("asleep-v3"))
    return body.replace('"result": {', '"result": {"extra": ' + deep_json(levels - 2, leaf) + ", ", 1)


# --- inputs that are not regular files ---------------------------------------------------------------------


def test_validate_refuses_a_fifo_a_folder_and_deep_json_and_still_checks_the_good_files(capsys, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    also_good = tmp_path / "also-good.json"
    also_good.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    pipe = fifo(tmp_path / "pipe.json")
    (folder := tmp_path / "folder.json").mkdir()
    deep = tmp_path / "deep.json"
    deep.write_text(deep_json(1000), encoding="utf-8")
    deeper = tmp_path / "deeper.json"
    deeper.write_text(deep_json(100_000), encoding="utf-8")
    code, out, err = run(capsys, "validate", "asleep-v3", "getSession", good, pipe, folder, deep, deeper, also_good)
    assert code == 2
    lines = error_lines(err, 4)
    assert lines[0] == f"contractgate: error: {pipe}: is a FIFO, not a regular file"
    assert lines[1] == f"contractgate: error: {folder}: is a directory, not a file"
    assert lines[2:] == [f"contractgate: error: {p}: JSON nested deeper than {MAX_DEPTH} levels"
                         for p in (deep, deeper)]
    assert out.splitlines()[:2] == [f"{good}: ok", f"{also_good}: ok"]
    assert out.splitlines()[2].startswith("rules: ")  # which rules the two good files exercised


def test_validate_refuses_a_device(capsys, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    code, out, err = run(capsys, "validate", "asleep-v3", "getSession", "/dev/zero", good)
    assert code == 2 and out.strip() == f"{good}: ok"
    error_lines(err, 1, "/dev/zero: is a character device, not a regular file")


def test_diff_mapping_and_config_refuse_fifos(capsys, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    pipe = fifo(tmp_path / "pipe.json")
    config = fifo(tmp_path / "volatile.yaml")
    for argv, fragment in (
        (("diff", good, pipe), f"{pipe}: is a FIFO"),
        (("diff", good, good, "--config", config), f"{config}: is a FIFO"),
        (("spec-diff", SPEC, config), f"{config}: is a FIFO"),
        (("mapping", "compare", "asleep-v1-to-v3", "--v1", pipe, "--v3", good), f"{pipe}: is a FIFO"),
        (("record", "--api", "emogg", "--ids", config, "--out", tmp_path / "rec"), f"{config}: is a FIFO"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        error_lines(err, 1, fragment)
    assert not (tmp_path / "rec").exists()


def test_a_recording_folder_holding_a_fifo_reports_it_and_diffs_the_rest(capsys, tmp_path):
    body = clean("asleep-v3")
    changed = copy.deepcopy(body)
    changed["result"]["session"]["state"] = "ARCHIVED"
    old = write_folder(tmp_path / "old", [interaction("s1", body)])
    new = write_folder(tmp_path / "new", [interaction("s1", changed, recorded_at=NEW_TIME)])
    pipe = fifo(new / "zz-pipe.json")
    code, out, err = run(capsys, "diff", old, new, "--format", "json")
    assert code == 2
    error_lines(err, 1, f"{pipe}: is a FIFO")
    assert {c["pointer"] for c in json.loads(out)["changes"]} == {"/result/session/state"}


# --- nesting --------------------------------------------------------------------------------------------------


def test_json_at_the_depth_limit_is_diffed_and_one_level_more_is_refused(capsys, tmp_path):
    old, new, over = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "over.json"
    old.write_text(with_deep(MAX_DEPTH, "1"), encoding="utf-8")
    new.write_text(with_deep(MAX_DEPTH, "2"), encoding="utf-8")
    over.write_text(with_deep(MAX_DEPTH + 1), encoding="utf-8")
    for fmt in ("json", "md", "html"):
        code, out, err = run(capsys, "diff", old, new, "--api", "asleep-v3", "--format", fmt)
        assert (code, err) == (0, "") and out
    code, out, err = run(capsys, "validate", "asleep-v3", "getSession", old, over, "--format", "json")
    assert code == 2
    error_lines(err, 1, f"{over}: JSON nested deeper than {MAX_DEPTH} levels")
    assert [r["ok"] for r in json.loads(out)["results"]] == [True, False]


def test_a_recording_nested_too_deep_is_one_line_and_the_others_are_observed(capsys, tmp_path):
    folder = write_folder(tmp_path / "rec", [interaction("s1", clean("asleep-v3"))])
    deep = folder / "deep.json"
    deep.write_text(deep_json(1_000), encoding="utf-8")
    code, out, err = run(capsys, "observed", folder, "--format", "json")
    assert code == 2 and out
    error_lines(err, 1, f"{deep}: JSON nested deeper than {MAX_DEPTH} levels")


# --- size ---------------------------------------------------------------------------------------------------


def test_a_sparse_1_gb_ids_file_is_refused_without_being_read(capsys, tmp_path):
    ids = tmp_path / "ids.txt"
    with ids.open("wb") as handle:
        handle.truncate(1024 * 1024 * 1024)  # sparse: nothing is written
    code, _, err = run(capsys, "record", "--api", "emogg", "--ids", ids, "--out", tmp_path / "rec")
    assert code == 2
    error_lines(err, 1, f"{ids}: file is 1024.0 MB, over the {MAX_IDS_BYTES / 1024 / 1024:.1f} MB limit (--ids)")
    with pytest.raises(ContractgateError, match="over the 10 bytes limit"):
        read_ids(ids, max_bytes=10)


def test_the_payload_size_limit_names_its_option(capsys, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    code, _, err = run(capsys, "diff", big, big, "--max-bytes", "100")
    assert code == 2
    error_lines(err, 2, "over the 100 bytes limit (--max-bytes)")


# --- YAML ---------------------------------------------------------------------------------------------------


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def ref_bomb(levels: int) -> str:
    """An OpenAPI document of a few kilobytes whose one response schema expands to 2**levels nodes."""
    schemas = {f"s{i}": {"type": "object", "properties": {"a": {"$ref": f"#/components/schemas/s{i + 1}"},
                                                           "b": {"$ref": f"#/components/schemas/s{i + 1}"}}}
               for i in range(levels)}
    schemas[f"s{levels}"] = {"type": "string"}
    response = {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/s0"}}}}
    return yaml.safe_dump({"openapi": "3.1.0", "info": {"title": "bomb", "version": "1"},
                           "paths": {"/x": {"get": {"responses": {"200": response}}}},
                           "components": {"schemas": schemas}})


@pytest.mark.parametrize(("text", "fragment"), [
    (BILLION_LAUGHS, "YAML refused: aliases expand it to more than 1,000,000 nodes"),
    ("a: &a [*a]\n", "YAML refused: an alias refers to a node that contains it (a cycle)"),
    ("a: &a 1\nb: [" + ", ".join(["*a"] * 200_000) + "]\n", f"YAML refused: more than {MAX_ALIASES} aliases"),
    ("? [1, 2]\n: x\n", "not valid YAML: a list as a mapping key (keys must be scalars)"),
    ("? {a: 1}\n: x\n", "not valid YAML: a mapping as a mapping key (keys must be scalars)"),
    ("[" * 10_000 + "]" * 10_000, f"YAML refused: nested deeper than {MAX_DEPTH} levels"),
    (ref_bomb(60), "$refs expand to more than 500,000 nodes"),
    (ref_bomb(200), f"$refs nest the document deeper than {MAX_DEPTH} levels"),
])
def test_spec_diff_refuses_bombs_and_odd_yaml_in_one_line(capsys, tmp_path, text, fragment):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "spec-diff", SPEC, bomb)
    assert (code, out) == (2, "")
    error_lines(err, 1, str(bomb), fragment)


def test_diff_config_refuses_an_alias_bomb(capsys, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    config = tmp_path / "volatile.yaml"
    config.write_text(BILLION_LAUGHS, encoding="utf-8")
    code, _, err = run(capsys, "diff", good, good, "--config", config)
    assert code == 2
    error_lines(err, 1, f"{config}:", "aliases expand it")


def test_a_yaml_file_over_the_size_limit_is_refused_naming_the_limit(capsys, tmp_path):
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(1024 * 1024 * 1024)
    code, _, err = run(capsys, "spec-diff", SPEC, huge)
    assert code == 2
    error_lines(err, 1, f"cannot read {huge}: file is 1024.0 MB, over the 4.0 MB limit (the limit for YAML files)")


def test_audit_old_spec_for_an_unknown_api_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "audit", "--old-spec", f"nope={SPEC}", "--out", tmp_path / "audit")
    assert code == 2
    error_lines(err, 1, "unknown API 'nope'")
    assert not (tmp_path / "audit").exists()


# --- outputs ------------------------------------------------------------------------------------------------


@pytest.fixture
def payload(tmp_path) -> Path:
    path = tmp_path / "body.json"
    path.write_text(json.dumps(clean("asleep-v3")), encoding="utf-8")
    return path


def test_an_output_under_a_file_is_one_line_and_exit_2_for_every_command(capsys, tmp_path, payload):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    out = blocker / "sub" / "report.md"
    folder = write_folder(tmp_path / "rec", [interaction("s1", clean("asleep-v3"))])
    for argv in (
        ("diff", payload, payload, "--out", out),
        ("spec-diff", SPEC, SPEC, "--out", out),
        ("observed", folder, "--out", out),
        ("examples", "emogg", "--out", blocker / "examples"),
        ("conflicts", "--out", out),
        ("audit-docs", "--out", out),
        ("audit", "--out", blocker / "audit", "--mock-pairs", "0"),
        ("record", "--api", "emogg", "--sample", "1", "--out", blocker / "rec"),
        ("drift", "--api", "asleep-v3", "--baseline", folder, "--report-dir", blocker / "reports"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        error_lines(err, 1, "a file in the way" if argv[0] in ("audit", "record", "drift") else "cannot write")
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder\n"


def test_a_full_disk_is_one_line_and_leaves_no_file(capsys, tmp_path, payload, monkeypatch):
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    out = tmp_path / "report.md"
    code, _, err = run(capsys, "diff", payload, payload, "--out", out)
    assert code == 2
    error_lines(err, 1, f"cannot write {out}: No space left on device")
    assert list(tmp_path.iterdir()) == [payload]


def test_out_writes_through_a_symlink_and_the_link_stays_a_link(capsys, tmp_path, payload):
    (reports := tmp_path / "reports").mkdir()
    target = reports / "latest.md"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, err = run(capsys, "diff", payload, payload, "--out", link, "--format", "md")
    assert (code, err) == (0, "")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("# Behaviour diff")
    assert sorted(p.name for p in reports.iterdir()) == ["latest.md"]


@pytest.mark.parametrize("kind", ["/dev/null", "/dev/full", "fifo", "folder"])
def test_out_refuses_a_device_a_fifo_or_a_folder_and_leaves_it_as_it_is(capsys, tmp_path, payload, kind):
    if kind == "fifo":
        out = fifo(tmp_path / "out.md")
    elif kind == "folder":
        (out := tmp_path / "out.md").mkdir()
    else:
        out = Path(kind)
    before = os.stat(out).st_mode
    code, _, err = run(capsys, "diff", payload, payload, "--out", out)
    assert code == 2
    # click itself refuses a folder for a file option
    error_lines(err, 1, *(["is a directory"] if kind == "folder" else [f"cannot write {out}: it is a",
                                                                      "not a regular file"]))
    assert os.stat(out).st_mode == before and not stat.S_ISREG(before)
