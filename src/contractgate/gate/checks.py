"""The contract rules as one Schemathesis check: every response goes through the rules engine.

Schema conformance stays with Schemathesis's own ``response_schema_conformance``; this check reports the
rules (conditional nullability, invariants) with rule id, pointer and the document's sentence.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import schemathesis
from schemathesis.core.failures import Failure

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError
from contractgate.findings import Violation
from contractgate.gate.results import CONTRACT_CHECK, RECORDER
from contractgate.validate import PayloadChecker, checker_for

#: Set by the gate run: fail on warnings (inferred rules) too.
STRICT = {"on": False}


class ContractFailure(Failure):
    """A response broke contract rules of error severity."""

    code = "CG001"
    kind_title = "Contract rule broken"
    __slots__ = ("violations",)
    checks: ClassVar[tuple[str, ...]] = (CONTRACT_CHECK,)

    def __init__(self, *, operation: str, violations: tuple[Violation, ...]) -> None:
        rules = ", ".join(dict.fromkeys(v.rule for v in violations))
        lines = [f"{v.rule} at {v.pointer or '/'}: {v.message} ({v.source})" for v in violations[:10]]
        super().__init__(operation=operation, title=f"Contract rule broken: {rules}", message="\n".join(lines))
        self.violations = violations

    @property
    def _unique_key(self) -> str:
        return "|".join(sorted({v.rule for v in self.violations}))


@cache
def operation_for(method: str, path: str) -> tuple[str, str] | None:
    """(API id, operation id) of a documented REST operation."""
    for api in load_catalog().apis.values():
        for op in api.operations.values():
            if op.path == path and op.method == method.upper():
                return api.id, op.operation_id
    return None


@cache
def _checker(api_id: str, operation_id: str, status: str) -> PayloadChecker | None:
    try:
        return checker_for(api_id, operation_id, status)
    except ContractgateError:
        return None  # an undocumented status or a non-JSON body: the built-in checks speak to that


@schemathesis.check
def contract_rules(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    found = operation_for(case.operation.method, case.operation.path)
    if found is None:
        return
    checker = _checker(*found, str(response.status_code))
    if checker is None or checker.rules is None:
        return
    try:
        payload: Any = response.json()
    except ValueError:
        return
    violations = checker.rules.check(payload)
    failing = tuple(v for v in violations if v.severity == "error" or STRICT["on"])
    warnings = [v for v in violations if v not in failing]
    if warnings:
        RECORDER.warnings(RECORDER.operation(*found, case.operation.label), warnings)
    if failing:
        raise ContractFailure(operation=case.operation.label, violations=failing)
