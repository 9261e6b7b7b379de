"""Rule coverage in words and in JSON, the same for the gate, validate and drift."""

from __future__ import annotations

from typing import Any

from contractgate.rules.engine import RuleCoverage


def coverage_line(coverage: RuleCoverage, by: str) -> str:
    """``30 of 44 rules exercised by these files; not exercised (...): ...`` (empty without rules)."""
    if not coverage:
        return ""
    missing = coverage.unexercised()
    line = f"{len(coverage.counts) - len(missing)} of {len(coverage.counts)} rules exercised by {by}"
    return line + (f"; not exercised (none met their condition): {', '.join(missing)}" if missing else "")


def coverage_dict(coverage: RuleCoverage) -> dict[str, Any]:
    return {rule: {"evaluated": n, "exercised": hit} for rule, (n, hit) in coverage.counts.items()}
