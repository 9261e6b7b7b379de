"""Rendering ``contractgate diff`` and ``spec-diff`` changes (text, JSON, Markdown, HTML) and the generated
change reference in docs/changes.md (``python -m contractgate.reports.diff docs/changes.md`` rewrites it).

The JSON shape is a stable contract (docs/changes.md); verdicts are the engine's and the command's, these
functions only put them into words. A report is meant to be shared: ``render`` shows the changes through
``shared`` (secrets masked, personal identifiers pseudonymized, docs/recordings.md); a report embedding the
changes (drift, audit) does the same with its own masker.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from contractgate.absent import ABSENT
from contractgate.diff.change import Change
from contractgate.diff.classify import BY_ID, CHANGE_KINDS, CLASSES, SPEC_KINDS
from contractgate.fileio import write_text_atomic
from contractgate.pointer import unescape_token
from contractgate.reports.html import fragment
from contractgate.reports.html import render as render_page
from contractgate.secrets import Masker
from contractgate.wording import plural

_SHORT = 80  # characters of a value in sentences and tables; JSON always has the whole value


def value_text(value: Any, limit: int | None = _SHORT) -> str:
    """A value for a sentence: JSON, except that lists of strings and flat objects read as words."""
    if value is ABSENT:
        text = "(absent)"
    elif isinstance(value, list):
        text = ", ".join(v if isinstance(v, str) else orjson.dumps(v).decode() for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k} {orjson.dumps(v).decode()}" for k, v in value.items())
    else:
        text = orjson.dumps(value).decode()
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def message(change: Change) -> str:
    return BY_ID[change.kind].message.format(old=value_text(change.old), new=value_text(change.new),
                                             interactions=plural(change.count, "interaction"))


def _place(change: Change) -> str:
    return change.pointer or "(whole)"


def _where(change: Change) -> str:
    return " ".join(p for p in (change.operation, change.location) if p)


def summary(changes: Sequence[Change]) -> str:
    if not changes:
        return "no changes"
    counts = Counter(c.klass for c in changes)
    return f"{plural(len(changes), 'change')}: " + ", ".join(f"{counts[k]} {k}" for k in CLASSES)


def change_dict(change: Change) -> dict[str, Any]:
    """The JSON form; ``old``/``new`` are left out where that side has no value."""
    out: dict[str, Any] = {"pointer": change.pointer, "change": change.kind, "class": change.klass}
    if change.old is not ABSENT:
        out["old"] = change.old
    if change.new is not ABSENT:
        out["new"] = change.new
    out.update(count=change.count, operation=change.operation, location=change.location, message=message(change))
    return out


def render_json(changes: Sequence[Change]) -> str:
    return orjson.dumps({"changes": [change_dict(c) for c in changes]}, option=orjson.OPT_INDENT_2).decode()


def render_text(changes: Sequence[Change]) -> str:
    lines = []
    for c in changes:
        where = f"; {_where(c)}" if _where(c) else ""
        lines.append(f"{c.klass:<20} {_place(c)}: {message(c)} ({c.kind}{where})")
    return "\n".join([*lines, summary(changes)])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


_COLUMNS = ("class", "change", "where", "pointer", "what", "count")


def markdown_rows(changes: Sequence[Change]) -> list[str]:
    """The changes as a Markdown table (no lines when there are none)."""
    if not changes:
        return []
    return ["| " + " | ".join(_COLUMNS) + " |", "|" + " --- |" * len(_COLUMNS)] + [
        f"| {c.klass} | `{c.kind}` | {_cell(_where(c))} | {_code(_cell(_place(c)))} | {_cell(message(c))} | "
        f"{c.count} |" for c in changes]


def render_markdown(changes: Sequence[Change], title: str) -> str:
    rows = markdown_rows(changes)
    return "\n".join([f"# {title}", "", summary(changes) + ".", *(["", *rows] if rows else [])]) + "\n"


def html_rows(changes: Sequence[Change]) -> list[dict[str, Any]]:
    return [{"klass": c.klass, "kind": c.kind, "where": _where(c), "pointer": _place(c), "message": message(c),
             "count": c.count} for c in changes]


def render_html_table(changes: Sequence[Change]) -> str:
    """The changes as an HTML table (a fragment; empty when there are none), styled by the page around it."""
    return str(fragment("_changes.html", "changes", html_rows(changes)))


def render_html(changes: Sequence[Change], title: str) -> str:
    """A self-contained page (inline style, no scripts, no external assets)."""
    return render_page("diff.html", title=title, summary=summary(changes), rows=html_rows(changes))


def shared(changes: Sequence[Change], masker: Masker) -> list[Change]:
    """The changes with their values as a shared artifact may show them (``Masker.value``): done on the values
    before they are put into words, because a sentence cuts a long value, and a cut secret or identifier
    would no longer be recognised in the text."""
    out = []
    for change in changes:
        # The member the value is found under (RFC 6901 unescaped): user_id for /callback_data/user_id.
        name = unescape_token(change.pointer.rsplit("/", 1)[-1])
        out.append(replace(change, old=masker.value(change.old, name), new=masker.value(change.new, name)))
    return out


def render(changes: Sequence[Change], fmt: str, title: str, masker: Masker | None = None) -> str:
    """The report in ``fmt``, with secrets masked and identifiers pseudonymized (``masker``, by default the
    environment's credentials and identifiers)."""
    masker = (masker or Masker.from_env()).sharing()
    changes = shared(changes, masker)
    if fmt == "json":
        text = render_json(changes)
    elif fmt == "md":
        text = render_markdown(changes, title)
    elif fmt == "html":
        text = render_html(changes, title)
    else:
        text = render_text(changes)
    return masker.text(text)


# --- the generated reference (docs/changes.md) ------------------------------------------------------------

def render_reference() -> str:
    """The change list as Markdown: one table per diff, then how schema facets become spec kinds."""
    out: list[str] = []
    for scope, title in (("behaviour", "`contractgate diff` (behaviour)"), ("spec", "`contractgate spec-diff`")):
        kinds = [k for k in CHANGE_KINDS if k.scope == scope]
        out += [f"### {title}: {len(kinds)} kinds", "", "| id | class | message | meaning |",
                "| --- | --- | --- | --- |"]
        out += [f"| `{k.id}` | {k.klass} | {_cell(k.message)} | {_cell(k.description)} |" for k in kinds]
        out.append("")
    out += ["### Spec diff: a schema change, by who sends the value", "",
            "| found in a schema | received (responses, webhook deliveries and headers) | sent (REST parameters) |",
            "| --- | --- | --- |"]
    for facet, received in SPEC_KINDS["received"].items():
        sent = SPEC_KINDS["sent"][facet]
        out.append(f"| {facet} | `{received}` | {f'`{sent}`' if sent else 'not reported'} |")
    return "\n".join(out)


BEGIN = "<!-- BEGIN GENERATED by `python -m contractgate.reports.diff docs/changes.md`: do not edit -->"
END = "<!-- END GENERATED -->"


def with_reference(document: str) -> str:
    """``document`` with the text between its BEGIN and END markers replaced by the current reference."""
    head, begin, rest = document.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError("the document lacks the BEGIN/END GENERATED markers")
    return f"{head}{BEGIN}\n{render_reference()}\n{END}{tail}"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    write_text_atomic(target, with_reference(target.read_text(encoding="utf-8")))
