"""``contractgate mapping compare``: do a v1 payload and a v3 payload of the same session agree?

For every mapped entry that applies to the v1 payload (the callback's event picks the oneOf branch, and
with it the entries whose v1 field exists in that branch), both values are looked up and compared:

- ``missing``: the field is absent on one side only (present-but-null counts as present);
- ``null_mismatch``: null on one side only;
- ``type_changed``: the two JSON types differ (integer and number are one type here), or a value is not
  what the transform reads (a timestamp without a UTC offset, a list where an enum value belongs);
- ``enum_unmapped``: an ``enum_map`` pair holds a value the table does not know;
- ``value_mismatch``: the transform says the two should be equal and they are not.

Arrays are compared item by item (the drift points at the item) when their lengths agree, as one value
otherwise. A container entry (``transform: container``) that is null or missing is reported once; the
entries beneath it are then skipped, so one null ``stat`` is one drift, not thirty.

An entry's ``null_when`` turns a null or missing value on its side into an expected difference, not
drift, when its condition holds in that side's payload (v3 ``stat`` is null for TOO_SHORT_FOR_ANALYSIS
while the v1 callback still carries the metrics, as both documents say). Expected differences are kept
apart in ``Comparison.expected`` for the reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from contractgate.absent import ABSENT
from contractgate.errors import InputError
from contractgate.mapping.fields import Inventory, json_type
from contractgate.mapping.model import Basis, MappedField, MappingFile, Side
from contractgate.mapping.transforms import DriftKind, equal, window_bounds
from contractgate.pointer import child, parse_pointer, pointer_from

DRIFT_KINDS: tuple[DriftKind, ...] = ("value_mismatch", "null_mismatch", "missing", "enum_unmapped", "type_changed")


@dataclass(frozen=True)
class FieldDrift:
    kind: DriftKind
    v1_pointer: str
    v3_pointer: str
    v1_value: Any = ABSENT  # ABSENT: the field is not in the v1 payload
    v3_value: Any = ABSENT
    basis: Basis = "documented"  # of the mapping entry: how sure we are that the two should agree
    transform: str = ""

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return (self.kind, self.v1_pointer, self.v3_pointer)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form; the value of an absent side is left out (not null: null is a value)."""
        out: dict[str, Any] = {"v1_pointer": self.v1_pointer, "v3_pointer": self.v3_pointer, "kind": self.kind}
        if self.v1_value is not ABSENT:
            out["v1_value"] = self.v1_value
        if self.v3_value is not ABSENT:
            out["v3_value"] = self.v3_value
        return out


@dataclass(frozen=True)
class Comparison:
    mapping: MappingFile
    variant: str | None  # the v1 branch compared, e.g. SESSION_COMPLETE
    compared: int  # mapped entries that applied to this pair
    drifts: tuple[FieldDrift, ...]
    expected: tuple[FieldDrift, ...] = ()  # differences an entry's null_when declares documented

    @property
    def ok(self) -> bool:
        return not self.drifts


@dataclass(frozen=True)
class _Found:
    value: Any


@dataclass(frozen=True)
class _Blocked:
    """An enclosing value is absent, null or not a container; ``at`` is its pointer."""

    at: str


def _resolve(document: Any, tokens: Sequence[str]) -> _Found | _Blocked | None:
    """The value at ``tokens``: found, blocked by an ancestor, or None when only the field itself is absent."""
    node = document
    for depth, token in enumerate(tokens):
        member = child(node, token)
        if member is not ABSENT:
            node = member
            continue
        # A container without the member: only the field is missing. Anything else blocks the way down.
        if type(node) is dict or (type(node) is list and token.isdigit()):
            return None if depth == len(tokens) - 1 else _Blocked(pointer_from(tokens[: depth + 1]))
        return _Blocked(pointer_from(tokens[:depth]))
    return _Found(node)


def _expand(v1_doc: Any, v1_tokens: Sequence[str], v3_doc: Any, v3_tokens: Sequence[str]) -> Iterator[tuple[str, ...]]:
    """Index tuples for the ``*``s of a pair of pointers: every item of the longer array on either side.

    Empty arrays on both sides still give one tuple, so that the pair resolves as absent and is judged so.
    """
    if "*" not in v1_tokens:
        yield ()
        return
    star1, star3 = v1_tokens.index("*"), v3_tokens.index("*")
    lengths = []
    for doc, tokens, star in ((v1_doc, v1_tokens, star1), (v3_doc, v3_tokens, star3)):
        found = _resolve(doc, tokens[:star])
        lengths.append(len(found.value) if isinstance(found, _Found) and isinstance(found.value, list) else 0)
    for index in range(max(*lengths, 1)):
        fixed1 = [*v1_tokens[:star1], str(index), *v1_tokens[star1 + 1:]]
        fixed3 = [*v3_tokens[:star3], str(index), *v3_tokens[star3 + 1:]]
        for more in _expand(v1_doc, fixed1, v3_doc, fixed3):
            yield (str(index), *more)


def _fill(tokens: Sequence[str], indices: tuple[str, ...]) -> list[str]:
    it = iter(indices)
    return [next(it) if t == "*" else t for t in tokens]


def select_variant(inventory: Inventory, document: Any, name: str) -> set[str]:
    """The oneOf branches ``document`` belongs to; InputError when a discriminator value is unknown."""
    chosen: set[str] = set()
    for disc in inventory.discriminators:
        holder = _resolve(document, parse_pointer(disc.pointer))
        value = holder.value.get(disc.property, ABSENT) if isinstance(holder, _Found) and isinstance(
            holder.value, dict) else ABSENT
        if value not in disc.values:
            where = f"{disc.pointer}/{disc.property}"
            got = "missing" if value is ABSENT else f"{value!r}"
            raise InputError(name, f"{where} is {got}, expected one of {', '.join(disc.values)}")
        chosen.add(value)
    return chosen


class _Pair:
    """The comparison of one mapped entry for one concrete pair of pointers."""

    def __init__(self, entry: MappedField, v1_doc: Any, v1_pointer: str, v3_pointer: str) -> None:
        self.entry = entry
        self.v1_doc = v1_doc
        self.v1_pointer = v1_pointer
        self.v3_pointer = v3_pointer

    def drift(self, kind: DriftKind, v1_path: tuple[int, ...] = (), v3_path: tuple[int, ...] = (),
              v1_value: Any = ABSENT, v3_value: Any = ABSENT, v1_pointer: str | None = None) -> FieldDrift:
        return FieldDrift(
            kind=kind,
            v1_pointer=v1_pointer or self.v1_pointer + pointer_from(v1_path),
            v3_pointer=self.v3_pointer + pointer_from(v3_path),
            v1_value=v1_value,
            v3_value=v3_value,
            basis=self.entry.basis,
            transform=self.entry.transform.kind,
        )

    def values(self, a: Any, b: Any, v1_path: tuple[int, ...] = (),
               v3_path: tuple[int, ...] = ()) -> Iterator[FieldDrift]:
        """Drifts between two present values, walking arrays item by item."""
        if a is None and b is None:
            return
        if a is None or b is None:
            yield self.drift("null_mismatch", v1_path, v3_path, a, b)
            return
        kind_a, kind_b = json_type(a), json_type(b)
        if {kind_a, kind_b} <= {"integer", "number"}:
            kind_a = kind_b
        if kind_a != kind_b:
            yield self.drift("type_changed", v1_path, v3_path, a, b)
            return
        definition = self.entry.transform.definition
        if not definition.compares_values:
            return
        if isinstance(a, list):
            if definition.keeps_value and _identical(a, b):
                return
            if len(a) != len(b):
                yield self.drift("value_mismatch", v1_path, v3_path, a, b)
                return
            for index, (x, y) in enumerate(zip(a, b, strict=True)):
                yield from self.values(x, y, (*v1_path, index), (*v3_path, index))
            return
        if isinstance(a, dict):
            if not equal(a, b, self.entry.tolerance):
                yield self.drift("value_mismatch", v1_path, v3_path, a, b)
            return
        kind = definition.leaf(a, b, self.entry.transform, self.entry.tolerance)
        if kind is not None:
            yield self.drift(kind, v1_path, v3_path, a, b)

    def window(self, a: Any, b: Any) -> Iterator[FieldDrift]:
        """A v1 window against the slice of the v3 array it covers; items point into the full v3 array."""
        block_pointer = self.entry.transform.params["block_pointer"]
        found = _resolve(self.v1_doc, parse_pointer(block_pointer))
        block = found.value if isinstance(found, _Found) else ABSENT
        if block is ABSENT:
            yield self.drift("missing", v1_pointer=block_pointer, v3_value=b)
            return
        if isinstance(block, bool) or not isinstance(block, int) or block < 0:
            yield self.drift("type_changed", v1_pointer=block_pointer, v1_value=block, v3_value=b)
            return
        start, end = window_bounds(self.entry.transform, block)
        part = b[start:end]
        if _identical(a, part):
            return
        if len(a) != len(part):
            yield self.drift("value_mismatch", v1_value=a, v3_value=part)
            return
        for index, (x, y) in enumerate(zip(a, part, strict=True)):
            yield from self.values(x, y, (index,), (start + index,))


_PLAIN = (int, float, str)


def _identical(a: list[Any], b: list[Any]) -> bool:
    """Equal item for item with the same Python types: nothing for the careful walk to find."""
    if len(a) != len(b):
        return False
    return all(type(x) is type(y) and type(x) in _PLAIN and x == y for x, y in zip(a, b, strict=True))


def _applies(pointer: str, inventory: Inventory, variants: set[str]) -> bool:
    """The field at ``pointer`` exists in the chosen branches (fields unknown to the spec are compared anyway)."""
    info = inventory.get(pointer)
    return info is None or not info.variants or bool(info.variants & variants)


def compare_documents(mapping: MappingFile, v1_doc: Any, v3_doc: Any, v1: Inventory, v3: Inventory,
                      v1_name: str = "v1", v3_name: str = "v3") -> Comparison:
    """Every drift between the v1 payload and the v3 payload, in mapping order.

    Raises InputError (naming the file) when a payload is not a JSON object or its discriminator value
    (the callback event) is unknown, because then there is no telling which entries apply.
    """
    for doc, name in ((v1_doc, v1_name), (v3_doc, v3_name)):
        if not isinstance(doc, dict):
            raise InputError(name, f"expected a JSON object, got {json_type(doc)}")
    variants = select_variant(v1, v1_doc, v1_name) | select_variant(v3, v3_doc, v3_name)
    entries = [e for e in mapping.fields if _applies(e.v1, v1, variants) and _applies(e.v3, v3, variants)]
    containers: dict[Side, set[str]] = {
        "v1": {e.v1 for e in entries if e.transform.kind == "container"},
        "v3": {e.v3 for e in entries if e.transform.kind == "container"},
    }
    drifts: list[FieldDrift] = []
    expected: list[FieldDrift] = []
    documents = {"v1": v1_doc, "v3": v3_doc}
    for entry in entries:
        for drift in _compare_entry(entry, v1_doc, v3_doc, containers):
            (expected if _expected(entry, drift, documents) else drifts).append(drift)
    return Comparison(mapping, "/".join(sorted(variants)) or None, len(entries), tuple(drifts), tuple(expected))


def _expected(entry: MappedField, drift: FieldDrift, documents: dict[str, Any]) -> bool:
    """The drift is the entry's side lacking its value while its ``null_when`` condition holds."""
    when = entry.null_when
    if when is None or drift.kind not in ("null_mismatch", "missing"):
        return False
    value, at, pattern = ((drift.v1_value, drift.v1_pointer, entry.v1) if when.side == "v1"
                          else (drift.v3_value, drift.v3_pointer, entry.v3))
    lacking = value is None or value is ABSENT
    if not lacking or not _matches(pattern, at):
        return False  # the other side lacks it, or an array item does: not what the condition covers
    if when.other_blank is not None:
        other = drift.v3_value if when.side == "v1" else drift.v1_value
        if not _blank(other, when.other_blank):
            return False  # the other side measured something the label says does not exist: one fact, drift
    found = _resolve(documents[when.side], parse_pointer(when.pointer))
    if not isinstance(found, _Found):
        return False
    held = found.value if isinstance(found.value, list) else [found.value]
    return any(equal(h, v) for h in held for v in when.any_of)


def _blank(value: Any, placeholders: tuple[Any, ...]) -> bool:
    """No value: null, absent, or an array (possibly empty) holding only placeholders."""
    if value is None or value is ABSENT:
        return True
    if isinstance(value, list):
        return all(any(equal(item, p) for p in placeholders) for item in value)
    return any(equal(value, p) for p in placeholders)


def _compare_entry(entry: MappedField, v1_doc: Any, v3_doc: Any,
                   containers: dict[Side, set[str]]) -> Iterator[FieldDrift]:
    v1_tokens, v3_tokens = parse_pointer(entry.v1), parse_pointer(entry.v3)
    for indices in _expand(v1_doc, v1_tokens, v3_doc, v3_tokens):
        p1, p3 = _fill(v1_tokens, indices), _fill(v3_tokens, indices)
        pair = _Pair(entry, v1_doc, pointer_from(p1), pointer_from(p3))
        left, right = _resolve(v1_doc, p1), _resolve(v3_doc, p3)
        # Beneath a container entry that is null or missing: that entry reports it, once.
        if isinstance(left, _Blocked) and _covered(left.at, containers["v1"]):
            continue
        if isinstance(right, _Blocked) and _covered(right.at, containers["v3"]):
            continue
        a = left.value if isinstance(left, _Found) else ABSENT
        b = right.value if isinstance(right, _Found) else ABSENT
        if a is ABSENT and b is ABSENT:
            continue  # both lack it: nothing disagrees (whether it is required is validate's business)
        if a is ABSENT or b is ABSENT:
            yield pair.drift("missing", v1_value=a, v3_value=b)
            continue
        if entry.transform.kind == "window" and isinstance(a, list) and isinstance(b, list):
            yield from pair.window(a, b)
        else:
            yield from pair.values(a, b)


def _matches(pattern: str, pointer: str) -> bool:
    """``pointer`` (concrete) is ``pattern``, whose ``*`` segments match any index."""
    want, have = pattern.split("/"), pointer.split("/")
    return len(want) == len(have) and all(w in ("*", h) for w, h in zip(want, have, strict=True))


def _covered(pointer: str, containers: set[str]) -> bool:
    """``pointer`` is a container entry's pointer."""
    return any(_matches(c, pointer) for c in containers)
