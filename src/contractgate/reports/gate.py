"""Rendering a gate run: JUnit XML for the CI, Markdown for the pull request, HTML for people.

Every string here comes from the gate's results, whose curl commands and excerpts are already masked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

from contractgate.gate.results import CONTRACT_CHECK, Failure, GateResult, OperationResult
from contractgate.reports.coverage import coverage_line
from contractgate.reports.finding import FindingView, anchor, markdown_block, text_line
from contractgate.reports.html import render as render_page


def _verdict(result: GateResult) -> str:
    if result.unreachable:
        return "NOT RUN"
    return "PASSED" if result.ok else "FAILED"


def _run_line(result: GateResult) -> str:
    targets = ", ".join(dict.fromkeys(op.target for op in result.operations if op.target)) or result.target
    profile = f", mock profile {result.profile}" if result.profile else ""
    return (f"target {targets}{profile}, seed {result.seed}, up to {result.max_examples} examples per "
            f"operation, {result.total_cases} cases in {result.duration_s:.1f} s")


def _methods(result: GateResult) -> str:
    """The method histogram: what the target actually received."""
    counts = result.methods()
    withheld = sum(op.withheld for op in result.operations)
    shown = ", ".join(f"{method} {n}" for method, n in sorted(counts.items())) or "none (in-process only)"
    return f"Requests sent: {shown}" + (f"; {withheld} generated requests withheld (not a documented read "
                                         "operation of a real vendor)" if withheld else "")


def _outcome(result: GateResult, op: OperationResult) -> str:
    if op.error:
        return "error"
    if op.note and not op.cases:
        return "skipped"
    new, known = result.new_failures(op), result.known_failures(op)
    parts = [f"{len(new)} failed"] if new else []
    parts += [f"{len(known)} known"] if known else []
    return ", ".join(parts) or "ok"


def _exercised(op: OperationResult) -> str:
    return coverage_line(op.rule_coverage, "its answers")


def _by_check(failures: list[Failure]) -> dict[str, list[Failure]]:
    found: dict[str, list[Failure]] = {}
    for failure in failures:
        found.setdefault(failure.check, []).append(failure)
    return found


def render_junit(result: GateResult) -> str:
    """One test case per API operation and check; a failed check carries every distinct new failure.

    Times: ``contract_rules`` is timed on its own; Schemathesis runs its built-in checks together, so their
    measured time is shared out evenly among the built-in checks that ran.
    """
    suites = ET.Element("testsuites", name="contractgate")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for api_id in dict.fromkeys(op.api_id for op in result.operations):
        ops = [op for op in result.operations if op.api_id == api_id]
        suite = ET.SubElement(suites, "testsuite", name=api_id)
        counts = dict.fromkeys(totals, 0)
        for op in ops:
            if op.error is not None:
                # Nothing was checked (an unreachable target, a suite that could not run): one case says so.
                case = ET.SubElement(suite, "testcase", classname=f"{api_id}.{op.operation_id}", name="target",
                                     time="0.000")
                ET.SubElement(case, "error", message=op.error, type="error")
                counts["tests"] += 1
                counts["errors"] += 1
                continue
            by_check = _by_check(result.new_failures(op))
            checks = sorted({*(op.checks or result.checks), *by_check})
            ran = [c for c in checks if c != CONTRACT_CHECK and c not in op.skipped_checks]
            share = op.check_seconds.get("built-in", 0.0) / max(len(ran), 1)
            for check in checks:
                seconds = op.check_seconds.get(CONTRACT_CHECK, 0.0) if check == CONTRACT_CHECK else \
                    0.0 if check in op.skipped_checks else share
                case = ET.SubElement(suite, "testcase", classname=f"{api_id}.{op.operation_id}", name=check,
                                     time=f"{seconds:.3f}")
                counts["tests"] += 1
                if op.note and not op.cases:
                    ET.SubElement(case, "skipped", message=op.note)
                    counts["skipped"] += 1
                elif check in op.skipped_checks:
                    ET.SubElement(case, "skipped", message=f"not run: {op.skipped_checks[check]}")
                    counts["skipped"] += 1
                elif check in by_check:
                    failures = by_check[check]
                    first = failures[0]
                    more = f" and {len(failures) - 1} more" if failures[1:] else ""
                    message = f"{first.title} [{first.code}]{more}"
                    node = ET.SubElement(case, "failure", message=message, type=check)
                    node.text = "\n\n".join(_plain(f) for f in failures)
                    counts["failures"] += 1
            for rule, (evaluated, exercised) in sorted(op.rule_coverage.counts.items()):
                # One case per rule: a rule no answer exercised is skipped, with why (a green gate that never
                # looked at an OPEN session has not checked what the documents promise for one).
                case = ET.SubElement(suite, "testcase", classname=f"{api_id}.{op.operation_id}.rules", name=rule,
                                     time="0.000")
                counts["tests"] += 1
                ET.SubElement(case, "properties")
                for name, value in (("evaluated", evaluated), ("exercised", exercised)):
                    ET.SubElement(case[0], "property", name=name, value=str(value))
                if not exercised:
                    documented = " (documented; --require-coverage fails the run)" \
                        if rule in op.rule_coverage.documented else ""
                    ET.SubElement(case, "skipped", message=f"not exercised: no answer of {evaluated} met its "
                                                           f"condition{documented}")
                    counts["skipped"] += 1
        seconds = sum(op.duration_s for op in ops)
        for name, count in counts.items():
            suite.set(name, str(count))
            totals[name] += count
        suite.set("time", f"{seconds:.3f}")
    for name, count in totals.items():
        suites.set(name, str(count))
    suites.set("time", f"{result.duration_s:.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _plain(failure: Failure) -> str:
    """A JUnit failure's text: the title, then the finding as one line (or the check's own report)."""
    v = failure.violation
    parts = [failure.title, text_line(FindingView.of(v), indent="") if v is not None else failure.message]
    if v is not None and v.quote:
        parts.append(f"The document: \"{v.quote}\"")
    if failure.curl:
        parts.append(f"Reproduce with: {failure.curl}")
    return "\n".join(parts)


def render_markdown(result: GateResult) -> str:
    lines = [f"## contractgate: {_verdict(result)}", "", _run_line(result) + ".", "", _methods(result) + ".", ""]
    for line in result.unreachable:
        lines += [f"**{line}**: nothing was checked against it.", ""]
    if result.stopped:
        lines += [f"**{result.stopped}**.", ""]
    lines += ["| API | operation | target | cases | answers | result |", "| --- | --- | --- | ---: | --- | --- |"]
    for op in result.operations:
        answers = ", ".join(f"{status}: {n}" for status, n in sorted(op.statuses.items())) or "-"
        outcome = _outcome(result, op)
        outcome = f"**{outcome}**" if "failed" in outcome or outcome == "error" else outcome
        lines.append(f"| {op.api_id} | {op.operation_id} | {op.target} | {op.cases} | {answers} | {outcome} |")
    notes = [f"- {op.api_id}: {op.note}." for op in result.operations if op.note]
    notes += [f"- {op.api_id}: {line}." for op in result.operations if (line := _exercised(op))]
    if notes:
        lines += ["", *notes]
    for op in result.operations:
        if op.error:
            lines += ["", f"### {op.api_id} {op.operation_id}: error", "", f"    {op.error}"]
        for failure in result.new_failures(op):
            lines += _failure_md(op, failure)
    known = [(op, f) for op in result.operations for f in result.known_failures(op)]
    if known:
        lines += ["", f"<details><summary>{len(known)} known deviations (in the baseline; not failing)</summary>", ""]
        lines += [f"- {op.api_id} {op.operation_id}: `{f.rule}` at `{f.pointer or '/'}`: {f.title}" for op, f in known]
        lines += ["", "</details>"]
    if result.triage is not None and result.triage.resolved:
        lines += ["", f"{len(result.triage.resolved)} baseline entries were not seen in this run (resolved?): "
                  + ", ".join(f"`{e.fingerprint.label()}`" for e in result.triage.resolved[:20])]
    warnings = [(op, v, n) for op in result.operations for v, n in op.warnings.values()]
    if warnings:
        lines += ["", f"<details><summary>{len(warnings)} warnings (inferred rules; fail with --strict)</summary>", ""]
        lines += [f"- {op.api_id}: {n} times, first:" + text_line(FindingView.of(v), indent=" ")
                  for op, v, n in warnings]
        lines += ["", "</details>"]
    lines += ["", f"Replay with `{result.replay or f'contractgate run --seed {result.seed}'}`."]
    return "\n".join(lines) + "\n"


def _failure_view(op: OperationResult, failure: Failure, known: bool = False) -> FindingView:
    """A gate failure as the shared finding: a contract violation as it is, a built-in check by its own words."""
    status = (("status", str(failure.status)),) if failure.status else ()
    code = (("code", failure.code),) if failure.code != failure.rule else ()  # a rule's code is its id: said once
    context = (("check", failure.check), *code, *status)
    where = anchor(op.api_id, op.operation_id, failure.rule, failure.pointer, str(failure.status or ""))
    if failure.violation is not None:
        view = FindingView.of(failure.violation, excerpt=failure.response_excerpt, anchor_id=where, context=context,
                              known=known)
    else:
        view = FindingView(id=failure.check, severity="error", pointer=failure.pointer or "/", message=failure.title,
                           detail=failure.message, excerpt=failure.response_excerpt, anchor=where, context=context,
                           known=known)
    return replace(view, curl=failure.curl)


def _failure_md(op: OperationResult, failure: Failure) -> list[str]:
    return ["", *markdown_block(_failure_view(op, failure), heading=f"### {op.api_id} {op.operation_id}: "
                                                                    f"{failure.title}")]


def _operation_view(result: GateResult, op: OperationResult) -> dict[str, Any]:
    outcome = _outcome(result, op)
    warnings = [(FindingView.of(v, anchor_id=anchor(op.api_id, op.operation_id, "warning", v.rule, v.pointer)), n)
                for v, n in op.warnings.values()]
    return {
        "api_id": op.api_id, "operation_id": op.operation_id, "label": op.label, "target": op.target,
        "cases": op.cases, "answers": ", ".join(f"{s}: {n}" for s, n in sorted(op.statuses.items())) or "-",
        "outcome": outcome, "anchor": anchor(op.api_id, op.operation_id).replace("f-", "op-", 1),
        "state": "fail" if "failed" in outcome or outcome == "error" else "skip" if outcome == "skipped" else "pass",
        "error": op.error, "note": op.note, "skipped_checks": op.skipped_checks, "coverage": _exercised(op),
        "findings": [_failure_view(op, f) for f in result.new_failures(op)],
        "known": [_failure_view(op, f, known=True) for f in result.known_failures(op)],
        "warnings": warnings,
    }


def render_html(result: GateResult) -> str:
    verdict = _verdict(result)
    resolved = [e.fingerprint.label() for e in result.triage.resolved[:20]] if result.triage is not None else []
    return render_page(
        "gate.html", title=f"contractgate: {verdict}", verdict=verdict,
        state="skip" if result.unreachable else "pass" if result.ok else "fail",
        run_line=_run_line(result), methods=_methods(result), unreachable=result.unreachable, stopped=result.stopped,
        operations=[_operation_view(result, op) for op in result.operations], resolved=resolved,
        checks=result.checks, replay=result.replay or f"contractgate run --seed {result.seed}")
