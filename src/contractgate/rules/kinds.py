"""Rule kinds: one small compile function each, registered with ``@kind``.

A kind turns its YAML arguments into a check ``(payload, bindings) -> [hits]`` (a list, not a generator: with
~40 rules per payload, generator objects were a third of the engine's cost); it never builds a Violation:
the engine adds rule id, severity, source and the document sentence. A hit is where (a JSON Pointer),
a sentence that quotes the actual values, and those values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contractgate.errors import ContractgateError
from contractgate.pointer import Bindings, CompiledPointer
from contractgate.rules.expr import (
    COMPARATORS,
    Cond,
    aware,
    compile_cond,
    compile_expr,
    instant,
    number,
    short_name,
)
from contractgate.schema import short


class Hit(NamedTuple):
    pointer: str
    message: str
    values: dict[str, Any]


Check = Callable[[Any, Bindings], list[Hit]]
Compiler = Callable[[Mapping[str, Any], Cond | None, Mapping[str, Cond]], Check]
KindClass = Literal["conditional", "invariant"]


@dataclass(frozen=True)
class RuleKind:
    name: str
    klass: KindClass  # conditional: nullability/presence; invariant: arithmetic, order, consistency
    required: tuple[str, ...]
    optional: tuple[str, ...]
    compile: Compiler
    summary: str


RULE_KINDS: dict[str, RuleKind] = {}


def kind(name: str, klass: KindClass, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Callable[
    [Compiler], Compiler
]:
    def register(func: Compiler) -> Compiler:
        summary = (func.__doc__ or "").strip().splitlines()[0]
        RULE_KINDS[name] = RuleKind(name, klass, required, optional, _with_trigger(func), summary)
        return func

    return register


def _with_trigger(compile_kind: Compiler) -> Compiler:
    """``compile_kind`` whose hits also carry the values its rule's ``when`` read (the trigger values): a report
    then shows why the rule applied (``/result/peculiarities: ["IN_PROGRESS"]``), not only what it found."""

    def compile_rule(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
        check = compile_kind(args, when, named)
        if when is None or not when.paths:
            return check

        def with_trigger(doc: Any, bind: Bindings) -> list[Hit]:
            hits = check(doc, bind)
            if not hits:  # the common case: read nothing more
                return hits
            trigger = _values(when.paths, doc, bind)
            return [hit._replace(values={**trigger, **hit.values}) for hit in hits]

        return with_trigger

    return compile_rule


def scalar(value: Any) -> Any:
    """The value itself when it is small enough to quote whole in a report, else a short description."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list) and len(value) <= 10 and all(isinstance(v, str | int | float) for v in value):
        return value
    return short(value)


def _values(paths: tuple[CompiledPointer, ...], doc: Any, bind: Bindings) -> dict[str, Any]:
    """The actual values a message is about, keyed by pointer."""
    return {p.pointer(bind): scalar(p.get(doc, bind)) for p in paths if not p.wildcard}


def _paths(raw: Any, key: str) -> list[CompiledPointer]:
    if not isinstance(raw, list) or not raw:
        raise ContractgateError(f"{key} takes a non-empty list of JSON Pointers")
    return [CompiledPointer.compile(p) for p in raw]


def _when_text(when: Cond | None) -> str:
    return f" when {when.text}" if when else ""


@kind("null_when", "conditional", required=("when", "fields"))
def null_when(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """Each of `fields` is null (or absent) whenever `when` holds."""
    fields = _paths(args["fields"], "fields")

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        for path in fields:
            value = path.get(doc, bind)
            if value is not None:
                message = f"{short_name(path)} must be null{_when_text(when)}; it is {short(value)}"
                hits.append(Hit(path.pointer(bind), message, {path.pointer(bind): scalar(value)}))
        return hits

    return check


@kind("present_when", "conditional", required=("when", "fields"))
def present_when(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """Each of `fields` is present and not null whenever `when` holds."""
    fields = _paths(args["fields"], "fields")

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        for path in fields:
            if path.get(doc, bind) is None:
                state = "null" if path.exists(doc, bind) else "missing"
                message = f"{short_name(path)} must not be null{_when_text(when)}; it is {state}"
                where = path.pointer(bind)
                hits.append(Hit(where, message, {where: None}))
        return hits

    return check


@kind("co_null", "conditional", required=("fields",))
def co_null(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """`fields` are all null or all not null; the minority is reported."""
    fields = _paths(args["fields"], "fields")

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        values = [(p, p.get(doc, bind)) for p in fields]
        nulls = [p for p, v in values if v is None]
        if not nulls or len(nulls) == len(values):
            return hits
        others = [p for p, v in values if v is not None]
        odd, rest, what = (nulls, others, "null") if len(nulls) <= len(others) else (others, nulls, "not null")
        rest_names = ", ".join(short_name(p) for p in rest)
        for path in odd:
            hits.append(Hit(path.pointer(bind),
                      f"{short_name(path)} is {what} while {rest_names} {'is' if len(rest) == 1 else 'are'} not",
                      {p.pointer(bind): scalar(v) for p, v in values}))
        return hits

    return check


@kind("iff", "conditional", required=("left", "right", "at"))
def iff(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """`left` holds exactly when `right` holds; reported at `at`."""
    left, right = compile_cond(args["left"], named), compile_cond(args["right"], named)
    at = CompiledPointer.compile(args["at"])

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        a, b = left.test(doc, bind), right.test(doc, bind)
        if a != b:
            hits.append(Hit(at.pointer(bind),
                      f"expected ({left.text}) exactly when ({right.text}); here the first is {str(a).lower()} "
                      f"and the second {str(b).lower()}",
                      _values(left.paths + right.paths, doc, bind)))
        return hits

    return check


@kind("compare", "invariant", required=("left", "op", "right"), optional=("tolerance", "at"))
def compare(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """`left op right` for numbers or instants, with an absolute `tolerance` (default 0)."""
    left, right = compile_expr(args["left"]), compile_expr(args["right"])
    if args["op"] not in COMPARATORS:
        raise ContractgateError(f"op must be one of {sorted(COMPARATORS)}")
    test, symbol = COMPARATORS[args["op"]]
    tol = number(args.get("tolerance", 0))
    if tol is None or tol < 0:
        raise ContractgateError("tolerance is a number >= 0")
    at = CompiledPointer.compile(args["at"]) if "at" in args else (left.paths or right.paths or (None,))[0]
    if at is None:
        raise ContractgateError("compare needs `at` when neither side reads a field")
    slack = {"eq": lambda a, b: abs(a - b) <= tol, "ne": lambda a, b: abs(a - b) > tol,
             "lt": lambda a, b: a < b + tol, "le": lambda a, b: a <= b + tol,
             "gt": lambda a, b: a > b - tol, "ge": lambda a, b: a >= b - tol}[args["op"]] if tol else test
    leaves = left.paths + right.paths
    within = f" (within {tol:g})" if tol else ""

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        # A mistyped operand (a ratio sent as a string) is the schema's finding, not this rule's.
        a, b = number(left.eval(doc, bind)), number(right.eval(doc, bind))
        if a is None or b is None or slack(a, b):
            return hits
        shown_a, shown_b = left.show(a), right.show(b)
        hits.append(Hit(at.pointer(bind),
                  f"expected {left.text} {symbol} {right.text}{within}; got {shown_a} and {shown_b}",
                  {**_values(leaves, doc, bind), "left": shown_a, "right": shown_b}))
        return hits

    return check


def _convert(raw: Any) -> Callable[[Any], float | None]:
    if raw not in (None, "number", "time"):
        raise ContractgateError("as is number or time")
    return instant if raw == "time" else number


@kind("order", "invariant", required=("path",), optional=("as", "strict"))
def order(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """The values at `path` (a pattern with `*`) are in ascending order (`strict`: no ties)."""
    path, convert, strict = CompiledPointer.compile(args["path"]), _convert(args.get("as")), bool(args.get("strict"))

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        previous: tuple[str, Any, float] | None = None
        for pointer, raw in path.items(doc, bind):
            value = convert(raw)
            if value is None:
                continue
            if previous is not None and (value < previous[2] or (strict and value == previous[2])):
                hits.append(Hit(pointer, f"{short_name(path)} {short(raw)} comes after {short(previous[1])} "
                                   f"({previous[0]}); expected ascending order",
                          {pointer: scalar(raw), previous[0]: scalar(previous[1])}))
            previous = (pointer, raw, value)
        return hits

    return check


@kind("within", "invariant", required=("path",), optional=("min", "max", "as"))
def within(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """Each value at `path` (a pattern with `*`) lies in [`min`, `max`] (expressions)."""
    if "min" not in args and "max" not in args:
        raise ContractgateError("within needs min, max or both")
    path, convert = CompiledPointer.compile(args["path"]), _convert(args.get("as"))
    below, above = ("before", "after") if args.get("as") == "time" else ("below", "above")
    low = compile_expr(args["min"]) if "min" in args else None
    high = compile_expr(args["max"]) if "max" in args else None

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        bounds = [(b, number(b.eval(doc, bind))) for b in (low, high) if b is not None]
        for pointer, raw in path.items(doc, bind):
            value = convert(raw)
            if value is None:
                continue
            for bound, limit in bounds:
                if limit is None:
                    continue
                too_low = bound is low and value < limit
                if too_low or (bound is high and value > limit):
                    limit_raw = bound.paths[0].get(doc, bind) if bound.paths else limit
                    hits.append(Hit(pointer, f"{short_name(path)} {short(raw)} is {below if too_low else above} "
                                       f"{bound.text} ({short(limit_raw)})",
                              {pointer: scalar(raw), bound.text: scalar(limit_raw)}))
        return hits

    return check


def _members(raw: Any) -> tuple[str, Callable[[Any, Bindings], Iterator[tuple[str, Any]]]]:
    """A set source: a pointer pattern (its values; an array's items), or {keys: pattern} (object keys)."""
    if isinstance(raw, Mapping) and set(raw) == {"keys"}:
        path = CompiledPointer.compile(raw["keys"])

        def keys(doc: Any, bind: Bindings) -> Iterator[tuple[str, Any]]:
            for pointer, value in path.items(doc, bind):
                if isinstance(value, dict):
                    yield from ((f"{pointer}/{k}", k) for k in value)

        return f"the keys of {short_name(path)}", keys
    path = CompiledPointer.compile(raw)

    def values(doc: Any, bind: Bindings) -> Iterator[tuple[str, Any]]:
        for pointer, value in path.items(doc, bind):
            if isinstance(value, list):
                yield from ((f"{pointer}/{i}", v) for i, v in enumerate(value))
            elif value is not None:
                yield pointer, value

    return short_name(path), values


@kind("subset", "invariant", required=("items", "of"))
def subset(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """Every value of `items` is one of the values of the sources listed in `of`."""
    items_text, items = _members(args["items"])
    if not isinstance(args["of"], list) or not args["of"]:
        raise ContractgateError("of takes a non-empty list of sources")
    sources = [_members(s) for s in args["of"]]
    of_text = " or ".join(text for text, _ in sources)

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        allowed = {_key(v) for _, get in sources for _, v in get(doc, bind)}
        for pointer, value in items(doc, bind):
            if _key(value) not in allowed:
                hits.append(Hit(pointer, f"{items_text} {short(value)} is not one of {of_text}",
                          {pointer: scalar(value), "allowed": sorted(map(str, allowed))[:20]}))
        return hits

    return check


def _key(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


@kind("matches", "invariant", required=("path", "pattern"))
def matches(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """Each string at `path` (a pattern with `*`) matches the regular expression `pattern` entirely."""
    path = CompiledPointer.compile(args["path"])
    try:
        regex = re.compile(args["pattern"])
    except (re.error, TypeError) as exc:
        raise ContractgateError(f"pattern is not a regular expression: {exc}") from None

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        for pointer, value in path.items(doc, bind):
            if isinstance(value, str) and not regex.fullmatch(value):
                hits.append(Hit(pointer, f"{short_name(path)} {short(value)} does not match {regex.pattern}",
                          {pointer: value}))
        return hits

    return check


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@kind("tz_offset", "invariant", required=("zone", "paths"))
def tz_offset(args: Mapping[str, Any], when: Cond | None, named: Mapping[str, Cond]) -> Check:
    """Each timestamp at `paths` carries the UTC offset that the IANA zone at `zone` has at that instant."""
    zone_path, paths = CompiledPointer.compile(args["zone"]), _paths(args["paths"], "paths")

    def check(doc: Any, bind: Bindings) -> list[Hit]:
        hits: list[Hit] = []
        name = zone_path.get(doc, bind)
        if not isinstance(name, str):
            return hits
        zone = _zone(name)
        if zone is None:
            where = zone_path.pointer(bind)
            hits.append(Hit(where, f"{short(name)} is not an IANA time zone", {where: name}))
            return hits
        stamps: list[tuple[str, str, datetime, float]] = []
        for path in paths:
            for pointer, raw in path.items(doc, bind) if path.wildcard else ((None, path.get(doc, bind)),):
                stamp = aware(raw)
                if stamp is not None:
                    stamps.append((pointer or path.pointer(bind), raw, stamp, instant(raw)))  # type: ignore[arg-type]
        if not stamps:
            return hits
        # A zone changes its offset months apart, never twice within one session: when the earliest and the
        # latest instant share an offset, so does every instant between them, and one comparison each is enough.
        epochs = [s[3] for s in stamps]
        first = stamps[epochs.index(min(epochs))][2].astimezone(zone).utcoffset()
        last = stamps[epochs.index(max(epochs))][2].astimezone(zone).utcoffset()
        for pointer, raw, stamp, _ in stamps:
            offset = stamp.utcoffset()
            if offset == first == last:
                continue
            expected = stamp.astimezone(zone).utcoffset()
            if offset != expected:
                hits.append(Hit(pointer, f"{short_name(CompiledPointer.compile(pointer))} {raw} has offset "
                                   f"{_offset(offset)}; {name} is at {_offset(expected)} at that instant",
                          {pointer: raw, zone_path.pointer(bind): name}))
        return hits

    return check


def _offset(delta: Any) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
