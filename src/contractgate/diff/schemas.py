"""Reading a dereferenced JSON Schema the way both diffs need it: as the set of shapes a value may take.

``anyOf``/``oneOf`` branches are alternatives (what may arrive is their union); ``allOf`` parts are merged
into one schema. The specs write nullability as ``type: [T, "null"]`` or a ``{type: "null"}`` branch; both
come out as the JSON type ``null``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from contractgate.diff.change import ITEM
from contractgate.errors import ContractgateError

Schema = dict[str, Any]
_COMPOSITION = ("anyOf", "oneOf", "allOf", "discriminator")
#: Alternatives one place of a schema may have; comparing two places costs alternatives times members, so a
#: few thousand branches of ``anyOf`` would make a diff run for hours. The project's specs have at most 3.
MAX_ALTERNATIVES = 256
JSON_TYPES: dict[type, str] = {type(None): "null", bool: "boolean", int: "integer", float: "number",
                               str: "string", dict: "object", list: "array"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _merge(parts: Iterable[Schema]) -> Schema:
    merged: Schema = {}
    for part in parts:
        properties = {**_dict(merged.get("properties")), **_dict(part.get("properties"))}
        required = [*_list(merged.get("required")), *_list(part.get("required"))]
        merged = {**merged, **part}
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = list(dict.fromkeys(required))
    return merged


def alternatives(schema: Any) -> list[Schema]:
    """The flat list of schemas a value may match (a boolean schema ``true`` is ``{}``, ``false`` none);
    ContractgateError when there are more than MAX_ALTERNATIVES."""
    return _capped(_alternatives(schema))


def _capped(found: list[Schema]) -> list[Schema]:
    if len(found) > MAX_ALTERNATIVES:
        raise ContractgateError(f"a schema has {len(found):,} alternatives (anyOf/oneOf branches) at one place, "
                                f"over the limit of {MAX_ALTERNATIVES}")
    return found


def _alternatives(schema: Any) -> list[Schema]:
    if schema is True:
        return [{}]
    if not isinstance(schema, dict):
        return []
    base = {k: v for k, v in schema.items() if k not in _COMPOSITION}
    if isinstance(schema.get("allOf"), list):
        base = _merge([base, *(p for p in schema["allOf"] if isinstance(p, dict))])
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not isinstance(branches, list):
        return [base]
    # Keywords beside anyOf/oneOf (a description, sometimes a type) apply to every branch.
    return [alt for branch in branches for alt in _alternatives(_merge([base, branch]) if isinstance(branch, dict)
                                                                 else branch)]


def types_of(alt: Schema) -> set[str] | None:
    """The JSON types one alternative allows (``null`` included), None when it does not constrain them."""
    declared = alt.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    if "const" in alt:
        return {JSON_TYPES.get(type(alt["const"]), "string")}
    if isinstance(alt.get("enum"), list):
        return {JSON_TYPES.get(type(v), "string") for v in alt["enum"]}
    if any(k in alt for k in ("properties", "additionalProperties", "required")):
        return {"object"}
    if "items" in alt:
        return {"array"}
    return None


def unadmitted(before: Iterable[str], after: Iterable[str]) -> set[str]:
    """The JSON types of ``after`` that ``before`` does not admit; an integer is a number, not a new type."""
    before = set(before)
    return set(after) - before - ({"integer"} if "number" in before else set())


def _null_only(alt: Schema) -> bool:
    return types_of(alt) == {"null"}


@dataclass(frozen=True)
class Enum:
    """The values a place may hold: ``closed`` (``enum``/``const``; None when not closed) and the open
    list of ``x-known-values``. Null is not a value here; nullability is a type."""

    closed: frozenset[Hashable] | None
    known: frozenset[Hashable]

    @property
    def listed(self) -> frozenset[Hashable]:
        return (self.closed or frozenset()) | self.known


def _hashable(values: Any) -> set[Hashable]:
    return {v for v in values if isinstance(v, Hashable) and v is not None} if isinstance(values, list) else set()


def enum_of(alts: list[Schema]) -> Enum | None:
    closed: set[Hashable] = set()
    known: set[Hashable] = set()
    unconstrained = False
    for alt in alts:
        known |= _hashable(alt.get("x-known-values"))
        if "const" in alt:
            closed |= _hashable([alt["const"]])
        elif isinstance(alt.get("enum"), list):
            closed |= _hashable(alt["enum"])
        elif not _null_only(alt):
            unconstrained = True
    is_closed = bool(closed) and not unconstrained
    if not is_closed and not known:
        return None
    return Enum(frozenset(closed) if is_closed else None, frozenset(known))


def child(alts: list[Schema], token: str) -> list[Schema]:
    """The alternatives of a member (``token`` a key) or of the array items (``token`` is ITEM)."""
    found: list[Schema] = []
    for alt in alts:
        if token == ITEM:
            sub = alt.get("items")
        elif token in (properties := _dict(alt.get("properties"))):
            sub = properties[token]
        else:
            sub = alt.get("additionalProperties")
        found += _alternatives(sub)
    return _capped(found)


class EnumIndex:
    """Where a payload's schema declares enums, looked up by normalised pointer tokens (memoised: the
    behaviour diff asks once per place and interaction)."""

    def __init__(self, schema: Any) -> None:
        self._root = alternatives(schema) if schema is not None else []
        self._memo: dict[tuple[str, ...], Enum | None] = {}

    def at(self, tokens: tuple[str, ...]) -> Enum | None:
        try:
            return self._memo[tokens]
        except KeyError:
            pass
        alts = self._root
        for token in tokens:
            if not alts:
                break
            alts = child(alts, token)
        found = self._memo[tokens] = enum_of(alts) if alts else None
        return found
