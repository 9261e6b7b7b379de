"""A reported change: frozen data. ``classify.py`` gives it a class and words; ``reports/diff.py`` renders it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contractgate.absent import ABSENT
from contractgate.diff.classify import BY_ID, CLASSES, Class

#: The token that stands for every position of an array (and, in a spec, every key of a map): pointers
#: are normalised with it so that ``/sleep_stages/17`` and ``/sleep_stages/18`` are one place.
ITEM = "*"
Tokens = tuple[str, ...]

@dataclass(frozen=True)
class Change:
    """One change. ``pointer`` is an RFC 6901 pointer into the payload (``*`` for any array position), ""
    for the whole payload or interaction; ``old``/``new`` are ABSENT where a side has no value."""

    kind: str
    pointer: str
    old: Any = ABSENT
    new: Any = ABSENT
    count: int = 1
    operation: str | None = None  # behaviour: "api/operationId"; spec: "GET /path" or "POST webhook name"
    location: str | None = None  # "response 200", "webhook request body", "header parameters"...

    @property
    def klass(self) -> Class:
        return BY_ID[self.kind].klass

    @property
    def fingerprint(self) -> tuple[str, str, str, str]:
        """Identity that survives a reworded message or another count: kind, operation, location, place."""
        return (self.kind, self.operation or "", self.location or "", self.pointer)


def sorted_changes(changes: Iterable[Change]) -> list[Change]:
    """Breaking first, then by operation, location, pointer and kind: a stable order for every report."""
    return sorted(changes, key=lambda c: (CLASSES.index(c.klass), *c.fingerprint[1:], c.kind,
                                          repr(c.old), repr(c.new)))


def has_breaking(changes: Iterable[Change]) -> bool:
    return any(c.klass == "breaking" for c in changes)
