"""The recording format: one JSON document per interaction, ``contractgate-recording/1`` (docs/recordings.md).

A recording folder holds one file per recorded interaction. This module reads and writes single
documents, loads a folder (an unreadable file is reported, never fatal) and pairs the interactions of
two folders by their request.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from contractgate.absent import ABSENT
from contractgate.errors import ContractgateError, InputError
from contractgate.fileio import write_bytes_atomic
from contractgate.payload import DEFAULT_MAX_BYTES, read_payload
from contractgate.secrets import Masker

FORMAT = "contractgate-recording/1"
InteractionKind = Literal["rest", "webhook"]
#: (api, operation, method, path): what "the same request" means between two folders.
Key = tuple[str, str, str, str]

_TOP_KEYS = {"format", "api", "operation", "kind", "request", "response", "elapsed_ms", "recorded_at"}
_REQUIRED_TOP = _TOP_KEYS - {"kind", "elapsed_ms"}
_REQUEST_KEYS = {"method", "path", "headers", "body"}
_RESPONSE_KEYS = {"status", "headers", "body"}
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # path and query string as sent, secrets masked
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = ABSENT  # a webhook delivery's payload; REST requests of the four APIs have none


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = ABSENT  # parsed JSON; a non-JSON body is kept as its text (a string)


@dataclass(frozen=True)
class Interaction:
    api: str
    operation: str
    request: Request
    response: Response
    recorded_at: str
    kind: InteractionKind = "rest"
    elapsed_ms: float | None = None
    file: str = ""  # where it was read from; not part of the document

    @property
    def key(self) -> Key:
        return (self.api, self.operation, self.request.method, self.request.path)

    @property
    def label(self) -> str:
        return f"{self.request.method} {self.request.path}"

    @property
    def payload(self) -> Any:
        """What the consumer receives: a webhook's request body, otherwise the response body."""
        return self.request.body if self.kind == "webhook" else self.response.body

    @property
    def status(self) -> int | None:
        """The vendor's status; None for a webhook, whose response is the receiver's own answer."""
        return None if self.kind == "webhook" else self.response.status

    def to_document(self) -> dict[str, Any]:
        request: dict[str, Any] = {"method": self.request.method, "path": self.request.path,
                                   "headers": self.request.headers}
        if self.request.body is not ABSENT:
            request["body"] = self.request.body
        response: dict[str, Any] = {"status": self.response.status, "headers": self.response.headers}
        if self.response.body is not ABSENT:
            response["body"] = self.response.body
        return {"format": FORMAT, "api": self.api, "operation": self.operation, "kind": self.kind,
                "request": request, "response": response, "elapsed_ms": self.elapsed_ms,
                "recorded_at": self.recorded_at}


def _check_keys(where: str, doc: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ValueError(f"{where} is not an object")
    if unknown := set(doc) - allowed:
        raise ValueError(f"unknown {where} keys {sorted(unknown)}")
    if missing := required - set(doc):
        raise ValueError(f"{where} lacks {sorted(missing)}")
    return doc


def _headers(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"{where} must map header names to strings")
    return value


def _text(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where} must be a non-empty string")
    return value


def _parse(doc: Any) -> Interaction:
    top = _check_keys("document", doc, _TOP_KEYS, _REQUIRED_TOP)
    if top["format"] != FORMAT:
        raise ValueError(f"unsupported format {top['format']!r} (this version reads {FORMAT!r})")
    kind = top.get("kind", "rest")
    if kind not in ("rest", "webhook"):
        raise ValueError(f"kind must be 'rest' or 'webhook', not {kind!r}")
    req = _check_keys("request", top["request"], _REQUEST_KEYS, _REQUEST_KEYS - {"body"})
    resp = _check_keys("response", top["response"], _RESPONSE_KEYS, _RESPONSE_KEYS - {"body"})
    if kind == "webhook" and "body" not in req:
        raise ValueError("a webhook recording needs request.body (the delivered payload)")
    path = _text("request.path", req["path"])
    if not path.startswith("/"):
        raise ValueError(f"request.path must start with '/', not {path!r}")
    status = resp["status"]
    if type(status) is not int or not 100 <= status <= 599:
        raise ValueError(f"response.status must be an HTTP status code, not {status!r}")
    elapsed = top.get("elapsed_ms")
    if elapsed is not None and (type(elapsed) not in (int, float) or elapsed < 0):
        raise ValueError(f"elapsed_ms must be a non-negative number or null, not {elapsed!r}")
    recorded_at = _text("recorded_at", top["recorded_at"])
    try:
        if datetime.fromisoformat(recorded_at).utcoffset() is None:
            raise ValueError
    except ValueError:
        raise ValueError(f"recorded_at must be an ISO 8601 time with a UTC offset, not {recorded_at!r}") from None
    return Interaction(
        api=_text("api", top["api"]),
        operation=_text("operation", top["operation"]),
        kind=kind,
        request=Request(_text("request.method", req["method"]).upper(), path,
                        _headers("request.headers", req["headers"]), req.get("body", ABSENT)),
        response=Response(status, _headers("response.headers", resp["headers"]), resp.get("body", ABSENT)),
        elapsed_ms=elapsed,
        recorded_at=recorded_at,
    )


def read_interaction(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Interaction:
    """One recording file; raises InputError (file and cause) for anything that is not a valid recording."""
    doc = read_payload(path, max_bytes)
    try:
        interaction = _parse(doc)
    except ValueError as exc:
        raise InputError(str(path), f"not a {FORMAT} document: {exc}") from None
    return replace(interaction, file=str(path))


def file_name(interaction: Interaction) -> str:
    """``<api>--<operation>--<id>.json``: the id is the request's last path segment and a hash of the request
    line, so the same request gets the same name in every folder.

    Call it on a masked interaction (``masked``): a name is never masked afterwards. A segment that is not
    plain (letters, digits, ``_ . -``) is left out of the name, only hashed: a secret in a form the masker
    did not know, rewritten into a name, would still be the secret.
    """
    last = interaction.request.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    slug = last[:40].strip("_.") if _PLAIN.fullmatch(last) else ""
    digest = hashlib.sha256(interaction.label.encode()).hexdigest()[:8]
    ident = f"{slug}-{digest}" if slug else digest
    return f"{interaction.api}--{interaction.operation}--{ident}.json"


def masked(interaction: Interaction, masker: Masker) -> Interaction:
    """The interaction as it may be written: path, headers and bodies through ``masker`` (an error message may
    echo a key, a webhook payload carries the user's id)."""
    def body(value: Any) -> Any:
        return value if value is ABSENT else masker.value(value)

    return replace(
        interaction,
        request=replace(interaction.request, path=masker.text(interaction.request.path),
                        headers=masker.headers(interaction.request.headers), body=body(interaction.request.body)),
        response=replace(interaction.response, headers=masker.headers(interaction.response.headers),
                         body=body(interaction.response.body)),
    )


def write_interaction(folder: str | Path, interaction: Interaction, masker: Masker) -> Path:
    """Write one recording (``masked``, atomically); a repeat gets ``--2``, ``--3``..."""
    shown = masked(interaction, masker)
    folder = Path(folder)
    base = file_name(shown).removesuffix(".json")
    target, n = folder / f"{base}.json", 1
    while target.exists():
        n += 1
        target = folder / f"{base}--{n}.json"
    write_bytes_atomic(target, orjson.dumps(shown.to_document(), option=orjson.OPT_INDENT_2) + b"\n")
    return target


@dataclass(frozen=True)
class Recordings:
    """The readable interactions of one folder and the files that could not be read."""

    folder: str
    interactions: tuple[Interaction, ...]
    errors: tuple[InputError, ...]


def load_folder(folder: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Recordings:
    """Every ``*.json`` file directly in ``folder`` (hidden files, e.g. unfinished writes, are skipped)."""
    root = Path(folder)
    if not root.is_dir():
        raise ContractgateError(f"{folder}: {'no such folder' if not root.exists() else 'not a folder'}")
    interactions, errors = [], []
    for path in sorted(root.glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            interactions.append(read_interaction(path, max_bytes))
        except InputError as exc:
            errors.append(exc)
    return Recordings(str(folder), tuple(interactions), tuple(errors))


@dataclass(frozen=True)
class Matched:
    pairs: tuple[tuple[Interaction, Interaction], ...]
    only_old: tuple[Interaction, ...]
    only_new: tuple[Interaction, ...]


def _by_key(interactions: Iterable[Interaction]) -> Mapping[Key, Sequence[Interaction]]:
    groups: dict[Key, list[Interaction]] = defaultdict(list)
    for interaction in interactions:
        groups[interaction.key].append(interaction)
    return {key: sorted(group, key=lambda i: (i.recorded_at, i.file)) for key, group in groups.items()}


def match(old: Iterable[Interaction], new: Iterable[Interaction]) -> Matched:
    """Pair interactions by (api, operation, method, path). Several with one key (a session polled twice,
    webhook deliveries to one URL) pair in the order they were recorded; the surplus stays unmatched."""
    old_groups, new_groups = _by_key(old), _by_key(new)
    pairs: list[tuple[Interaction, Interaction]] = []
    only_old: list[Interaction] = []
    only_new: list[Interaction] = []
    for key in sorted(old_groups.keys() | new_groups.keys()):
        olds, news = old_groups.get(key, ()), new_groups.get(key, ())
        pairs += zip(olds, news, strict=False)
        only_old += olds[len(news):]
        only_new += news[len(olds):]
    return Matched(tuple(pairs), tuple(only_old), tuple(only_new))
