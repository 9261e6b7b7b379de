"""JSON Pointers (RFC 6901): escaping, parsing, resolving, and the compiled pointers of rules.

Every module that reads or writes a pointer uses this one. Rules compile theirs once (``CompiledPointer``),
with ``*`` wildcards and ``{var}`` bindings: ``/transcript/utterances/{u}/start`` names the start of
utterance ``u``; a rule with ``each: /transcript/utterances/{u}`` is checked once per utterance with ``u``
bound to its index. ``*`` matches every member of an array or object and yields (pointer, value) pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from contractgate.absent import ABSENT
from contractgate.errors import ContractgateError

Bindings = dict[str, str]
_VAR = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_from(parts: Iterable[str | int]) -> str:
    """The pointer of a sequence of keys and indices."""
    return "".join("/" + escape_token(p) for p in parts)


def parse_pointer(text: str) -> tuple[str, ...]:
    """The unescaped tokens of a pointer ("" is the whole document)."""
    if not isinstance(text, str) or not (text == "" or text.startswith("/")):
        raise ContractgateError(f"not a JSON Pointer: {text!r}")
    return tuple(unescape_token(t) for t in text.split("/")[1:]) if text else ()


def resolve(node: Any, tokens: Iterable[str]) -> Any:
    """The value at ``tokens`` below ``node`` (an object's key, or an array's index in digits), or ABSENT."""
    # Inline rather than through child(): the rules engine resolves in its inner loops.
    for token in tokens:
        kind = type(node)
        if kind is dict:
            if token not in node:
                return ABSENT
            node = node[token]
        elif kind is list and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return ABSENT
    return node


def child(node: Any, token: str) -> Any:
    """The member ``token`` names, or ABSENT."""
    return resolve(node, (token,))


@dataclass(frozen=True)
class CompiledPointer:
    """A compiled pointer. Tokens are literal keys, ``*`` or ``{var}``."""

    text: str
    tokens: tuple[str, ...]
    variables: tuple[str, ...]
    wildcard: bool
    slots: tuple[tuple[int, str], ...] = ()  # (position, variable name) of each {var} token
    keys: tuple[str | int, ...] = ()  # tokens as indexing keys (digits as ints), for paths without variables
    static_pointer: str = ""

    @classmethod
    def compile(cls, text: str) -> CompiledPointer:
        tokens = parse_pointer(text)
        slots = tuple((i, m.group(1)) for i, t in enumerate(tokens) if (m := _VAR.match(t)))
        keys = tuple(int(t) if t.isdigit() else t for t in tokens)
        return cls(text, tokens, tuple(name for _, name in slots), "*" in tokens, slots, keys, pointer_from(tokens))

    def _concrete(self, bind: Bindings) -> tuple[str, ...]:
        if not self.slots:
            return self.tokens
        tokens = list(self.tokens)
        for position, name in self.slots:
            tokens[position] = bind[name]
        return tuple(tokens)

    def pointer(self, bind: Bindings) -> str:
        return self.static_pointer if not self.slots else pointer_from(self._concrete(bind))

    def get(self, doc: Any, bind: Bindings) -> Any:
        """The value at this (wildcard-free) path, or None when absent: rules treat absent as null."""
        if self.slots:
            value = resolve(doc, self._concrete(bind))
            return None if value is ABSENT else value
        # The engine's hottest call: plain indexing; a miss, or an int key meeting a string, takes the slow way.
        node = doc
        try:
            for key in self.keys:
                node = node[key]
        except (KeyError, IndexError, TypeError):
            node = ABSENT
        if node is ABSENT or (type(node) is str and self.keys and type(self.keys[-1]) is int):
            node = resolve(doc, self.tokens)
        return None if node is ABSENT else node

    def exists(self, doc: Any, bind: Bindings) -> bool:
        return resolve(doc, self._concrete(bind)) is not ABSENT

    def items(self, doc: Any, bind: Bindings) -> Iterator[tuple[str, Any]]:
        """Every (pointer, value) this path reaches; ``*`` fans out over arrays and objects."""
        tokens = self._concrete(bind)
        if not self.wildcard:
            value = resolve(doc, tokens)
            if value is not ABSENT:
                yield self.pointer(bind), value
            return
        star = tokens.index("*")
        if "*" in tokens[star + 1:]:
            yield from _walk(doc, tokens, "")
            return
        # One wildcard (every item of one array, and maybe a field of each): no recursion.
        container = resolve(doc, tokens[:star])
        suffix = tokens[star + 1:]
        prefix, tail = pointer_from(tokens[:star]), pointer_from(suffix)
        if type(container) is list:
            members: Any = enumerate(container)
        elif type(container) is dict:
            members = ((escape_token(k), v) for k, v in container.items())
        else:
            return
        for key, item in members:
            value = resolve(item, suffix) if suffix else item
            if value is not ABSENT:
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
    child = resolve(node, (head,))
    if child is not ABSENT:
        yield from _walk(child, rest, f"{prefix}/{escape_token(head)}")


def bindings(pattern: CompiledPointer, doc: Any) -> Iterator[Bindings]:
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
        child = resolve(node, (head,))
        if child is not ABSENT:
            yield from walk(child, rest, bound)

    yield from walk(doc, pattern.tokens, {})
