"""Mapping files (``specs/mappings/<name>.yaml``): loading and validating their shape.

This module only checks that a file is well formed (known keys, known transform kinds, parameters of the
right type, no field listed twice). Whether the mapping agrees with the specs is ``static.py``'s job.
Every problem is one ``ContractgateError`` line naming the file and the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from contractgate.catalog import specs_dir
from contractgate.errors import ContractgateError
from contractgate.mapping.transforms import TRANSFORMS, TransformSpec
from contractgate.spec import DEFAULT_STATUS
from contractgate.yamlfile import load_yaml, reject_unknown_keys

Basis = Literal["documented", "inferred"]
Side = Literal["v1", "v3"]
BASES: tuple[Basis, ...] = ("documented", "inferred")
SIDES: tuple[Side, ...] = ("v1", "v3")

_TOP_KEYS = {"mapping", "title", "description", "v1", "v3", "fields", "v1_only", "v3_only"}
_SIDE_KEYS = {"api", "operation", "status"}
_FIELD_KEYS = {"v1", "v3", "transform", "basis", "sources", "note", "null_note", "null_when", "unreachable",
               "tolerance"}
_ONLY_KEYS = {"reason", "basis", "sources"}
_POINTER = re.compile(r"^(/([^~/]|~[01])*)+$")


@dataclass(frozen=True)
class Endpoint:
    """Which payload a side's pointers point into."""

    api: str
    operation: str
    status: str = DEFAULT_STATUS  # ignored for a webhook: its payload is the request body


@dataclass(frozen=True)
class NullWhen:
    """When the payload of ``side`` has, at ``pointer``, one of ``any_of`` (or a list holding one), that side
    of the entry may lack a value while the other has one: a documented difference, not drift."""

    side: Side
    pointer: str
    any_of: tuple[Any, ...]
    # When set, the difference is expected only while the other side holds no value either: null, absent,
    # an empty array or an array of these placeholders only (v1 osa_stages all -1). A real value there is
    # a fact the label does not explain, so it stays null_mismatch, as it does for the metrics beside it.
    other_blank: tuple[Any, ...] | None = None

    @property
    def other(self) -> Side:
        return "v3" if self.side == "v1" else "v1"


@dataclass(frozen=True)
class MappedField:
    """A v1 field and its v3 counterpart."""

    v1: str
    v3: str
    transform: TransformSpec
    basis: Basis
    sources: tuple[str, ...]
    note: str | None = None
    null_note: str | None = None  # why a difference in nullability or presence cannot, or how it does, show
    null_when: NullWhen | None = None
    unreachable: dict[Any, str] = field(default_factory=dict)  # v3 value -> why no v1 value maps to it
    tolerance: float = 0.0  # numbers: absolute; timestamps: seconds


@dataclass(frozen=True)
class UnmappedField:
    """A field that exists on one side only, and why."""

    side: Side
    pointer: str
    reason: str
    basis: Basis
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MappingFile:
    name: str
    path: Path
    title: str
    v1: Endpoint
    v3: Endpoint
    fields: tuple[MappedField, ...]
    v1_only: tuple[UnmappedField, ...]
    v3_only: tuple[UnmappedField, ...]
    description: str | None = None

    def endpoint(self, side: Side) -> Endpoint:
        return self.v1 if side == "v1" else self.v3

    def only(self, side: Side) -> tuple[UnmappedField, ...]:
        return self.v1_only if side == "v1" else self.v3_only

    def listed(self, side: Side) -> set[str]:
        """Every pointer of ``side`` the file mentions, mapped or not."""
        mapped = {f.v1 if side == "v1" else f.v3 for f in self.fields}
        return mapped | {u.pointer for u in self.only(side)}

    def containers(self, side: Side) -> set[str]:
        return {f.v1 if side == "v1" else f.v3 for f in self.fields if f.transform.kind == "container"}


def mappings_dir(root: Path | None = None) -> Path:
    return (root or specs_dir()) / "mappings"


def mapping_names(root: Path | None = None) -> list[str]:
    folder = mappings_dir(root)
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def mapping_path(name: str, root: Path | None = None) -> Path:
    names = mapping_names(root)
    if name not in names:
        raise ContractgateError(f"unknown mapping {name!r} (known: {', '.join(names) or 'none'})")
    return mappings_dir(root) / f"{name}.yaml"


@cache
def load_mapping(name: str, root: Path | None = None) -> MappingFile:
    """The mapping ``specs/mappings/<name>.yaml``, read once per process (like the catalog and the specs);
    one-line ContractgateError for any problem."""
    path = mapping_path(name, root)
    return parse_mapping(path, load_yaml(path))


class _Reader:
    """Pulls typed values out of the parsed YAML, naming the place of any problem."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def location(self, where: str) -> str:
        return f"{self.path}: {where}" if where else str(self.path)

    def fail(self, where: str, problem: str) -> ContractgateError:
        return ContractgateError(f"{self.location(where)}: {problem}")

    def mapping(self, raw: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(where, f"expected a mapping, got {type(raw).__name__}")
        reject_unknown_keys(raw, allowed, self.location(where), f" (allowed: {', '.join(sorted(allowed))})")
        if missing := sorted(required - set(raw)):
            raise self.fail(where, f"missing keys {missing}")
        return raw

    def text(self, raw: Any, where: str) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(where, "expected a non-empty string")
        return " ".join(raw.split())

    def pointer(self, raw: Any, where: str) -> str:
        if not isinstance(raw, str) or not _POINTER.match(raw):
            raise self.fail(where, f"expected a JSON Pointer like /a/b (array items as *), got {raw!r}")
        return raw

    def basis(self, raw: Any, where: str) -> Basis:
        for basis in BASES:
            if raw == basis:
                return basis
        raise self.fail(where, f"expected one of {', '.join(BASES)}, got {raw!r}")

    def sources(self, raw: Any, where: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "expected a non-empty list of sources (seed file and section, or conflict id)")
        return tuple(self.text(s, f"{where}[{i}]") for i, s in enumerate(raw))

    def entries(self, raw: Any, where: str) -> Iterator[tuple[str, Any]]:
        if raw is None:
            return
        if not isinstance(raw, list):
            raise self.fail(where, f"expected a list, got {type(raw).__name__}")
        for index, item in enumerate(raw):
            yield f"{where}[{index}]", item


def _transform(reader: _Reader, raw: Any, where: str) -> TransformSpec:
    known = ", ".join(sorted(TRANSFORMS))
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        raise reader.fail(where, f"expected a kind name or a mapping with 'kind' (one of {known})")
    kind = TRANSFORMS.get(raw["kind"])
    if kind is None:
        raise reader.fail(where, f"unknown transform {raw['kind']!r} (known: {known})")
    params = {k: v for k, v in raw.items() if k != "kind"}
    if unknown := sorted(set(params) - set(kind.params)):
        allowed = ", ".join(sorted(kind.params)) or "none"
        raise reader.fail(where, f"unknown parameters {unknown} for {kind.kind} (allowed: {allowed})")
    for name, param in kind.params.items():
        if name not in params:
            if param.required:
                raise reader.fail(where, f"{kind.kind} needs parameter {name!r} ({param.doc})")
            continue
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, param.types):
            wanted = " or ".join(t.__name__ for t in param.types)
            raise reader.fail(f"{where}.{name}", f"expected {wanted}, got {value!r}")
    if kind.kind == "enum_map":
        table = params["values"]
        if not table or any(k is None or v is None for k, v in table.items()):
            raise reader.fail(f"{where}.values", "expected v1 value -> v3 value pairs (null is not an enum value)")
    if kind.kind == "window":
        reader.pointer(params["block_pointer"], f"{where}.block_pointer")
        if params["epochs_per_block"] < 1 or params["blocks"] < 1:
            raise reader.fail(where, "epochs_per_block and blocks must be at least 1")
    return TransformSpec(kind.kind, params)


def _null_when(reader: _Reader, raw: Any, where: str) -> NullWhen:
    raw = reader.mapping(raw, where, {"v1", "v3", "any_of", "other_blank"}, {"any_of"})
    sides = [side for side in SIDES if side in raw]
    if len(sides) != 1:
        raise reader.fail(where, "expected exactly one of v1 or v3 (the side that may lack the value)")
    values = raw["any_of"]
    if not isinstance(values, list) or not values:
        raise reader.fail(f"{where}.any_of", "expected a non-empty list of values")
    side = sides[0]
    blank = raw.get("other_blank")
    if blank is not None and (not isinstance(blank, list) or any(isinstance(v, dict | list) for v in blank)):
        raise reader.fail(f"{where}.other_blank", "expected a list of the other side's placeholder values (may be [])")
    return NullWhen(side, reader.pointer(raw[side], f"{where}.{side}"), tuple(values),
                    None if blank is None else tuple(blank))


def _mapped(reader: _Reader, raw: Any, where: str) -> MappedField:
    raw = reader.mapping(raw, where, _FIELD_KEYS, {"v1", "v3", "transform", "basis", "sources"})
    v1 = reader.pointer(raw["v1"], f"{where}.v1")
    v3 = reader.pointer(raw["v3"], f"{where}.v3")
    if v1.count("*") != v3.count("*"):
        raise reader.fail(where, "v1 and v3 must have as many array wildcards (*) as each other")
    unreachable = raw.get("unreachable") or {}
    if not isinstance(unreachable, dict):
        raise reader.fail(f"{where}.unreachable", "expected v3 value -> reason")
    if "null_when" in raw and "null_note" not in raw:
        raise reader.fail(where, "null_when needs a null_note saying why that side lacks the value")
    tolerance = raw.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        raise reader.fail(f"{where}.tolerance", f"expected a number >= 0, got {tolerance!r}")
    return MappedField(
        v1=v1,
        v3=v3,
        transform=_transform(reader, raw["transform"], f"{where}.transform"),
        basis=reader.basis(raw["basis"], f"{where}.basis"),
        sources=reader.sources(raw["sources"], f"{where}.sources"),
        note=reader.text(raw["note"], f"{where}.note") if "note" in raw else None,
        null_note=reader.text(raw["null_note"], f"{where}.null_note") if "null_note" in raw else None,
        null_when=_null_when(reader, raw["null_when"], f"{where}.null_when") if "null_when" in raw else None,
        unreachable={k: reader.text(v, f"{where}.unreachable.{k}") for k, v in unreachable.items()},
        tolerance=float(tolerance),
    )


def _unmapped(reader: _Reader, side: Side, raw: Any, where: str) -> UnmappedField:
    raw = reader.mapping(raw, where, _ONLY_KEYS | {side}, _ONLY_KEYS | {side})
    return UnmappedField(
        side=side,
        pointer=reader.pointer(raw[side], f"{where}.{side}"),
        reason=reader.text(raw["reason"], f"{where}.reason"),
        basis=reader.basis(raw["basis"], f"{where}.basis"),
        sources=reader.sources(raw["sources"], f"{where}.sources"),
    )


def _endpoint(reader: _Reader, raw: Any, where: str) -> Endpoint:
    raw = reader.mapping(raw, where, _SIDE_KEYS, {"api", "operation"})
    return Endpoint(reader.text(raw["api"], f"{where}.api"), reader.text(raw["operation"], f"{where}.operation"),
                    str(raw.get("status", DEFAULT_STATUS)))


def parse_mapping(path: Path, raw: Any) -> MappingFile:
    reader = _Reader(path)
    raw = reader.mapping(raw, "", _TOP_KEYS, {"mapping", "title", "v1", "v3", "fields"})
    name = reader.text(raw["mapping"], "mapping")
    if name != path.stem:
        raise reader.fail("mapping", f"is {name!r}, but the file is named {path.name} (they must agree)")
    fields = tuple(_mapped(reader, item, where) for where, item in reader.entries(raw["fields"], "fields"))
    v1_only = tuple(_unmapped(reader, "v1", item, w) for w, item in reader.entries(raw.get("v1_only"), "v1_only"))
    v3_only = tuple(_unmapped(reader, "v3", item, w) for w, item in reader.entries(raw.get("v3_only"), "v3_only"))
    pairs = [(f.v1, f.v3) for f in fields]
    if dupes := sorted({p for p in pairs if pairs.count(p) > 1}):
        raise reader.fail("fields", f"mapped twice: {', '.join(f'{a} -> {b}' for a, b in dupes)}")
    for side, only in (("v1", v1_only), ("v3", v3_only)):
        listed = [u.pointer for u in only]
        if dupes := sorted({p for p in listed if listed.count(p) > 1}):
            raise reader.fail(f"{side}_only", f"listed twice: {', '.join(dupes)}")
        mapped = {f.v1 if side == "v1" else f.v3 for f in fields}
        if both := sorted(mapped & set(listed)):
            raise reader.fail(f"{side}_only", f"also mapped under fields: {', '.join(both)}")
    description = raw.get("description")
    return MappingFile(
        name=name,
        path=path,
        title=reader.text(raw["title"], "title"),
        v1=_endpoint(reader, raw["v1"], "v1"),
        v3=_endpoint(reader, raw["v3"], "v3"),
        fields=fields,
        v1_only=v1_only,
        v3_only=v3_only,
        description=reader.text(description, "description") if description is not None else None,
    )
