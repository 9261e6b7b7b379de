"""Rendering ``contractgate validate`` results. The JSON shape is a stable contract (docs/cli.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from contractgate.reports.coverage import coverage_dict
from contractgate.reports.finding import FindingView, text_line
from contractgate.rules.engine import RuleCoverage
from contractgate.validate import FileResult
from contractgate.wording import plural


def render_json(results: Sequence[FileResult], coverage: RuleCoverage | None = None) -> str:
    doc: dict[str, Any] = {"results": [r.to_dict() for r in results]}
    if coverage is not None:
        doc["coverage"] = coverage_dict(coverage)
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def render_text(results: Sequence[FileResult]) -> str:
    lines = []
    for result in results:
        if result.error is not None:
            lines.append(f"{result.file}: error: {result.error}")
            continue
        lines.append(f"{result.file}: {_verdict(result)}")
        lines += [text_line(FindingView.of(v)) for v in result.violations]
        lines += [text_line(FindingView.of(v, known=True)) for v in result.known]
    return "\n".join(lines)


def _verdict(result: FileResult) -> str:
    known = f", {len(result.known)} known" if result.known else ""
    if not result.violations:
        return f"ok{known}"
    if result.ok:  # every violation is a warning, and warnings do not fail (no --strict)
        return f"ok, {plural(len(result.violations), 'warning')}{known}"
    return plural(len(result.violations), "violation") + (" (--strict: warnings fail)" if result.strict else "")
