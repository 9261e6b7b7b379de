"""Wording shared by every output (reports, console lines), so that everything counts things the same way."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``1 interaction``, ``2 interactions``: the count and the noun, regular plurals only."""
    return f"{n} {word}{'s' * (n != 1)}"
