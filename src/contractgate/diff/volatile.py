"""Volatile fields: where the behaviour diff ignores value changes (``volatile.yaml``, ``--config``, ``--ignore``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from contractgate.diff.change import ITEM, Tokens
from contractgate.errors import ContractgateError
from contractgate.pointer import parse_pointer
from contractgate.yamlfile import load_yaml

DEFAULT_CONFIG = Path(__file__).with_name("volatile.yaml")
EVERY_API = "*"
_ENTRY_KEYS = {"pointer", "reason"}


@dataclass(frozen=True)
class Ignored:
    """A set of pointer patterns; a place is ignored when a pattern equals it or one of its ancestors."""

    patterns: tuple[Tokens, ...] = ()
    _memo: dict[Tokens, bool] = field(default_factory=dict, compare=False, repr=False)

    def __contains__(self, tokens: Tokens) -> bool:
        try:
            return self._memo[tokens]
        except KeyError:
            found = self._memo[tokens] = any(
                len(p) <= len(tokens) and all(a in (ITEM, b) for a, b in zip(p, tokens, strict=False))
                for p in self.patterns)
            return found


def _pattern(text: str) -> Tokens:
    """A pattern's tokens; "" (the whole payload) is refused: that would hide every value change."""
    tokens = parse_pointer(text)
    if not tokens:
        raise ContractgateError("an ignored pointer must name a field, not the whole payload ('')")
    return tokens


@dataclass(frozen=True)
class Volatile:
    """Patterns per API id (``*``: every API), plus the ones given on the command line."""

    by_api: dict[str, tuple[Tokens, ...]] = field(default_factory=dict)

    def for_api(self, api: str | None) -> Ignored:
        mine = self.by_api.get(api, ()) if api is not None else ()
        return Ignored((*self.by_api.get(EVERY_API, ()), *mine))

    def with_pointers(self, pointers: Iterable[str]) -> Volatile:
        extra = tuple(_pattern(p) for p in pointers)
        return Volatile({**self.by_api, EVERY_API: (*self.by_api.get(EVERY_API, ()), *extra)})


def load_volatile(path: Path = DEFAULT_CONFIG, known_apis: Collection[str] | None = None) -> Volatile:
    """Read a volatile-fields file; unknown API ids and unknown keys are errors, not silent no-ops."""
    raw = load_yaml(path)
    if raw is None:
        return Volatile()
    if not isinstance(raw, dict):
        raise ContractgateError(f"{path}: expected a mapping of API id to a list of fields")
    by_api: dict[str, tuple[Tokens, ...]] = {}
    for api, entries in raw.items():
        where = f"{path}: {api}"
        if known_apis is not None and api != EVERY_API and api not in known_apis:
            raise ContractgateError(f"{where}: unknown API (known: {', '.join(sorted(known_apis))}, or '*')")
        if not isinstance(entries, list):
            raise ContractgateError(f"{where}: expected a list of {{pointer, reason}}")
        patterns = []
        for entry in entries:
            if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS or not isinstance(entry["reason"], str):
                raise ContractgateError(f"{where}: each entry needs exactly 'pointer' and 'reason', got {entry!r}")
            try:
                patterns.append(_pattern(entry["pointer"]))
            except ContractgateError as exc:
                raise ContractgateError(f"{where}: {exc}") from None
        by_api[str(api)] = tuple(patterns)
    return Volatile(by_api)
