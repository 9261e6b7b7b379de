"""A gate that never looked cannot pass honestly: the ids that exercise every rule are asked for first, each
run says which rules it exercised, and --require-coverage fails a run that left documented rules unexercised."""

from __future__ import annotations

import pytest

from contractgate.cli import main
from contractgate.gate.suite import stratified
from contractgate.secrets import LOCAL_DEFAULTS
from tests.support import running_mock


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 11))
def test_broken_conditional_fails_at_five_examples_on_every_seed(tmp_path, capsys, seed):
    code = main(["run", "--profile", "broken-conditional", "--api", "asleep-v3", "--max-examples", "5",
                 "--seed", str(seed), "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "ASLEEP-V3-N001" in out


def test_the_console_says_which_rules_were_exercised(tmp_path, capsys):
    assert main(["run", "--api", "asleep-v3", "--max-examples", "5", "--seed", "3", "--report-dir", str(tmp_path)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("  rules asleep-v3:"))
    exercised, total = line.split(": ", 1)[1].split(" exercised")[0].split(" of ")
    assert exercised == total  # the mock shows every state: every rule is exercised


def test_stratified_puts_the_ids_that_cover_first():
    rules = {"a": ["R1", "R2"], "b": ["R1"], "c": ["R3"], "d": []}
    ordered, cover = stratified([(i, i) for i in "dbac"], lambda body: rules[body])
    assert ordered[:cover] == ["a", "c"] and cover == 2 and sorted(ordered) == ["a", "b", "c", "d"]


def test_require_coverage_fails_a_run_that_left_documented_rules_unexercised(tmp_path, monkeypatch, capsys):
    from contractgate.mock.ids import sample_ids
    from tests.gate.test_safety import vendor_server

    for name, value in LOCAL_DEFAULTS.items():
        monkeypatch.setenv(name, value)
    # One COMPLETE session only, from a plain ids file: nothing tells the gate which rules it exercises.
    ids = tmp_path / "ids.txt"
    with running_mock("--seed", "7") as mock, vendor_server(mock.urls["asleep-v3"]) as (url, _):
        import httpx

        complete = next(i for i in sample_ids("asleep-v3", 50, 7)
                        if httpx.get(f"{url}/data/v3/sessions/{i}", headers={
                            "x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"],
                            "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}).json()["result"]["session"]["state"]
                        == "COMPLETE")
        ids.write_text(complete + "\n")
        args = ["run", "--base-url", f"asleep-v3={url}", "--ids", f"asleep-v3={ids}", "--max-examples", "5",
                "--seed", "1", "--rate", "100", "--report-dir", str(tmp_path / "r")]
        assert main(args) == 0
        capsys.readouterr()
        assert main([*args, "--require-coverage"]) == 1
    out = capsys.readouterr().out
    assert "documented rules no answer exercised (--require-coverage)" in out and "ASLEEP-V3-N002" in out


def test_a_recording_folder_as_ids_orders_them_by_what_they_exercise(tmp_path, monkeypatch, capsys):
    from tests.gate.test_safety import vendor_server

    for name, value in LOCAL_DEFAULTS.items():
        monkeypatch.setenv(name, value)
    assert main(["record", "--api", "asleep-v3", "--sample", "60", "--seed", "7", "--out", str(tmp_path / "rec")]) == 0
    with running_mock("--seed", "7") as mock, vendor_server(mock.urls["asleep-v3"]) as (url, _):
        code = main(["run", "--base-url", f"asleep-v3={url}", "--ids", f"asleep-v3={tmp_path / 'rec'}",
                     "--max-examples", "5", "--seed", "1", "--rate", "100", "--require-coverage",
                     "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 0, out


def test_broken_conditional_fails_at_five_examples(tmp_path, capsys):
    """The quick twin of the ten-seed test (marked slow): one seed in every `make test`."""
    assert main(["run", "--profile", "broken-conditional", "--api", "asleep-v3", "--max-examples", "5", "--seed", "2",
                 "--report-dir", str(tmp_path)]) == 1
    assert "ASLEEP-V3-N001" in capsys.readouterr().out
