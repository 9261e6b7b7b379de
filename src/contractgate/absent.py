"""ABSENT: the one marker for "no value here", as opposed to a JSON ``null``.

A pointer that reaches nothing, a body that was not sent, a field missing from one side of a comparison:
all are ABSENT, so that a value handed from one engine to another keeps its meaning.
"""

from __future__ import annotations

from typing import Any


class _Absent:
    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        # One instance even through copy and pickle, which call __new__ again: callers test with ``is``.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
