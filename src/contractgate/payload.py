"""Reading payload files: every way a file can be unfit becomes one InputError naming the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from contractgate.errors import InputError

#: A 24-hour asleep session is under 20 KB; anything this large is not a session payload.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def parse_json(data: bytes, name: str) -> Any:
    """Parse JSON strictly (UTF-8, no NaN or Infinity, nesting at most 1024 levels)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"not valid UTF-8 (byte {exc.start})") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise InputError(name, "JSON nested deeper than 1024 levels") from None
        if not text.strip():
            raise InputError(name, "empty file (only white space)") from None
        raise InputError(name, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def read_payload(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The JSON document in ``path``; raises InputError for anything that is not a readable JSON file."""
    name = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(name, "is a directory, not a file")
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(name, f"file is {_size(size)}, over the {_size(max_bytes)} limit (--max-bytes)")
        with p.open("rb") as handle:
            # Re-checked after reading: the file may be a pipe or may have grown since stat().
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputError(name, f"more than the {_size(max_bytes)} limit (--max-bytes)")
    if not data:
        raise InputError(name, "empty file")
    return parse_json(data, name)
