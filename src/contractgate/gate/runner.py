"""Running the gate: the packaged pytest suite (gate/contract_tests.py) through the contractgate plugin, in
this process or one process per API.

Settings go in as a GateSuite handed to the plugin; results come back from the same object. Nothing is
set in the environment and nothing global is touched, so two runs in one process are independent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from typing import Any

import pytest

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError
from contractgate.gate.config import GateConfig
from contractgate.gate.plugin import CONTRACT_TESTS, start
from contractgate.gate.results import GateResult, OperationResult
from contractgate.gate.suite import GateSuite, selected_apis
from contractgate.wording import plural

Echo = Callable[[str], None]


HEARTBEAT_S = 5.0  # without a terminal, a progress line this often, so that a CI log never goes silent


class _Run:
    """A pytest plugin: hands the suite to the contractgate plugin, shows progress, one line per API, errors.

    On a terminal the API under test shows as a running line (cases done, failures so far) that its result
    then overwrites; without one, a heartbeat line every few seconds.
    """

    def __init__(self, suite: GateSuite, echo: Echo, live: bool = False) -> None:
        self.suite = suite
        self.echo = echo
        self.live = live
        self.errors: dict[str, str] = {}
        self._last_beat = time.monotonic()
        suite.recorder.listener = self.progress

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        start(config, self.suite)

    def progress(self, op: OperationResult) -> None:
        line = f"  {op.api_id}: {plural(op.cases, 'case')}, {plural(len(op.failures), 'failure')} so far"
        if self.live:
            sys.stdout.write(f"\r\033[K{line}")
            sys.stdout.flush()
        elif time.monotonic() - self._last_beat >= HEARTBEAT_S:
            self._last_beat = time.monotonic()
            self.echo(line)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.errors[str(report.nodeid)] = _one_line(report.longreprtext)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if getattr(report, "_schemathesis_subtest", False):
            return  # the per-operation report; the API's own report follows
        if report.when == "call" or (report.when == "setup" and not report.passed):
            outcome = "ok" if report.passed else "skipped" if report.skipped else "FAILED"
            if self.live:
                sys.stdout.write("\r\033[K")  # clear the progress line
            name = report.nodeid.split("::", 1)[-1]
            self.suite.durations[name] = report.duration
            self.echo(f"  {name:<60} {outcome}  ({report.duration:.1f} s)")
            if report.failed and "new contract failures" not in report.longreprtext:
                self.errors[str(report.nodeid)] = _one_line(report.longreprtext)


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "error"


def _run_in_process(suite: GateSuite, echo: Echo, live: bool = False) -> GateResult:
    """Run the suite (prepared: target identified, credentials read) in this process."""
    run = _Run(suite, echo, live=live)
    # pytest's terminal report is replaced by ours; plain asserts spare the assertion-rewriting cost.
    # --capture=no: the progress lines are written while a test runs, and must reach the console then.
    args = [str(CONTRACT_TESTS), "-p", "contractgate.gate.plugin", "-p", "no:terminal", "-p", "no:cacheprovider",
            "--capture=no",
            "--assert=plain", "--import-mode=importlib", "-o", "addopts=", "-o", "python_functions=test_*", "--rootdir",
            str(CONTRACT_TESTS.parent), "-W", "ignore::DeprecationWarning"]
    started = time.monotonic()
    try:
        code = pytest.main(args, plugins=[run])
        result = suite.result(time.monotonic() - started)
    finally:
        suite.close()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        # A suite that did not run must never read as a pass.
        detail = "; ".join(run.errors.values()) or f"pytest exit code {int(code)}"
        raise ContractgateError(f"the contract suite could not run: {detail}")
    catalog = load_catalog()
    for nodeid, error in run.errors.items():
        api_id = next((a for a in suite.api_ids if f"test_{a.replace('-', '_')}" in nodeid), suite.api_ids[0])
        existing = next((r for r in result.operations if r.api_id == api_id), None)
        if existing is None:
            op_id = next(iter(catalog.api(api_id).operations))
            existing = OperationResult(api_id, op_id, op_id)
            result.operations.append(existing)
        existing.error = existing.error or error
    return result


def _worker(cfg: GateConfig) -> tuple[GateResult, list[str]]:
    lines: list[str] = []
    return _run_in_process(GateSuite(cfg).prepare(), lines.append), lines


def run_gate(cfg: GateConfig, api_ids: list[str] | None = None, workers: int = 1, echo: Echo = print,
             live: bool = False) -> GateResult:
    """Run the suite for ``api_ids`` (default: the configuration's); ``live`` shows progress on a terminal.

    Every setting is checked, the target identified and every credential read before any test request.
    """
    if api_ids is not None:
        cfg = replace(cfg, apis=tuple(api_ids))
    suite = GateSuite(cfg).prepare()  # configuration errors (exit 2) before anything runs
    chosen = selected_apis(cfg, load_catalog())
    if workers <= 1 or len(chosen) <= 1:
        return _run_in_process(suite, echo, live)
    suite.close()  # each worker process prepares its own
    # One process per group of APIs (round-robin): the APIs share nothing, and each process has its own suite.
    started = time.monotonic()
    groups = [chosen[i::workers] for i in range(min(workers, len(chosen)))]
    configs = [replace(cfg, apis=tuple(g), base_urls={a: u for a, u in cfg.base_urls.items() if a in g})
               for g in groups]
    results: list[GateResult] = []
    with ProcessPoolExecutor(len(groups), mp_context=get_context("spawn")) as pool:
        for found, lines in pool.map(_worker, configs):
            results.append(found)
            for line in lines:
                echo(line)
    order = {a: i for i, a in enumerate(chosen)}
    operations = sorted((op for r in results for op in r.operations),
                        key=lambda op: (order.get(op.api_id, 99), op.operation_id))
    first = results[0]
    triage = None
    if cfg.baseline:
        from contractgate.baseline import Baseline, load_baseline

        baseline = load_baseline(cfg.baseline) if cfg.baseline.is_file() else Baseline()
        triage = baseline.triage(fp for op in operations for fp in op.failures)
    return replace(first, operations=operations, duration_s=time.monotonic() - started, triage=triage,
                   unreachable=tuple(dict.fromkeys(u for r in results for u in r.unreachable)))
