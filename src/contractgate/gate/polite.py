"""Kept for imports of the earlier location; the HTTP layer is :mod:`contractgate.http`."""

from contractgate.http import PoliteSession

__all__ = ["PoliteSession"]
