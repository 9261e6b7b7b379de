"""Drift profiles: simulated vendor changes, declared in ``profiles.yaml`` and applied by one small interpreter.

A profile's ``ops`` rewrite a faithful answer at JSON Pointers (rename, set, delete, retype, add an enum
value); its ``behaviour`` delays answers or replaces some with errors. Profiles are data, so a new simulated
vendor change is a few lines of YAML; unknown keys and ops are refused when the file is loaded.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from contractgate.absent import ABSENT
from contractgate.errors import ContractgateError
from contractgate.pointer import parse_pointer, resolve
from contractgate.yamlfile import load_yaml, reject_unknown_keys

PROFILES_FILE = Path(__file__).with_name("profiles.yaml")
DEFAULT_PROFILE = "faithful"
OPS = ("rename", "set", "delete", "retype", "add_enum_value")
_OP_ARGS = {"rename": {"to"}, "set": {"value"}, "delete": set(), "retype": {"type"}, "add_enum_value": {"value"}}
_RETYPES = {"string": str, "number": float, "integer": int}
_PROFILE_KEYS = {"description", "ops", "behaviour", "expect"}
_BEHAVIOUR_KEYS = {"delay_ms", "error_rate", "errors"}


def _resolve(doc: Any, tokens: tuple[str, ...]) -> tuple[Any, str | int] | None:
    """The container holding the member ``tokens`` names, and its key; None when the path is not there."""
    if not tokens:
        return None
    node = resolve(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(node, dict):
        return node, last
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node, int(last)
    return None


@dataclass(frozen=True)
class Op:
    api: str
    statuses: frozenset[str]
    op: str
    pointer: tuple[str, ...]
    args: dict[str, Any]
    when: tuple[tuple[str, ...], tuple[Any, ...]] | None = None

    def applies(self, api_id: str, status: str, doc: Any) -> bool:
        if api_id != self.api or status not in self.statuses:
            return False
        if self.when is None:
            return True
        pointer, values = self.when
        value = resolve(doc, pointer)
        return (None if value is ABSENT else value) in values

    def apply(self, doc: Any) -> None:
        where = _resolve(doc, self.pointer)
        if where is None:
            return
        parent, key = where
        present = isinstance(parent, list) or key in parent
        if self.op == "set":
            parent[key] = copy.deepcopy(self.args["value"])
        elif not present:
            return
        elif self.op == "rename":
            parent[self.args["to"]] = parent.pop(key)
        elif self.op == "delete":
            del parent[key]
        elif self.op == "retype":
            if parent[key] is not None:
                parent[key] = _RETYPES[self.args["type"]](parent[key])
        elif isinstance(parent[key], list):  # add_enum_value
            parent[key].append(self.args["value"])
        else:
            parent[key] = self.args["value"]


@dataclass(frozen=True)
class ErrorChoice:
    status: int
    weight: int = 1
    retry_after: int | None = None


@dataclass(frozen=True)
class Behaviour:
    delay_ms: tuple[int, int] = (0, 0)
    error_rate: float = 0.0
    errors: tuple[ErrorChoice, ...] = ()

    def delay(self, rng: random.Random) -> float:
        """Seconds to wait before answering."""
        low, high = self.delay_ms
        return rng.uniform(low, high) / 1000 if high else 0.0

    def failure(self, rng: random.Random) -> ErrorChoice | None:
        """The error to answer instead of the real answer, if this request is one of the unlucky ones."""
        if not self.errors or rng.random() >= self.error_rate:
            return None
        return rng.choices(self.errors, weights=[e.weight for e in self.errors])[0]


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    ops: tuple[Op, ...] = ()
    behaviour: Behaviour = field(default_factory=Behaviour)
    expect: tuple[dict[str, str], ...] = ()

    def transform(self, api_id: str, status: str, doc: Any) -> Any:
        """``doc`` with this profile's ops applied (in place, and returned)."""
        for op in self.ops:
            if op.applies(api_id, status, doc):
                op.apply(doc)
        return doc


def _where(name: str) -> str:
    return f"{PROFILES_FILE}: profile {name!r}"


def _fail(name: str, message: str) -> ContractgateError:
    return ContractgateError(f"{_where(name)}: {message}")


def _parse_op(name: str, raw: Any) -> Op:
    if not isinstance(raw, dict) or raw.get("op") not in OPS:
        raise _fail(name, f"each op needs `op` (one of {', '.join(OPS)}): {raw!r}")
    kind = raw["op"]
    known = {"api", "status", "op", "pointer", "when"} | _OP_ARGS[kind]
    reject_unknown_keys(raw, known, _where(name), f" in a {kind} op")
    if missing := ({"api", "pointer"} | _OP_ARGS[kind]) - set(raw):
        raise _fail(name, f"missing keys {sorted(missing)} in a {kind} op")
    if kind == "retype" and raw["type"] not in _RETYPES:
        raise _fail(name, f"retype to one of {sorted(_RETYPES)}, not {raw['type']!r}")
    status = raw.get("status", "200")
    statuses = frozenset(str(s) for s in (status if isinstance(status, list) else [status]))
    when = None
    if "when" in raw:
        if not isinstance(raw["when"], dict) or set(raw["when"]) != {"pointer", "in"}:
            raise _fail(name, "`when` needs exactly `pointer` and `in`")
        when = (parse_pointer(raw["when"]["pointer"]), tuple(raw["when"]["in"]))
    args = {k: raw[k] for k in _OP_ARGS[kind]}
    return Op(raw["api"], statuses, kind, parse_pointer(raw["pointer"]), args, when)


def _parse_behaviour(name: str, raw: Any) -> Behaviour:
    if not isinstance(raw, dict) or set(raw) - _BEHAVIOUR_KEYS:
        raise _fail(name, f"behaviour takes {sorted(_BEHAVIOUR_KEYS)}")
    low, high = raw.get("delay_ms", (0, 0))
    try:
        errors = tuple(ErrorChoice(**e) for e in raw.get("errors", ()))
    except TypeError as exc:
        raise _fail(name, f"each error is {{status, weight, retry_after}}: {exc}") from None
    rate = float(raw.get("error_rate", 0.0))
    if not 0 <= low <= high or not 0 <= rate <= 1:
        raise _fail(name, "delay_ms is [low, high] with 0 <= low <= high; error_rate within 0..1")
    return Behaviour((int(low), int(high)), rate, errors)


@cache
def load_profiles(path: Path = PROFILES_FILE) -> dict[str, Profile]:
    raw = load_yaml(path)
    if not isinstance(raw, dict) or DEFAULT_PROFILE not in raw:
        raise ContractgateError(f"{path}: expected a mapping of profiles with {DEFAULT_PROFILE!r}")
    profiles = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict) or "description" not in entry or (set(entry) - _PROFILE_KEYS):
            raise _fail(name, f"expected `description` and only {sorted(_PROFILE_KEYS)}")
        profiles[name] = Profile(
            name=name,
            description=entry["description"],
            ops=tuple(_parse_op(name, op) for op in entry.get("ops", ())),
            behaviour=_parse_behaviour(name, entry.get("behaviour", {})),
            expect=tuple(entry.get("expect", ())),
        )
    return profiles


def get_profile(name: str) -> Profile:
    profiles = load_profiles()
    try:
        return profiles[name]
    except KeyError:
        raise ContractgateError(f"unknown profile {name!r} (known: {', '.join(profiles)})") from None
