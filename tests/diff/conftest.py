"""Helpers for the diff tests: recorded interactions built in memory or written to folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contractgate.recordings import Interaction, Request, Response, write_interaction
from contractgate.secrets import Masker

OLD_TIME = "2024-03-01T08:00:00+00:00"
NEW_TIME = "2024-03-08T08:00:00+00:00"


def interaction(session: str, body: Any, *, status: int = 200, recorded_at: str = OLD_TIME, api: str = "asleep-v3",
                operation: str = "getSession") -> Interaction:
    """A recorded REST call of ``api``; ``session`` is the last path segment."""
    return Interaction(api, operation, Request("GET", f"/sessions/{session}", {"x-api-key": "k"}),
                       Response(status, {"content-type": "application/json"}, body), recorded_at)


def delivery(body: Any, *, receiver_status: int = 200, recorded_at: str = OLD_TIME) -> Interaction:
    """A recorded webhook delivery of asleep-v1-callback to the receiver's one URL."""
    return Interaction("asleep-v1-callback", "sessionCallback", Request("POST", "/hooks/asleep", {}, body),
                       Response(receiver_status), recorded_at, kind="webhook")


def write_folder(folder: Path, interactions: list[Interaction]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for item in interactions:
        write_interaction(folder, item, Masker())
    return folder
