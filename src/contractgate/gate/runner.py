"""Running the gate: the pytest suite in tests/contract/, in this process or one process per API.

The suite gets its settings through the environment (gate.config); results come back through the
Recorder (failures with their reproduction) and a small pytest plugin (which items ran, passed or broke).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError
from contractgate.gate import suite
from contractgate.gate.checks import CONTRACT_CHECK
from contractgate.gate.config import ENV, GateConfig
from contractgate.gate.results import RECORDER, GateResult, OperationResult
from contractgate.gate.target import Target

Echo = Callable[[str], None]


def suite_dir() -> Path:
    """The contract suite: the copy inside a wheel, else the repository's tests/contract."""
    packaged = Path(__file__).resolve().parents[1] / "_contract"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "tests" / "contract"


def module_for(api_id: str) -> Path:
    return suite_dir() / f"test_{api_id.replace('-', '_')}.py"


def all_checks() -> tuple[str, ...]:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    return (*CHECKS.get_all_names(),) if CONTRACT_CHECK in CHECKS.get_all_names() else (
        *CHECKS.get_all_names(), CONTRACT_CHECK)


class _Progress:
    """A pytest plugin: one line per API operation when it is done, and anything that broke the suite.

    On a terminal the operation under test shows as a "running" line that its result then overwrites.
    """

    def __init__(self, echo: Echo, live: bool = False) -> None:
        self.echo = echo
        self.live = live
        self.errors: dict[str, str] = {}

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        if self.live:
            sys.stdout.write(f"\r  {nodeid.split('::', 1)[-1]:<60} running...")
            sys.stdout.flush()

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.errors[str(report.nodeid)] = _one_line(report.longreprtext)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            outcome = "ok" if report.passed else "skipped" if report.skipped else "FAILED"
            if self.live:
                sys.stdout.write("\r\033[K")  # clear the "running" line
            self.echo(f"  {report.nodeid.split('::', 1)[-1]:<60} {outcome}  ({report.duration:.1f} s)")
            if report.failed and "FailureGroup" not in report.longreprtext and "AssertionError" not in \
                    report.longreprtext:
                self.errors[str(report.nodeid)] = _one_line(report.longreprtext)


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "error"


def _run_in_process(cfg: GateConfig, api_ids: list[str], echo: Echo, live: bool = False) -> list[OperationResult]:
    os.environ[ENV] = cfg.to_env()
    for cached in (suite.config, suite._session, suite._masker):
        cached.cache_clear()
    RECORDER.operations.clear()
    # A second run in the same process (tests, --workers 1) must rebuild the schemas for its own settings.
    for name in [n for n in sys.modules if n.startswith("test_") or n.startswith("tests.contract")]:
        del sys.modules[name]
    progress = _Progress(echo, live=live)
    # pytest's terminal report is replaced by ours; plain asserts spare the assertion-rewriting cost.
    args = [str(module_for(a)) for a in api_ids] + [
        "-p", "no:terminal", "-p", "no:cacheprovider", "--assert=plain", "--import-mode=importlib",
        "-o", "addopts=", "--rootdir", str(suite_dir()), "-W", "ignore::DeprecationWarning",
    ]
    pytest.main(args, plugins=[progress])
    results = list(RECORDER.operations.values())
    catalog = load_catalog()
    for nodeid, error in progress.errors.items():
        api_id = next((a for a in api_ids if module_for(a).name in nodeid), api_ids[0])
        op_id = next(iter(catalog.api(api_id).operations))
        existing = next((r for r in results if r.api_id == api_id), None)
        if existing is None:
            existing = OperationResult(api_id, op_id, op_id)
            results.append(existing)
        existing.error = error
    return results


def _worker(cfg: GateConfig, api_ids: list[str]) -> tuple[list[OperationResult], list[str]]:
    lines: list[str] = []
    return _run_in_process(cfg, api_ids, lines.append), lines


def run_gate(cfg: GateConfig, api_ids: list[str], workers: int = 1, echo: Echo = print,
             live: bool = False) -> GateResult:
    """Run the suite for ``api_ids``; ``live`` shows the operation under test on a terminal."""
    target = Target.parse(cfg.target)
    catalog = load_catalog()
    for api_id in api_ids:  # every credential before any request is sent
        api = catalog.api(api_id)
        if api.kind == "rest":
            target.credentials(api)
        if not module_for(api_id).is_file():
            raise ContractgateError(f"no contract suite for {api_id} at {module_for(api_id)}")
    started = time.monotonic()
    operations: list[OperationResult] = []
    if workers > 1 and len(api_ids) > 1:
        # One process per API (round-robin): the APIs share nothing, and each process has its own Recorder.
        groups = [api_ids[i::workers] for i in range(min(workers, len(api_ids)))]
        with ProcessPoolExecutor(len(groups), mp_context=get_context("spawn")) as pool:
            for found, lines in pool.map(_worker, [cfg] * len(groups), groups):
                operations += found
                for line in lines:
                    echo(line)
    else:
        operations = _run_in_process(cfg, api_ids, echo, live)
    order = {a: i for i, a in enumerate(api_ids)}
    operations.sort(key=lambda op: (order.get(op.api_id, 99), op.operation_id))
    return GateResult(target=cfg.target, seed=cfg.seed, max_examples=cfg.max_examples,
                      profile=cfg.profile if target.local else None, checks=all_checks(),
                      operations=operations, duration_s=time.monotonic() - started)
