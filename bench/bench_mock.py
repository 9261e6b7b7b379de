"""Benchmark: the mock vs Prism (`prism mock -d`) serving an 8-hour Asleep session over loopback.

    python bench/bench_mock.py [--connections 64] [--duration 8] [--rounds 3] [--prism PATH]

Both servers run as separate processes on 127.0.0.1 and are driven by the same keep-alive HTTP/1.1 load
generator (many concurrent connections on one asyncio loop), in alternating rounds; the figures are the
medians over the rounds. Every sampled answer is then checked with `checker_for` (schema and rules): the
share of answers that break a documented (error) rule, and one that breaks any rule, warnings included.
Prism is optional: without it (no npx/prism, or --no-prism) only the mock is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from contractgate.mock import asleep
from contractgate.mock.common import LOCAL_DEFAULTS
from contractgate.mock.ids import sample_ids
from contractgate.validate import checker_for

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "asleep-v3" / "openapi.yaml"
HEADERS = {"x-api-key": LOCAL_DEFAULTS["ASLEEP_API_KEY"], "x-user-id": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}
STARTUP_LIMIT = 90.0  # seconds a server gets to start answering
SAMPLE_EVERY = 25  # keep every n-th answer for the rule check


def eight_hour_session() -> str:
    """An ordinary finished night of close to 8 hours (about 960 epochs per stage array)."""
    for session_id in sample_ids("asleep-v3", 2000):
        night = asleep.night(session_id)
        if night.state == asleep.COMPLETE and not night.peculiarities and 940 <= len(night.sleep_stages) <= 980:
            return session_id
    raise SystemExit("no 8-hour session among the sampled ids")


@dataclass
class Round:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    samples: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
        return status, body
    return status, await reader.readexactly(int(headers.get("content-length", "0")))


async def _client(host: str, port: int, request: bytes, until: float, result: Round) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status, body = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.requests += 1
            if result.requests % SAMPLE_EVERY == 0:
                result.samples.append((status, body))
    finally:
        writer.close()


async def _load(port: int, path: str, connections: int, seconds: float) -> Round:
    header_lines = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{header_lines}\r\n".encode()
    result = Round()
    started = time.perf_counter()
    await asyncio.gather(*(_client("127.0.0.1", port, request, started + seconds, result) for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def run_round(port: int, path: str, connections: int, seconds: float) -> Round:
    asyncio.run(_load(port, path, connections, 1.0))  # warm-up: connections, caches, JIT
    return asyncio.run(_load(port, path, connections, seconds))


def broken_share(samples: list[tuple[int, bytes]]) -> tuple[float, float]:
    """Shares of sampled answers with an error-severity violation, and with any violation."""
    errors = anything = 0
    for status, body in samples:
        try:
            payload = json.loads(body)
            found = checker_for("asleep-v3", "getSession", str(status)).check(payload)
        except Exception:  # not JSON, or a status the contract does not document: broken either way
            errors, anything = errors + 1, anything + 1
            continue
        errors += any(v.severity == "error" for v in found)
        anything += bool(found)
    return errors / len(samples), anything / len(samples)


@dataclass
class Server:
    name: str
    command: list[str]
    prefix: str
    process: subprocess.Popen[bytes] | None = None

    def start(self, port: int) -> None:
        self.process = subprocess.Popen([*self.command, *self._port_args(port)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, cwd=ROOT)
        deadline = time.monotonic() + STARTUP_LIMIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode} while starting")
            try:
                httpx.get(f"http://127.0.0.1:{port}{self.prefix}/data/v3/sessions/x", headers=HEADERS, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{self.name} did not answer within {STARTUP_LIMIT:.0f} s")

    def _port_args(self, port: int) -> list[str]:
        return ["--port", str(port)] if self.name == "mock" else ["-h", "127.0.0.1", "-p", str(port), str(SPEC)]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_prism(explicit: str | None) -> list[str] | None:
    if explicit:
        return [explicit, "mock", "-d"]
    for candidate in (shutil.which("prism"), "/tmp/prism/node_modules/.bin/prism"):
        if candidate and os.access(candidate, os.X_OK):
            return [candidate, "mock", "-d"]
    if shutil.which("npx"):
        probe = subprocess.run(["npx", "--no-install", "prism", "--version"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return ["npx", "--no-install", "prism", "mock", "-d"]
    return None


def cold_generation_rate(session_id: str, repeats: int = 50) -> float:
    """Answers per second when nothing is cached: the night drawn and every metric computed afresh."""
    started = time.perf_counter()
    for _ in range(repeats):
        asleep.night.cache_clear()
        asleep.session_body(session_id)
    return repeats / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prism", help="path of the prism executable (default: PATH, npx)")
    parser.add_argument("--no-prism", action="store_true")
    args = parser.parse_args()

    session_id = eight_hour_session()
    epochs = len(asleep.night(session_id).sleep_stages)
    servers = [Server("mock", [sys.executable, "-m", "contractgate", "mock"], "/asleep")]
    prism = None if args.no_prism else find_prism(args.prism)
    if prism is None:
        print("Prism skipped: no prism executable found (npm install @stoplight/prism-cli, or --prism PATH)")
    else:
        servers.append(Server("prism", prism, ""))
    print(f"8-hour session {session_id} ({epochs} epochs, {epochs * 30 / 3600:.1f} h); "
          f"{args.connections} connections, {args.rounds} x {args.duration:.0f} s rounds; {os.cpu_count()} cores")

    rounds: dict[str, list[Round]] = {s.name: [] for s in servers}
    ports = {s.name: free_port() for s in servers}
    try:
        for server in servers:
            server.start(ports[server.name])
        for _ in range(args.rounds):  # alternate, so that both see the same machine state
            for server in servers:
                path = f"{server.prefix}/data/v3/sessions/{session_id}"
                rounds[server.name].append(run_round(ports[server.name], path, args.connections, args.duration))
    finally:
        for server in servers:
            server.stop()

    print(f"\n{'server':<8}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'break doc rules':>17}"
          f"{'break any rule':>16}  statuses")
    for name, results in rounds.items():
        latencies = sorted(x for r in results for x in r.latencies)
        quantiles = statistics.quantiles(latencies, n=100)
        errors, anything = broken_share([s for r in results for s in r.samples])
        statuses = {}
        for r in results:
            for status, count in r.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        print(f"{name:<8}{statistics.median(r.rate for r in results):>9.0f}{quantiles[49] * 1000:>9.1f}"
              f"{quantiles[89] * 1000:>9.1f}{quantiles[98] * 1000:>9.1f}{errors:>17.1%}{anything:>16.1%}  "
              f"{dict(sorted(statuses.items()))}")
    print(f"\nmock answers are deterministic and cached after the first request; generating this session "
          f"uncached runs at {cold_generation_rate(session_id):.0f} answers/s on one core")


if __name__ == "__main__":
    main()
