"""The gate inside an SDK repository's own pytest run: `pytest --contractgate ...` collects the packaged suite
beside the repository's tests, with the same settings as `contractgate run` and the same verdicts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=folder,
                          capture_output=True, text=True, timeout=600)


def test_an_sdk_repository_runs_the_contract_tests_in_its_own_pytest(tmp_path):
    (tmp_path / "test_sdk.py").write_text("def test_the_sdk_itself():\n    assert True\n")
    done = pytest_in(tmp_path, "--contractgate", "--contractgate-api", "emogg", "--contractgate-max-examples", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout  # the SDK's own test and test_emogg; the other APIs deselected
    assert "3 deselected" in done.stdout


@pytest.mark.slow
def test_a_new_failure_fails_the_sdk_run_and_a_baseline_excuses_it(tmp_path):
    args = ["--contractgate", "--contractgate-api", "asleep-v3", "--contractgate-max-examples", "10",
            "--contractgate-profile", "type-change", "--contractgate-seed", "3"]
    failed = pytest_in(tmp_path, *args)
    assert failed.returncode == 1
    assert "new contract failures" in failed.stdout and "/result/stat/sleep_efficiency" in failed.stdout
    baseline = tmp_path / "baseline.yaml"
    assert subprocess.run([sys.executable, "-m", "contractgate", "run", "--api", "asleep-v3", "--max-examples", "10",
                           "--profile", "type-change", "--seed", "3", "--baseline", str(baseline),
                           "--update-baseline", "--report-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=600).returncode == 0
    passed = pytest_in(tmp_path, *args, "--contractgate-baseline", str(baseline))
    assert passed.returncode == 0, passed.stdout


def test_without_the_flag_the_plugin_does_nothing(tmp_path):
    (tmp_path / "test_sdk.py").write_text("def test_the_sdk_itself():\n    assert True\n")
    done = pytest_in(tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout
