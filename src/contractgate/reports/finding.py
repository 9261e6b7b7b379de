"""One finding, rendered the same way in every report: a text line, a Markdown block, and (through
``templates/_finding.html``) an HTML partial. Gate failures, ``validate``, ``drift`` and ``audit`` all hand their
findings to ``FindingView`` and show what it holds: id and title, severity, pointer, expected and actual in JSON
terms, the property's or rule's source, the document's sentence, a rule's trigger values and an excerpt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contractgate.absent import ABSENT
from contractgate.findings import Violation
from contractgate.schema import Summary, as_json


def json_text(value: Any, limit: int = 160) -> str:
    """A value as a report shows it: JSON, ``(absent)`` for no value, cut at ``limit`` characters."""
    if value is ABSENT:
        return "(absent)"
    text = str(value) if isinstance(value, Summary) else as_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def anchor(*parts: str) -> str:
    """An HTML id from readable parts (``f-asleep-v3-getSession-ASLEEP-V3-N001-result-stat``)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(p for p in parts if p)).strip("-")


@dataclass(frozen=True)
class FindingView:
    """What every format shows of one finding; the formats differ only in markup."""

    id: str  # the rule id, ``schema``, or the check that failed
    severity: str
    pointer: str
    message: str
    title: str = ""
    expected: str = ""  # JSON text; empty when the finding states no expectation of its own
    actual: str = ""
    source: str = ""
    quote: str = ""
    trigger: tuple[tuple[str, str], ...] = ()  # (pointer, JSON text) of the values that made the rule apply
    conflicts: tuple[str, ...] = ()
    excerpt: str = ""
    detail: str = ""  # a built-in check's own report, when it is not a Violation
    context: tuple[tuple[str, str], ...] = ()  # e.g. ("check", "contract_rules"), ("status", "200")
    anchor: str = ""
    known: bool = False  # a known deviation (in the baseline), shown but not failing
    curl: str = ""  # how to reproduce it (credentials as $VARIABLES)

    @classmethod
    def of(cls, v: Violation, excerpt: str = "", anchor_id: str = "",
           context: tuple[tuple[str, str], ...] = (), known: bool = False) -> FindingView:
        keyword = v.values.get("keyword")
        # A missing property has no actual value: the message says so, and the JSON ``null`` would mislead.
        actual = "" if v.actual is ABSENT else json_text(v.actual)
        expected = "" if v.expected is ABSENT else json_text(v.expected)
        if keyword == "required":
            actual, expected = "(missing)", expected or "present"
        if keyword == "type" and v.expected is not ABSENT:
            types = v.expected if isinstance(v.expected, list) else [v.expected]
            expected = " or ".join(f"type {json_text(t)}" for t in types)
        return cls(id=v.rule, severity=v.severity, pointer=v.pointer or "/", message=v.message, title=v.title or "",
                   expected=expected, actual=actual, source=v.source or "", quote=v.quote or "",
                   trigger=tuple((p, json_text(value)) for p, value in v.trigger.items()),
                   conflicts=v.conflicts, excerpt=excerpt, anchor=anchor_id, context=context, known=known)

    @property
    def label(self) -> str:
        """``ASLEEP-V3-N001 stat is null while ...`` or ``schema``: the finding's name in one line."""
        return f"{self.id} {self.title}".strip()


def text_line(view: FindingView, indent: str = "  ") -> str:
    """One line (the trigger values on the same line, so that greps and logs keep them together)."""
    rule = "" if view.id == "schema" else f" [{view.id}]" + (f" {view.title}" if view.title else "")
    tag = "known" if view.known else view.severity
    extra = [f"source {view.source}"] if view.source else []
    extra += [f"when {p} = {value}" for p, value in view.trigger]
    extra += [f"documented conflict: {', '.join(view.conflicts)}"] if view.conflicts else []
    extra += ["in the baseline"] if view.known else []
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{indent}{tag:7} {view.pointer}: {view.message}{rule}{tail}"


def _md_code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def markdown_block(view: FindingView, heading: str = "") -> list[str]:
    """The finding as a Markdown block: a heading (optional), facts as a list, the quote, the excerpt."""
    lines = [heading, ""] if heading else []
    where = f"**{view.severity}** `{view.id}`" + (f" {view.title}" if view.title else "")
    lines.append(f"{where} at {_md_code(view.pointer)}: {view.message}")
    lines.append("")
    facts = [(name, _md_code(value)) for name, value in view.context]
    if view.expected:
        facts.append(("expected", _md_code(view.expected)))
    if view.actual:
        facts.append(("actual", _md_code(view.actual)))
    facts += [(f"trigger {_md_code(p)}", _md_code(value)) for p, value in view.trigger]
    if view.source:
        facts.append(("source", view.source))
    if view.conflicts:
        facts.append(("documented conflict", ", ".join(view.conflicts)))
    lines += [f"- {name}: {value}" for name, value in facts]
    if view.quote:
        lines += ["", f"> The document: \"{view.quote}\""]
    if view.detail:
        lines += ["", "```", view.detail.strip(), "```"]
    if view.excerpt:
        lines += ["", "<details><summary>Excerpt of the payload</summary>", "", "```json", view.excerpt, "```", "",
                  "</details>"]
    if view.curl:
        lines += ["", "Reproduce:", "", "```sh", view.curl, "```"]
    return lines
