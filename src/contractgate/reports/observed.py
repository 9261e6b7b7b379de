"""Rendering ``contractgate observed``: text, Markdown, one self-contained HTML page and JSON.

Each group (operation and status) becomes the same list of sections in every format; the wording says what
the numbers can and cannot show (a rule never violated may also never have applied). The report is meant to
be shared: ``render`` masks secrets and pseudonymizes identifiers (an undocumented member, a folder name).
"""

from __future__ import annotations

import orjson

from contractgate.observed import GroupReport, ObservedReport
from contractgate.reports.diff import value_text
from contractgate.reports.html import render as render_page
from contractgate.secrets import Masker
from contractgate.wording import plural

Section = tuple[str, tuple[str, ...], list[tuple[str, ...]]]


def _heading(group: GroupReport) -> str:
    return (f"{group.api}/{group.operation} {group.location}: {plural(group.interactions, 'interaction')}, "
            f"{group.schema_failures} with JSON Schema violations")


def _sections(group: GroupReport) -> list[Section]:
    n = group.interactions
    held = [t for t in group.rules if not t.violated]
    broken = [t for t in group.rules if t.violated]
    return [
        ("Documented nullable, never null (tighten: not nullable?)", ("pointer", "present in"),
         [(p.pointer, str(p.count)) for p in group.never_null]),
        ("Documented values never seen (enum, or x-known-values)", ("pointer", "list", "never seen", "values seen"),
         [(u.pointer, "enum" if u.closed else "known values", value_text(list(u.unseen), None), str(u.seen))
          for u in group.unseen_values]),
        ("Present but not documented (document them?)", ("pointer", "present in"),
         [(p.pointer, str(p.count)) for p in group.undocumented]),
        ("Documented but never present (loosen: still sent?)", ("pointer", "parent present in"),
         [(p.pointer, str(p.count)) for p in group.never_present]),
        (f"Rules never violated in {plural(n, 'interaction')} (including those where a rule's condition did not "
         "hold: the engine reports violations, not whether a rule applied)", ("rule", "severity", "basis", "title"),
         [(t.rule.id, t.rule.severity, t.rule.basis, t.rule.title) for t in held]),
        ("Rules violated", ("rule", "severity", "basis", "violated in", "title"),
         [(t.rule.id, t.rule.severity, t.rule.basis, f"{t.violated} of {n}", t.rule.title) for t in broken]),
    ]


def _notes(report: ObservedReport) -> list[str]:
    notes = [f"{operation} {where}: {plural(count, 'interaction')} not analysed (the spec documents no JSON body)"
             for operation, where, count in report.unanalysed]
    return notes + [f"unreadable, left out: {error}" for error in report.errors]


def render_json(report: ObservedReport) -> str:
    groups = [{
        "api": g.api, "operation": g.operation, "location": g.location, "interactions": g.interactions,
        "schema_failures": g.schema_failures,
        "never_null": [{"pointer": p.pointer, "present": p.count} for p in g.never_null],
        "unseen_values": [{"pointer": u.pointer, "closed": u.closed, "unseen": list(u.unseen), "seen": u.seen}
                          for u in g.unseen_values],
        "undocumented": [{"pointer": p.pointer, "present": p.count} for p in g.undocumented],
        "never_present": [{"pointer": p.pointer, "parent_present": p.count} for p in g.never_present],
        "rules": [{"rule": t.rule.id, "severity": t.rule.severity, "basis": t.rule.basis, "title": t.rule.title,
                   "violated": t.violated} for t in g.rules],
    } for g in report.groups]
    return orjson.dumps({
        "folder": report.folder, "groups": groups,
        "unanalysed": [{"operation": o, "location": w, "interactions": n} for o, w, n in report.unanalysed],
        "errors": [str(e) for e in report.errors],
    }, option=orjson.OPT_INDENT_2).decode()


def render_text(report: ObservedReport) -> str:
    out: list[str] = []
    for group in report.groups:
        out.append(_heading(group))
        for name, _, rows in _sections(group):
            out.append(f"  {name}: {len(rows) or 'none'}")
            out += ["    " + "  ".join(row) for row in rows]
    out += _notes(report)
    return "\n".join(out or [f"{report.folder}: no recordings"])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(report: ObservedReport) -> str:
    out = [f"# Observed vs documented: {report.folder}", ""]
    for group in report.groups:
        out += [f"## {_heading(group)}", ""]
        for name, columns, rows in _sections(group):
            out += [f"### {name}", ""]
            if rows:
                out += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
                out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            else:
                out.append("None.")
            out.append("")
    out += [f"- {_cell(note)}" for note in _notes(report)]
    return "\n".join(out).rstrip("\n") + "\n"


def render_html(report: ObservedReport) -> str:
    """A self-contained page (inline style, no scripts, no external assets)."""
    # The first column is a pointer or a rule id: a token, never wrapped.
    groups = [(_heading(g), [(name, columns, [[(row[0], "code"), *row[1:]] for row in rows])
                             for name, columns, rows in _sections(g)]) for g in report.groups]
    return render_page("observed.html", title=f"Observed vs documented: {report.folder}", groups=groups,
                       notes=_notes(report))


def render(report: ObservedReport, fmt: str, masker: Masker | None = None) -> str:
    """The report in ``fmt`` through ``masker`` (default: the environment's credentials and identifiers)."""
    renderer = {"json": render_json, "md": render_markdown, "html": render_html}.get(fmt, render_text)
    return (masker or Masker.from_env()).sharing().text(renderer(report))
