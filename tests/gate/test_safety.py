"""Against anything but the project's mock the gate sends only the documented read operations.

A loopback server that records every request stands in for a vendor: it forwards to the mock process (so
its answers are the documented ones, or a drift profile's) but strips the mock's signature header, so the
gate has no reason to trust it. Every request it saw is counted.
"""

from __future__ import annotations

import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from contractgate.cli import main
from contractgate.mock.common import MOCK_SIGNATURE_HEADER
from contractgate.mock.ids import sample_ids
from contractgate.secrets import LOCAL_DEFAULTS
from tests.support import running_mock

ASLEEP_PATH = re.compile(r"/data/v3/sessions/[^/?]+")


@dataclass
class Recorder:
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def methods(self) -> Counter[str]:
        return Counter(method for method, _, _ in self.seen)


@contextmanager
def vendor_server(upstream: str, prefix: str = "",
                  transform: Callable[[int, bytes], bytes] | None = None) -> Iterator[tuple[str, Recorder]]:
    """A vendor stand-in on loopback: paths under ``prefix`` are the vendor's own, answered by ``upstream``
    (each answer's body through ``transform(status, body)`` when given: a vendor that changed)."""
    recorder = Recorder()
    client = httpx.Client(timeout=10)

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with recorder.lock:
                recorder.seen.append((self.command, self.path, dict(self.headers.items())))
            path = self.path[len(prefix):] if self.path.startswith(prefix) else self.path
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = client.request(self.command, upstream + path, headers=headers, content=body)
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in (MOCK_SIGNATURE_HEADER, "content-length", "transfer-encoding", "connection",
                                        "content-encoding", "date", "server"):
                    self.send_header(name, value)
            content = transform(answer.status_code, answer.content) if transform else answer.content
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_HEAD = do_QUERY = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}", recorder
    finally:
        server.shutdown()
        server.server_close()
        client.close()


@pytest.fixture
def vendor_credentials(monkeypatch):
    """A real vendor needs credentials in the environment; the mock behind the stand-in accepts these."""
    for name, value in LOCAL_DEFAULTS.items():
        monkeypatch.setenv(name, value)


def ids_file(tmp_path: Path) -> Path:
    path = tmp_path / "asleep-ids.txt"
    path.write_text("\n".join(sample_ids("asleep-v3", 40, 7)) + "\n")
    return path


def assert_only_documented_gets(recorder: Recorder, path_prefix: str = "") -> None:
    assert recorder.seen, "the gate sent nothing: the test would prove nothing"
    for method, path, _ in recorder.seen:
        assert method == "GET", f"{method} {path} reached a real vendor"
        assert ASLEEP_PATH.fullmatch(path.split("?")[0].removeprefix(path_prefix)), f"undocumented path {path}"


def test_a_vendor_native_base_url_gets_only_documented_gets_and_a_faithful_server_passes(
        tmp_path, vendor_credentials, capsys):
    with running_mock("--seed", "7") as mock, vendor_server(mock.urls["asleep-v3"]) as (url, recorder):
        code = main(["run", "--base-url", f"asleep-v3={url}", "--seed", "7", "--max-examples", "25", "--rate", "100",
                     "--ids", f"asleep-v3={ids_file(tmp_path)}", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert_only_documented_gets(recorder)
    gets = recorder.methods()["GET"]
    assert f"requests sent: GET {gets};" in out  # the gate's own count agrees with what the server saw
    summary = (tmp_path / "r" / "summary.md").read_text()
    assert f"Requests sent: GET {gets}." in summary
    assert "| asleep-v3 | getSession |" in summary and "vendor paths" in summary
    junit = ET.parse(tmp_path / "r" / "junit.xml").getroot()
    skipped = {c.get("name") for c in junit.iter("testcase") if c.find("skipped") is not None}
    assert {"unsupported_method", "ignored_auth"} <= skipped
    assert all(c.get("classname", "").startswith("asleep-v3.") for c in junit.iter("testcase"))


def test_a_vendor_native_server_that_breaks_a_documented_rule_fails_the_gate_with_the_rule_named(
        tmp_path, vendor_credentials, capsys):
    with running_mock("--seed", "7", "--profile", "broken-conditional") as mock, \
            vendor_server(mock.urls["asleep-v3"]) as (url, recorder):
        code = main(["run", "--base-url", f"asleep-v3={url}", "--seed", "7", "--max-examples", "40", "--rate", "100",
                     "--ids", f"asleep-v3={ids_file(tmp_path)}", "--report-dir", str(tmp_path / "r")])
    capsys.readouterr()
    assert code == 1
    assert_only_documented_gets(recorder)
    assert "ASLEEP-V3-N001" in (tmp_path / "r" / "summary.md").read_text()


def test_a_url_target_that_is_not_the_mock_gets_only_documented_gets(tmp_path, vendor_credentials, capsys):
    # The stand-in serves the vendor under the mock's prefix, as a staging proxy might: the URL form of --target.
    with running_mock("--seed", "7") as mock, \
            vendor_server(mock.origin + "/asleep", prefix="/asleep") as (url, recorder):
        origin = url.removesuffix("/asleep")
        code = main(["run", "--target", origin, "--api", "asleep-v3", "--seed", "7", "--max-examples", "20",
                     "--rate", "100", "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert_only_documented_gets(recorder, "/asleep")


def test_the_mock_on_loopback_is_recognised_and_still_gets_the_unsupported_method_check(tmp_path, capsys):
    with running_mock("--seed", "7") as mock:
        assert main(["run", "--target", mock.origin, "--api", "emogg", "--seed", "7", "--max-examples", "10",
                     "--report-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "DELETE" in out and "the mock" in (tmp_path / "r" / "summary.md").read_text()


def test_the_embedded_mock_still_gets_unsupported_methods(tmp_path, capsys):
    assert main(["run", "--api", "emogg", "--seed", "7", "--max-examples", "10", "--report-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    sent = out.rsplit("requests sent: ", 1)[1]
    assert "DELETE" in sent and "PUT" in sent


def test_an_unreachable_target_is_exit_2_in_one_line(tmp_path, capsys):
    code = main(["run", "--target", "http://127.0.0.1:1", "--max-examples", "5", "--report-dir", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip() == "contractgate: error: cannot connect to http://127.0.0.1:1: connection refused"
    assert "cannot connect" in (tmp_path / "summary.md").read_text()
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    cases = [c for c in junit.iter("testcase") if c.get("classname", "").startswith("emogg.")]
    assert [c.get("name") for c in cases] == ["target"] and cases[0].find("error") is not None  # no check listed


def test_a_base_url_target_without_credentials_stops_before_any_request(tmp_path, monkeypatch, capsys):
    for name in LOCAL_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    with running_mock() as mock, vendor_server(mock.urls["emogg"]) as (url, recorder):
        code = main(["run", "--base-url", f"emogg={url}", "--report-dir", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "set EMOGG_API_TOKEN" in err
    assert not recorder.seen, "the mock's default credentials must never be sent to a vendor-native URL"


def test_a_pasted_reproduction_gets_the_answer_the_gate_got(tmp_path, monkeypatch, capsys):
    secrets = {"ASLEEP_API_KEY": "repro-asleep-key-1", "ASLEEP_USER_ID": "G-20240101000000-ReproUserReproUserRe"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    with running_mock("--seed", "7", "--profile", "broken-conditional", env=secrets) as mock:
        assert main(["run", "--target", mock.origin, "--api", "asleep-v3", "--seed", "7", "--max-examples", "40",
                     "--profile", "broken-conditional", "--report-dir", str(tmp_path)]) == 1
        summary = (tmp_path / "summary.md").read_text()
        commands = re.findall(r"```sh\n(curl .*?)\n```", summary, re.S)
        assert commands, summary
        command = commands[0]
        assert '"x-api-key: $ASLEEP_API_KEY"' in command and secrets["ASLEEP_API_KEY"] not in summary
        pasted = subprocess.run(["bash", "-c", command + " -s -o /dev/null -w '%{http_code}'"], capture_output=True,
                                text=True, timeout=30, env={"PATH": "/usr/bin:/bin", **secrets})
    capsys.readouterr()
    status = re.search(r"status: `(\d+)`", summary.split(command)[0].rsplit("### ", 1)[1])
    assert status is not None and pasted.stdout == status.group(1), (pasted.stdout, pasted.stderr)


@pytest.mark.slow
def test_a_tls_error_is_exit_2_in_one_line(tmp_path, capsys):
    # A plain-HTTP server spoken to over https: the handshake fails, on loopback.
    with running_mock() as mock:
        port = mock.origin.rsplit(":", 1)[1]
        code = main(["run", "--target", f"https://127.0.0.1:{port}", "--api", "emogg", "--max-examples", "5",
                     "--report-dir", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith(f"contractgate: error: cannot connect to https://127.0.0.1:{port}: TLS error")


def test_connection_problems_are_named_in_a_users_words():
    import socket

    import requests

    from contractgate.http import connection_problem

    def wrapped(cause: BaseException) -> requests.ConnectionError:
        try:
            try:
                raise cause
            except BaseException as inner:
                raise requests.ConnectionError("HTTPSConnectionPool(...): Max retries exceeded") from inner
        except requests.ConnectionError as outer:
            return outer

    assert connection_problem(wrapped(socket.gaierror(-2, "Name or service not known"))) == "name not resolved (DNS)"
    assert connection_problem(wrapped(ConnectionRefusedError(111, "Connection refused"))) == "connection refused"
    assert connection_problem(wrapped(TimeoutError("timed out"))) == "timed out"
