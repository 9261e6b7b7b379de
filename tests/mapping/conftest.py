"""Shared pieces for the mapping tests: a v1 callback, its v3 twin built by hand, spec copies to edit.

The twin is written out field by field here, not derived from the mapping file, so that a wrong mapping
entry shows up as drift instead of being reproduced by the test.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import contractgate.catalog
import contractgate.conflicts
import contractgate.mapping.model
import contractgate.spec
from contractgate.catalog import specs_dir
from contractgate.mapping import Comparison, compare_payloads
from contractgate.yamlfile import load_yaml
from tests.conftest import example

NAME = "asleep-v1-to-v3"

GRADES = {
    "VERY_STABLE": "STABLE_BREATH",
    "STABLE": "MILDLY_UNSTABLE_BREATH",
    "UNSTABLE": "MODERATELY_UNSTABLE_BREATH",
    "VERY_UNSTABLE": "SEVERELY_UNSTABLE_BREATH",
}
SAME_NAME_STATS = (
    "sleep_efficiency", "sleep_latency", "wakeup_latency", "time_in_wake", "time_in_sleep_period", "time_in_sleep",
    "time_in_bed", "time_in_rem", "time_in_light", "time_in_deep", "time_in_stable_breath", "time_in_unstable_breath",
    "wake_ratio", "sleep_ratio", "rem_ratio", "light_ratio", "deep_ratio", "stable_breath_ratio",
    "unstable_breath_ratio",
)


@cache
def _example(api_id: str, name: str, status: str) -> Any:
    return example(api_id, name, status)


def session_complete() -> dict[str, Any]:
    return copy.deepcopy(_example("asleep-v1-callback", "derived-session-complete", "request"))


def inference_complete() -> dict[str, Any]:
    return copy.deepcopy(_example("asleep-v1-callback", "derived-inference-complete", "request"))


def in_zone(timestamp: str | None, zone: str) -> str | None:
    return None if timestamp is None else datetime.fromisoformat(timestamp).astimezone(ZoneInfo(zone)).isoformat()


def v3_twin(callback: dict[str, Any], timezone: str = "UTC") -> dict[str, Any]:
    """The v3 Get Single Session body of the session a SESSION_COMPLETE callback describes."""
    data = copy.deepcopy(callback["callback_data"]["sleep_data"])
    stat: dict[str, Any] = {name: data[name] for name in SAME_NAME_STATS}
    stat.update(
        sleep_time=in_zone(data["sleep_time"], timezone),
        wake_time=in_zone(data["wake_time"], timezone),
        breathing_index=data["estimated_ahi"],
        breathing_pattern=GRADES.get(data["breathing_pattern"]),
        sleep_index=80,
        light_latency=0,  # the derived night falls asleep at epoch 6 (light), first deep at 9, first REM at 22
        deep_latency=90,
        rem_latency=480,
        waso_count=1,
        sleep_cycle_time=[],
    )
    return {
        "detail": "OK",
        "result": {
            "timezone": timezone,
            "peculiarities": [],
            "missing_data_ratio": 0.0,
            "session": {
                "id": data["session_id"],
                "state": data["state"],
                "start_time": in_zone(data["session_start_time"], timezone),
                "end_time": in_zone(data["session_end_time"], timezone),
                "unexpected_end_time": None,
                "created_timezone": "Asia/Seoul",
                "sleep_stages": data["sleep_stages"],
                "breath_stages": data["osa_stages"],
            },
            "stat": stat,
        },
    }


def compare(v1_doc: Any, v3_doc: Any) -> Comparison:
    return compare_payloads(NAME, v1_doc, v3_doc)


def kinds(comparison: Comparison) -> list[tuple[str, str, str]]:
    return [(d.kind, d.v1_pointer, d.v3_pointer) for d in comparison.drifts]


@pytest.fixture
def specs_copy(tmp_path: Path) -> Path:
    root = tmp_path / "specs"
    shutil.copytree(specs_dir(), root)
    return root


_PARSED: dict[str, Any] = {}


@pytest.fixture
def reuse_parsed_yaml(monkeypatch):
    """Parse each distinct YAML text once per test run: a spec copy re-parses only the files a test edited.

    Keyed by content, so an edited file always goes through the real loader; errors are never cached.
    """

    def load(path: Path) -> Any:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        if key not in _PARSED:
            _PARSED[key] = load_yaml(path)
        return copy.deepcopy(_PARSED[key])

    for module in (contractgate.spec, contractgate.catalog, contractgate.conflicts, contractgate.mapping.model):
        monkeypatch.setattr(module, "load_yaml", load)


def edit(path: Path, old: str, new: str, after: str | None = None) -> None:
    """Replace the first ``old`` (after the first ``after``, when given) in ``path``; fail loudly if absent."""
    text = path.read_text(encoding="utf-8")
    start = 0
    if after is not None:
        assert after in text, f"{after!r} not in {path}"
        start = text.index(after)
    at = text.find(old, start)
    assert at >= 0, f"{old!r} not in {path} after {after!r}"
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
