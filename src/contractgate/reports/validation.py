"""Rendering ``contractgate validate`` results. The JSON shape is a stable contract (docs/cli.md)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from contractgate.validate import FileResult


def render_json(results: Sequence[FileResult]) -> str:
    return orjson.dumps({"results": [r.to_dict() for r in results]}, option=orjson.OPT_INDENT_2).decode()


def render_text(results: Sequence[FileResult]) -> str:
    lines = []
    for result in results:
        if result.error is not None:
            lines.append(f"{result.file}: error: {result.error}")
            continue
        n = len(result.violations)
        lines.append(f"{result.file}: ok" if not n else f"{result.file}: {n} violation{'s' * (n != 1)}")
        for v in result.violations:
            rule = "" if v.rule == "schema" else f" [{v.rule}]"
            lines.append(f"  {v.severity:7} {v.pointer or '/'}: {v.message}{rule}")
    return "\n".join(lines)
