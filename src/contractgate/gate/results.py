"""What a gate run found: plain data for the renderers (JUnit, Markdown, HTML) and the exit code."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from contractgate.findings import Violation

CONTRACT_CHECK = "contract_rules"


@dataclass(frozen=True)
class Failure:
    """One distinct failure of one check on one operation, with what is needed to reproduce it."""

    check: str
    title: str
    message: str
    code: str
    violations: tuple[Violation, ...] = ()
    status: int | None = None
    response_excerpt: str = ""
    curl: str = ""  # secrets already masked

    @property
    def key(self) -> str:
        """Identity across the many runs of one failing example while Hypothesis shrinks it."""
        return "|".join([self.check, self.title, *sorted({v.rule for v in self.violations})])


@dataclass
class OperationResult:
    api_id: str
    operation_id: str
    label: str  # "GET /data/v3/sessions/{session_id}"
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    warnings: dict[tuple[str, str], tuple[Violation, int]] = field(default_factory=dict)
    error: str | None = None  # the operation could not be tested at all
    note: str | None = None
    checks: tuple[str, ...] = ()  # which checks apply, when not every HTTP check does (a webhook)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failures


@dataclass
class GateResult:
    target: str
    seed: int
    max_examples: int
    profile: str | None
    checks: tuple[str, ...]
    operations: list[OperationResult]
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(op.ok for op in self.operations)

    @property
    def total_cases(self) -> int:
        return sum(op.cases for op in self.operations)


class Recorder:
    """Collects results from the test functions and the contract check, possibly from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.operations: dict[tuple[str, str], OperationResult] = {}

    def operation(self, api_id: str, operation_id: str, label: str) -> OperationResult:
        with self._lock:
            key = (api_id, operation_id)
            if key not in self.operations:
                self.operations[key] = OperationResult(api_id, operation_id, label)
            return self.operations[key]

    def case(self, result: OperationResult, status: int) -> None:
        with self._lock:
            result.cases += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1

    def failure(self, result: OperationResult, failure: Failure) -> None:
        with self._lock:
            result.failures[failure.key] = failure  # the last run of a key is Hypothesis's shrunk example

    def warnings(self, result: OperationResult, violations: list[Violation]) -> None:
        """Warnings are grouped per rule: the first occurrence is kept, the others counted."""
        with self._lock:
            for v in violations:
                key = (v.rule, "")
                first, count = result.warnings.get(key, (v, 0))
                result.warnings[key] = (first, count + 1)


RECORDER = Recorder()
