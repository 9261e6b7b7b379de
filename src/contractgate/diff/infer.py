"""Which API and operation two payload files belong to, when the command line does not say.

Without it the behaviour diff has no spec and so no enum checks; a wrong guess would be worse than none,
so a guess is made only when exactly one candidate fits. A candidate fits when OLD or NEW validates
against its payload schema (NEW alone may carry the very change being diffed, such as a new enum value,
so one of the two suffices); when no schema admits either payload, the cheaper shape test decides: both
payloads have every required top-level member of the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from contractgate.schema import SchemaValidator


@dataclass(frozen=True)
class Candidate:
    api: str
    operation: str
    schema: dict[str, Any]


def _required(schema: dict[str, Any]) -> set[str]:
    parts = [schema, *(p for p in schema.get("allOf") or () if isinstance(p, dict))]
    return {name for part in parts for name in part.get("required") or () if isinstance(name, str)}


def _has_members(payload: Any, required: set[str]) -> bool:
    return isinstance(payload, dict) and bool(required) and required <= payload.keys()


def infer_candidate(payloads: Sequence[Any], candidates: Iterable[Candidate]) -> Candidate | None:
    """The single candidate the payloads fit; None when none or several do."""
    candidates = list(candidates)
    valid = [c for c in candidates if any(SchemaValidator(c.schema).is_valid(p) for p in payloads)]
    if len(valid) == 1:
        return valid[0]
    if valid:
        return None  # several schemas admit them: the shape test would not tell them apart any better
    shaped = [c for c in candidates if all(_has_members(p, _required(c.schema)) for p in payloads)]
    return shaped[0] if len(shaped) == 1 else None
