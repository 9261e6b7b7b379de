"""Expressions and conditions in rules: a tiny data language, compiled to closures (no eval of strings).

Expression: a JSON Pointer string (the value there), a number, or one operator mapping:
``{sum: [e...]}``, ``{sub: [a, b...]}`` (a - b - ...), ``{mul: [e...]}``, ``{div: [a, b]}``,
``{floordiv: [a, b]}``, ``{min: [e...]}``, ``{max: [e...]}``, ``{len: e}``, ``{time: e}`` (a timestamp as
epoch seconds), ``{count: e, in: [v...]}`` (items of an array equal to one of the values), ``{sum_of: P}``
(the sum of every number a ``*`` pattern reaches), ``{objectid_time: e}`` (the epoch seconds that open a
MongoDB ObjectId).
Any null, absent or mistyped operand makes the whole expression null, and the rule does not apply.

Condition: ``{path: P, <test>: ...}`` with one test of ``is_null``, ``exists``, ``equals``, ``in``,
``contains``, ``contains_any``, ``only`` (every item of the array is one of the values); or
``{left: e, op: eq|ne|lt|le|gt|ge, right: e}``; or ``{all: [c...]}``, ``{any: [c...]}``, ``{not: c}``;
or the name of a condition declared under ``conditions:`` in the same file.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contractgate.errors import ContractgateError
from contractgate.pointer import Bindings, CompiledPointer
from contractgate.schema import as_json

Eval = Callable[[Any, Bindings], Any]
Test = Callable[[Any, Bindings], bool]


def plain(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def as_timestamp(value: Any) -> Any:
    """Epoch seconds back as an ISO 8601 UTC timestamp, so that messages speak the payload's language."""
    if number(value) is None:
        return value
    return datetime.fromtimestamp(value, tz=UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Expr:
    eval: Eval
    text: str  # how messages name it, e.g. "time_in_bed - sleep_latency"
    paths: tuple[CompiledPointer, ...]  # the pointers it reads, for reporting actual values
    show: Callable[[Any], Any] = plain  # how a computed value is quoted in a message


@dataclass(frozen=True)
class Cond:
    test: Test
    text: str
    paths: tuple[CompiledPointer, ...]


def number(value: Any) -> float | int | None:
    kind = type(value)
    return value if kind is int or kind is float else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(value: Any) -> float | None:
    """Epoch seconds of an ISO 8601 timestamp with an offset; None for anything else."""
    if not isinstance(value, str):
        return None
    epochs = _STATE.epochs
    if value not in epochs:
        parsed = aware(value)
        # Subtracting is faster than datetime.timestamp() for fixed-offset zones.
        epochs[value] = None if parsed is None else (parsed - _EPOCH).total_seconds()
    return epochs[value]


class _CheckState(threading.local):
    """Memos for one payload check in one thread: parsed timestamps and named conditions' results.

    Several rules read the same timestamps and the same declared conditions (two_stage, has_stat); the
    engine calls begin_check() before each payload, so nothing carries over to the next one, and being
    thread-local, concurrent checks in other threads never see each other's payloads.
    """

    def __init__(self) -> None:
        self.times: dict[str, datetime | None] = {}
        self.epochs: dict[str, float | None] = {}
        self.conditions: dict[str, bool] = {}


_STATE = _CheckState()


def begin_check() -> None:
    _STATE.times = {}
    _STATE.epochs = {}
    _STATE.conditions = {}


def aware(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with an offset, parsed; None for anything else."""
    if not isinstance(value, str):
        return None
    times = _STATE.times
    if value in times:
        return times[value]
    try:
        parsed: datetime | None = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        parsed = None
    times[value] = parsed
    return parsed


def memoised(name: str, cond: Cond) -> Cond:
    """A declared condition evaluated at most once per payload (when it has no ``{var}`` bindings)."""
    if any(p.variables for p in cond.paths):
        return Cond(cond.test, name, cond.paths)
    test = cond.test

    def once(doc: Any, bind: Bindings) -> bool:
        memo = _STATE.conditions
        if name not in memo:
            memo[name] = test(doc, bind)
        return memo[name]

    return Cond(once, name, cond.paths)


def short_name(path: CompiledPointer) -> str:
    """The last meaningful token of a pointer: enough to name a field in a sentence."""
    named = [t for t in path.tokens if t != "*" and not t.startswith("{")]
    return named[-1] if named else path.text or "/"


def _fold(name: str, args: list[Expr], combine: Callable[[list[float | int]], Any], sep: str) -> Expr:
    evals = tuple(a.eval for a in args)

    def run(doc: Any, bind: Bindings) -> Any:
        values = [e(doc, bind) for e in evals]
        for value in values:
            kind = type(value)
            if kind is not int and kind is not float:
                return None
        return combine(values)

    text = f" {sep} ".join(_wrap(a.text) for a in args) if sep else f"{name}({', '.join(a.text for a in args)})"
    # start_time + sleep_latency is an instant; end_time - start_time is a duration.
    instants = sum(a.show is as_timestamp for a in args)
    is_instant = instants == 1 and (name == "sum" or (name == "sub" and args[0].show is as_timestamp))
    show = as_timestamp if is_instant else plain
    return Expr(run, text, tuple(p for a in args for p in a.paths), show)


def _wrap(text: str) -> str:
    return f"({text})" if " " in text else text


def _sub(values: list[float | int]) -> float | int:
    return values[0] - sum(values[1:])


def _div(values: list[float | int]) -> float | None:
    return values[0] / values[1] if values[1] else None


def _floordiv(values: list[float | int]) -> int | None:
    return int(values[0] // values[1]) if values[1] else None


def _product(values: list[float | int]) -> float | int:
    out: float | int = 1
    for v in values:
        out *= v
    return out


_FOLDS: dict[str, tuple[Callable[[list[float | int]], Any], str, int]] = {
    # name: (combine, infix separator or "" for function syntax, minimum arity)
    "sum": (sum, "+", 1),
    "sub": (_sub, "-", 2),
    "mul": (_product, "*", 2),
    "div": (_div, "/", 2),
    "floordiv": (_floordiv, "//", 2),
    "min": (min, "", 1),
    "max": (max, "", 1),
}


def compile_expr(raw: Any) -> Expr:
    if isinstance(raw, str):
        path = CompiledPointer.compile(raw)
        if path.wildcard:
            raise ContractgateError(f"an expression reads one value; {raw!r} has a wildcard")
        return Expr(path.get, short_name(path), (path,))
    if number(raw) is not None:
        return Expr(lambda doc, bind: raw, str(raw), ())
    if not isinstance(raw, Mapping) or not raw:
        raise ContractgateError(f"not an expression: {raw!r}")
    if "count" in raw:
        return _count(raw)
    if len(raw) != 1:
        raise ContractgateError(f"an expression has one operator, got {sorted(raw)}")
    [(op, arg)] = raw.items()
    if op in _FOLDS:
        combine, sep, arity = _FOLDS[op]
        if not isinstance(arg, list) or len(arg) < arity or (op in ("div", "floordiv") and len(arg) != 2):
            raise ContractgateError(f"{op} takes a list of {arity}{'' if op in ('div', 'floordiv') else '+'} operands")
        return _fold(op, [compile_expr(a) for a in arg], combine, sep)
    if op == "sum_of":
        return _sum_of(arg)
    if op == "len":
        inner = compile_expr(arg)
        return Expr(lambda doc, bind: _length(inner.eval(doc, bind)), f"len({inner.text})", inner.paths)
    if op == "objectid_time":
        inner = compile_expr(arg)
        return Expr(lambda doc, bind: _objectid_time(inner.eval(doc, bind)), f"the time in {inner.text}", inner.paths,
                    as_timestamp)
    if op == "time":
        inner = compile_expr(arg)
        return Expr(lambda doc, bind: instant(inner.eval(doc, bind)), inner.text, inner.paths, as_timestamp)
    raise ContractgateError(f"unknown expression operator {op!r}")


def _sum_of(raw: Any) -> Expr:
    """The sum of every number a wildcard pattern reaches; null when it reaches none or a non-number."""
    path = CompiledPointer.compile(raw)

    def run(doc: Any, bind: Bindings) -> float | int | None:
        values = [number(v) for _, v in path.items(doc, bind)]
        return sum(values) if values and None not in values else None  # type: ignore[arg-type]

    return Expr(run, f"sum of {short_name(path)}", ())


def _objectid_time(value: Any) -> int | None:
    """A MongoDB ObjectId begins with its creation time: 4 bytes of epoch seconds, big-endian."""
    if isinstance(value, str) and len(value) == 24:
        try:
            return int(value[:8], 16)
        except ValueError:
            return None
    return None


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, list | str) else None


def _count(raw: Mapping[str, Any]) -> Expr:
    if set(raw) != {"count", "in"} or not isinstance(raw["in"], list):
        raise ContractgateError("count takes {count: <array>, in: [values]}")
    inner, wanted = compile_expr(raw["count"]), list(raw["in"])

    def run(doc: Any, bind: Bindings) -> int | None:
        value = inner.eval(doc, bind)
        return sum(value.count(w) for w in wanted) if isinstance(value, list) else None

    return Expr(run, f"count of {wanted} in {inner.text}", inner.paths)


COMPARATORS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "eq": (operator.eq, "="),
    "ne": (operator.ne, "!="),
    "lt": (operator.lt, "<"),
    "le": (operator.le, "<="),
    "gt": (operator.gt, ">"),
    "ge": (operator.ge, ">="),
}

_TESTS = ("is_null", "exists", "equals", "in", "contains", "contains_any", "only")


def compile_cond(raw: Any, named: Mapping[str, Cond]) -> Cond:
    if isinstance(raw, str):
        if raw not in named:
            raise ContractgateError(f"unknown condition {raw!r} (declared: {', '.join(sorted(named)) or 'none'})")
        return named[raw]
    if not isinstance(raw, Mapping):
        raise ContractgateError(f"not a condition: {raw!r}")
    if "all" in raw or "any" in raw:
        [(op, items)] = raw.items() if len(raw) == 1 else [(None, None)]
        if op is None or not isinstance(items, list) or not items:
            raise ContractgateError(f"{sorted(raw)}: all/any take a non-empty list and nothing else")
        parts = [compile_cond(c, named) for c in items]
        pick = all if op == "all" else any
        joiner = " and " if op == "all" else " or "
        return Cond(lambda doc, bind: pick(p.test(doc, bind) for p in parts),
                    joiner.join(_wrap(p.text) for p in parts), tuple(x for p in parts for x in p.paths))
    if "not" in raw:
        if len(raw) != 1:
            raise ContractgateError("not takes one condition and nothing else")
        inner = compile_cond(raw["not"], named)
        return Cond(lambda doc, bind: not inner.test(doc, bind), f"not ({inner.text})", inner.paths)
    if "op" in raw:
        return _comparison(raw)
    return _path_test(raw)


def _comparison(raw: Mapping[str, Any]) -> Cond:
    if set(raw) != {"left", "op", "right"} or raw["op"] not in COMPARATORS:
        raise ContractgateError(f"a comparison is {{left, op, right}} with op in {sorted(COMPARATORS)}")
    left, right = compile_expr(raw["left"]), compile_expr(raw["right"])
    compare, symbol = COMPARATORS[raw["op"]]

    def test(doc: Any, bind: Bindings) -> bool:
        a, b = left.eval(doc, bind), right.eval(doc, bind)
        if a is None or b is None:
            return False
        try:
            return bool(compare(a, b))
        except TypeError:  # mistyped operands ("1200" < 1200): the schema reports the type; the condition fails
            return False

    return Cond(test, f"{left.text} {symbol} {right.text}", left.paths + right.paths)


def _path_test(raw: Mapping[str, Any]) -> Cond:
    tests = [t for t in _TESTS if t in raw]
    if "path" not in raw or len(tests) != 1 or len(raw) != 2:
        raise ContractgateError(f"a path condition is {{path: P, <one of {', '.join(_TESTS)}>: ...}}, got {dict(raw)}")
    path, name = CompiledPointer.compile(raw["path"]), tests[0]
    field = short_name(path)
    if name == "exists":
        want = bool(raw[name])

        def present(doc: Any, bind: Bindings) -> bool:
            return path.exists(doc, bind) == want

        return Cond(present, f"{field} is {'' if want else 'not '}present", (path,))
    predicate, text = _value_test(name, raw[name])

    def test(doc: Any, bind: Bindings) -> bool:
        return predicate(path.get(doc, bind))

    return Cond(test, f"{field} {text}", (path,))


def _value_test(name: str, arg: Any) -> tuple[Callable[[Any], bool], str]:
    """A predicate on the value at a path (None when null or absent) and how a sentence says it."""
    if name == "is_null":
        return ((lambda v: v is None) if arg else (lambda v: v is not None)), f"is {'' if arg else 'not '}null"
    if name == "equals":
        return (lambda v: v == arg), f"is {as_json(arg)}"
    if name in ("in", "only"):
        allowed = frozenset(arg)
        if name == "in":
            return (lambda v: _hashable_in(v, allowed)), f"is one of {as_json(sorted(allowed, key=str))}"
        return (lambda v: _only(v, allowed)), f"values are all in {as_json(sorted(allowed, key=str))}"
    wanted = (arg,) if name == "contains" else tuple(arg)
    text = f"contains {as_json(arg)}" if name == "contains" else f"contains any of {as_json(list(wanted))}"
    return (lambda v: _list_has(v, wanted)), text


def _hashable_in(value: Any, allowed: frozenset[Any]) -> bool:
    return not isinstance(value, list | dict) and value in allowed


def _list_has(value: Any, wanted: tuple[Any, ...]) -> bool:
    return isinstance(value, list) and any(w in value for w in wanted)


def _only(value: Any, allowed: frozenset[Any]) -> bool:
    if not isinstance(value, list):
        return False
    try:
        return set(value) <= allowed
    except TypeError:  # unhashable items (objects) are never among the allowed scalars
        return False
