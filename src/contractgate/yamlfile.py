"""Reading YAML data (the project's catalog, specs, conflicts, rules; specs and configs given by a user):
strict, bounded, with one-line errors.

Bounded because a small YAML file can stand for a huge value: aliases share nodes, so a few kilobytes of
nested aliases ("billion laughs") expand to billions of nodes in whatever walks the value afterwards.
Aliases are limited in number, and the value they expand to in size, nesting and cycles, before anything
is constructed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from contractgate.errors import ContractgateError
from contractgate.fileio import read_text
from contractgate.payload import MAX_DEPTH

#: The largest spec of the project is 42 KB; a vendor's full OpenAPI document is rarely above 1 MB.
MAX_BYTES = 4 * 1024 * 1024
#: The project's files use at most a few dozen (the v1-to-v3 mapping: 33).
MAX_ALIASES = 100
#: The value with every alias expanded; the largest of the project's files has about 1,100 nodes.
MAX_NODES = 1_000_000


class _Refused(yaml.YAMLError):
    """A document over one of the limits: valid YAML, but not read."""

    def __init__(self, problem: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate and non-scalar keys (a silently shadowed key in a spec is a wrong
    contract; a list as a key is no JSON) and limits nesting and aliases while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # Composing recurses once per level: the limit is checked before Python's stack is.
        if self.check_event(yaml.AliasEvent):  # type: ignore[no-untyped-call]
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases", self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call,no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise yaml.constructor.ConstructorError(
                    None, None, f"a {kind} as a mapping key (keys must be scalars)", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases make a cycle, or expand beyond MAX_NODES nodes or MAX_DEPTH levels.

    Sizes are memoised per node, so a node shared by a million aliases is measured once: the cost is that of
    the graph as written, never of its expansion.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_NODES:
                raise _Refused(f"aliases expand it to more than {MAX_NODES:,} nodes", node.start_mark)
            if depth[key] > MAX_DEPTH:
                raise _Refused(f"aliases nest it deeper than {MAX_DEPTH} levels", node.start_mark)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise _Refused("an alias refers to a node that contains it (a cycle)", node.start_mark)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def parse_yaml(text: str, name: str) -> Any:
    """The value of the YAML document ``text``; ``name`` (a path, or a git revision and path) for errors."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()  # type: ignore[no-untyped-call]
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)  # type: ignore[no-untyped-call]
    except _Refused as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ContractgateError(f"{name}{where}: YAML refused: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContractgateError(f"{name}{where}: not valid YAML: {problem}") from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


def load_yaml(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    return parse_yaml(read_text(path, max_bytes, "the limit for YAML files", prefix="cannot read "), str(path))


def reject_unknown_keys(raw: Mapping[Any, Any], allowed: Collection[str], where: str, context: str = "") -> None:
    """Refuse the keys a file's format does not know: a misspelt key would otherwise be ignored silently.

    ``where`` names the file and the entry; ``context`` follows the key list (which kind, what is allowed).
    """
    if unknown := sorted(set(map(str, raw)) - set(allowed)):
        raise ContractgateError(f"{where}: unknown keys {unknown}{context}")
