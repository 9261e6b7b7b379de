"""Installable: the built wheel, in a fresh virtual environment, runs the gate and the other commands from
any folder (the specs and the contract suite ship inside the package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_works_from_any_folder(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, timeout=600, capture_output=True)
    [wheel] = dist.glob("contractgate-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # As the README says: pip install of the wheel (its dependencies from the package index or pip's cache).
    subprocess.run([venv / "bin" / "pip", "install", "-q", str(wheel)], check=True, timeout=900, capture_output=True)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CONTRACTGATE_SPECS", "VIRTUAL_ENV")}
    cli = str(venv / "bin" / "contractgate")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)

    gate = run("run", "--api", "emogg", "--max-examples", "5")
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert (elsewhere / "reports" / "summary.md").is_file()
    assert "src/contractgate" not in gate.stdout + gate.stderr  # nothing comes from the repository
    examples = run("examples", "--out", "examples")
    assert examples.returncode == 0, examples.stderr
    payload = elsewhere / "examples" / "emogg.getSession.200.doc-200.json"
    assert run("validate", "emogg", "getSession", str(payload)).returncode == 0
    assert run("mock", "--list-profiles").returncode == 0
    assert run("record", "--api", "emogg", "--sample", "3", "--out", "base").returncode == 0
    drift = run("drift", "--api", "emogg", "--baseline", "base")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    # The plugin is registered by entry point: an SDK's own pytest run can use it.
    sdk = subprocess.run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--contractgate",
                          "--contractgate-api", "emogg", "--contractgate-max-examples", "5"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert sdk.returncode == 0, sdk.stdout + sdk.stderr
