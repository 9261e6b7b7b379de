"""The vendor-change audit report: one Markdown and one self-contained HTML page per vendor.

The HTML (templates/audit.html) has a table of contents and collapsible details, inline styles only, no scripts
and no external assets, so that it can be mailed or attached to a ticket as one file. Both are meant to be shared:
secrets are masked and identifiers pseudonymized (the behaviour diff's values first, then the whole text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from contractgate.conflicts import Conflict
from contractgate.reports import diff as diff_report
from contractgate.reports import mapping as mapping_report
from contractgate.reports.conflicts import conflict_rows
from contractgate.reports.doc_examples import example_rows
from contractgate.reports.finding import FindingView, anchor
from contractgate.reports.html import render as render_page
from contractgate.secrets import Masker
from contractgate.vendor_changes import VendorAudit


def _sections(audit: VendorAudit) -> list[tuple[str, str]]:
    """(anchor, title) of every section, in order: the table of contents of both formats."""
    sections = [("summary", "Summary"), ("conflicts", "Where the documents contradict themselves"),
                ("examples", "The documents' examples against the contract")]
    if audit.mappings:
        sections.append(("mapping", "v1 to v3 mapping and drift"))
    sections.append(("spec-changes", "Spec changes since the previous version"))
    if audit.behaviour is not None:
        sections.append(("behaviour", "Behaviour changes in the recordings"))
    return sections


def _counts(audit: VendorAudit) -> list[str]:
    conflicts = sum(len(d.conflicts) for d in audit.documents)
    findings = sum(len(ex.findings) for d in audit.documents for ex in d.examples)
    unexplained = sum(not f.explained_by for d in audit.documents for ex in d.examples for f in ex.findings)
    spec = sum(len(s.changes) for s in audit.spec_changes)
    breaking = sum(c.klass == "breaking" for s in audit.spec_changes for c in s.changes)
    lines = [f"APIs: {', '.join(a.id for a in audit.apis)}.",
             f"{conflicts} recorded contradictions and assumptions in the documents.",
             f"{findings} findings in the documents' own examples ({unexplained} not yet recorded as a conflict).",
             f"{spec} spec changes since the previous version, {breaking} of them breaking for an SDK."]
    for m in audit.mappings:
        errors = sum(f.level == "error" for f in m.check.findings)
        lines.append(f"Mapping {m.mapping.name}: static check {'passes' if not errors else f'{errors} errors'}; "
                     f"{len(m.comparisons)} of {m.pairs} payload pairs drift.")
    if audit.behaviour is not None:
        lines.append(f"Behaviour diff of {audit.behaviour_source}: {diff_report.summary(audit.behaviour)}.")
    return lines


def _shared(render: Callable[[VendorAudit], str], audit: VendorAudit, masker: Masker | None) -> str:
    """``render(audit)`` through ``masker`` (default: the environment's credentials and identifiers)."""
    masker = (masker or Masker.from_env()).sharing()
    if audit.behaviour is not None:
        audit = replace(audit, behaviour=tuple(diff_report.shared(audit.behaviour, masker)))
    return masker.text(render(audit))


def render_markdown(audit: VendorAudit, masker: Masker | None = None) -> str:
    return _shared(_markdown, audit, masker)


def render_html(audit: VendorAudit, masker: Masker | None = None) -> str:
    """One self-contained page: inline styles, no scripts, no external assets."""
    return _shared(_html, audit, masker)


def _markdown(audit: VendorAudit) -> str:
    out = [f"# Vendor-change audit: {audit.vendor}", ""]
    out += [f"- [{title}](#{anchor})" for anchor, title in _sections(audit)]
    out += ["", "## Summary", "", *[f"- {line}" for line in _counts(audit)], ""]
    out += ["## Where the documents contradict themselves", ""]
    for doc in audit.documents:
        out += [f"### {doc.api.id} (`{doc.api.seed}`)", "", *conflict_rows(doc.conflicts), ""]
    out += ["## The documents' examples against the contract", ""]
    for doc in audit.documents:
        out += [f"### {doc.api.id}", "", *example_rows(doc), ""]
    for m in audit.mappings:
        out += [mapping_report.render_markdown_section(m.mapping, m.comparisons, level=2), "",
                f"{m.pairs} payload pairs of the mock compared; {len(m.comparisons)} drift.", ""]
    out += ["## Spec changes since the previous version", ""]
    for s in audit.spec_changes:
        out += [f"### {s.api_id}", "", f"Compared with {s.baseline}: {diff_report.summary(s.changes)}."
                if s.baseline else (s.note or ""), ""]
        out += [*diff_report.markdown_rows(s.changes), ""]
    if audit.behaviour is not None:
        out += ["## Behaviour changes in the recordings", "",
                f"{audit.behaviour_source}: {diff_report.summary(audit.behaviour)}.", "",
                *diff_report.markdown_rows(audit.behaviour), ""]
    return "\n".join(out)


def _conflict_cells(c: Conflict) -> list[Any]:
    conflict = f"The document says “{c.document_says}”. {c.conflict}" if c.document_says else c.conflict
    if c.pointers:
        conflict += " (" + ", ".join(c.pointers) + ")"
    if c.examples:
        conflict += " Examples: " + ", ".join(c.examples) + "."
    return [(c.id, "code"), c.kind, c.source, conflict, c.choice]


def _html(audit: VendorAudit) -> str:
    examples = []
    for doc in audit.documents:
        found = [(ex.example.name,
                  FindingView.of(f.violation, anchor_id=anchor(doc.api.id, ex.example.name, f.violation.rule,
                                                               f.violation.pointer)),
                  f.explained_by) for ex in doc.examples for f in ex.findings]
        examples.append({"title": f"{doc.api.id}: {len(doc.examples)} examples, {len(found)} findings",
                         "findings": found})
    spec_changes = [{
        "title": f"{s.api_id}: " + (f"compared with {s.baseline}: {diff_report.summary(s.changes)}" if s.baseline
                                    else (s.note or "")),
        "rows": diff_report.html_rows(s.changes), "breaking": any(c.klass == "breaking" for c in s.changes),
    } for s in audit.spec_changes]
    behaviour = None if audit.behaviour is None else {
        "summary": f"{audit.behaviour_source}: {diff_report.summary(audit.behaviour)}",
        "rows": diff_report.html_rows(audit.behaviour)}
    return render_page(
        "audit.html", title=f"Vendor-change audit: {audit.vendor}", vendor=audit.vendor, sections=_sections(audit),
        counts=_counts(audit),
        conflicts=[{"title": f"{doc.api.id} ({doc.api.seed}): {len(doc.conflicts)} entries",
                    "rows": [_conflict_cells(c) for c in doc.conflicts]} for doc in audit.documents],
        examples=examples,
        mappings=[(m.pairs, len(m.comparisons), m.mapping.name,
                   Markup(mapping_report.render_html_section(m.mapping, m.comparisons, level=3)))
                  for m in audit.mappings],
        spec_changes=spec_changes, behaviour=behaviour)
