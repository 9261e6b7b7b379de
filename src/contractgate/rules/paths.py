"""JSON Pointers in rules: compiled once to token tuples, with ``*`` wildcards and ``{var}`` bindings.

``/transcript/utterances/{u}/start`` names the start of utterance ``u``; a rule with
``each: /transcript/utterances/{u}`` is checked once per utterance with ``u`` bound to its index.
``*`` matches every member of an array or object and yields (pointer, value) pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from contractgate.errors import ContractgateError
from contractgate.findings import escape_token

Bindings = dict[str, str]
_VAR = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_ABSENT = object()


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _lookup(node: Any, tokens: tuple[str, ...]) -> Any:
    """The value at ``tokens`` below ``node``, or _ABSENT."""
    for token in tokens:
        kind = type(node)
        if kind is dict:
            if token not in node:
                return _ABSENT
            node = node[token]
        elif kind is list and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _ABSENT
    return node


def _pointer(tokens: tuple[str, ...]) -> str:
    return "".join("/" + escape_token(t) for t in tokens)


@dataclass(frozen=True)
class Path:
    """A compiled pointer. Tokens are literal keys, ``*`` or ``{var}``."""

    text: str
    tokens: tuple[str, ...]
    variables: tuple[str, ...]
    wildcard: bool
    slots: tuple[tuple[int, str], ...] = ()  # (position, variable name) of each {var} token
    keys: tuple[str | int, ...] = ()  # tokens as indexing keys (digits as ints), for paths without variables
    static_pointer: str = ""

    @classmethod
    def compile(cls, text: str) -> Path:
        if not isinstance(text, str) or not (text == "" or text.startswith("/")):
            raise ContractgateError(f"not a JSON Pointer: {text!r}")
        tokens = tuple(_unescape(t) for t in text.split("/")[1:]) if text else ()
        slots = tuple((i, m.group(1)) for i, t in enumerate(tokens) if (m := _VAR.match(t)))
        keys = tuple(int(t) if t.isdigit() else t for t in tokens)
        return cls(text, tokens, tuple(name for _, name in slots), "*" in tokens, slots, keys, _pointer(tokens))

    def _concrete(self, bind: Bindings) -> tuple[str, ...]:
        if not self.slots:
            return self.tokens
        tokens = list(self.tokens)
        for position, name in self.slots:
            tokens[position] = bind[name]
        return tuple(tokens)

    def pointer(self, bind: Bindings) -> str:
        return self.static_pointer if not self.slots else _pointer(self._concrete(bind))

    def get(self, doc: Any, bind: Bindings) -> Any:
        """The value at this (wildcard-free) path, or None when absent: rules treat absent as null."""
        if self.slots:
            value = _lookup(doc, self._concrete(bind))
            return None if value is _ABSENT else value
        # The engine's hottest call: plain indexing; a miss, or an int key meeting a string, takes the slow way.
        node = doc
        try:
            for key in self.keys:
                node = node[key]
        except (KeyError, IndexError, TypeError):
            node = _ABSENT
        if node is _ABSENT or (type(node) is str and self.keys and type(self.keys[-1]) is int):
            node = _lookup(doc, self.tokens)
        return None if node is _ABSENT else node

    def exists(self, doc: Any, bind: Bindings) -> bool:
        return _lookup(doc, self._concrete(bind)) is not _ABSENT

    def items(self, doc: Any, bind: Bindings) -> Iterator[tuple[str, Any]]:
        """Every (pointer, value) this path reaches; ``*`` fans out over arrays and objects."""
        tokens = self._concrete(bind)
        if not self.wildcard:
            value = _lookup(doc, tokens)
            if value is not _ABSENT:
                yield self.pointer(bind), value
            return
        star = tokens.index("*")
        if "*" in tokens[star + 1:]:
            yield from _walk(doc, tokens, "")
            return
        # One wildcard (every item of one array, and maybe a field of each): no recursion.
        container = _lookup(doc, tokens[:star])
        suffix = tokens[star + 1:]
        prefix, tail = _pointer(tokens[:star]), _pointer(suffix)
        if type(container) is list:
            members: Any = enumerate(container)
        elif type(container) is dict:
            members = ((escape_token(k), v) for k, v in container.items())
        else:
            return
        for key, item in members:
            value = _lookup(item, suffix) if suffix else item
            if value is not _ABSENT:
                yield f"{prefix}/{key}{tail}", value


def _walk(node: Any, tokens: tuple[str, ...], prefix: str) -> Iterator[tuple[str, Any]]:
    if not tokens:
        yield prefix, node
        return
    head, rest = tokens[0], tokens[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _walk(item, rest, f"{prefix}/{index}")
        elif isinstance(node, dict):
            for key, item in node.items():
                yield from _walk(item, rest, f"{prefix}/{escape_token(key)}")
        return
    child = _lookup(node, (head,))
    if child is not _ABSENT:
        yield from _walk(child, rest, f"{prefix}/{escape_token(head)}")


def bindings(pattern: Path, doc: Any) -> Iterator[Bindings]:
    """Every assignment of the pattern's ``{var}`` tokens to keys or indices that exist in ``doc``."""

    def walk(node: Any, tokens: tuple[str, ...], bound: Bindings) -> Iterator[Bindings]:
        if not tokens:
            yield bound
            return
        head, rest = tokens[0], tokens[1:]
        if m := _VAR.match(head):
            name = m.group(1)
            if type(node) is list:
                for index, child in enumerate(node):
                    yield from walk(child, rest, {**bound, name: str(index)})
            elif type(node) is dict:
                for key, child in node.items():
                    yield from walk(child, rest, {**bound, name: key})
            return
        child = _lookup(node, (head,))
        if child is not _ABSENT:
            yield from walk(child, rest, bound)

    yield from walk(doc, pattern.tokens, {})
