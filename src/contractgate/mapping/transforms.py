"""Transform kinds: how a v1 value becomes the v3 value it must equal. One small registered unit each.

A transform kind says three things, used by the two checks:

- ``shape``: what both sides must be for the transform to make sense (the static type check);
- ``image``: which v3 value each known v1 value becomes (the static enum check), when that is defined;
- ``leaf``: whether one v1 leaf value and one v3 leaf value agree (the dynamic check).

The comparison engine (``compare.py``) handles presence, null, JSON type and list walking, and supplies
the pointers; a leaf function only answers "agree or not", so transforms never build paths themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: What the two sides must be. same: equal JSON types (for arrays, equal item types too); list: both
#: arrays with equal item types; timestamp: date-time strings (or arrays of them); number: numbers (or
#: arrays of them); object: objects.
Shape = Literal["same", "list", "timestamp", "number", "object"]

#: What a difference between the two payloads is (docs/mapping.md describes each).
DriftKind = Literal["value_mismatch", "null_mismatch", "missing", "enum_unmapped", "type_changed"]

#: A leaf comparison: None when the two agree, else the drift kind (value_mismatch, type_changed or
#: enum_unmapped; presence and null are the engine's).
Leaf = Callable[[Any, Any, "TransformSpec", float], DriftKind | None]


@dataclass(frozen=True)
class Param:
    types: tuple[type, ...]
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class TransformKind:
    kind: str
    doc: str
    shape: Shape
    leaf: Leaf
    same_name: bool | None = None  # identity: names equal; rename, list_rename: names differ
    params: dict[str, Param] = field(default_factory=dict)
    image: Callable[[Iterable[Any], TransformSpec], dict[Any, Any]] | None = None
    compares_values: bool = True  # container: only presence and null are compared
    keeps_value: bool = False  # v3 equals v1 unchanged, so identical arrays need no item-by-item walk


@dataclass(frozen=True)
class TransformSpec:
    """One transform as written in a mapping entry: its kind and parameters."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def definition(self) -> TransformKind:
        return TRANSFORMS[self.kind]


TRANSFORMS: dict[str, TransformKind] = {}


def register(kind: TransformKind) -> TransformKind:
    if kind.kind in TRANSFORMS:
        raise ValueError(f"transform {kind.kind!r} registered twice")
    TRANSFORMS[kind.kind] = kind
    return kind


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def equal(a: Any, b: Any, tolerance: float = 0.0) -> bool:
    """JSON equality; numbers within ``tolerance`` (1 and 1.0 are equal, True and 1 are not)."""
    if _is_number(a) and _is_number(b):
        return a == b or math.isclose(a, b, rel_tol=0.0, abs_tol=tolerance)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y, tolerance) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k], tolerance) for k in a)
    return type(a) is type(b) and a == b


def _same_leaf(a: Any, b: Any, spec: TransformSpec, tolerance: float) -> DriftKind | None:
    return None if equal(a, b, tolerance) else "value_mismatch"


def _identity_image(values: Iterable[Any], spec: TransformSpec) -> dict[Any, Any]:
    return {v: v for v in values}


register(TransformKind(
    "identity", "Same name (after the move to its new place), same value.", "same", _same_leaf,
    same_name=True, image=_identity_image, keeps_value=True,
))
register(TransformKind(
    "rename", "Another name, same value.", "same", _same_leaf, same_name=False, image=_identity_image,
    keeps_value=True,
))
register(TransformKind(
    "list_rename", "An array under another name; compared item by item.", "list", _same_leaf,
    same_name=False, image=_identity_image, keeps_value=True,
))


def _enum_leaf(a: Any, b: Any, spec: TransformSpec, tolerance: float) -> DriftKind | None:
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        return "type_changed"
    table: dict[Any, Any] = spec.params["values"]
    if a not in table or b not in table.values():
        return "enum_unmapped"
    return None if equal(table[a], b) else "value_mismatch"


def _enum_image(values: Iterable[Any], spec: TransformSpec) -> dict[Any, Any]:
    table: dict[Any, Any] = spec.params["values"]
    return {v: table[v] for v in values if v in table}


register(TransformKind(
    "enum_map", "Each v1 value becomes the v3 value the table gives (every v1 value listed).", "same",
    _enum_leaf, params={"values": Param((dict,), doc="v1 value -> v3 value, every v1 value")},
    image=_enum_image,
))


def instant(value: Any) -> datetime | None:
    """The instant a timestamp names; None unless it is an ISO 8601 date-time with a UTC offset."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _timestamp_leaf(a: Any, b: Any, spec: TransformSpec, tolerance: float) -> DriftKind | None:
    left, right = instant(a), instant(b)
    if left is None or right is None:
        return "type_changed"
    return None if abs((left - right).total_seconds()) <= tolerance else "value_mismatch"


register(TransformKind(
    "timestamp", "Date-times compared as instants: another UTC offset for the same moment is no drift.",
    "timestamp", _timestamp_leaf,
))


def _scale_leaf(a: Any, b: Any, spec: TransformSpec, tolerance: float) -> DriftKind | None:
    if not (_is_number(a) and _is_number(b)):
        return "type_changed"
    expected = a * spec.params["factor"] + spec.params.get("offset", 0)
    # Relative slack for the multiplication's own rounding, on top of the entry's tolerance.
    return None if math.isclose(expected, b, rel_tol=1e-9, abs_tol=tolerance) else "value_mismatch"


def _scale_image(values: Iterable[Any], spec: TransformSpec) -> dict[Any, Any]:
    return {v: v * spec.params["factor"] + spec.params.get("offset", 0) for v in values if _is_number(v)}


register(TransformKind(
    "scale", "A unit or scale change: v3 = v1 * factor + offset.", "number", _scale_leaf,
    params={"factor": Param((int, float), doc="multiplier"),
            "offset": Param((int, float), required=False, doc="added after multiplying (default 0)")},
    image=_scale_image,
))

register(TransformKind(
    "window",
    "A v1 array that is a window of a longer v3 array: `blocks` blocks of `epochs_per_block` items ending "
    "with the block whose index is at `block_pointer` in the v1 payload; compared item by item.",
    "list", _same_leaf, image=_identity_image, keeps_value=True,
    params={"block_pointer": Param((str,), doc="v1 pointer of the index of the window's last block"),
            "epochs_per_block": Param((int,), doc="items per block"),
            "blocks": Param((int,), doc="blocks in a full window")},
))


def window_bounds(spec: TransformSpec, block: int) -> tuple[int, int]:
    """The v3 index range [start, end) that the window ending at ``block`` covers."""
    per, blocks = spec.params["epochs_per_block"], spec.params["blocks"]
    return max(0, (block - blocks + 1) * per), (block + 1) * per


def _container_leaf(a: Any, b: Any, spec: TransformSpec, tolerance: float) -> DriftKind | None:
    return None


register(TransformKind(
    "container",
    "An object whose members are mapped one by one: only its presence and nullness are compared, and a "
    "null or missing container is reported once, not once per member.",
    "object", _container_leaf, compares_values=False,
))
