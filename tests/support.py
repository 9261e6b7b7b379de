"""Starting ``contractgate mock`` as a real process on a free loopback port, for the tests that need one."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class MockProcess:
    process: subprocess.Popen[str]
    urls: dict[str, str]  # API id -> base URL, and "health"

    @property
    def origin(self) -> str:
        return self.urls["health"].rsplit("/", 1)[0]


@contextlib.contextmanager
def running_mock(*args: str, env: Mapping[str, str] | None = None) -> Iterator[MockProcess]:
    """The mock on port 0 (the OS picks a free one), ready to answer; stopped on leaving."""
    process = subprocess.Popen([sys.executable, "-m", "contractgate", "mock", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    try:
        urls: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:  # the health URL is the last line printed before serving
            if line.startswith("  "):
                name, url = line.split()
                urls[name] = url
                if name == "health":
                    break
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # bounded: uvicorn may still be starting
            try:
                if httpx.get(urls["health"], timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield MockProcess(process, urls)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
