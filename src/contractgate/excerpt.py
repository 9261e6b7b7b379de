"""A focused excerpt of a JSON document for a finding: the offending value with its parent object, long
arrays elided (``[960 items: 0, 0, 1, ...]``) unless the pointer points into them. A night's stage arrays
would otherwise bury the one field that matters."""

from __future__ import annotations

from typing import Any

import orjson

from contractgate.absent import ABSENT
from contractgate.errors import ContractgateError
from contractgate.pointer import parse_pointer, pointer_from, resolve

MAX_ITEMS = 20  # an array longer than this is shown by its length and first items
SHOWN_ITEMS = 3
MAX_CHARS = 2000


def elide(value: Any, keep: tuple[str, ...] = (), max_items: int = MAX_ITEMS) -> Any:
    """``value`` with every array longer than ``max_items`` replaced by a one-line summary string, except the
    arrays on the path ``keep`` (the tokens of the pointer being shown), which are kept whole."""
    if isinstance(value, dict):
        return {k: elide(v, keep[1:] if keep and keep[0] == k else (), max_items) for k, v in value.items()}
    if isinstance(value, list):
        if keep and keep[0].isdigit() and len(value) > max_items:
            # The pointer is inside: a window around its item, the rest counted.
            at = int(keep[0])
            start, stop = max(at - SHOWN_ITEMS, 0), min(at + SHOWN_ITEMS + 1, len(value))
            window = [elide(v, keep[1:] if i == at else (), max_items) for i, v in enumerate(value[start:stop], start)]
            before = [f"... {start} items"] if start else []
            after = [f"... {len(value) - stop} items"] if stop < len(value) else []
            return [*before, *window, *after]
        if keep:
            return [elide(v, keep[1:] if keep[0] == str(i) else (), max_items) for i, v in enumerate(value)]
        if len(value) > max_items:
            head = ", ".join(orjson.dumps(v).decode() for v in value[:SHOWN_ITEMS])
            return f"[{len(value)} items: {head}, ...]"
        return [elide(v, (), max_items) for v in value]
    return value


def excerpt(document: Any, pointer: str, max_chars: int = MAX_CHARS) -> str:
    """The parent object of ``pointer`` (or the document), long arrays elided, as indented JSON."""
    try:
        tokens = parse_pointer(pointer)
    except ContractgateError:
        tokens = ()
    # The deepest existing ancestor: for a missing property, the object it is missing from.
    depth = max(len(tokens) - 1, 0)
    while depth and resolve(document, tokens[:depth]) is ABSENT:
        depth -= 1
    node = resolve(document, tokens[:depth])
    text = orjson.dumps(elide(node, tokens[depth:]), option=orjson.OPT_INDENT_2).decode()
    if pointer:
        text = f"at {pointer_from(tokens[:depth]) or '/'}:\n{text}"
    return text if len(text) <= max_chars else text[:max_chars] + "\n... (cut)"
