"""Files in and out: bounded reads of regular files only, and atomic writes whose failures are one line.

Reads: a FIFO or a device would block or never end, so only regular files are opened, and never more than
the caller's limit is read. Writes: a reader, or a process killed half-way, never sees half a file; an
unwritable or full location is a ``WriteError`` (exit 2 with one line), never a traceback.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from contractgate.errors import ContractgateError, InputError

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class WriteError(ContractgateError, OSError):
    """An output that cannot be written. Also an OSError, so that code that retries or answers 5xx on a failed
    write (the webhook receiver) keeps doing so."""


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_regular(path: str | Path, max_bytes: int, limit: str = "") -> bytes:
    """The bytes of the regular file ``path``, refused (InputError) when larger than ``max_bytes``.

    ``limit`` names what raises the limit (``--max-bytes``) for the message. FIFOs, sockets and devices are
    refused before they are opened; the open is non-blocking and re-checked on the descriptor, so a file
    swapped for a FIFO in between cannot hang the read either.
    """
    name = str(path)
    hint = f" ({limit})" if limit else ""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(name, "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise InputError(name, f"is {_kind(mode)}, not a regular file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise InputError(name, f"is {_kind(info.st_mode)}, not a regular file")
            if info.st_size > max_bytes:
                raise InputError(name, f"file is {size_text(info.st_size)}, over the {size_text(max_bytes)} "
                                       f"limit{hint}")
            # Re-checked after reading: the file may have grown since fstat().
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {_reason(exc)}") from None
    if len(data) > max_bytes:
        raise InputError(name, f"more than the {size_text(max_bytes)} limit{hint}")
    return data


def read_text(path: str | Path, max_bytes: int, limit: str = "", prefix: str = "", suffix: str = "") -> str:
    """The UTF-8 text of the regular file ``path`` (see read_regular), every failure one ContractgateError:
    ``prefix`` and ``suffix`` frame the message (``cannot read``, ``(--ids)``)."""
    try:
        data = read_regular(path, max_bytes, limit)
    except InputError as exc:
        raise ContractgateError(f"{prefix}{path}: {exc.cause}{suffix}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractgateError(f"{path}: not valid UTF-8 (byte {exc.start}){suffix}") from None


def ensure_folder(path: Path) -> Path:
    """Create folder ``path`` (and its parents) or raise WriteError saying why it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise WriteError(f"cannot create folder {path}: a file is in the way") from None
    except OSError as exc:
        raise WriteError(f"cannot create folder {path}: {_reason(exc)}") from None
    return path


def check_folder(path: Path) -> Path:
    """Raise WriteError unless folder ``path`` exists or could be created; creates nothing, so that a command
    can refuse an unusable output before it starts work and still leave nothing behind on a usage error."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise WriteError(f"cannot create folder {path}: {existing} is a file in the way")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise WriteError(f"cannot create folder {path}: {existing} is not writable")
    return path


def _destination(path: Path) -> Path:
    """Where writing ``path`` lands. A symlink is written through (the link stays a link); an existing file
    that is not a regular one (a device, a FIFO, a folder) is refused: renaming over it would replace it."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return target  # creating the folders says what is in the way
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
    if not stat.S_ISREG(mode):
        raise WriteError(f"cannot write {path}: it is {_kind(mode)}, not a regular file (left as it is)")
    return target


@contextmanager
def synced_temp(path: Path, data: bytes) -> Iterator[str]:
    """A temporary file beside ``path`` holding ``data``, fsynced and readable, removed on leaving.

    The caller publishes it under the final name: rename (the last writer wins) or link (the first does).
    Failing to make it is a WriteError; what the caller does with it raises what it raises.
    """
    try:
        ensure_folder(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except WriteError as exc:
        raise WriteError(f"cannot write {path}: {exc}") from None
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; reports and stores are meant to be read
        except OSError as exc:  # ENOSPC and EDQUOT arrive here, at write, flush or fsync
            raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
        yield tmp
    finally:
        with suppress(OSError):
            Path(tmp).unlink(missing_ok=True)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync it, then rename it over ``path`` (through a
    symlink, over its target)."""
    path = Path(path)
    target = _destination(path)
    with synced_temp(target, data) as tmp:
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {_reason(exc)}") from None


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
