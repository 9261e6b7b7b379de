"""Asleep v1 callbacks of mock sessions: their contract, the same night as v3, and the emitter."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from contractgate.cli import main
from contractgate.errors import ContractgateError
from contractgate.mock import asleep, callbacks
from contractgate.mock.ids import sample_ids
from contractgate.secrets import LOCAL_DEFAULTS
from contractgate.validate import checker_for

SEED = 5
IDS = sample_ids("asleep-v3", 300, seed=SEED)
COMPLETE = [i for i in IDS if asleep.night(i, SEED).state == asleep.COMPLETE]
ORDINARY = [i for i in COMPLETE if not asleep.night(i, SEED).peculiarities]


def test_every_callback_meets_the_v1_contract():
    check = checker_for("asleep-v1-callback", "sessionCallback").check
    problems = []
    for session_id in IDS:
        for callback in callbacks.inference_callbacks(session_id, seed=SEED)[:12]:
            problems += [(session_id, v.rule, v.pointer) for v in check(callback)]
        final = callbacks.session_complete(session_id, seed=SEED, timezone="Asia/Seoul")
        if final is not None:
            problems += [(session_id, v.rule, v.pointer) for v in check(final)]
    assert problems == []


def test_only_complete_sessions_send_session_complete():
    assert all((callbacks.session_complete(i, seed=SEED) is not None) == (i in COMPLETE) for i in IDS)
    assert callbacks.session_complete("20230608020315_a0404") is None
    assert callbacks.inference_callbacks("20230608020315_a0404") == []
    assert callbacks.inference_callbacks("malformed") == []


def test_inference_callbacks_cover_each_five_minutes_with_the_last_twenty():
    session_id = ORDINARY[0]
    stages = list(asleep.night(session_id, SEED).sleep_stages)
    sent = callbacks.inference_callbacks(session_id, seed=SEED)
    assert len(sent) == len(stages) // 10
    for n, callback in enumerate(sent):
        data = callback["callback_data"]
        assert data["inference_seq_num"] == n == data["seq_num"] // 10
        assert data["stage_list"] == stages[max(0, n - 3) * 10:(n + 1) * 10]
        assert len(data["osa_stage_list"]) == len(data["stage_list"])


V1_TO_V3_TIMES = {"session_start_time": ("session", "start_time"), "session_end_time": ("session", "end_time"),
                  "sleep_time": ("stat", "sleep_time"), "wake_time": ("stat", "wake_time")}


@pytest.mark.parametrize("zone", ["UTC", "America/Denver"])
def test_session_complete_describes_the_same_night_as_v3(zone):
    for session_id in COMPLETE:
        v1 = callbacks.session_complete(session_id, seed=SEED, timezone=zone)["callback_data"]["sleep_data"]
        result = asleep.session_body(session_id, seed=SEED, timezone=zone)["result"]
        session, stat = result["session"], result["stat"]
        assert v1["sleep_stages"] == session["sleep_stages"]
        assert v1["osa_stages"] == (session["breath_stages"] or [-1] * len(session["sleep_stages"]))
        for v1_name, (part, v3_name) in V1_TO_V3_TIMES.items():
            if v1[v1_name] is not None and result[part] is not None:
                assert datetime.fromisoformat(v1[v1_name]) == datetime.fromisoformat(result[part][v3_name])
        if stat is None:  # an invalid session: v3 has no stat, v1 nulls what it may
            continue
        for v1_name, v3_name in callbacks.V1_METRICS.items():
            if v1_name in ("sleep_time", "wake_time"):
                continue
            expected = stat[v3_name]
            if v1_name == "breathing_pattern" and expected is not None:
                expected = callbacks.V1_BREATHING_PATTERN[expected]
            assert v1[v1_name] == expected, (session_id, v1_name)


def test_the_mapping_finds_no_drift_between_v1_and_v3_of_an_ordinary_night(tmp_path: Path, capsys):
    for session_id in ORDINARY[:5]:
        (tmp_path / "v1.json").write_text(json.dumps(callbacks.session_complete(session_id, seed=SEED)))
        (tmp_path / "v3.json").write_text(json.dumps(asleep.session_body(session_id, seed=SEED)))
        code = main(["mapping", "compare", "asleep-v1-to-v3", "--v1", str(tmp_path / "v1.json"),
                     "--v3", str(tmp_path / "v3.json")])
        assert code == 0, capsys.readouterr().out


# --- the emitter against a local receiver -------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """Records every callback; answers ``script`` statuses first (then 200), to exercise the retries."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[dict[str, str], dict]] = []
        self.script: list[int] = []
        self.answer = b""  # the body of a refusal

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/asleep-callback"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        status = self.server.script.pop(0) if self.server.script else 200
        if status == 200:
            self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
        self.send_response(status)
        if status == 429:
            self.send_header("retry-after", "0")
        answer = self.server.answer if status != 200 else b""
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_the_emitter_delivers_a_night_with_the_documented_headers(receiver: Receiver):
    session_id = ORDINARY[0]
    deliveries = callbacks.emit(receiver.url, session_id, seed=SEED, speed=1e9)
    expected = [*callbacks.inference_callbacks(session_id, seed=SEED),
                callbacks.session_complete(session_id, seed=SEED)]
    assert all(d.ok and d.attempts == 1 for d in deliveries) and len(deliveries) == len(expected) > 50
    assert [body for _, body in receiver.received] == expected
    headers = receiver.received[-1][0]
    assert headers["x-api-key"] == LOCAL_DEFAULTS["ASLEEP_API_KEY"]
    assert headers["x-user-id"] == LOCAL_DEFAULTS["ASLEEP_USER_ID"]
    assert headers["content-type"] == "application/json"


def test_the_emitter_retries_transient_failures_with_backoff(receiver: Receiver):
    receiver.script = [503, 429, 500]
    waits: list[float] = []
    deliveries = callbacks.emit(receiver.url, ORDINARY[1], seed=SEED, speed=1e9, backoff=0.01, sleep=waits.append)
    assert deliveries[0].ok and deliveries[0].attempts == 4
    pacing = callbacks.SECONDS_PER_BLOCK / 1e9
    assert [w for w in waits if w != pacing] == [0.01, 0.0, 0.04]  # doubling, except where Retry-After says
    assert len(receiver.received) == len(deliveries)


def test_the_emitter_gives_up_after_bounded_attempts_and_on_refusals(receiver: Receiver):
    receiver.script = [503] * 3 + [400]
    deliveries = callbacks.emit(receiver.url, ORDINARY[1], seed=SEED, speed=1e9, backoff=0.001, max_attempts=3)
    assert (deliveries[0].ok, deliveries[0].attempts, deliveries[0].status) == (False, 3, 503)
    assert (deliveries[1].ok, deliveries[1].attempts, deliveries[1].error) == (False, 1, "HTTP 400")
    assert all(d.ok for d in deliveries[2:])


def test_an_unreachable_receiver_is_reported_not_raised():
    deliveries = callbacks.emit("http://127.0.0.1:9/", ORDINARY[1], seed=SEED, speed=1e9, backoff=0.001,
                                max_attempts=2)
    assert deliveries and all(d.status is None and d.attempts == 2 and d.error for d in deliveries)


@pytest.mark.parametrize("url", ["http://10.0.0.1/cb", "http://example.com/cb", "ftp://127.0.0.1/", "nonsense"])
def test_the_emitter_only_talks_to_this_machine(url):
    with pytest.raises(ContractgateError):
        callbacks.emit(url, ORDINARY[0], seed=SEED)


def test_the_emit_callbacks_command(receiver: Receiver, capsys):
    session_id = next(i for i in sample_ids("asleep-v3", 100) if asleep.night(i).state == asleep.COMPLETE)
    code = main(["emit-callbacks", "--url", receiver.url, "--session-id", session_id, "--speed", "1e9",
                 "--timezone", "Asia/Seoul"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == "INFERENCE_COMPLETE #0: 200 (attempts: 1)"
    assert out[-2] == "SESSION_COMPLETE: 200 (attempts: 1)"
    assert out[-1] == f"{len(out) - 1} of {len(out) - 1} callbacks delivered"
    assert receiver.received[-1][1]["callback_data"]["sleep_data"]["session_start_time"].endswith("+09:00")
    assert main(["emit-callbacks", "--url", receiver.url, "--session-id", "20230608020315_a0404"]) == 2
    assert main(["emit-callbacks", "--url", receiver.url, "--session-id", session_id, "--timezone", "Nope"]) == 2


def test_the_readme_example_reaches_the_receiver_at_its_real_path(tmp_path, capsys, monkeypatch):
    """README and docs/mock.md: `emit-callbacks --url http://127.0.0.1:9000/asleep-v1-callback --session-id
    20240312221500_k3v9q`, against `contractgate receive` (on a free port instead of 9000)."""
    from tests.receiver.conftest import KEY, USER, receiver_process

    monkeypatch.setenv("ASLEEP_API_KEY", KEY)
    monkeypatch.setenv("ASLEEP_USER_ID", USER)
    with receiver_process(tmp_path / "store", tmp_path / "logs") as receiver:
        assert receiver.url.endswith("/asleep-v1-callback")
        code = main(["emit-callbacks", "--url", receiver.url, "--session-id", "20240312221500_k3v9q",
                     "--speed", "1e9"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    assert out[-2] == "SESSION_COMPLETE: 200 (attempts: 1)"
    assert len(list((tmp_path / "store" / "accepted").glob("*.json"))) == len(out) - 1


def test_a_refusal_prints_the_receivers_reason_and_exits_1(receiver: Receiver, capsys):
    receiver.script = [422]
    receiver.answer = b'{"error": "the body breaks its contract (errors: 1)"}'
    code = main(["emit-callbacks", "--url", receiver.url, "--session-id", ORDINARY[1], "--seed", str(SEED),
                 "--speed", "1e9"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0] == ('INFERENCE_COMPLETE #0: HTTP 422 (attempts: 1): {"error": "the body breaks its contract '
                      '(errors: 1)"}')


def test_a_session_that_sends_fewer_callbacks_says_why(receiver: Receiver, capsys):
    silent = next(i for i in IDS if asleep.night(i, SEED).no_realtime_polling)
    state = asleep.night(silent, SEED).state
    assert main(["emit-callbacks", "--url", receiver.url, "--session-id", silent, "--seed", str(SEED)]) == 2
    err = capsys.readouterr().err
    assert f"session {silent} is {state}: real-time polling is off for it (NO_REALTIME_POLLING)" in err
    assert "nothing to send" in err and receiver.received == []
    running = next(i for i in IDS if asleep.night(i, SEED).state != asleep.COMPLETE
                   and not asleep.night(i, SEED).no_realtime_polling and callbacks.inference_callbacks(i, seed=SEED))
    assert main(["emit-callbacks", "--url", receiver.url, "--session-id", running, "--seed", str(SEED),
                 "--speed", "1e9"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == (f"note: session {running} is {asleep.night(running, SEED).state}: no SESSION_COMPLETE until "
                       f"it is COMPLETE")
