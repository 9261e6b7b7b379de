"""Rendering mappings, ``mapping check`` findings and ``mapping compare`` drifts: text, JSON, Markdown, HTML.

The JSON shapes are a stable contract (docs/mapping.md). Verdicts (``ok``, exit codes) are decided by
the engine and the command; these functions only put them into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from contractgate.absent import ABSENT
from contractgate.mapping.compare import Comparison, FieldDrift
from contractgate.mapping.model import MappedField, MappingFile, Side, UnmappedField
from contractgate.mapping.static import CheckResult, Finding
from contractgate.mapping.transforms import TransformSpec
from contractgate.reports.html import fragment
from contractgate.wording import plural

_SHORT = 60  # characters of a value shown in text and tables; JSON always has the whole value
_ONLY_TITLES: tuple[tuple[Side, str], ...] = (("v1", "v1 fields without a v3 counterpart"),
                                             ("v3", "v3 fields new since v1"))


def transform_label(spec: TransformSpec) -> str:
    """A short human form of a transform, e.g. ``scale x60`` or ``enum_map A→B, C→D``."""
    params = spec.params
    if spec.kind == "enum_map":
        return "enum_map " + ", ".join(f"{a}→{b}" for a, b in params["values"].items())
    if spec.kind == "scale":
        offset = params.get("offset", 0)
        return f"scale x{params['factor']}" + (f" {offset:+}" if offset else "")
    if spec.kind == "window":
        return (f"window: {params['blocks']} blocks of {params['epochs_per_block']} ending at block "
                f"{params['block_pointer']}")
    return spec.kind


def value_text(value: Any, limit: int | None = _SHORT) -> str:
    if value is ABSENT:
        return "(absent)"
    text = orjson.dumps(value).decode()
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _where(finding: Finding) -> str:
    parts = [f"v1 {finding.v1_pointer}" if finding.v1_pointer else "", f"v3 {finding.v3_pointer}" if
             finding.v3_pointer else ""]
    return " -> ".join(p for p in parts if p)


# --- mapping check ------------------------------------------------------------------------------------

def render_check_text(result: CheckResult) -> str:
    """One line per finding (level, check id, place, message), then a summary line."""
    lines = [f"{f.level:7} {f.check}  {_where(f)}: {f.message}" for f in result.findings]
    m = result.mapping
    errors = sum(f.level == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    if result.findings:
        lines.append(f"{m.name}: {plural(errors, 'error')}, {plural(warnings, 'warning')}")
    else:
        lines.append(
            f"{m.name}: ok ({len(m.fields)} mapped, {len(m.v1_only)} v1-only, {len(m.v3_only)} v3-only; "
            f"all {result.v1_fields} fields of {m.v1.api} and {result.v3_fields} of {m.v3.api} listed)"
        )
    return "\n".join(lines)


def render_check_json(result: CheckResult, ok: bool) -> str:
    """``ok`` is the command's verdict (it depends on --strict)."""
    doc = {
        "mapping": result.mapping.name,
        "ok": ok,
        "findings": [f.to_dict() for f in result.findings],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


# --- mapping compare ----------------------------------------------------------------------------------

def render_compare_json(comparison: Comparison) -> str:
    doc = {"ok": comparison.ok, "drifts": [d.to_dict() for d in comparison.drifts]}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def _drift_line(d: FieldDrift) -> str:
    hedge = " (inferred mapping)" if d.basis == "inferred" else ""
    return (f"  {d.kind:14} {d.v1_pointer} -> {d.v3_pointer}: v1 {value_text(d.v1_value)}, "
            f"v3 {value_text(d.v3_value)}{hedge}")


def _headline(comparison: Comparison) -> str:
    what = f" ({comparison.variant})" if comparison.variant else ""
    n = len(comparison.drifts)
    found = "no drift" if not n else plural(n, "drift")
    expected = f" ({plural(len(comparison.expected), 'documented difference')})" if comparison.expected else ""
    return f"{comparison.mapping.name}{what}: {found} in {plural(comparison.compared, 'mapped field')}{expected}"


def _expected_text(d: FieldDrift) -> str:
    return f"{d.v1_pointer} -> {d.v3_pointer}: v1 {value_text(d.v1_value, 24)}, v3 {value_text(d.v3_value, 24)}"


def render_compare_text(comparison: Comparison) -> str:
    lines = [_headline(comparison), *map(_drift_line, comparison.drifts)]
    lines += [f"  expected       {_expected_text(d)} (null_when)" for d in comparison.expected]
    return "\n".join(lines)


# --- Markdown -----------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _notes(entry: MappedField) -> list[str]:
    notes = [entry.note] if entry.note else []
    if entry.null_note:
        notes.append(f"Null/absent: {entry.null_note}")
    if entry.null_when:
        when = entry.null_when
        values = ", ".join(map(str, when.any_of))
        notes.append(f"Expected when {when.side} {when.pointer} has any of {values}.")
    if entry.unreachable:
        notes.append("Unreachable v3 values: " + "; ".join(f"{v}: {why}" for v, why in entry.unreachable.items()))
    return notes


def _summary(mapping: MappingFile) -> str:
    inferred = sum(f.basis == "inferred" for f in mapping.fields)
    return (
        f"From `{mapping.v1.api}/{mapping.v1.operation}` to `{mapping.v3.api}/{mapping.v3.operation}` "
        f"({mapping.v3.status}). {plural(len(mapping.fields), 'mapped field')} "
        f"({len(mapping.fields) - inferred} documented, {inferred} inferred), "
        f"{plural(len(mapping.v1_only), 'v1 field')} without a v3 counterpart, "
        f"{plural(len(mapping.v3_only), 'v3 field')} new since v1."
    )


def _only_rows_md(only: Sequence[UnmappedField]) -> list[str]:
    return [f"| {_code(u.pointer)} | {_cell(u.reason)} | {u.basis} | {_cell('; '.join(u.sources))} |" for u in only]


def render_mapping_markdown(mapping: MappingFile, level: int = 3) -> str:
    """The mapping table: every mapped field, then the fields of each side that have no counterpart."""
    h = "#" * level
    out = [f"{h} Field mapping {mapping.name}: {mapping.title}", "", _summary(mapping), ""]
    if mapping.description:
        out += [mapping.description, ""]
    out += ["| v1 field | v3 field | transform | basis | sources | notes |", "| --- | --- | --- | --- | --- | --- |"]
    for f in mapping.fields:
        out.append(f"| {_code(f.v1)} | {_code(f.v3)} | {_cell(transform_label(f.transform))} | {f.basis} | "
                   f"{_cell('; '.join(f.sources))} | {_cell(' '.join(_notes(f)))} |")
    for side, title in _ONLY_TITLES:
        only = mapping.only(side)
        out += ["", f"{h}# {title}", ""]
        if not only:
            out.append("None.")
            continue
        out += [f"| {side} field | reason | basis | sources |", "| --- | --- | --- | --- |", *_only_rows_md(only)]
    return "\n".join(out)


def render_drifts_markdown(comparison: Comparison, label: str | None = None, level: int = 3) -> str:
    """The drifts of one compared pair (``label`` names the pair, e.g. the session id or the files)."""
    h = "#" * level
    out = [f"{h} Drift {comparison.mapping.name}" + (f": {label}" if label else ""), "", _headline(comparison) + "."]
    if comparison.drifts:
        out += ["", "| kind | v1 pointer | v3 pointer | v1 value | v3 value | mapping basis |",
                "| --- | --- | --- | --- | --- | --- |"]
        for d in comparison.drifts:
            v1, v3 = (_code(_cell(value_text(v))) if v is not ABSENT else "*absent*" for v in (d.v1_value, d.v3_value))
            out.append(f"| {d.kind} | {_code(d.v1_pointer)} | {_code(d.v3_pointer)} | {v1} | {v3} | {d.basis} |")
    if comparison.expected:
        out += ["", "Documented differences (the entry's `null_when` holds), not counted as drift: "
                + "; ".join(_code(_expected_text(d)) for d in comparison.expected) + "."]
    return "\n".join(out)


def render_markdown_section(mapping: MappingFile, comparisons: Sequence[tuple[str, Comparison]] = (),
                            level: int = 2) -> str:
    """The audit report's section for one mapping: its table and the drift of each compared pair."""
    parts = [f"{'#' * level} v1 to v3 mapping: {mapping.name}", "", render_mapping_markdown(mapping, level + 1)]
    for label, comparison in comparisons:
        parts += ["", render_drifts_markdown(comparison, label, level + 1)]
    return "\n".join(parts)


# --- HTML (a fragment for the audit report; the page around it adds the styles: templates/_mapping.html) ------

def _mapping_view(mapping: MappingFile) -> dict[str, Any]:
    """The mapping as table cells; a field or pointer is a token (``code``) and is never wrapped."""
    return {
        "name": mapping.name, "title": mapping.title, "summary": _summary(mapping), "description": mapping.description,
        "fields": [[(f.v1, "code"), (f.v3, "code"), transform_label(f.transform), (f.basis, "badge", "info"),
                    "; ".join(f.sources), " ".join(_notes(f))] for f in mapping.fields],
        "only": [(title, [f"{side} field", "reason", "basis", "sources"],
                  [[(u.pointer, "code"), u.reason, u.basis, "; ".join(u.sources)] for u in mapping.only(side)])
                 for side, title in _ONLY_TITLES],
    }


def _drifts_view(comparison: Comparison, label: str | None = None) -> dict[str, Any]:
    return {
        "title": f"Drift {comparison.mapping.name}" + (f": {label}" if label else ""),
        "headline": _headline(comparison),
        "rows": [[(d.kind, "badge", "warning"), (d.v1_pointer, "code"), (d.v3_pointer, "code"),
                  *((value_text(v), "code") if v is not ABSENT else "absent" for v in (d.v1_value, d.v3_value)),
                  d.basis] for d in comparison.drifts],
        "expected": [_expected_text(d) for d in comparison.expected],
    }


def render_mapping_html(mapping: MappingFile, level: int = 3) -> str:
    return str(fragment("_mapping.html", "mapping_table", _mapping_view(mapping), level))


def render_drifts_html(comparison: Comparison, label: str | None = None, level: int = 3) -> str:
    return str(fragment("_mapping.html", "drifts", _drifts_view(comparison, label), level))


def render_html_section(mapping: MappingFile, comparisons: Sequence[tuple[str, Comparison]] = (),
                        level: int = 2) -> str:
    """The audit report's section for one mapping, as an HTML fragment (a ``<section>``)."""
    return str(fragment("_mapping.html", "section", _mapping_view(mapping),
                        [_drifts_view(c, label) for label, c in comparisons], level))
