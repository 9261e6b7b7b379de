"""The config file: contractgate.toml or [tool.contractgate] replaces the flags; flags win; bad keys are exit 2."""

from __future__ import annotations

import pytest

from contractgate.cli import main


def test_contractgate_toml_replaces_the_flags(tmp_path, monkeypatch, capsys):
    (tmp_path / "ids.txt").write_text("20240310220000_ab12c\n")
    (tmp_path / "contractgate.toml").write_text(
        'api = ["emogg"]\nseed = 11\nmax-examples = 5\nreport-dir = "out"\nexclude-checks = ["ignored_auth"]\n'
        'rate = 2.5\nstrict = false\n[ids]\nemogg = "ids.txt"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "seed 11" in out and "up to 5 examples" in out and "settings from" in out
    assert (tmp_path / "out" / "summary.md").is_file()  # relative to the file's folder
    assert "| emogg |" in (tmp_path / "out" / "summary.md").read_text()


def test_a_flag_wins_over_the_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "contractgate.toml").write_text('api = ["emogg"]\nseed = 11\nmax-examples = 5\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--seed", "12", "--report-dir", str(tmp_path / "r")]) == 0
    assert "seed 12" in capsys.readouterr().out


def test_pyproject_tool_table_and_an_explicit_config(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sdk"\n[tool.contractgate]\napi = ["emogg"]\n'
                                             "seed = 21\nmax-examples = 5\n")
    other = tmp_path / "ci.toml"
    other.write_text('api = ["emogg"]\nseed = 22\nmax-examples = 5\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--report-dir", str(tmp_path / "r")]) == 0
    assert "seed 21" in capsys.readouterr().out
    assert main(["run", "--config", str(other), "--report-dir", str(tmp_path / "r")]) == 0
    assert "seed 22" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "message"), [
    ('tagret = "live"\n', "unknown key 'tagret'"),
    ("max-examples = \"many\"\n", "max-examples must be an integer"),
    ("[base-url]\nasleep-v3 = 3\n", "base-url must be a table API = URL"),
    ("seed = \n", "not valid TOML"),
])
def test_a_bad_config_is_one_line_naming_key_and_file(tmp_path, monkeypatch, capsys, content, message):
    (tmp_path / "contractgate.toml").write_text(content)
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "contractgate.toml" in err[0], err


def test_an_explicit_config_that_is_missing_is_exit_2(tmp_path, capsys):
    assert main(["run", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_inputs_and_outputs_of_run_are_one_line_and_exit_2(tmp_path, capsys):
    import os

    fifo = tmp_path / "ids.fifo"
    os.mkfifo(fifo)
    sparse = tmp_path / "huge.txt"
    with sparse.open("wb") as handle:
        handle.truncate(1024 ** 3)  # 1 GB of nothing: refused by its size, never read
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for args, cause in (
        (["--ids", f"emogg={fifo}"], "not a regular file"),
        (["--ids", f"emogg={sparse}"], "limit"),
        (["--report-dir", str(blocker / "reports")], "cannot"),
    ):
        assert main(["run", "--api", "emogg", "--max-examples", "2", *args]) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and cause in err[0] and "Traceback" not in err[0], err
