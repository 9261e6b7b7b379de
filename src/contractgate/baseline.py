"""A baseline of known deviations: findings a team has triaged and accepts for now.

A finding is known by its fingerprint, which does not depend on message text or generated data: API,
operation, check or rule id, status code, and the JSON Pointer with array positions as ``*``. Each entry may
carry a ``reason`` and an ``expires`` date; an expired entry no longer excuses anything. A run then sorts its
findings into known (in the baseline), new (not in it, or expired) and resolved (entries no longer seen);
only new findings fail it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contractgate.errors import ContractgateError
from contractgate.fileio import write_text_atomic
from contractgate.findings import Violation
from contractgate.yamlfile import load_yaml

FORMAT = "contractgate-baseline/1"
_ENTRY_KEYS = {"api", "operation", "check", "status", "pointer", "reason", "expires"}


def wildcard_pointer(pointer: str) -> str:
    """``/result/stages/17`` -> ``/result/stages/*``: the same deviation at another epoch is the same finding."""
    return "/".join("*" if token.isdigit() else token for token in pointer.split("/"))


@dataclass(frozen=True, order=True)
class Fingerprint:
    api: str
    operation: str
    check: str  # a rule id or a check name
    status: int | None
    pointer: str  # array positions as *

    @classmethod
    def of(cls, api: str, operation: str, check: str, status: int | None, pointer: str) -> Fingerprint:
        return cls(api, operation, check, status, wildcard_pointer(pointer))

    def label(self) -> str:
        status = f" {self.status}" if self.status is not None else ""
        return f"{self.api} {self.operation}{status} {self.check} at {self.pointer or '/'}"


@dataclass(frozen=True)
class Entry:
    fingerprint: Fingerprint
    reason: str | None = None
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Triage:
    known: tuple[Fingerprint, ...] = ()
    new: tuple[Fingerprint, ...] = ()
    expired: tuple[Fingerprint, ...] = ()  # seen, in the baseline, but past its date: counted as new too
    resolved: tuple[Entry, ...] = ()

    def is_new(self, fingerprint: Fingerprint) -> bool:
        return fingerprint in self.new or fingerprint in self.expired


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def entry(self, fingerprint: Fingerprint) -> Entry | None:
        return next((e for e in self.entries if e.fingerprint == fingerprint), None)

    def triage(self, seen: Iterable[Fingerprint], today: dt.date | None = None) -> Triage:
        today = today or dt.date.today()
        seen = sorted(set(seen))
        by_print = {e.fingerprint: e for e in self.entries}
        known = tuple(f for f in seen if f in by_print and not by_print[f].expired(today))
        expired = tuple(f for f in seen if f in by_print and by_print[f].expired(today))
        new = tuple(f for f in seen if f not in by_print)
        resolved = tuple(e for e in self.entries if e.fingerprint not in set(seen))
        return Triage(known, new, expired, resolved)

    def split(self, api: str, operation: str, status: int | None, violations: Iterable[Violation],
              today: dt.date | None = None) -> tuple[list[Violation], list[Violation]]:
        """(new, known) violations of one payload: known ones are in the baseline and not expired."""
        today = today or dt.date.today()
        new: list[Violation] = []
        known: list[Violation] = []
        for v in violations:
            entry = self.entry(Fingerprint.of(api, operation, v.rule, status, v.pointer))
            (known if entry is not None and not entry.expired(today) else new).append(v)
        return new, known

    def updated(self, seen: Iterable[Fingerprint]) -> Baseline:
        """Every finding seen, keeping the reason and date of entries that were there already."""
        kept = {e.fingerprint: e for e in self.entries}
        return Baseline(tuple(kept.get(f, Entry(f)) for f in sorted(set(seen))), self.path)


def load_baseline(path: Path) -> Baseline:
    raw = load_yaml(path)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("entries"), list):
        raise ContractgateError(f"{path}: not a contractgate baseline (expected format: {FORMAT} and a list of "
                                "entries; write one with --update-baseline)")
    return Baseline(tuple(_entry(item, f"{path}: entries[{i}]") for i, item in enumerate(raw["entries"])), path)


def _entry(item: Any, where: str) -> Entry:
    if not isinstance(item, dict):
        raise ContractgateError(f"{where}: expected a mapping")
    if unknown := set(item) - _ENTRY_KEYS:
        known = ", ".join(sorted(_ENTRY_KEYS))
        raise ContractgateError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {known})")
    for key in ("api", "operation", "check"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise ContractgateError(f"{where}: {key} must be a non-empty string")
    status = item.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        raise ContractgateError(f"{where}: status must be an integer or absent, got {status!r}")
    pointer = item.get("pointer", "")
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise ContractgateError(f"{where}: pointer must be a JSON Pointer ('' or starting with '/'), got {pointer!r}")
    expires = item.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise ContractgateError(f"{where}: expires must be a date (YYYY-MM-DD), got {expires!r}") from None
    if expires is not None and not isinstance(expires, dt.date):
        raise ContractgateError(f"{where}: expires must be a date (YYYY-MM-DD), got {expires!r}")
    reason = item.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ContractgateError(f"{where}: reason must be a string")
    fingerprint = Fingerprint.of(item["api"], item["operation"], item["check"], status, pointer)
    return Entry(fingerprint, reason, expires)


def dump_baseline(baseline: Baseline) -> str:
    entries = []
    for e in baseline.entries:
        f = e.fingerprint
        item: dict[str, Any] = {"api": f.api, "operation": f.operation, "check": f.check}
        if f.status is not None:
            item["status"] = f.status
        item["pointer"] = f.pointer
        if e.reason:
            item["reason"] = e.reason
        if e.expires:
            item["expires"] = e.expires.isoformat()
        entries.append(item)
    header = ("# Known deviations: findings triaged and accepted for now. A run reports them as known and fails\n"
              "# only on new ones. Give each a reason and, where the deviation should be fixed, an expires date.\n")
    return header + yaml.safe_dump({"format": FORMAT, "entries": entries}, sort_keys=False, allow_unicode=True)


def save_baseline(baseline: Baseline, path: Path) -> None:
    write_text_atomic(path, dump_baseline(baseline))
