"""What a gate run found: plain data for the renderers (JUnit, Markdown, HTML) and the exit code."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from contractgate.baseline import Fingerprint, Triage
from contractgate.findings import Violation
from contractgate.rules.engine import Rule, RuleCoverage

CONTRACT_CHECK = "contract_rules"


@dataclass(frozen=True)
class Failure:
    """One distinct failure (one fingerprint) of one operation, with the first case that showed it."""

    check: str  # the check that failed: a Schemathesis check name or contract_rules
    rule: str  # what the fingerprint names: the rule id, or the check name for a built-in check
    title: str
    message: str
    code: str
    pointer: str = ""
    status: int | None = None
    violation: Violation | None = None
    response_excerpt: str = ""
    curl: str = ""  # credentials as $VARIABLES, never values

    def fingerprint(self, api_id: str, operation_id: str) -> Fingerprint:
        return Fingerprint.of(api_id, operation_id, self.rule, self.status, self.pointer)


@dataclass
class OperationResult:
    api_id: str
    operation_id: str
    label: str  # "GET /data/v3/sessions/{session_id}"
    target: str = ""  # where it was tested, in words
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    methods: Counter[str] = field(default_factory=Counter)  # requests sent, by method
    withheld: int = 0  # generated requests not sent: not a documented read operation of a real vendor
    failures: dict[Fingerprint, Failure] = field(default_factory=dict)
    occurrences: Counter[Fingerprint] = field(default_factory=Counter)
    warnings: dict[str, tuple[Violation, int]] = field(default_factory=dict)
    error: str | None = None  # the operation could not be tested at all
    note: str | None = None
    checks: tuple[str, ...] = ()  # which checks apply, when not every HTTP check does (a webhook)
    skipped_checks: dict[str, str] = field(default_factory=dict)  # check -> why it did not run
    check_seconds: Counter[str] = field(default_factory=Counter)  # time spent in each check (JUnit's time)
    rule_coverage: RuleCoverage = field(default_factory=RuleCoverage)
    duration_s: float = 0.0

    def fingerprints(self) -> list[Fingerprint]:
        return list(self.failures)


@dataclass
class GateResult:
    target: str
    seed: int
    max_examples: int
    profile: str | None
    checks: tuple[str, ...]
    operations: list[OperationResult]
    duration_s: float = 0.0
    replay: str = ""  # the command that runs the same cases again
    triage: Triage | None = None  # against a baseline; None: every failure is new
    unreachable: tuple[str, ...] = ()  # "cannot connect to URL: reason", one per origin
    stopped: str | None = None  # why the run stopped sending before its examples were done (--max-failures)
    require_coverage: bool = False  # documented rules that no answer exercised fail the run

    def is_new(self, fingerprint: Fingerprint) -> bool:
        return self.triage is None or self.triage.is_new(fingerprint)

    def new_failures(self, op: OperationResult) -> list[Failure]:
        return [f for fp, f in op.failures.items() if self.is_new(fp)]

    def known_failures(self, op: OperationResult) -> list[Failure]:
        return [f for fp, f in op.failures.items() if not self.is_new(fp)]

    def operation_ok(self, op: OperationResult) -> bool:
        return op.error is None and not self.new_failures(op) and not (
            self.require_coverage and op.rule_coverage.unexercised(documented=True))

    @property
    def ok(self) -> bool:
        return not self.unreachable and all(self.operation_ok(op) for op in self.operations)

    @property
    def total_cases(self) -> int:
        return sum(op.cases for op in self.operations)

    def methods(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for op in self.operations:
            total.update(op.methods)
        return total


class Recorder:
    """Collects results from the test functions, possibly from several threads."""

    def __init__(self, listener: Callable[[OperationResult], None] | None = None) -> None:
        self._lock = threading.Lock()
        self.operations: dict[tuple[str, str], OperationResult] = {}
        self.listener = listener  # told after every case: progress lines
        self.distinct = 0  # distinct failures of the whole run

    def operation(self, api_id: str, operation_id: str, label: str) -> OperationResult:
        with self._lock:
            key = (api_id, operation_id)
            if key not in self.operations:
                self.operations[key] = OperationResult(api_id, operation_id, label)
            return self.operations[key]

    def case(self, result: OperationResult, status: int | None, method: str | None = None) -> None:
        with self._lock:
            result.cases += 1
            if status is not None:
                result.statuses[status] = result.statuses.get(status, 0) + 1
            if method is not None:
                result.methods[method.upper()] += 1
        if self.listener is not None:
            self.listener(result)

    def withheld(self, result: OperationResult) -> None:
        with self._lock:
            result.withheld += 1

    def failure(self, result: OperationResult, failure: Failure) -> None:
        """The first case that shows a fingerprint is kept as its reproduction; later ones are counted."""
        fingerprint = failure.fingerprint(result.api_id, result.operation_id)
        with self._lock:
            if fingerprint not in result.failures:
                result.failures[fingerprint] = failure
                self.distinct += 1
            result.occurrences[fingerprint] += 1

    def coverage(self, result: OperationResult, rules: list[Rule], exercised: list[str]) -> None:
        with self._lock:
            result.rule_coverage.add(rules, exercised)

    def warnings(self, result: OperationResult, violations: list[Violation]) -> None:
        """Warnings are grouped per rule: the first occurrence is kept, the others counted."""
        with self._lock:
            for v in violations:
                first, count = result.warnings.get(v.rule, (v, 0))
                result.warnings[v.rule] = (first, count + 1)
