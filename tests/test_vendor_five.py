"""A fifth vendor from data and one module: the test-only "echo sessions" API of tests/fixtures/echo.

Nothing outside that folder knows it. A specs folder holding the real specs plus the echo vendor is built in
tmp_path and handed to the commands with CONTRACTGATE_SPECS; catalog, lint, validate, the mock, the gate,
record and diff must all take it as they take the four real APIs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from contractgate.catalog import SPECS_ENV, load_catalog, specs_dir
from contractgate.mock.registry import rest_mock
from tests.rules.test_cases import check_case, check_coverage, load_cases
from tests.support import running_mock

ECHO = Path(__file__).parent / "fixtures" / "echo"
KEY = "echo-test-key"
ENV = {"ECHO_API_KEY": KEY}


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real specs (linked, never copied: they change under other tests' feet) plus the echo vendor."""
    root = tmp_path_factory.mktemp("specs")
    for entry in specs_dir().iterdir():
        if entry.name != "catalog.yaml":
            (root / entry.name).symlink_to(entry.resolve())
    (root / "echo").symlink_to((ECHO / "specs" / "echo").resolve())
    catalog = yaml.safe_load((specs_dir() / "catalog.yaml").read_text())
    catalog["apis"].update(yaml.safe_load((ECHO / "catalog.yaml").read_text())["apis"])
    (root / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    return root


def cg(specs: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "contractgate", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, SPECS_ENV: str(specs), **ENV})


def test_the_catalog_and_the_registry_know_it(specs):
    catalog = load_catalog(specs)
    assert list(catalog.apis)[-1] == "echo" and catalog.api("echo").operations["getEcho"].path == "/v1/echo/{sessionId}"
    mock = rest_mock("echo", catalog)
    assert mock.api_id == "echo" and mock.headers == ("x-echo-key",)


def test_its_rules_have_cases_that_hold_in_both_sections(specs):
    from contractgate.rules.engine import load_rulebook

    book = load_rulebook(load_catalog(specs).api("echo"))
    assert book is not None
    assert [(s.operation_id, s.status, [r.id for r in s.rules]) for s in book.sections] == [
        ("getEcho", "200", ["ECHO-N001", "ECHO-N002"]), ("getEcho", "404", ["ECHO-E001"])]
    rules = {r.id: r for r in book.rules}
    cases = load_cases(ECHO / "cases.yaml")
    check_coverage(rules, cases)
    for rule_id, entry in cases.items():
        for kind in ("pass", "break"):
            for case in entry[kind]:
                check_case(rules, rule_id, kind, case, specs)


def test_lint_and_validate_take_it(specs, tmp_path):
    linted = cg(specs, "lint")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "echo/openapi.yaml" in linted.stdout
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"id": "0badcafe", "state": "open", "words": 1, "closed_at": None}))
    bad.write_text(json.dumps({"id": "0badcafe", "state": "open", "words": 1,
                               "closed_at": "2024-03-01T10:00:00+00:00"}))
    assert cg(specs, "validate", "echo", "getEcho", str(good)).returncode == 0
    broken = cg(specs, "validate", "echo", "getEcho", "--format", "json", str(bad))
    assert broken.returncode == 1
    [violation] = json.loads(broken.stdout)["results"][0]["violations"]
    assert (violation["rule"], violation["pointer"]) == ("ECHO-N001", "/closed_at")
    rules = cg(specs, "rules", "echo", "--format", "json")
    assert rules.returncode == 0 and "ECHO-E001" in rules.stdout


def test_validate_applies_the_rules_of_an_error_body(specs, tmp_path):
    body = tmp_path / "err.json"
    body.write_text(json.dumps({"code": 400, "message": "not found"}))
    assert cg(specs, "validate", "echo", "getEcho", "--status", "404", str(body)).returncode == 1


def test_the_mock_serves_it_under_its_prefix(specs):
    with running_mock(env={SPECS_ENV: str(specs), **ENV}) as mock:
        assert mock.urls["echo"].endswith("/echo")
        answer = httpx.get(f"{mock.urls['echo']}/v1/echo/0badcafe", headers={"x-echo-key": KEY}, timeout=10)
        assert answer.status_code == 200 and answer.json()["id"] == "0badcafe"
        assert httpx.get(f"{mock.urls['echo']}/v1/echo/0badcafe", timeout=10).status_code == 401
        assert httpx.get(f"{mock.urls['echo']}/v1/echo/00000404", headers={"x-echo-key": KEY},
                         timeout=10).json() == {"code": 404, "message": "not found"}
        # The four real APIs are served as before beside it.
        assert {"asleep-v3", "upheal", "emogg"} <= set(mock.urls)


def test_the_gate_record_and_diff_take_it(specs, tmp_path):
    gate = cg(specs, "run", "--api", "echo", "--max-examples", "10", "--report-dir", str(tmp_path / "reports"))
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "echo" in (tmp_path / "reports" / "summary.md").read_text()
    with running_mock(env={SPECS_ENV: str(specs), **ENV}) as mock:
        origin = mock.origin
        for folder, seed in (("old", "0"), ("new", "0")):
            done = cg(specs, "record", "--api", "echo", "--sample", "5", "--seed", seed, "--target", origin,
                      "--out", str(tmp_path / folder))
            assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "old").glob("*.json"))) == 5
    diffed = cg(specs, "diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert diffed.returncode == 0, diffed.stdout + diffed.stderr
