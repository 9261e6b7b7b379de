"""``contractgate mapping check``: does the mapping file still agree with both specs?

Each check has a stable id, a default level and a message template, all in ``CHECKS`` (one explicit,
sorted list; docs/mapping.md describes each). A finding carries the id, both pointers and the template's
arguments; renderers write the sentence.

Compatibility, as checked here:

- types: the transform's shape decides (see transforms.py). ``same`` means the same JSON types on both
  sides, null aside (integer and number are different types), and for arrays the same item types.
- nullability: each side is described by whether the field may be null and whether it may be absent
  (not required). The two descriptions must match; where they do not, the entry needs a ``null_note``
  stating when the looser side lacks a value and why that case never reaches a payload pair (or that
  it does, and shows up in ``compare`` as null_mismatch or missing). Only the field's own schema counts:
  a nullable container (v3 ``stat``) is judged at the container's own entry.
- enums: known values (``enum``, ``const``, ``x-known-values``; for arrays the items') are sent through
  the transform: every v1 value must land on a v3 value, and every v3 value must be reached by one
  unless the entry's ``unreachable`` says why not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from contractgate.catalog import load_catalog
from contractgate.conflicts import load_conflicts
from contractgate.mapping.fields import FieldInfo, Inventory, spec_inventory
from contractgate.mapping.model import MappedField, MappingFile, Side

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Check:
    id: str
    level: Level
    description: str
    template: str


CHECKS: tuple[Check, ...] = (
    Check("mapping-enum-unmapped", "error",
          "A known v1 value that the transform sends nowhere, or onto a value v3 does not have.",
          "v1 value {value!r} {problem}"),
    Check("mapping-enum-unreachable", "error",
          "A known v3 value that no v1 value is mapped to, and the entry's `unreachable` does not say why.",
          "v3 value {value!r} is reached by no v1 value; list it under `unreachable` with the reason"),
    Check("mapping-field-unlisted", "error",
          "A field of a spec that the mapping does not list under `fields`, `v1_only` or `v3_only`.",
          "{side} field of {api} is not in the mapping: map it or list it under {side}_only"),
    Check("mapping-nullability-incompatible", "error",
          "The two sides differ in whether the field may be null or absent, and the entry has no `null_note`.",
          "v1 is {v1}, v3 is {v3}; add a null_note saying when the difference shows and why it is acceptable"),
    Check("mapping-pointer-missing", "error",
          "A pointer of the mapping that is not a field of its spec (renamed, moved or removed).",
          "{side} pointer {pointer} is not a field of {api}"),
    Check("mapping-rename-inconsistent", "error",
          "`identity` between fields of different names, or a renaming transform between equal names.",
          "transform {transform} but the fields are named {v1_name!r} and {v3_name!r}; use {suggest}"),
    Check("mapping-source-unknown", "warning",
          "A source that names a conflict id or a seed file that the catalog does not know.",
          "source {source!r} names {what}, which does not exist"),
    Check("mapping-stale", "warning",
          "The mapping states something the specs no longer bear out (a note or table row with nothing to say).",
          "{subject} {problem}"),
    Check("mapping-type-incompatible", "error",
          "The JSON types of the two sides do not fit the transform.",
          "{transform} needs {need}; v1 is {v1_type}, v3 is {v3_type}"),
)
CHECKS_BY_ID = {c.id: c for c in CHECKS}


@dataclass(frozen=True)
class Finding:
    check: str
    v1_pointer: str | None
    v3_pointer: str | None
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> Level:
        return CHECKS_BY_ID[self.check].level

    @property
    def message(self) -> str:
        return CHECKS_BY_ID[self.check].template.format(**self.args)

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        """Identity that survives a reworded message, for baselines."""
        return (self.check, self.v1_pointer or "", self.v3_pointer or "")

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "level": self.level, "v1_pointer": self.v1_pointer,
                "v3_pointer": self.v3_pointer, "message": self.message}


@dataclass(frozen=True)
class CheckResult:
    mapping: MappingFile
    findings: tuple[Finding, ...]
    v1_fields: int
    v3_fields: int

    def failed(self, strict: bool = False) -> bool:
        return any(f.level == "error" or strict for f in self.findings)


def _types(info: FieldInfo) -> str:
    text = "|".join(sorted(info.types)) or "untyped"
    return f"{text} ({info.format})" if info.format else text


def _shape(info: FieldInfo) -> str:
    if info.types == {"array"} and info.items is not None:
        return f"array of {_types(info.items)}"
    return _types(info)


def _type_problem(entry: MappedField, v1: FieldInfo, v3: FieldInfo) -> str | None:
    """What the transform needs that the two sides do not give; None when they fit (or a side is untyped)."""
    shape = entry.transform.definition.shape
    if not v1.types or not v3.types:
        return None  # nothing declared, nothing to contradict
    if shape == "object":
        return None if v1.types == v3.types == {"object"} else "objects on both sides"
    if shape == "list" and not v1.types == v3.types == {"array"}:
        return "arrays on both sides"
    if (v1.types == {"array"}) != (v3.types == {"array"}):
        return "arrays on both sides or on neither"
    a, b = v1.leaf, v3.leaf
    if shape == "timestamp":
        ok = a.types == b.types == {"string"} and a.format == b.format == "date-time"
        return None if ok else "date-time strings (format: date-time) on both sides"
    if shape == "number":
        return None if a.types | b.types <= {"integer", "number"} else "numbers on both sides"
    if a.types and b.types and a.types != b.types:
        return "the same JSON types on both sides"
    return None


def _check_entry(entry: MappedField, v1: FieldInfo, v3: FieldInfo) -> Iterator[Finding]:
    def finding(check: str, **args: Any) -> Finding:
        return Finding(check, entry.v1, entry.v3, args)

    kind = entry.transform.definition
    v1_name, v3_name = entry.v1.rsplit("/", 1)[-1], entry.v3.rsplit("/", 1)[-1]
    if kind.same_name is True and v1_name != v3_name:
        yield finding("mapping-rename-inconsistent", transform=kind.kind, v1_name=v1_name, v3_name=v3_name,
                      suggest="rename (or list_rename for arrays)")
    elif kind.same_name is False and v1_name == v3_name:
        yield finding("mapping-rename-inconsistent", transform=kind.kind, v1_name=v1_name, v3_name=v3_name,
                      suggest="identity")

    if (need := _type_problem(entry, v1, v3)) is not None:
        yield finding("mapping-type-incompatible", transform=kind.kind, need=need, v1_type=_shape(v1),
                      v3_type=_shape(v3))

    same_presence = (v1.nullable, v1.optional) == (v3.nullable, v3.optional)
    if not same_presence and entry.null_note is None:
        yield finding("mapping-nullability-incompatible", v1=v1.describe_presence(), v3=v3.describe_presence())
    elif same_presence and entry.null_note is not None:
        yield finding("mapping-stale", subject="null_note",
                      problem=f"explains a difference that is gone: both sides are {v1.describe_presence()}")

    yield from _check_enums(entry, v1.leaf.values, v3.leaf.values, finding)


def _check_null_when(entry: MappedField, inventories: dict[Side, Inventory], lacking: FieldInfo | None,
                     other: FieldInfo | None = None) -> Iterator[Finding]:
    """``null_when`` reads a field that exists, names values it can hold, covers a side that can lack one,
    and its ``other_blank`` placeholders are values the other side can hold."""
    when = entry.null_when
    if when is None:
        return
    placeholders = other.leaf.values if other is not None else None
    for value in when.other_blank or ():
        if placeholders is not None and value not in placeholders:
            yield Finding("mapping-stale", entry.v1, entry.v3, {
                "subject": f"null_when other_blank value {value!r}",
                "problem": f"is not a value of {when.other} {entry.v1 if when.other == 'v1' else entry.v3}"})
    condition = inventories[when.side].get(when.pointer)
    if condition is None:
        yield Finding("mapping-pointer-missing", entry.v1, entry.v3,
                      {"side": when.side, "pointer": when.pointer, "api": inventories[when.side].api_id})
        return
    known = condition.leaf.values
    for value in when.any_of:
        if known is not None and value not in known:
            yield Finding("mapping-stale", entry.v1, entry.v3, {
                "subject": f"null_when value {value!r}", "problem": f"is not a value of {when.side} {when.pointer}"})
    if lacking is not None and not lacking.nullable and not lacking.optional:
        yield Finding("mapping-stale", entry.v1, entry.v3, {
            "subject": "null_when", "problem": f"covers the {when.side} side, which is {lacking.describe_presence()}"})


def _check_enums(entry: MappedField, v1_values: tuple[Any, ...] | None, v3_values: tuple[Any, ...] | None,
                 finding: Callable[..., Finding]) -> Iterator[Finding]:
    kind = entry.transform.definition
    table = entry.transform.params.get("values") if kind.kind == "enum_map" else None
    if kind.image is None or (v1_values is None and v3_values is None and table is None):
        return
    reached: set[Any] = set()
    if v1_values is not None:
        image = kind.image(v1_values, entry.transform)
        for value in v1_values:
            if value not in image:
                yield finding("mapping-enum-unmapped", value=value, problem=f"has no row in the {kind.kind} table")
            elif v3_values is not None and image[value] not in v3_values:
                yield finding("mapping-enum-unmapped", value=value,
                              problem=f"maps to {image[value]!r}, which is not a v3 value")
            else:
                reached.add(image[value])
        if table is not None:
            for value in table:
                if value not in v1_values:
                    yield finding("mapping-stale", subject=f"enum_map row {value!r}", problem="is not a v1 value")
    elif table is not None:
        reached = set(table.values())  # v1 open: the table's rows are the values it is expected to send
    else:
        return  # an open v1 value set may reach any v3 value
    for value in v3_values or ():
        if value not in reached and value not in entry.unreachable:
            yield finding("mapping-enum-unreachable", value=value)
    for value in entry.unreachable:
        if v3_values is not None and value not in v3_values:
            yield finding("mapping-stale", subject=f"unreachable value {value!r}", problem="is not a v3 value")
        elif value in reached:
            yield finding("mapping-stale", subject=f"unreachable value {value!r}", problem="is reached by a v1 value")


_CONFLICT_ID = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-C\d{3}\b")
_SEED = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")


def _check_sources(mapping: MappingFile, root: Path | None) -> Iterator[Finding]:
    catalog = load_catalog(root)
    apis = [catalog.api(mapping.v1.api), catalog.api(mapping.v3.api)]
    conflict_ids = {c.id for api in apis for c in load_conflicts(api)}
    seeds = {api.seed for api in apis}
    entries: list[tuple[str | None, str | None, tuple[str, ...]]] = [(f.v1, f.v3, f.sources) for f in mapping.fields]
    entries += [(u.pointer, None, u.sources) for u in mapping.v1_only]
    entries += [(None, u.pointer, u.sources) for u in mapping.v3_only]
    reported: set[tuple[str | None, str | None, str]] = set()
    for v1, v3, sources in entries:
        for source in sources:
            unknown = [f"conflict {c}" for c in _CONFLICT_ID.findall(source) if c not in conflict_ids]
            unknown += [f"seed {s}" for s in _SEED.findall(source) if s not in seeds]
            for what in unknown:
                if (v1, v3, what) not in reported:
                    reported.add((v1, v3, what))
                    yield Finding("mapping-source-unknown", v1, v3, {"source": source, "what": what})


def check_mapping(mapping: MappingFile, v1: Inventory, v3: Inventory, root: Path | None = None) -> CheckResult:
    """Every finding of every check for ``mapping`` against the two inventories, in file order."""
    inventories: dict[Side, Inventory] = {"v1": v1, "v3": v3}
    findings: list[Finding] = []

    def missing(side: Side, pointer: str, v1_pointer: str | None, v3_pointer: str | None) -> Finding:
        return Finding("mapping-pointer-missing", v1_pointer, v3_pointer,
                       {"side": side, "pointer": pointer, "api": inventories[side].api_id})

    for entry in mapping.fields:
        info1, info3 = v1.get(entry.v1), v3.get(entry.v3)
        if info1 is None:
            findings.append(missing("v1", entry.v1, entry.v1, entry.v3))
        if info3 is None:
            findings.append(missing("v3", entry.v3, entry.v1, entry.v3))
        if info1 is not None and info3 is not None:
            findings += _check_entry(entry, info1, info3)
        if entry.null_when is not None:
            lacking, other = (info1, info3) if entry.null_when.side == "v1" else (info3, info1)
            findings += _check_null_when(entry, inventories, lacking, other)
        if entry.transform.kind == "window" and v1.get(block := entry.transform.params["block_pointer"]) is None:
            findings.append(missing("v1", block, entry.v1, entry.v3))
    for side in ("v1", "v3"):
        for only in mapping.only(side):
            if inventories[side].get(only.pointer) is None:
                pointers = (only.pointer, None) if side == "v1" else (None, only.pointer)
                findings.append(missing(side, only.pointer, *pointers))
    for side in ("v1", "v3"):
        listed = mapping.listed(side)
        for pointer in sorted(set(inventories[side].fields) - listed):
            pointers = (pointer, None) if side == "v1" else (None, pointer)
            findings.append(Finding("mapping-field-unlisted", *pointers,
                                    {"side": side, "api": inventories[side].api_id}))
    findings += _check_sources(mapping, root)
    return CheckResult(mapping, tuple(findings), len(v1.fields), len(v3.fields))


def inventories_for(mapping: MappingFile, root: Path | None = None) -> tuple[Inventory, Inventory]:
    """The field inventories of the mapping's two payloads, from the specs at ``root``."""
    v1, v3 = mapping.v1, mapping.v3
    return (spec_inventory(v1.api, v1.operation, v1.status, root),
            spec_inventory(v3.api, v3.operation, v3.status, root))


def run_check(mapping: MappingFile, root: Path | None = None) -> CheckResult:
    return check_mapping(mapping, *inventories_for(mapping, root), root=root)
