"""The receiver's durable store: one file per delivery, published atomically, every delivery stored once.

::

    STORE/accepted/<key>.json        bodies answered 2xx, as received
    STORE/accepted/meta/<key>.json   their metadata (time, masked headers, violations)
    STORE/rejected/<key>.json        bodies refused after authentication (not JSON, or breaking the contract)
    STORE/rejected/meta/<key>.json

``<key>`` is the idempotency key of the delivery (:func:`delivery_key`). A body is published before its
metadata; the metadata is only written by the request that published the body, or by a later delivery of
the same body that finds it missing (a process killed between the two writes never answered the sender,
which retries).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import orjson

from contractgate.errors import ContractgateError
from contractgate.fileio import synced_temp, write_bytes_atomic

Outcome = Literal["accepted", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("accepted", "rejected")
META = "meta"
#: fileio and this module both name temporary files ``.<name>.<random>.tmp``: invisible to ``*.json``.
TEMP_GLOB = ".*.tmp"


def canonical(payload: Any) -> bytes:
    """One serialisation per JSON value: a retry that re-serialises the body (spacing, key order) is the same."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def delivery_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Makes a rename or link in ``folder`` durable: fsync of the file alone does not persist its name."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish_once(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless ``path`` exists; True when this call created it.

    fileio's rename lets the last writer win; here the first must, so the name is taken with link(2), which
    fails if it exists: two concurrent deliveries of one body cannot both be stored, even from two processes.
    """
    with synced_temp(path, data) as tmp:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    _fsync_dir(path.parent)
    return True


class Store:
    """A folder of deliveries; creating it makes the layout and removes what a killed process left half-written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            for outcome in OUTCOMES:
                (root / outcome / META).mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ContractgateError(f"store {root}: not a folder (a file is in the way)") from None
        except OSError as exc:
            raise ContractgateError(f"store {root}: cannot create it: {exc.strerror or exc}") from None
        # A new folder is an entry in its parent: persisted once here, so that every write need only sync its own.
        for folder in (root.parent, root, *(root / outcome for outcome in OUTCOMES)):
            _fsync_dir(folder)
        for outcome in OUTCOMES:
            for folder in (root / outcome, root / outcome / META):
                # Temporary files were never published: no reader saw them and no sender was answered.
                for leftover in folder.glob(TEMP_GLOB):
                    leftover.unlink(missing_ok=True)

    def path(self, outcome: Outcome, key: str) -> Path:
        return self.root / outcome / f"{key}.json"

    def put(self, outcome: Outcome, key: str, body: bytes, meta: bytes) -> bool:
        """Store a delivery's body and metadata durably; False when the body was stored already (a retry)."""
        path = self.path(outcome, key)
        created = _publish_once(path, body)
        sidecar = path.parent / META / path.name
        if created or not sidecar.exists():
            write_bytes_atomic(sidecar, meta)
            _fsync_dir(sidecar.parent)
        return created
