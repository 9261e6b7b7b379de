"""Where the vendor documents contradict themselves, and what the specs chose: ``<api>/conflicts.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contractgate.catalog import Api, Catalog
from contractgate.errors import ContractgateError
from contractgate.yamlfile import load_yaml, reject_unknown_keys

CONFLICT_KINDS = ("contradiction", "assumption", "omission")
_REQUIRED = ("id", "kind", "source", "conflict", "choice")
_OPTIONAL = ("pointer", "document_says", "examples")


@dataclass(frozen=True)
class Conflict:
    api_id: str
    id: str
    kind: str
    source: str
    conflict: str
    choice: str
    pointers: tuple[str, ...] = ()  # payload pointers (``*`` matches one segment) or spec locations
    document_says: str | None = None
    examples: tuple[str, ...] = ()


def _parse(api: Api, index: int, raw: Any) -> Conflict:
    where = f"{api.folder / 'conflicts.yaml'}: entry {index + 1}"
    if not isinstance(raw, dict):
        raise ContractgateError(f"{where}: expected a mapping")
    if missing := [k for k in _REQUIRED if k not in raw]:
        raise ContractgateError(f"{where}: missing {', '.join(missing)}")
    reject_unknown_keys(raw, {*_REQUIRED, *_OPTIONAL}, where)
    if raw["kind"] not in CONFLICT_KINDS:
        raise ContractgateError(f"{where}: kind must be one of {', '.join(CONFLICT_KINDS)}")
    return Conflict(
        api_id=api.id,
        id=str(raw["id"]),
        kind=raw["kind"],
        source=str(raw["source"]),
        conflict=str(raw["conflict"]).strip(),
        choice=str(raw["choice"]).strip(),
        pointers=_pointers(raw.get("pointer")),
        document_says=str(raw["document_says"]).strip() if raw.get("document_says") else None,
        examples=tuple(raw.get("examples") or ()),
    )


def _pointers(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(str(p).strip() for p in items if str(p).strip())


def _covers(pattern: str, pointer: str) -> bool:
    """``pattern`` is ``pointer`` or one of its parents; a ``*`` segment matches any one segment.

    An entry at the root is about the whole document and is not taken to explain any one place."""
    if not pattern.strip("/"):
        return False
    want = pattern.rstrip("/").split("/")
    have = pointer.split("/")
    return len(have) >= len(want) and all(w in ("*", h) for w, h in zip(want, have, strict=False))


def load_conflicts(api: Api) -> list[Conflict]:
    path = api.folder / "conflicts.yaml"
    if not path.exists():
        return []
    raw = load_yaml(path) or []
    if not isinstance(raw, list):
        raise ContractgateError(f"{path}: expected a list of conflicts")
    conflicts = [_parse(api, i, entry) for i, entry in enumerate(raw)]
    ids = [c.id for c in conflicts]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ContractgateError(f"{path}: duplicate ids {dupes}")
    return conflicts


def all_conflicts(catalog: Catalog) -> list[Conflict]:
    return [c for api in catalog.apis.values() for c in load_conflicts(api)]


def at_pointer(conflicts: list[Conflict], api_id: str, pointer: str) -> list[Conflict]:
    """The conflicts recorded at ``pointer`` (or a parent) of ``api_id``, whatever the example."""
    return [c for c in conflicts if c.api_id == api_id and any(_covers(p, pointer) for p in c.pointers)]


def explaining(conflicts: list[Conflict], api_id: str, example_name: str, pointer: str) -> list[Conflict]:
    """The conflicts that explain a violation at ``pointer`` in the example ``example_name`` of ``api_id``.

    An entry explains it when it lists the example and its own pointer is the violation's or a parent of it.
    """
    return [c for c in at_pointer(conflicts, api_id, pointer) if example_name in c.examples]
