"""Checking payload files against an operation's contract: the engine behind ``contractgate validate``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from contractgate.baseline import Baseline, Fingerprint
from contractgate.conflicts import Conflict, at_pointer, load_conflicts
from contractgate.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, InputError
from contractgate.findings import Violation, failing
from contractgate.payload import DEFAULT_MAX_BYTES, read_payload
from contractgate.rules.engine import RuleCoverage, ruleset_for
from contractgate.schema import SchemaValidator
from contractgate.spec import DEFAULT_STATUS, Example, Spec, load_spec


class PayloadChecker:
    """Everything one payload of one operation and status must satisfy, compiled once."""

    def __init__(self, spec: Spec, operation_id: str, status: str = DEFAULT_STATUS) -> None:
        operation = spec.api.operation(operation_id)
        self.api = spec.api
        self.api_id = spec.api.id
        self.operation_id = operation_id
        self.status = status
        self.schema = SchemaValidator(spec.payload_schema(operation, status))
        # The section of the API's rules for this operation and status (error bodies may have rules too).
        self.rules = ruleset_for(spec.api.id, operation_id, status, spec.api.folder.parent)

    def check(self, payload: Any) -> list[Violation]:
        """Schema violations first, then rule violations (rules skip what is null, absent or mistyped)."""
        found = self.schema.violations(payload)
        if self.rules is not None:
            found += self.rules.check(payload)
        return found


@cache
def checker_for(
    api_id: str, operation_id: str, status: str = DEFAULT_STATUS, root: Path | None = None
) -> PayloadChecker:
    """The compiled checker, one per process for each API, operation, status (and specs folder)."""
    return PayloadChecker(load_spec(api_id, root), operation_id, status)


def check_examples(api_id: str, examples: Iterable[Example], root: Path | None = None
                   ) -> Iterator[tuple[Example, list[Violation] | None]]:
    """A document's examples, each with what its contract finds in it; None for a text example (no JSON)."""
    for example in examples:
        if not example.media_type.endswith("json"):
            yield example, None
        else:
            yield example, checker_for(api_id, example.operation_id, example.status, root).check(example.value)


@dataclass(frozen=True)
class FileResult:
    file: str
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None  # the file could not be read as a payload
    known: list[Violation] = field(default_factory=list)  # excused by a baseline of known deviations
    strict: bool = False  # the verdict's policy: warnings fail too
    exercised: tuple[str, ...] = ()  # the rules whose condition held for this payload (rule coverage)

    @property
    def failed(self) -> bool:
        return bool(failing(self.violations, self.strict))

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
        }
        if self.error is not None:
            out["error"] = self.error
        if self.known:
            out["known"] = [v.to_dict() for v in self.known]
        return out


def validate_files(
    checker: PayloadChecker, files: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES, strict: bool = False
) -> list[FileResult]:
    """Check every file; an unreadable one is reported in its result and does not stop the others.
    ``strict``: warnings fail a file too (its ``ok``, its text verdict and the exit code agree)."""
    recorded = load_conflicts(checker.api)
    results = []
    for file in files:
        try:
            payload = read_payload(file, max_bytes=max_bytes)
        except InputError as exc:
            results.append(FileResult(str(file), error=exc.cause, strict=strict))
            continue
        exercised = tuple(checker.rules.triggered(payload)) if checker.rules is not None else ()
        results.append(FileResult(str(file), [_with_conflicts(v, at_pointer(recorded, checker.api_id, v.pointer))
                                               for v in checker.check(payload)], strict=strict, exercised=exercised))
    return results


def apply_baseline(results: list[FileResult], baseline: Baseline, checker: PayloadChecker) -> list[FileResult]:
    """Known deviations move out of each result's violations (they no longer fail it) into ``known``."""
    status = None if checker.api.operation(checker.operation_id).is_webhook else int(checker.status)
    out = []
    for result in results:
        new, known = baseline.split(checker.api_id, checker.operation_id, status, result.violations)
        out.append(replace(result, violations=new, known=known))
    return out


def seen_fingerprints(results: Iterable[FileResult], checker: PayloadChecker) -> list[Fingerprint]:
    status = None if checker.api.operation(checker.operation_id).is_webhook else int(checker.status)
    return [Fingerprint.of(checker.api_id, checker.operation_id, v.rule, status, v.pointer)
            for r in results for v in (*r.violations, *r.known)]


def _with_conflicts(violation: Violation, conflicts: list[Conflict]) -> Violation:
    """Where a document contradicts itself at this place, say so: the finding may be the document's."""
    ids = tuple(c.id for c in conflicts)
    return replace(violation, conflicts=ids) if ids else violation


def rule_coverage(results: Iterable[FileResult], checker: PayloadChecker) -> RuleCoverage:
    """Which of the operation's rules the readable files exercised."""
    coverage = RuleCoverage()
    if checker.rules is not None:
        for result in results:
            if result.error is None:
                coverage.add(checker.rules.rules, result.exercised)
    return coverage


def exit_code(results: Iterable[FileResult]) -> int:
    """2 if any input was unreadable (its verdict is unknown), else 1 on any failure, else 0."""
    results = list(results)
    if any(r.error is not None for r in results):
        return EXIT_USAGE
    return EXIT_VIOLATION if any(r.failed for r in results) else EXIT_OK
