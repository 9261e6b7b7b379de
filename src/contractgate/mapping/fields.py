"""Every field of a payload schema, in one canonical form, keyed by JSON Pointer.

The mapping checks need to know, for each property reachable in a payload: its JSON types, whether it
may be null, whether it may be absent, its known values and, for arrays, the same about the items.
OpenAPI 3.1 writes "nullable" three ways (``type: [X, "null"]``, ``anyOf``/``oneOf`` with a null branch,
``null`` in an ``enum``); they are normalised here once so that the checks see one idea.

Pointers are RFC 6901 with ``*`` standing for any array index. Arrays of scalars are one field (their
items are described in ``FieldInfo.items``); arrays of objects add the items' properties under ``/*``.
Fields inside the branches of a ``oneOf`` with a discriminator carry the branch values they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from contractgate.pointer import escape_token
from contractgate.spec import load_spec

JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean")


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value (``integer`` for whole ints only)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(frozen=True)
class FieldInfo:
    pointer: str
    types: frozenset[str]  # JSON Schema types other than null; empty when the schema declares none
    nullable: bool
    optional: bool  # not required by its enclosing object (in at least one branch it appears in)
    values: tuple[Any, ...] | None  # enum / const / x-known-values without null; None when open
    format: str | None
    items: FieldInfo | None  # arrays: what one item is
    variants: frozenset[str]  # discriminator values of the oneOf branches it is in; empty = not in one

    @property
    def leaf(self) -> FieldInfo:
        """What a value of this field is made of: the items for an array, else the field itself."""
        return self.items if self.items is not None and self.types == {"array"} else self

    def describe_presence(self) -> str:
        return f"{'optional' if self.optional else 'required'}, {'nullable' if self.nullable else 'non-null'}"


@dataclass(frozen=True)
class Discriminator:
    """A ``oneOf`` whose branch is chosen by the value of ``property`` in the object at ``pointer``."""

    pointer: str
    property: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Inventory:
    api_id: str
    fields: dict[str, FieldInfo]
    discriminators: tuple[Discriminator, ...]

    def get(self, pointer: str) -> FieldInfo | None:
        return self.fields.get(pointer)


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null" or ("const" in schema and schema["const"] is None)
        or schema.get("enum") == [None]
    )


def split_null(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema without its null alternative, and whether it had one."""
    out = dict(schema)
    nullable = False
    kind = out.get("type")
    if isinstance(kind, list) and "null" in kind:
        nullable = True
        rest = [t for t in kind if t != "null"]
        out["type"] = rest[0] if len(rest) == 1 else rest
    elif kind == "null":
        return {}, True
    for key in ("anyOf", "oneOf"):
        alternatives = out.get(key)
        if not isinstance(alternatives, list) or not any(_is_null_schema(a) for a in alternatives):
            continue
        nullable = True
        rest = [a for a in alternatives if not _is_null_schema(a)]
        del out[key]
        if len(rest) == 1 and isinstance(rest[0], dict):
            inner, inner_nullable = split_null(rest[0])
            # The wrapper's own words (description, x-source) stay; the branch decides the shape.
            out = {**out, **inner}
            nullable = nullable or inner_nullable
        elif rest:
            out[key] = rest
    if None in (out.get("enum") or ()):
        nullable = True
    if "const" in out and out["const"] is None:
        nullable = True
    return out, nullable


def _values(schema: dict[str, Any]) -> tuple[Any, ...] | None:
    if "const" in schema and schema["const"] is not None:
        return (schema["const"],)
    for key in ("enum", "x-known-values"):
        if isinstance(schema.get(key), list):
            return tuple(v for v in schema[key] if v is not None)
    return None


def _types(schema: dict[str, Any]) -> frozenset[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return frozenset({kind} - {"null"})
    if isinstance(kind, list):
        return frozenset(kind) - {"null"}
    if (values := _values(schema)) is not None:
        return frozenset(json_type(v) for v in values)
    if "properties" in schema:
        return frozenset({"object"})
    if "items" in schema:
        return frozenset({"array"})
    branches = [b for key in ("oneOf", "anyOf") for b in schema.get(key) or () if isinstance(b, dict)]
    return frozenset().union(*(_types(split_null(b)[0]) for b in branches)) if branches else frozenset()


def _is_object(schema: dict[str, Any]) -> bool:
    return "object" in _types(schema) or "properties" in schema or "oneOf" in schema or "allOf" in schema


def _merge(a: FieldInfo, b: FieldInfo) -> FieldInfo:
    """One pointer reached through two oneOf branches: what either branch allows."""
    values = None
    if a.values is not None and b.values is not None:
        values = a.values + tuple(v for v in b.values if v not in a.values)
    items = a.items if b.items is None else b.items if a.items is None else _merge(a.items, b.items)
    return replace(
        a,
        types=a.types | b.types,
        nullable=a.nullable or b.nullable,
        optional=a.optional or b.optional,
        values=values,
        format=a.format if a.format == b.format else None,
        items=items,
        variants=a.variants | b.variants,
    )


def _branch_tag(branch: dict[str, Any], prop: str | None, index: int) -> str:
    if prop:
        pinned = (branch.get("properties") or {}).get(prop) or {}
        if "const" in pinned:
            return str(pinned["const"])
        if isinstance(pinned.get("enum"), list) and len(pinned["enum"]) == 1:
            return str(pinned["enum"][0])
    return f"#{index}"


class _Walker:
    def __init__(self) -> None:
        self.fields: dict[str, FieldInfo] = {}
        self.discriminators: list[Discriminator] = []

    def describe(self, schema: dict[str, Any], pointer: str, optional: bool, variants: frozenset[str]) -> FieldInfo:
        body, nullable = split_null(schema)
        types = _types(body)
        items = None
        if "array" in types and isinstance(body.get("items"), dict):
            items = self.describe(body["items"], f"{pointer}/*", False, variants)
        return FieldInfo(pointer, types, nullable, optional, _values(body), body.get("format"), items, variants)

    def add(self, info: FieldInfo) -> None:
        known = self.fields.get(info.pointer)
        self.fields[info.pointer] = info if known is None else _merge(known, info)

    def visit_object(self, schema: dict[str, Any], pointer: str, variants: frozenset[str]) -> None:
        schema, _ = split_null(schema)
        branches = [b for b in schema.get("oneOf") or schema.get("anyOf") or () if isinstance(b, dict)]
        if branches:
            prop = (schema.get("discriminator") or {}).get("propertyName")
            tags = []
            for index, branch in enumerate(branches):
                tag = _branch_tag(split_null(branch)[0], prop, index)
                tags.append(tag)
                self.visit_object(branch, pointer, variants | {tag})
            if prop:
                self.discriminators.append(Discriminator(pointer, prop, tuple(tags)))
        parts = [schema, *(p for p in schema.get("allOf") or () if isinstance(p, dict))]
        required = {name for part in parts for name in part.get("required") or ()}
        for part in parts:
            for name, sub in (part.get("properties") or {}).items():
                if not isinstance(sub, dict):
                    continue
                child = f"{pointer}/{escape_token(name)}"
                info = self.describe(sub, child, name not in required, variants)
                self.add(info)
                body, _ = split_null(sub)
                if _is_object(body) and "array" not in info.types:
                    self.visit_object(body, child, variants)
                elif info.items is not None and isinstance(body.get("items"), dict):
                    items, _ = split_null(body["items"])
                    if _is_object(items):
                        self.visit_object(items, f"{child}/*", variants)


def inventory_of(api_id: str, schema: dict[str, Any]) -> Inventory:
    """Every field reachable in a payload that satisfies ``schema`` (already dereferenced)."""
    walker = _Walker()
    walker.visit_object(schema, "", frozenset())
    return Inventory(api_id, walker.fields, tuple(walker.discriminators))


@cache
def spec_inventory(api_id: str, operation_id: str, status: str, root: Path | None = None) -> Inventory:
    """The inventory of an operation's payload (a response body, or for a webhook its request body), built
    once per process and specs folder."""
    spec = load_spec(api_id, root)
    operation = spec.api.operation(operation_id)
    return inventory_of(api_id, spec.payload_schema(operation, status))
