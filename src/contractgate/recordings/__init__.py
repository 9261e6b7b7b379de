"""Recorded interactions: the on-disk format (``format.py``, docs/recordings.md), a folder loader and matching."""

from contractgate.recordings.format import (
    ABSENT,
    FORMAT,
    Interaction,
    Matched,
    Recordings,
    Request,
    Response,
    file_name,
    load_folder,
    match,
    read_interaction,
    write_interaction,
)

__all__ = [
    "ABSENT",
    "FORMAT",
    "Interaction",
    "Matched",
    "Recordings",
    "Request",
    "Response",
    "file_name",
    "load_folder",
    "match",
    "read_interaction",
    "write_interaction",
]
