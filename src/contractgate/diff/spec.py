"""The spec diff: two OpenAPI documents compared as an API consumer sees them (oasdiff's breaking checks).

Operations are matched by method and path template (parameter names aside) or by webhook name. For each
operation the parameters, the documented response statuses and the JSON bodies the consumer receives
(responses; for a webhook, the request body) are compared on dereferenced schemas. A schema is read as the
union of its ``anyOf``/``oneOf`` branches (``schemas.py``); what changed in it is a direction-neutral
*facet*, and ``classify.SPEC_KINDS`` names the change by who sends the value. Changes are reported at the
topmost place: under a removed property nothing else is reported.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from contractgate.absent import ABSENT
from contractgate.diff.change import ITEM, Change, Tokens, sorted_changes
from contractgate.diff.classify import SPEC_KINDS, Direction, Facet
from contractgate.diff.schemas import Enum, Schema, alternatives, child, enum_of, types_of, unadmitted
from contractgate.pointer import pointer_from
from contractgate.spec import ExpansionBudget, UnresolvedRef, dereference

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]*\}")
_WEBHOOK_BODY = "webhook request body"


@dataclass(frozen=True)
class _Operation:
    label: str
    webhook: bool
    body: dict[str, Any]  # the dereferenced operation object, with the path item's parameters merged in


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _parameters(value: Any) -> list[dict[str, Any]]:
    return [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []


def _operations(document: dict[str, Any], name: str) -> dict[tuple[str, str, str], _Operation]:
    found: dict[tuple[str, str, str], _Operation] = {}
    # One budget for the whole document: many operations must not multiply what one $ref bomb may cost.
    budget = ExpansionBudget()
    for section in ("paths", "webhooks"):
        for where, item in _mapping(document.get(section)).items():
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters") or []
            for method in _METHODS:
                if not isinstance(item.get(method), dict):
                    continue
                try:
                    op = dereference(item[method], document, budget)
                    inherited = _parameters(dereference(shared, document, budget))
                except UnresolvedRef as exc:
                    raise UnresolvedRef(f"{name}: {section} {where} {method}: {exc}") from None
                own = {(p.get("in"), p.get("name")) for p in _parameters(op.get("parameters"))}
                inherited = [p for p in inherited if (p.get("in"), p.get("name")) not in own]
                op["parameters"] = [*inherited, *_parameters(op.get("parameters"))]
                if section == "paths":
                    key, label = ("path", method, _TEMPLATE.sub("{}", where)), f"{method.upper()} {where}"
                else:
                    key, label = ("webhook", method, where), f"{method.upper()} webhook {where}"
                found[key] = _Operation(label, section == "webhooks", op)
    return found


@dataclass(frozen=True)
class _View:
    """What one place of a schema allows, over all its alternatives."""

    types: frozenset[str] | None  # None: any type; null is in ``nullable``
    nullable: bool
    enum: Enum | None
    formats: frozenset[str]
    patterns: frozenset[str]
    properties: frozenset[str]
    required: frozenset[str]
    has_items: bool
    has_map: bool  # additionalProperties with a schema: a map whose values are compared under ``*``


def _view(alts: list[Schema]) -> _View:
    types: set[str] | None = set()
    nullable = False
    for alt in alts:
        allowed = types_of(alt)
        if allowed is None:
            types = None
            continue
        nullable |= "null" in allowed
        if types is not None:
            types |= allowed - {"null"}
    objects = [alt for alt in alts if (t := types_of(alt)) is None or "object" in t]
    required = [frozenset(alt.get("required") or ()) for alt in objects]
    return _View(
        types=frozenset(types) if types is not None else None,
        nullable=nullable,
        enum=enum_of(alts),
        formats=frozenset(alt["format"] for alt in alts if isinstance(alt.get("format"), str)),
        patterns=frozenset(alt["pattern"] for alt in alts if isinstance(alt.get("pattern"), str)),
        properties=frozenset(name for alt in objects for name in alt.get("properties") or {}),
        # A member is always there only if every object branch requires it.
        required=frozenset.intersection(*required) if required else frozenset(),
        has_items=any(isinstance(alt.get("items"), dict) for alt in alts),
        has_map=any(isinstance(alt.get("additionalProperties"), dict) for alt in alts),
    )


@dataclass(frozen=True)
class _Found:
    facet: Facet
    tokens: Tokens
    old: Any = ABSENT
    new: Any = ABSENT


def _lost(before: frozenset[str] | None, after: frozenset[str] | None) -> bool:
    """Whether ``after`` (None: any type) no longer admits some type ``before`` did."""
    if after is None:
        return False
    return before is None or bool(unadmitted(after, before))


def _allows(view: _View, json_type: str) -> bool:
    return view.types is None or json_type in view.types


def _type_text(types: frozenset[str] | None) -> list[str] | str:
    return sorted(types) if types is not None else "any"


def _values(values: Iterable[Hashable]) -> list[Hashable]:
    return sorted(values, key=repr)


def _enums(a: Enum | None, b: Enum | None, tokens: Tokens) -> Iterator[_Found]:
    closed_a, closed_b = (a.closed if a else None), (b.closed if b else None)
    if closed_a is not None and closed_b is not None:
        yield from (_Found("enum-value-added", tokens, new=v) for v in _values(closed_b - closed_a))
        yield from (_Found("enum-value-removed", tokens, old=v) for v in _values(closed_a - closed_b))
    elif closed_a is not None:
        yield _Found("enum-removed", tokens, old=_values(closed_a))
    elif closed_b is not None:
        yield _Found("enum-added", tokens, new=_values(closed_b))
    else:
        known_a, known_b = (a.known if a else frozenset()), (b.known if b else frozenset())
        yield from (_Found("known-value-added", tokens, new=v) for v in _values(known_b - known_a))
        yield from (_Found("known-value-removed", tokens, old=v) for v in _values(known_a - known_b))


def _constraint(name: str, a: frozenset[str], b: frozenset[str], tokens: Tokens) -> Iterator[_Found]:
    """A string constraint (``format``, ``pattern``) added, removed or changed."""
    if a == b:
        return
    old, new = ", ".join(sorted(a)), ", ".join(sorted(b))
    if not a:
        yield _Found(f"{name}-added", tokens, new=new)  # type: ignore[arg-type]
    elif not b:
        yield _Found(f"{name}-removed", tokens, old=old)  # type: ignore[arg-type]
    else:
        yield _Found(f"{name}-changed", tokens, old, new)  # type: ignore[arg-type]


def _compare(old: list[Schema], new: list[Schema], tokens: Tokens = ()) -> Iterator[_Found]:
    """What changed from the alternatives ``old`` to ``new`` at ``tokens`` and below."""
    a, b = _view(old), _view(new)
    widened, narrowed = _lost(b.types, a.types), _lost(a.types, b.types)
    if widened or narrowed:
        facet: Facet = "type-changed" if widened and narrowed else "type-widened" if widened else "type-narrowed"
        yield _Found(facet, tokens, _type_text(a.types), _type_text(b.types))
    if a.nullable != b.nullable:
        yield _Found("became-nullable" if b.nullable else "became-non-nullable", tokens)
    yield from _enums(a.enum, b.enum, tokens)
    yield from _constraint("format", a.formats, b.formats, tokens)
    yield from _constraint("pattern", a.patterns, b.patterns, tokens)
    # Members are compared only while both sides may be objects; a retyped value is its own news.
    for name in sorted(a.properties | b.properties) if _allows(a, "object") and _allows(b, "object") else ():
        member = (*tokens, name)
        if name not in b.properties:
            yield _Found("property-removed-required" if name in a.required else "property-removed-optional", member)
        elif name not in a.properties:
            yield _Found("property-added-required" if name in b.required else "property-added-optional", member)
        else:
            if name in a.required and name not in b.required:
                yield _Found("property-became-optional", member)
            elif name in b.required and name not in a.required:
                yield _Found("property-became-required", member)
            yield from _compare(child(old, name), child(new, name), member)
    if a.has_items and b.has_items:
        yield from _compare(child(old, ITEM), child(new, ITEM), (*tokens, ITEM))
    if a.has_map and b.has_map:
        yield from _compare(_map_values(old), _map_values(new), (*tokens, ITEM))


def _map_values(alts: list[Schema]) -> list[Schema]:
    return [v for alt in alts for v in alternatives(alt.get("additionalProperties"))]


def _parameter_objects(op: dict[str, Any]) -> dict[str, Schema]:
    """Parameters as one object schema per location (``in``): a parameter is a property, ``required``
    as declared (path parameters always). Header names are case-insensitive."""
    objects: dict[str, Schema] = {}
    for param in _parameters(op.get("parameters")):
        where, name = param.get("in"), param.get("name")
        if not isinstance(where, str) or not isinstance(name, str):
            continue
        name = name.lower() if where == "header" else name
        obj = objects.setdefault(where, {"type": "object", "properties": {}, "required": []})
        obj["properties"][name] = param.get("schema", {})
        if param.get("required") or where == "path":
            obj["required"].append(name)
    return objects


def _json_schema(holder: Any) -> Any:
    """The JSON body schema of a response or request body; ABSENT when it documents none."""
    media = _mapping(holder.get("content")).get("application/json") if isinstance(holder, dict) else None
    return media.get("schema", {}) if isinstance(media, dict) else ABSENT


class _OperationDiff:
    """The changes of one operation present on both sides."""

    def __init__(self, label: str, direction: Direction) -> None:
        self.label = label
        self.parameters_direction = direction
        self.changes: list[Change] = []

    def add(self, kind: str, location: str | None, old: Any = ABSENT, new: Any = ABSENT) -> None:
        self.changes.append(Change(kind, "", old, new, operation=self.label, location=location))

    def schema(self, old: Any, new: Any, location: str, direction: Direction = "received") -> None:
        kinds = SPEC_KINDS[direction]
        for found in _compare(alternatives(old), alternatives(new)):
            if (kind := kinds[found.facet]) is not None:
                self.changes.append(Change(kind, pointer_from(found.tokens), found.old, found.new,
                                           operation=self.label, location=location))

    def body(self, old: Any, new: Any, location: str) -> None:
        if old is ABSENT and new is not ABSENT:
            self.add("response-body-added", location)
        elif new is ABSENT and old is not ABSENT:
            self.add("response-body-removed", location)
        elif old is not ABSENT:
            self.schema(old, new, location)

    def parameters(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        before, after = _parameter_objects(old), _parameter_objects(new)
        empty: Schema = {"type": "object", "properties": {}}
        for where in sorted(before.keys() | after.keys()):
            self.schema(before.get(where, empty), after.get(where, empty), f"{where} parameters",
                        self.parameters_direction)

    def responses(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        before = {str(k): v for k, v in _mapping(old.get("responses")).items()}
        after = {str(k): v for k, v in _mapping(new.get("responses")).items()}
        for status in sorted(before.keys() | after.keys()):
            if status not in before:
                self.add("response-status-added", "responses", new=status)
            elif status not in after:
                success = status.startswith("2")
                self.add("response-success-status-removed" if success else "response-non-success-status-removed",
                         "responses", old=status)
            else:
                self.body(_json_schema(before[status]), _json_schema(after[status]), f"response {status}")


def diff_specs(old: dict[str, Any], new: dict[str, Any], names: tuple[str, str] = ("old spec", "new spec")
               ) -> list[Change]:
    """Every change from OpenAPI document ``old`` to ``new`` (both as loaded; refs are resolved here, within
    ``spec.MAX_EXPANDED_NODES``). ``names`` name the documents in errors."""
    before, after = _operations(old, names[0]), _operations(new, names[1])
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        if key not in after:
            changes.append(Change("operation-removed", "", operation=before[key].label))
            continue
        if key not in before:
            changes.append(Change("operation-added", "", operation=after[key].label))
            continue
        a, b = before[key], after[key]
        # A webhook's parameters are headers the vendor sends: the consumer receives them.
        op = _OperationDiff(b.label, "received" if b.webhook else "sent")
        op.parameters(a.body, b.body)
        if b.webhook:
            op.body(_json_schema(a.body.get("requestBody")), _json_schema(b.body.get("requestBody")), _WEBHOOK_BODY)
        else:
            op.responses(a.body, b.body)
        changes += op.changes
    return sorted_changes(changes)
