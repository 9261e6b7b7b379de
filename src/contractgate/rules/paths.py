"""JSON Pointers in rules: compiled once to token tuples, with ``*`` wildcards and ``{var}`` bindings.

``/transcript/utterances/{u}/start`` names the start of utterance ``u``; a rule with
``each: /transcript/utterances/{u}`` is checked once per utterance with ``u`` bound to its index.
``*`` matches every member of an array or object and yields (pointer, value) pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from contractgate.errors import ContractgateError
from contractgate.findings import escape_token

Bindings = dict[str, str]
_VAR = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True)
class Path:
    """A compiled pointer. Tokens are literal keys, ``*`` or ``{var}``."""

    text: str
    tokens: tuple[str, ...]
    variables: tuple[str, ...]
    wildcard: bool
    #: For a path without variables: the tokens as indexing keys (digits as ints) and the pointer text.
    keys: tuple[str | int, ...] = ()
    static_pointer: str = ""
    int_keys: bool = False

    @classmethod
    def compile(cls, text: str) -> Path:
        if not isinstance(text, str) or not (text == "" or text.startswith("/")):
            raise ContractgateError(f"not a JSON Pointer: {text!r}")
        tokens = tuple(_unescape(t) for t in text.split("/")[1:]) if text else ()
        return cls.of(text, tokens)

    @classmethod
    def of(cls, text: str, tokens: tuple[str, ...]) -> Path:
        variables = tuple(m.group(1) for t in tokens if (m := _VAR.match(t)))
        keys = tuple(int(t) if t.isdigit() else t for t in tokens)
        pointer = "".join("/" + escape_token(t) for t in tokens)
        return cls(text, tokens, variables, "*" in tokens, keys, pointer, any(type(k) is int for k in keys))

    @cached_property
    def _parent(self) -> Path:
        return Path.of(self.text, self.tokens[:-1])

    def _concrete(self, bind: Bindings) -> tuple[str, ...]:
        if not self.variables:
            return self.tokens
        return tuple(bind[m.group(1)] if (m := _VAR.match(t)) else t for t in self.tokens)

    def pointer(self, bind: Bindings) -> str:
        if not self.variables:
            return self.static_pointer
        return "".join("/" + escape_token(t) for t in self._concrete(bind))

    def get(self, doc: Any, bind: Bindings) -> Any:
        """The value at this (wildcard-free) path, or None when absent: rules treat absent as null."""
        if self.variables:
            return _get_slow(doc, self._concrete(bind))
        # The engine's hottest function: plain indexing, with the rare misses handled by the exception.
        node = doc
        try:
            for key in self.keys:
                node = node[key]
        except (KeyError, IndexError, TypeError):
            return _get_slow(doc, self.tokens)  # e.g. an all-digit key of an object
        if self.int_keys and type(node) is str and self._through_string(doc):
            return None
        return node

    def _through_string(self, doc: Any) -> bool:
        """Whether an int key indexed into a string (a character is not a JSON value)."""
        node = doc
        for key in self.keys[:-1]:
            node = node[key]
            if type(node) is str:
                return True
        return False

    def exists(self, doc: Any, bind: Bindings) -> bool:
        node = doc
        for token in self._concrete(bind):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return False
        return True

    def items(self, doc: Any, bind: Bindings) -> Iterator[tuple[str, Any]]:
        """Every (pointer, value) this path reaches; ``*`` fans out over arrays and objects."""
        tokens = self._concrete(bind)
        if not self.wildcard:
            value = self.get(doc, bind)
            if value is not None or self.exists(doc, bind):
                yield self.pointer(bind), value
            return
        if tokens[-1] == "*" and "*" not in tokens[:-1]:
            # The common case (every item of one array) without the recursive walk.
            parent = self._parent if not self.variables else Path.of(self.text, tokens[:-1])
            container = parent.get(doc, bind)
            prefix = parent.pointer(bind)
            if isinstance(container, list):
                for index, item in enumerate(container):
                    yield f"{prefix}/{index}", item
            elif isinstance(container, dict):
                for key, item in container.items():
                    yield f"{prefix}/{escape_token(key)}", item
            return
        yield from _walk(doc, tokens, "")


def _get_slow(doc: Any, tokens: tuple[str, ...]) -> Any:
    node = doc
    for token in tokens:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


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
    if isinstance(node, dict) and head in node:
        yield from _walk(node[head], rest, f"{prefix}/{escape_token(head)}")
    elif isinstance(node, list) and head.isdigit() and int(head) < len(node):
        yield from _walk(node[int(head)], rest, f"{prefix}/{head}")


def bindings(pattern: Path, doc: Any) -> Iterator[Bindings]:
    """Every assignment of the pattern's ``{var}`` tokens to keys or indices that exist in ``doc``."""

    def walk(node: Any, tokens: tuple[str, ...], bound: Bindings) -> Iterator[Bindings]:
        if not tokens:
            yield bound
            return
        head, rest = tokens[0], tokens[1:]
        if m := _VAR.match(head):
            keys: list[str] = (
                [str(i) for i in range(len(node))] if isinstance(node, list)
                else list(node) if isinstance(node, dict) else []
            )
            for key in keys:
                child = node[int(key)] if isinstance(node, list) else node[key]
                yield from walk(child, rest, {**bound, m.group(1): key})
        elif isinstance(node, dict) and head in node:
            yield from walk(node[head], rest, bound)
        elif isinstance(node, list) and head.isdigit() and int(head) < len(node):
            yield from walk(node[int(head)], rest, bound)

    yield from walk(doc, pattern.tokens, {})
