"""Rendering a drift check (``contractgate drift``): JSON, Markdown, one self-contained HTML page, a summary line.

The changes are rendered by ``reports/diff.py`` (same JSON objects, same table rows); violations in the JSON
are ``Violation.to_dict()``, as ``contractgate validate --format json`` writes them. Verdicts are the run's.
Change values are shown through the run's masker (``diff_report.shared``): secrets masked, identifiers
pseudonymized, even when the baseline was recorded with ``--keep-identifiers``; the command masks the text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from contractgate.absent import ABSENT
from contractgate.diff.change import Change
from contractgate.drift import DriftRun
from contractgate.excerpt import excerpt
from contractgate.findings import Violation
from contractgate.reports import diff as diff_report
from contractgate.reports.coverage import coverage_dict, coverage_line
from contractgate.reports.finding import FindingView, anchor, markdown_block
from contractgate.reports.html import render as render_page
from contractgate.wording import plural


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
        "coverage": coverage_dict(drift.coverage),
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


def _findings(drift: DriftRun) -> list[tuple[str, str, FindingView]]:
    """Each violation as the shared finding, with the excerpt of the answer it was found in."""
    out = []
    for n, checked in enumerate(drift.validation):
        body = checked.interaction.response.body
        for v in checked.violations:
            shown = excerpt(body, v.pointer) if body is not ABSENT else ""
            view = FindingView.of(v, excerpt=shown, anchor_id=anchor(str(n), v.rule, v.pointer))
            out.append((checked.interaction.label, str(checked.interaction.status), view))
    return out


def _facts(drift: DriftRun) -> list[tuple[str, str]]:
    return [("Verdict", verdict(drift)), ("Baseline", drift.baseline), ("New recording", drift.recording),
            ("Recorded", f"{drift.recorded.already} already recorded, {len(drift.recorded.written)} new"),
            ("Validation", validation_summary(drift)), ("Changes", diff_report.summary(drift.changes)),
            *([("Rules", coverage_line(drift.coverage, "the new answers"))] if drift.coverage else [])]


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
        for request, status, view in _findings(drift):
            out += ["", *markdown_block(view, heading=f"### {_cell(request)} ({status}): {view.id} at {view.pointer}")]
    out += ["", "## Behaviour changes against the baseline", "", diff_report.summary(drift.changes) + "."]
    if changes := diff_report.markdown_rows(_changes(drift)):
        out += ["", *changes]
    if drift.errors:
        out += ["", "## Files that could not be read (left out)", "", *[f"- {_cell(str(e))}" for e in drift.errors]]
    return "\n".join(out) + "\n"


def render_html(drift: DriftRun) -> str:
    """A self-contained page (inline style, no scripts, no external assets)."""
    return render_page(
        "drift.html", title=title(drift), verdict=verdict(drift), failed=drift.failed, state=verdict(drift),
        facts=_facts(drift)[1:], validation=validation_summary(drift), refused=drift.recorded.refused,
        findings=_findings(drift), changes_summary=diff_report.summary(drift.changes),
        change_rows=diff_report.html_rows(_changes(drift)), errors=[str(e) for e in drift.errors])
