"""Rendering a gate run: JUnit XML for the CI, Markdown for the pull request, HTML for people.

Every string here comes from the gate's results, whose curl commands and excerpts are already masked.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from contractgate.findings import Violation
from contractgate.gate.results import CONTRACT_CHECK, Failure, GateResult, OperationResult


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
                if op.error is not None:
                    ET.SubElement(case, "error", message=op.error, type="error")
                    counts["errors"] += 1
                elif op.note and not op.cases:
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
    parts = [f"{failure.title}", failure.message]
    v = failure.violation
    if v is not None and v.quote:
        parts.append(f"{v.rule} ({v.source}): \"{v.quote}\"")
    if failure.curl:
        parts.append(f"Reproduce with: {failure.curl}")
    return "\n".join(parts)


def _violation_md(v: Violation) -> str:
    quote = f" The document: \"{v.quote}\"" if v.quote else ""
    source = f" ({v.source})" if v.source else ""
    return f"  - `{v.rule}` at `{v.pointer or '/'}`: {v.message}{source}.{quote}"


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
        lines += [f"- {op.api_id}: `{v.rule}` {v.title or ''} {n} times, first at `{v.pointer}`: {v.message}"
                  for op, v, n in warnings]
        lines += ["", "</details>"]
    lines += ["", f"Replay with `{result.replay or f'contractgate run --seed {result.seed}'}`."]
    return "\n".join(lines) + "\n"


def _failure_md(op: OperationResult, failure: Failure) -> list[str]:
    lines = ["", f"### {op.api_id} {op.operation_id}: {failure.title}", "",
             f"Check `{failure.check}` ({failure.code}){f', status {failure.status}' if failure.status else ''}"
             f"{f', at `{failure.pointer}`' if failure.pointer else ''}."]
    if failure.violation is not None:
        lines.append(_violation_md(failure.violation))
    else:
        lines += ["", "```", failure.message.strip(), "```"]
    if failure.response_excerpt:
        lines += ["", "<details><summary>Excerpt of the answer</summary>", "", "```json", failure.response_excerpt,
                  "```", "", "</details>"]
    if failure.curl:
        lines += ["", "Reproduce:", "", "```sh", failure.curl, "```"]
    return lines


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}.sub{color:#5b6475;margin:0 0 20px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:14px}
.pass{background:#1f883d}.fail{background:#cf222e}.skip{background:#8c959f}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dee4;border-radius:6px}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.num{text-align:right}
section{margin-top:28px}h2{font-size:19px}
details{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:10px 0;padding:8px 12px}
summary{cursor:pointer;font-weight:600}
pre{background:#0d1117;color:#e6edf3;padding:10px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;
word-break:break-all;font-size:13px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
blockquote{margin:6px 0;padding:4px 12px;border-left:3px solid #8c959f;color:#4a5261;background:#f6f8fa}
.rule{margin:10px 0}.muted{color:#5b6475}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_failure(failure: Failure) -> Iterator[str]:
    status = f" · status {failure.status}" if failure.status else ""
    yield f"<details open><summary>{_e(failure.title)}</summary>"
    yield f"<p class=muted>check <code>{_e(failure.check)}</code> · {_e(failure.code)}{_e(status)}</p>"
    for v in [failure.violation] if failure.violation is not None else []:
        yield (f"<div class=rule><b><code>{_e(v.rule)}</code></b> {_e(v.title or '')} at "
               f"<code>{_e(v.pointer or '/')}</code><br>{_e(v.message)}<br><span class=muted>{_e(v.source)}</span>")
        if v.quote:
            yield f"<blockquote>{_e(v.quote)}</blockquote>"
        yield "</div>"
    if failure.violation is None:
        yield f"<pre>{_e(failure.message.strip())}</pre>"
    if failure.response_excerpt:
        yield f"<p>Response excerpt:</p><pre>{_e(failure.response_excerpt)}</pre>"
    if failure.curl:
        yield f"<p>Reproduce:</p><pre>{_e(failure.curl)}</pre>"
    yield "</details>"


def render_html(result: GateResult) -> str:
    badge = "pass" if result.ok else "fail"
    out = ["<!doctype html>", "<html lang=en><head><meta charset=utf-8>",
           "<meta name=viewport content='width=device-width,initial-scale=1'>",
           f"<title>contractgate: {_verdict(result)}</title><style>{_CSS}</style></head><body><main>",
           f"<h1>contractgate <span class='badge {badge}'>{_verdict(result)}</span></h1>",
           f"<p class=sub>{_e(_run_line(result))}</p>", f"<p class=sub>{_e(_methods(result))}</p>"]
    out += [f"<p><span class='badge fail'>{_e(line)}</span> nothing was checked against it.</p>"
            for line in result.unreachable]
    out.append("<table><thead><tr><th>API</th><th>operation</th><th>target</th><th>cases</th><th>answers</th>"
               "<th>result</th></tr></thead><tbody>")
    for op in result.operations:
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(op.statuses.items())) or "-"
        outcome = _outcome(result, op)
        kind = "fail" if "failed" in outcome or outcome == "error" else "skip" if outcome == "skipped" else "pass"
        anchor = f"#{_e(op.api_id)}-{_e(op.operation_id)}"
        out.append(f"<tr><td>{_e(op.api_id)}</td><td><a href='{anchor}'>{_e(op.operation_id)}</a><br>"
                   f"<span class=muted>{_e(op.label)}</span></td><td>{_e(op.target)}</td>"
                   f"<td class=num>{op.cases}</td><td>{_e(answers)}</td>"
                   f"<td><span class='badge {kind}'>{_e(outcome)}</span></td></tr>")
    out.append("</tbody></table>")
    for op in result.operations:
        out.append(f"<section id='{_e(op.api_id)}-{_e(op.operation_id)}'><h2>{_e(op.api_id)} · "
                   f"{_e(op.operation_id)}</h2>")
        if op.error:
            out.append(f"<pre>{_e(op.error)}</pre>")
        if op.note:
            out.append(f"<p class=muted>{_e(op.note)}</p>")
        new, known = result.new_failures(op), result.known_failures(op)
        for failure in new:
            out += list(_html_failure(failure))
        if not new and not op.error:
            out.append("<p>Every check held" + (" but the known deviations below." if known else ".") + "</p>")
        if known:
            out.append(f"<details><summary>{len(known)} known deviations (baseline)</summary><ul>")
            out += [f"<li><code>{_e(f.rule)}</code> at <code>{_e(f.pointer or '/')}</code>: {_e(f.title)}</li>"
                    for f in known]
            out.append("</ul></details>")
        if op.skipped_checks:
            out.append("<p class=muted>Not run against this target: "
                       + "; ".join(f"<code>{_e(c)}</code> ({_e(why)})" for c, why in op.skipped_checks.items())
                       + ".</p>")
        if op.warnings:
            out.append(f"<details><summary>{len(op.warnings)} warnings (inferred rules)</summary><ul>")
            out += [f"<li><code>{_e(v.rule)}</code> {_e(v.title or '')} {n} times, first at "
                    f"<code>{_e(v.pointer)}</code>: {_e(v.message)}</li>" for v, n in op.warnings.values()]
            out.append("</ul></details>")
        out.append("</section>")
    out.append(f"<p class=muted>Checks: {_e(', '.join(result.checks))}.</p></main></body></html>")
    return "\n".join(out) + "\n"
