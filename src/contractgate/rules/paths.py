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
_MISSING = object()
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

    @classmethod
    def compile(cls, text: str) -> Path:
        if not isinstance(text, str) or not (text == "" or text.startswith("/")):
            raise ContractgateError(f"not a JSON Pointer: {text!r}")
        tokens = tuple(_unescape(t) for t in text.split("/")[1:]) if text else ()
        variables = tuple(m.group(1) for t in tokens if (m := _VAR.match(t)))
        return cls(text, tokens, variables, "*" in tokens)

    def _concrete(self, bind: Bindings) -> tuple[str, ...]:
        if not self.variables:
            return self.tokens
        return tuple(bind[m.group(1)] if (m := _VAR.match(t)) else t for t in self.tokens)

    def pointer(self, bind: Bindings) -> str:
        return "".join("/" + escape_token(t) for t in self._concrete(bind))

    def get(self, doc: Any, bind: Bindings) -> Any:
        """The value at this (wildcard-free) path, or None when absent: rules treat absent as null."""
        node = doc
        for token in self._concrete(bind) if self.variables else self.tokens:
            if isinstance(node, dict):
                node = node.get(token, _MISSING)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
            if node is _MISSING:
                return None
        return node

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
        yield from _walk(doc, self._concrete(bind), "")


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
