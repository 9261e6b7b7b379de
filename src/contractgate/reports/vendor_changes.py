"""The vendor-change audit report: one Markdown and one self-contained HTML page per vendor.

The HTML has a table of contents and collapsible details, inline styles only, no scripts and no
external assets, so that it can be mailed or attached to a ticket as one file. Both are meant to be shared:
secrets are masked and identifiers pseudonymized (the behaviour diff's values first, then the whole text).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import replace

from contractgate.reports import diff as diff_report
from contractgate.reports import mapping as mapping_report
from contractgate.reports.conflicts import conflict_rows
from contractgate.reports.doc_examples import example_rows
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


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
.page{display:flex;gap:24px;max-width:1400px;margin:0 auto;padding:24px}
nav{position:sticky;top:16px;align-self:flex-start;min-width:230px;background:#fff;border:1px solid #d8dee4;
border-radius:6px;padding:12px 16px}
nav ol{padding-left:18px;margin:6px 0}nav a{color:#0b5cad;text-decoration:none}nav a:hover{text-decoration:underline}
main{flex:1;min-width:0}h1{font-size:26px;margin:0 0 12px}h2{font-size:20px;margin-top:32px;
border-bottom:1px solid #d8dee4;padding-bottom:4px}h3{font-size:16px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px;margin:8px 0}
th,td{border:1px solid #d8dee4;padding:6px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f2f5}code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
details{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:10px 0;padding:8px 12px}
summary{cursor:pointer;font-weight:600}ul.summary li{margin:2px 0}
.breaking{color:#b42318;font-weight:600}.potentially-breaking{color:#9a6700;font-weight:600}
.non-breaking{color:#1a7f37}.muted{color:#5b6475}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _md_table_html(rows: list[str]) -> str:
    """The small Markdown tables of the shared renderers, as HTML (cells are plain text or `code`)."""
    if len(rows) < 2 or not rows[0].startswith("|"):
        return "".join(f"<p>{_e(r)}</p>" for r in rows)

    def cells(row: str) -> list[str]:
        parts = [c.strip().replace("\\|", "|") for c in row.strip().strip("|").split(" | ")]
        return [_inline(p) for p in parts]

    head = "".join(f"<th>{c}</th>" for c in cells(rows[0]))
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in cells(r)) + "</tr>" for r in rows[2:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline(text: str) -> str:
    """Markdown's `code` and **bold** in a table cell, everything else escaped."""
    out, code = [], False
    for i, part in enumerate(_e(text).split("`")):
        if i:
            code = not code
        out.append(f"<code>{part}</code>" if code else part.replace("**", ""))
    return "".join(out)


def _details(summary: str, body: str, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{_e(summary)}</summary>{body}</details>"


def _html_body(audit: VendorAudit) -> Iterator[str]:
    yield "<h2 id=summary>Summary</h2><ul class=summary>"
    yield from (f"<li>{_e(line)}</li>" for line in _counts(audit))
    yield "</ul><h2 id=conflicts>Where the documents contradict themselves</h2>"
    for doc in audit.documents:
        yield _details(f"{doc.api.id} ({doc.api.seed}): {len(doc.conflicts)} entries",
                       _md_table_html(conflict_rows(doc.conflicts)))
    yield "<h2 id=examples>The documents' examples against the contract</h2>"
    for doc in audit.documents:
        findings = sum(len(ex.findings) for ex in doc.examples)
        yield _details(f"{doc.api.id}: {len(doc.examples)} examples, {findings} findings",
                       _md_table_html(example_rows(doc)), open_=bool(findings))
    if audit.mappings:
        yield "<h2 id=mapping>v1 to v3 mapping and drift</h2>"
        for m in audit.mappings:
            yield f"<p>{m.pairs} payload pairs of the mock compared; {len(m.comparisons)} drift.</p>"
            yield _details(f"mapping {m.mapping.name}", mapping_report.render_html_section(m.mapping, m.comparisons,
                                                                                          level=3))
    yield "<h2 id=spec-changes>Spec changes since the previous version</h2>"
    for s in audit.spec_changes:
        text = f"compared with {s.baseline}: {diff_report.summary(s.changes)}" if s.baseline else (s.note or "")
        yield _details(f"{s.api_id}: {text}", diff_report.render_html_table(s.changes) or "<p>No change.</p>",
                       open_=any(c.klass == "breaking" for c in s.changes))
    if audit.behaviour is not None:
        yield "<h2 id=behaviour>Behaviour changes in the recordings</h2>"
        yield f"<p>{_e(audit.behaviour_source)}: {_e(diff_report.summary(audit.behaviour))}.</p>"
        yield diff_report.render_html_table(audit.behaviour)


def _html(audit: VendorAudit) -> str:
    toc = "".join(f"<li><a href='#{a}'>{_e(t)}</a></li>" for a, t in _sections(audit))
    return ("<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>Vendor-change audit: {_e(audit.vendor)}</title><style>{_CSS}</style></head><body>"
            f"<div class=page><nav><b>Contents</b><ol>{toc}</ol></nav><main>"
            f"<h1>Vendor-change audit: {_e(audit.vendor)}</h1>" + "\n".join(_html_body(audit)) +
            "</main></div></body></html>\n")
