"""Benchmark: the mock vs Prism (`prism mock -d`) serving an 8-hour Asleep session over loopback.

    python bench/bench_mock.py [--connections 64] [--duration 8] [--rounds 3] [--prism PATH | --no-prism] [--smoke]

Both servers run as separate processes on 127.0.0.1 and are driven by the same keep-alive HTTP/1.1 load
generator (many concurrent connections on one asyncio loop), in alternating rounds; the figures are the
requests per second of the median round and latency percentiles over all rounds. Every sampled answer is
then checked with `checker_for` (schema and rules): the share of answers that break a documented (error)
rule, and one that breaks any rule, warnings included.

Prism is optional and never installed by this script: `--prism PATH`, else `prism` on PATH, else
`npx --no-install @stoplight/prism-cli` or `npx --no-install prism` if npm has it installed. Without it (or
with --no-prism) only the mock is measured, and the output says so. To compare, install it outside the
repository, e.g. `npm install --prefix /tmp/prism-bench @stoplight/prism-cli`, then
`--prism /tmp/prism-bench/node_modules/.bin/prism`.

`--smoke` (CI, `make bench-smoke`): one short round with a few connections, Prism included if found; only
that it runs end to end. Its figures measure nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from contractgate.mock import asleep
from contractgate.mock.ids import sample_ids
from contractgate.validate import checker_for

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "asleep-v3" / "openapi.yaml"
# The mock is given these through its documented environment variables (README, "The mock"), rather than the
# benchmark importing its defaults from wherever they live this month; Prism only checks the id's pattern.
CREDENTIALS = {"ASLEEP_API_KEY": "bench-asleep-key", "ASLEEP_USER_ID": "G-20240101000000-BenchUserBenchUser00"}
HEADERS = {"x-api-key": CREDENTIALS["ASLEEP_API_KEY"], "x-user-id": CREDENTIALS["ASLEEP_USER_ID"]}
STARTUP_LIMIT = 90.0  # seconds a server gets to start answering
PROBE_LIMIT = 30.0  # seconds `prism --version` (through npx: a registry look-up) gets before Prism counts as absent
SAMPLE_EVERY = 25  # keep every n-th answer for the rule check
# Bounds of the load loop besides its duration: a stalled or misbehaving server ends the round with an error
# instead of hanging it, and a server far faster than expected cannot make a round run away.
REQUEST_LIMIT = 10.0  # seconds for one request and its answer
MAX_REQUESTS_PER_CONNECTION = 200_000
MAX_BODY_BYTES = 16 * 1024 * 1024


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


def _bounded(size: int) -> int:
    if size > MAX_BODY_BYTES:
        raise ValueError(f"an answer of {size} bytes, over the benchmark's {MAX_BODY_BYTES} bytes")
    return size


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            _bounded(len(body) + size)
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
        return status, body
    return status, await reader.readexactly(_bounded(int(headers.get("content-length", "0"))))


async def _client(host: str, port: int, request: bytes, until: float, result: Round) -> None:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), REQUEST_LIMIT)
    try:
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            if time.perf_counter() >= until:
                break
            started = time.perf_counter()
            writer.write(request)
            status, body = await asyncio.wait_for(_read_response(reader), REQUEST_LIMIT)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.requests += 1
            if result.requests % SAMPLE_EVERY == 1:  # the first answer too: a short round still has a sample
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


def run_round(port: int, path: str, connections: int, seconds: float, warm_up: float) -> Round:
    asyncio.run(_load(port, path, connections, warm_up))  # warm-up: connections, caches, JIT
    return asyncio.run(_load(port, path, connections, seconds))


def broken_share(samples: list[tuple[int, bytes]]) -> tuple[float, float]:
    """Shares of sampled answers with an error-severity violation, and with any violation."""
    if not samples:
        raise SystemExit("no answer to check: the server answered no request in any round")
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
    log: IO[bytes] | None = None

    def start(self, port: int) -> None:
        # Its errors go to a file, not a pipe: a full pipe nobody reads would stall the server mid-benchmark.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server; stop() closes it)
        # A session of its own: `npx` starts Prism as a child, and stop() must end both, by this group's id.
        self.process = subprocess.Popen([*self.command, *self._port_args(port)], stdout=subprocess.DEVNULL,
                                        stderr=self.log, cwd=ROOT, start_new_session=True,
                                        env={**os.environ, **CREDENTIALS})
        deadline = time.monotonic() + STARTUP_LIMIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                tail = self.log.read()[-2000:].decode(errors="replace")
                raise SystemExit(f"{self.name} exited with {self.process.returncode} while starting:\n{tail}")
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
        if self.process is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)  # the group started in start(): the server and its children
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(10)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.log is not None:
            self.log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prism_version(command: list[str]) -> str | None:
    """Prism's version if ``command`` runs it, else None (not installed, not Prism, or no answer in time)."""
    try:
        probe = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=PROBE_LIMIT,
                               cwd=ROOT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = probe.stdout.strip().splitlines()[-1:] if probe.returncode == 0 else []
    return version[0] if version and version[0][:1].isdigit() else None


def find_prism(explicit: str | None) -> tuple[list[str], str] | None:
    """Prism's command and version: ``--prism PATH``, else PATH, else what npx has installed (never installs)."""
    if explicit:
        version = _prism_version([explicit])
        if version is None:
            raise SystemExit(f"--prism {explicit}: `{explicit} --version` does not answer with a Prism version")
        return [explicit], version
    candidates = []
    if on_path := shutil.which("prism"):
        candidates.append([on_path])
    if shutil.which("npx"):
        candidates += [["npx", "--no-install", "@stoplight/prism-cli"], ["npx", "--no-install", "prism"]]
    for command in candidates:
        if version := _prism_version(command):
            return command, version
    return None


def cold_generation_rate(session_id: str, repeats: int) -> float:
    """Answers per second when nothing is cached: the night drawn and every metric computed afresh."""
    started = time.perf_counter()
    for _ in range(repeats):
        asleep.night.cache_clear()
        asleep.session_body(session_id)
    return repeats / (time.perf_counter() - started)


def _quantiles(latencies: list[float]) -> list[float]:
    if len(latencies) < 2:
        raise SystemExit("fewer than two answers in all rounds: nothing to take percentiles of")
    return statistics.quantiles(sorted(latencies), n=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prism", help="the prism executable (default: prism on PATH, else npx if installed)")
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only checks the benchmark works")
    args = parser.parse_args()
    warm_up, cold_repeats = 1.0, 50
    if args.smoke:
        args.connections, args.duration, args.rounds, warm_up, cold_repeats = 4, 0.5, 1, 0.2, 5

    session_id = eight_hour_session()
    epochs = len(asleep.night(session_id).sleep_stages)
    servers = [Server("mock", [sys.executable, "-m", "contractgate", "mock"], "/asleep")]
    prism = None if args.no_prism else find_prism(args.prism)
    if prism is None:
        why = "--no-prism" if args.no_prism else "no Prism found (prism on PATH, npx --no-install, --prism PATH)"
        print(f"Prism not measured ({why}): the mock only")
    else:
        command, version = prism
        print(f"Prism {version}: {' '.join(command)} mock -d")
        servers.append(Server("prism", [*command, "mock", "-d"], ""))
    print(f"8-hour session {session_id} ({epochs} epochs, {epochs * 30 / 3600:.1f} h); "
          f"{args.connections} connections, {args.rounds} x {args.duration:g} s rounds; {os.cpu_count()} cores")

    rounds: dict[str, list[Round]] = {s.name: [] for s in servers}
    ports = {s.name: free_port() for s in servers}
    try:
        for server in servers:
            server.start(ports[server.name])
        for _ in range(args.rounds):  # alternate, so that both see the same machine state
            for server in servers:
                path = f"{server.prefix}/data/v3/sessions/{session_id}"
                rounds[server.name].append(run_round(ports[server.name], path, args.connections, args.duration,
                                                     warm_up))
    finally:
        for server in servers:
            server.stop()

    print(f"\n{'server':<8}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'break doc rules':>17}"
          f"{'break any rule':>16}  statuses")
    rates = {}
    for name, results in rounds.items():
        rates[name] = statistics.median(r.rate for r in results)
        quantiles = _quantiles([x for r in results for x in r.latencies])
        errors, anything = broken_share([s for r in results for s in r.samples])
        statuses: dict[int, int] = {}
        for r in results:
            for status, count in r.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        print(f"{name:<8}{rates[name]:>9.0f}{quantiles[49] * 1000:>9.1f}"
              f"{quantiles[89] * 1000:>9.1f}{quantiles[98] * 1000:>9.1f}{errors:>17.1%}{anything:>16.1%}  "
              f"{dict(sorted(statuses.items()))}")
    for name, results in rounds.items():
        print(f"{name} rounds: " + ", ".join(f"{r.rate:.0f}" for r in results) + " req/s")
    print(f"\nmock answers are deterministic and cached after the first request; generating this session "
          f"uncached runs at {cold_generation_rate(session_id, cold_repeats):.0f} answers/s on one core")
    if "prism" in rates:
        ratio = rates["mock"] / rates["prism"]
        verdict = "smoke run, not a measurement" if args.smoke else "ok" if ratio >= 1 else "MISSED"
        print(f"ratio mock / Prism requests/s = {ratio:.2f} (target >= 1): {verdict}")
    else:
        print(f"ratio mock / Prism requests/s: not measured, Prism absent (the mock alone: {rates['mock']:.0f} req/s)")


if __name__ == "__main__":
    main()
