"""Reading payload files: every way a file can be unfit becomes one InputError naming the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from contractgate.errors import InputError
from contractgate.fileio import read_regular

#: A 24-hour asleep session is under 20 KB; anything this large is not a session payload.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: Files of session ids (``--ids``): a million ids of 36 characters fit in 40 MB; a typo pointing at a disk
#: image must not be read whole.
MAX_IDS_BYTES = 10 * 1024 * 1024

#: Nesting refused in payloads and recordings. The vendors' bodies nest under 10 levels; the code that walks a
#: value (diffs, reports, orjson's writer, which stops at 254) recurses, and must keep room for its own frames
#: and for the wrappers a recording or a report adds.
MAX_DEPTH = 128


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` levels deep (``[]`` is one level).

    Iterative, so that measuring a value cannot itself overflow the stack.
    """
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)
                     if isinstance(child, dict | list))
    return False


def parse_json(data: bytes, name: str) -> Any:
    """Parse JSON strictly (UTF-8, no NaN or Infinity, nesting at most MAX_DEPTH levels)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"not valid UTF-8 (byte {exc.start})") from None
    deep = f"JSON nested deeper than {MAX_DEPTH} levels"
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise InputError(name, deep) from None
        if not text.strip():
            raise InputError(name, "empty file (only white space)") from None
        raise InputError(name, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    # No value can be deeper than it has brackets: the walk is skipped for every ordinary payload.
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and too_deep(value):
        raise InputError(name, deep)
    return value


def read_payload(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The JSON document in ``path``; raises InputError for anything that is not a readable JSON file."""
    data = read_regular(path, max_bytes, "--max-bytes")
    if not data:
        raise InputError(str(path), "empty file")
    return parse_json(data, str(path))
