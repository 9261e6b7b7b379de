"""Shared pieces for the receiver tests: credentials, callback bodies from the mock, a receiver process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contractgate.mock import asleep, callbacks
from contractgate.mock.ids import sample_ids
from contractgate.secrets import LOCAL_DEFAULTS

KEY = LOCAL_DEFAULTS["ASLEEP_API_KEY"]
USER = LOCAL_DEFAULTS["ASLEEP_USER_ID"]
HEADERS = {"x-api-key": KEY, "x-user-id": USER, "content-type": "application/json"}
SEED = 11
STARTUP_SECONDS = 30  # the receiver process imports the package and compiles the spec before it serves


def distinct_callbacks(count: int) -> list[dict[str, Any]]:
    """``count`` different callbacks of mock sessions, every one meeting its whole contract."""
    found: list[dict[str, Any]] = []
    for session_id in sample_ids("asleep-v3", 200, seed=SEED):
        found += callbacks.inference_callbacks(session_id, seed=SEED, user_id=USER)
        if (final := callbacks.session_complete(session_id, seed=SEED, user_id=USER)) is not None:
            found.append(final)
        if len(found) >= count:
            return found[:count]
    raise AssertionError("not enough mock callbacks")


def a_nap() -> str:
    """A COMPLETE mock session with nothing peculiar, under 2 hours: a dozen INFERENCE_COMPLETE (their windows
    growing to the full 20 minutes) and a SESSION_COMPLETE, quick to play."""
    return next(i for i in sample_ids("asleep-v3", 200, seed=0)
                if (night := asleep.night(i, 0)).state == asleep.COMPLETE and not night.peculiarities
                and len(night.sleep_stages) <= 240)


def stored(store: Path, outcome: str = "accepted") -> list[Path]:
    return sorted((store / outcome).glob("*.json"))


def artifacts(*roots: Path) -> Iterator[Path]:
    """Every file under ``roots``, hidden ones included."""
    for root in roots:
        yield from (p for p in root.rglob("*") if p.is_file())


@dataclass
class Receiver:
    process: subprocess.Popen[bytes]
    url: str
    health: str
    stdout: Path
    stderr: Path

    def log(self) -> str:
        return self.stdout.read_text(encoding="utf-8")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(15)


@contextlib.contextmanager
def receiver_process(store: Path, logs: Path, env: dict[str, str] | None = None,
                     preexec_fn: Callable[[], None] | None = None) -> Iterator[Receiver]:
    """``contractgate receive`` on a free loopback port; output goes to files (a full pipe would block it).

    ``preexec_fn`` runs in the child before it starts (to start it as a shell would, SIGINT ignored).
    """
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout.txt", logs / "stderr.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "contractgate", "receive", "--api", "asleep-v1-callback", "--port", "0",
             "--store", str(store)],
            stdout=out, stderr=err, env={**os.environ, "ASLEEP_API_KEY": KEY, "ASLEEP_USER_ID": USER, **(env or {})},
            preexec_fn=preexec_fn)
    try:
        urls: dict[str, str] = {}
        deadline = time.monotonic() + STARTUP_SECONDS
        while "health" not in urls:  # bounded: the URLs are printed once the socket listens
            assert time.monotonic() < deadline and process.poll() is None, stderr.read_text()
            time.sleep(0.05)
            urls = dict(line.split() for line in stdout.read_text().splitlines() if line.startswith("  "))
        while True:  # bounded: uvicorn may still be starting on the listening socket
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(urls["health"], timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, stderr.read_text()
            time.sleep(0.05)
        yield Receiver(process, urls["callback"], urls["health"], stdout, stderr)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
