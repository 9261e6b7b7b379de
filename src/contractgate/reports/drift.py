"""Rendering a drift check (``contractgate drift``): JSON, Markdown, one self-contained HTML page, a summary line.

The changes are rendered by ``reports/diff.py`` (same JSON objects, same table rows); violations in the JSON
are ``Violation.to_dict()``, as ``contractgate validate --format json`` writes them. Verdicts are the run's.
Change values are shown through the run's masker (``diff_report.shared``): secrets masked, identifiers
pseudonymized, even when the baseline was recorded with ``--keep-identifiers``; the command masks the text.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import orjson

from contractgate.diff.change import Change
from contractgate.drift import DriftRun
from contractgate.findings import Violation
from contractgate.reports import diff as diff_report
from contractgate.reports.wording import plural


def _severities(drift: DriftRun) -> Counter[str]:
    return Counter(v.severity for checked in drift.validation for v in checked.violations)


def verdict(drift: DriftRun) -> str:
    return f"FAILED ({' and '.join(drift.reasons)})" if drift.failed else "PASSED"


def validation_summary(drift: DriftRun) -> str:
    counts = _severities(drift)
    known = sum(len(c.known) for c in drift.validation)
    refused = f"{plural(len(drift.recorded.refused), 'answer')} refused at a bound (not recorded), " \
        if drift.recorded.refused else ""
    return (f"{refused}{plural(drift.interactions, 'interaction')} validated, {len(drift.validation)} with findings "
            f"({plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}"
            f"{f', {known} known deviations' if known else ''})")


def summary_line(drift: DriftRun) -> str:
    recorded = drift.recorded
    return (f"{verdict(drift)}: {drift.api} against {drift.target}: {recorded.already} already recorded, "
            f"{len(recorded.written)} new; {validation_summary(drift)}; {diff_report.summary(drift.changes)}")


def _changes(drift: DriftRun) -> list[Change]:
    return diff_report.shared(drift.changes, drift.recorded.masker.sharing())


def drift_dict(drift: DriftRun) -> dict[str, Any]:
    return {
        "api": drift.api,
        "target": drift.target,
        "baseline": drift.baseline,
        "recording": drift.recording,
        "recorded_at": drift.recorded_at,
        "interactions": drift.interactions,
        "validation": [{"file": c.interaction.file, "request": c.interaction.label, "status": c.interaction.status,
                        "violations": [v.to_dict() for v in c.violations]} for c in drift.validation],
        "changes": [diff_report.change_dict(c) for c in _changes(drift)],
        "breaking": drift.breaking,
        "failed": drift.failed,
        "errors": [str(e) for e in drift.errors],
        "refused": list(drift.recorded.refused),
    }


def render_json(drift: DriftRun) -> str:
    return orjson.dumps(drift_dict(drift), option=orjson.OPT_INDENT_2).decode() + "\n"


def title(drift: DriftRun) -> str:
    return f"Drift check: {drift.api} against {drift.target}, {drift.recorded_at}"


def _rows(drift: DriftRun) -> list[tuple[str, str, Violation]]:
    return [(c.interaction.label, str(c.interaction.status), v) for c in drift.validation for v in c.violations]


def _facts(drift: DriftRun) -> list[tuple[str, str]]:
    return [("Verdict", verdict(drift)), ("Baseline", drift.baseline), ("New recording", drift.recording),
            ("Recorded", f"{drift.recorded.already} already recorded, {len(drift.recorded.written)} new"),
            ("Validation", validation_summary(drift)), ("Changes", diff_report.summary(drift.changes))]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(drift: DriftRun) -> str:
    out = [f"# {title(drift)}", "", *[f"- **{name}**: {_cell(value)}" for name, value in _facts(drift)], "",
           "## Validation of the new answers", "", validation_summary(drift) + "."]
    out += [f"- {_cell(line)}" for line in drift.recorded.refused]
    if rows := _rows(drift):
        out += ["", "| request | status | rule | severity | pointer | message |", "|" + " --- |" * 6]
        out += [f"| {_cell(request)} | {status} | `{v.rule}` | {v.severity} | `{_cell(v.pointer) or '(whole)'}` | "
                f"{_cell(v.message)} |" for request, status, v in rows]
    out += ["", "## Behaviour changes against the baseline", "", diff_report.summary(drift.changes) + "."]
    if changes := diff_report.markdown_rows(_changes(drift)):
        out += ["", *changes]
    if drift.errors:
        out += ["", "## Files that could not be read (left out)", "", *[f"- {_cell(str(e))}" for e in drift.errors]]
    return "\n".join(out) + "\n"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font-family: ui-monospace, monospace; font-size: 0.85rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; }
.class { font-weight: 600; white-space: nowrap; }
.breaking, .error, .FAILED { color: #b42318; }
.potentially-breaking, .warning { color: #9a6700; }
.non-breaking, .PASSED { color: #1a7f37; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def render_html(drift: DriftRun) -> str:
    """A self-contained page (inline style, no scripts, no external assets)."""
    facts = "".join(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in _facts(drift)[1:])  # verdict: above
    rows = "\n".join(
        f"<tr><td>{_e(request)}</td><td>{_e(status)}</td><td><code>{_e(v.rule)}</code></td>"
        f'<td class="{_e(v.severity)}">{_e(v.severity)}</td><td><code>{_e(v.pointer or "(whole)")}</code></td>'
        f"<td>{_e(v.message)}</td></tr>" for request, status, v in _rows(drift))
    violations = ("<table>\n<thead><tr><th>request</th><th>status</th><th>rule</th><th>severity</th><th>pointer</th>"
                  f"<th>message</th></tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>") if rows else ""
    errors = ("<h2>Files that could not be read (left out)</h2>\n<ul>"
              + "".join(f"<li>{_e(e)}</li>" for e in drift.errors) + "</ul>") if drift.errors else ""
    state = "FAILED" if drift.failed else "PASSED"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{_e(title(drift))}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n<h1>{_e(title(drift))}</h1>\n"
            f'<p class="{state}"><strong>{_e(verdict(drift))}</strong></p>\n<dl>{facts}</dl>\n'
            f"<h2>Validation of the new answers</h2>\n<p>{_e(validation_summary(drift))}.</p>\n{violations}\n"
            f"<h2>Behaviour changes against the baseline</h2>\n<p>{_e(diff_report.summary(drift.changes))}.</p>\n"
            f"{diff_report.render_html_table(_changes(drift))}\n{errors}\n</body>\n</html>\n")
