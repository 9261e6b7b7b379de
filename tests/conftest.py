from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contractgate.spec import load_spec


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    def write(name: str, payload: Any) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path

    return write


def example(api_id: str, name: str, status: str = "200") -> Any:
    """A copy of a named example from a spec."""
    for ex in load_spec(api_id).examples():
        if ex.name == name and ex.status == status:
            return ex.value
    raise LookupError(f"{api_id} has no example {name!r} for {status}")


PAYLOADS = Path(__file__).parent / "rules" / "payloads"


def clean(name: str) -> Any:
    """A hand-made payload that meets its whole contract, schema and every rule (tests/rules/payloads)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
