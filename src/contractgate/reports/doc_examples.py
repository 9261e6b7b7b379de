"""Rendering the vendor-doc audit (``contractgate audit-docs``) as Markdown or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from contractgate.doc_examples import ApiAudit
from contractgate.reports.conflicts import conflict_rows


def render_json(audits: Sequence[ApiAudit]) -> str:
    doc: dict[str, Any] = {"apis": []}
    for audit in audits:
        doc["apis"].append({
            "api": audit.api.id,
            "vendor": audit.api.vendor,
            "document": audit.api.seed,
            "examples": [
                {"example": ex.example.label, "summary": ex.example.summary,
                 "findings": [{**f.violation.to_dict(), "explained_by": list(f.explained_by)} for f in ex.findings]}
                for ex in audit.examples
            ],
            "conflicts": [{"id": c.id, "kind": c.kind, "source": c.source, "conflict": c.conflict,
                           "choice": c.choice, "pointers": list(c.pointers), "examples": list(c.examples)}
                          for c in audit.conflicts],
        })
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def example_rows(audit: ApiAudit) -> list[str]:
    """The Markdown table of the findings in one API's examples (shared with the vendor audit)."""
    findings = [(ex, f) for ex in audit.examples for f in ex.findings]
    if not findings:
        return ["Every example meets the spec and every rule."]
    rows = ["| example | rule | severity | pointer | finding | documented as |",
            "| --- | --- | --- | --- | --- | --- |"]
    for ex, f in findings:
        v = f.violation
        explained = ", ".join(f.explained_by) or "**not yet recorded**"
        rows.append(f"| {ex.example.name} | {v.rule} | {v.severity} | `{v.pointer or '/'}` | "
                    f"{_cell(v.message)} | {explained} |")
    return rows


def render_markdown(audits: Sequence[ApiAudit]) -> str:
    total = sum(len(ex.findings) for a in audits for ex in a.examples)
    out = ["# Vendor-document audit", "",
           f"Each document's own examples checked against the spec and the contract rules ({total} findings), "
           "and every contradiction or gap recorded while writing the specs.", ""]
    for audit in audits:
        api = audit.api
        findings = sum(len(ex.findings) for ex in audit.examples)
        out += [f"## {api.vendor}: {api.id}", "", f"Document `{api.seed}`: {api.title}.", "",
                f"### The document's examples ({len(audit.examples)}, {findings} findings)", ""]
        out += example_rows(audit)
        out += ["", f"### Contradictions and assumptions ({len(audit.conflicts)})", ""]
        out += conflict_rows(audit.conflicts)
        out.append("")
    return "\n".join(out)
