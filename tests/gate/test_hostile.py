"""Hostile servers, on loopback: no credential leaves for another host, and every answer that would cost too
much (a gzip bomb, an endless or dripping body, 50 MB, a stall, a Retry-After of years) ends at its bound as a
reported finding of `run`, `record` and `drift`, with the process's peak memory far below 500 MB."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TOKEN = "hostile-canary-token-51c2"
USER = "G-20240101000000-HostileUserHostileUs"
MAX_RSS_MB = 500
STOP = threading.Event()


@cache
def gzip_bomb() -> bytes:
    """256 MiB of zeros in about 250 KB."""
    return gzip.compress(b"\0" * (256 * 1024 * 1024), compresslevel=9)


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    other_port = 0
    leaked: list[dict[str, str]] = []  # noqa: RUF012 - the requests that reached the other port

    def log_message(self, *args: object) -> None:
        pass

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def do_GET(self) -> None:
        scenario = self.path.split("/")[1]
        try:
            if scenario == "redirect":
                self._start(301, {"Location": f"http://localhost:{self.other_port}/v1/sessions/x",
                                  "Content-Length": "0"})
            elif scenario == "gzip":
                bomb = gzip_bomb()
                self._start(200, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                                  "Content-Length": str(len(bomb))})
                self.wfile.write(bomb)
            elif scenario == "chunked":
                self._start(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
                chunk = b"[" + b"0," * 32768
                for _ in range(3200):  # bounded: 200 MB at most, if the client never hangs up
                    if STOP.is_set():
                        break
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            elif scenario == "drip":
                self._start(200, {"Content-Type": "application/json", "Content-Length": "100000"})
                for _ in range(300):  # bounded: a minute at most
                    if STOP.wait(0.2):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
            elif scenario == "big":
                self._start(200, {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)})
                for _ in range(50):
                    self.wfile.write(b" " * (1024 * 1024))
            elif scenario == "stall":
                STOP.wait(30)
                self._start(200, {"Content-Type": "application/json", "Content-Length": "2"})
                self.wfile.write(b"{}")
            elif scenario == "badjson":
                body = b'{"result": [1, 2,'
                self._start(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
                self.wfile.write(body)
            elif scenario == "retry":
                body = b'{"error": "slow down"}'
                self._start(429, {"Content-Type": "application/json", "Retry-After": "999999999",
                                  "Content-Length": str(len(body))})
                self.wfile.write(body)
            else:  # the other port: anything arriving here followed a redirect it must not have followed
                type(self).leaked.append(dict(self.headers.items()))
                self._start(200, {"Content-Length": "0"})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up at its bound: what the test wants


@contextmanager
def hostile() -> Iterator[str]:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Hostile) for _ in range(2)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    _Hostile.other_port = servers[1].server_address[1]
    _Hostile.leaked = []
    STOP.clear()
    try:
        yield f"http://127.0.0.1:{servers[0].server_address[1]}"
    finally:
        STOP.set()
        for server in servers:
            server.shutdown()
            server.server_close()


def contractgate(*args: str, cwd: Path) -> tuple[int, str, float]:
    """Run the command in its own process: (exit code, output, peak RSS in MB)."""
    env = {**os.environ, "EMOGG_API_TOKEN": TOKEN, "ASLEEP_API_KEY": TOKEN, "ASLEEP_USER_ID": USER,
           "UPHEAL_API_KEY": TOKEN}
    process = subprocess.Popen([sys.executable, "-m", "contractgate", *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(180, process.kill)  # a bound on the test, not an assertion
    timer.start()
    try:
        output = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, output, usage.ru_maxrss / 1024


BOUNDS = ["--deadline", "1.5", "--rate", "100"]
FINDINGS = {"gzip": "response_size", "chunked": "response_size", "big": "response_size",
            "drip": "response_deadline", "stall": "response_deadline", "badjson": "content_type_conformance|schema",
            "retry": "status_code_conformance|429", "redirect": "status_code_conformance|301"}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(FINDINGS))
def test_the_gate_ends_every_hostile_answer_at_its_bound_with_a_finding(tmp_path, scenario):
    with hostile() as origin:
        code, output, rss = contractgate("run", "--base-url", f"emogg={origin}/{scenario}", "--max-examples", "2",
                                         "--seed", "1", "--report-dir", "r", *BOUNDS, cwd=tmp_path)
        leaked = list(_Hostile.leaked)
    summary = (tmp_path / "r" / "summary.md").read_text()
    assert code == 1, output
    assert any(word in summary for word in FINDINGS[scenario].split("|")), summary[:3000]
    assert not leaked, "a request followed the redirect to another port"
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB"
    assert TOKEN not in summary + output


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["gzip", "chunked", "big", "drip", "stall"])
def test_record_refuses_an_answer_past_its_bound_and_drift_reports_it(tmp_path, scenario):
    (tmp_path / "ids.txt").write_text("5f0c7b1e9d3a4c2b1a0f9e8d\n")
    with hostile() as origin:
        code, output, rss = contractgate("record", "--api", "emogg", "--ids", "ids.txt", "--out", "rec",
                                         "--target", f"{origin}/{scenario}", *BOUNDS, cwd=tmp_path)
    assert code == 2, output
    assert "not recorded" in output and ("limit" in output or "s in total" in output or "within" in output), output
    assert not any((tmp_path / "rec").glob("*.json")), "a refused answer must not be written"
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB"


@pytest.mark.slow
def test_drift_against_a_hostile_target_fails_with_the_refused_answer_listed(tmp_path):
    assert contractgate("record", "--api", "emogg", "--sample", "2", "--out", "base", cwd=tmp_path)[0] == 0
    with hostile() as origin:
        code, output, rss = contractgate("drift", "--api", "emogg", "--baseline", "base", "--target",
                                         f"{origin}/gzip", "--report-dir", "r", *BOUNDS, cwd=tmp_path)
    assert code == 1, output
    assert "answers past a bound" in output and "2 answers refused at a bound" in output
    report = next((tmp_path / "r" / "drift").glob("*.md")).read_text()
    assert "not recorded" in report
    assert rss < MAX_RSS_MB


@pytest.mark.slow
def test_record_keeps_a_cross_origin_redirect_as_the_answer_and_sends_nothing_elsewhere(tmp_path):
    (tmp_path / "ids.txt").write_text("5f0c7b1e9d3a4c2b1a0f9e8d\n")
    with hostile() as origin:
        code, output, _ = contractgate("record", "--api", "emogg", "--ids", "ids.txt", "--out", "rec",
                                       "--target", f"{origin}/redirect", *BOUNDS, cwd=tmp_path)
        leaked = list(_Hostile.leaked)
    assert code == 0, output
    assert "(301: 1)" in output
    assert not leaked
