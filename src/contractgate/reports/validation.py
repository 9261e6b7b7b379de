"""Rendering ``contractgate validate`` results. The JSON shape is a stable contract (docs/cli.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from contractgate.reports.finding import FindingView, text_line
from contractgate.validate import FileResult
from contractgate.wording import plural


def render_json(results: Sequence[FileResult], coverage: Mapping[str, tuple[int, int]] | None = None) -> str:
    doc: dict[str, Any] = {"results": [r.to_dict() for r in results]}
    if coverage is not None:
        doc["coverage"] = {rule: {"evaluated": n, "exercised": hit} for rule, (n, hit) in coverage.items()}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def coverage_line(coverage: Mapping[str, tuple[int, int]], by: str = "these files") -> str:
    """``30 of 44 rules exercised by these files; not exercised: ...`` (empty without rules)."""
    if not coverage:
        return ""
    missing = [rule for rule, (_, hit) in coverage.items() if not hit]
    line = f"{len(coverage) - len(missing)} of {len(coverage)} rules exercised by {by}"
    return line + (f"; not exercised (none met their condition): {', '.join(missing)}" if missing else "")


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
