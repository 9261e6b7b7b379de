"""``contractgate record``: one complete, masked recording per id; resuming; bad input; the receiver's store."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest

from contractgate import recorder as recording
from contractgate.errors import ContractgateError
from contractgate.gate.target import Target
from contractgate.http import PoliteSession
from contractgate.mock import callbacks
from contractgate.observed import observe_folder
from contractgate.receiver.store import Store, canonical, delivery_key
from contractgate.recorder import RecordOptions, read_ids, record
from contractgate.recordings import (
    FORMAT,
    Interaction,
    Request,
    Response,
    load_folder,
    read_interaction,
    write_interaction,
)
from contractgate.secrets import LOCAL_DEFAULTS, Masker, pseudonym
from tests.receiver.conftest import a_nap
from tests.recordings.conftest import CANARIES, MISSING, ids_file, ids_of, leaked, one_error_line, run
from tests.support import running_mock

EMBEDDED = Target.parse("embedded")
USER = LOCAL_DEFAULTS["ASLEEP_USER_ID"]


def recordings(folder):
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))


def test_each_id_becomes_one_complete_recording_with_its_credentials_masked(tmp_path, capsys):
    code, out, err = run(capsys, "record", "--api", "asleep-v3", "--ids", ids_file(tmp_path, "asleep-v3", 4),
                         "--out", tmp_path / "rec")
    assert (code, err) == (0, "")
    assert out.strip() == (f"contractgate record: asleep-v3 from embedded into {tmp_path / 'rec'}: 5 ids, "
                           "0 already recorded, 5 new (200: 4, 404: 1)")
    loaded = load_folder(tmp_path / "rec")
    assert loaded.errors == () and len(loaded.interactions) == 5
    by_id = {i.request.path.rsplit("/", 1)[1]: i for i in loaded.interactions}
    assert set(by_id) == set(ids_of("asleep-v3", 4))
    missing = by_id[MISSING["asleep-v3"]]
    assert (missing.response.status, set(missing.response.body)) == (404, {"detail"})
    for interaction in loaded.interactions:
        doc = json.loads(Path(interaction.file).read_text(encoding="utf-8"))
        assert doc["format"] == FORMAT and doc["kind"] == "rest"
        assert interaction.request.method == "GET" and interaction.request.path.startswith("/data/v3/sessions/")
        assert interaction.request.headers == {"x-api-key": "***", "x-user-id": pseudonym(USER)}
        assert interaction.response.headers["content-type"] == "application/json"
        assert interaction.elapsed_ms is not None and interaction.elapsed_ms > 0
    assert all(by_id[i].response.status == 200 and "result" in by_id[i].response.body
               for i in ids_of("asleep-v3", 4)[:-1])
    assert not any(LOCAL_DEFAULTS["ASLEEP_API_KEY"].encode() in p.read_bytes() or USER.encode() in p.read_bytes()
                   for p in recordings(tmp_path / "rec"))


def test_keep_identifiers_keeps_the_user_id_and_still_masks_the_key(tmp_path, capsys):
    code, _, err = run(capsys, "record", "--api", "asleep-v3", "--ids", ids_file(tmp_path, "asleep-v3", 1),
                       "--out", tmp_path / "rec", "--keep-identifiers")
    assert (code, err) == (0, "")
    loaded = load_folder(tmp_path / "rec")
    assert {i.request.headers["x-user-id"] for i in loaded.interactions} == {USER}
    assert {i.request.headers["x-api-key"] for i in loaded.interactions} == {"***"}


def test_a_second_run_skips_what_is_recorded_and_force_replaces_it(tmp_path, capsys):
    ids = ids_file(tmp_path, "emogg", 3)
    assert run(capsys, "record", "--api", "emogg", "--ids", ids, "--out", tmp_path / "rec")[0] == 0
    first = {p.name: p.read_bytes() for p in recordings(tmp_path / "rec")}
    code, out, _ = run(capsys, "record", "--api", "emogg", "--ids", ids, "--out", tmp_path / "rec")
    assert code == 0 and out.rstrip().endswith("4 ids, 4 already recorded, 0 new")
    assert {p.name: p.read_bytes() for p in recordings(tmp_path / "rec")} == first
    code, out, _ = run(capsys, "record", "--api", "emogg", "--ids", ids, "--out", tmp_path / "rec", "--force")
    assert code == 0 and "4 ids, 0 already recorded, 4 new" in out
    again = {p.name: p.read_bytes() for p in recordings(tmp_path / "rec")}
    assert again.keys() == first.keys() and again != first  # replaced (new recorded_at), not added as --2


def test_an_interrupted_run_leaves_complete_files_and_resumes_where_it_stopped(tmp_path, monkeypatch):
    out = tmp_path / "rec"
    ids = ids_of("upheal", 5)
    real_write = recording.write_interaction
    written = []

    def write_then_crash(folder, interaction, masker):
        if len(written) == 3:
            raise KeyboardInterrupt  # the user's Ctrl-C, between two answers
        written.append(real_write(folder, interaction, masker))
        return written[-1]

    monkeypatch.setattr(recording, "write_interaction", write_then_crash)
    with pytest.raises(KeyboardInterrupt):
        record("upheal", ids, EMBEDDED, out)
    assert len(recordings(out)) == 3 and all(read_interaction(p) for p in recordings(out))
    (out / ".upheal--getSessionData--x.json.abc123.tmp").write_text('{"format": "contractg')  # a killed write
    monkeypatch.setattr(recording, "write_interaction", real_write)
    result = record("upheal", ids, EMBEDDED, out)
    assert (result.already, len(result.written)) == (3, 3)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in recordings(out))  # no leftover
    assert sorted(i.request.path.rsplit("/", 1)[1] for i in load_folder(out).interactions) == sorted(ids)


def test_a_killed_record_process_resumes_to_one_file_per_id_and_no_canary_anywhere(tmp_path, monkeypatch, capsys):
    """The one test over loopback: the mock and `contractgate record` as real processes, the latter killed."""
    ids = ids_file(tmp_path, "asleep-v3", 9)
    out = tmp_path / "rec"
    env = {**CANARIES, "ASLEEP_USER_ID": LOCAL_DEFAULTS["ASLEEP_USER_ID"]}
    with running_mock(env=env) as mock:
        argv = ["record", "--api", "asleep-v3", "--ids", str(ids), "--target", mock.origin, "--out", str(out),
                "--rate", "4"]
        process = subprocess.Popen([sys.executable, "-m", "contractgate", *argv], env={**os.environ, **env},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while len(recordings(out) if out.exists() else []) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=10)
        done = recordings(out)
        assert 3 <= len(done) < 10, "the run was not interrupted half-way"
        assert all(read_interaction(p).response.status in (200, 404) for p in done)  # every visible file is whole
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code, stdout, err = run(capsys, *argv, "--rate", "50")
    assert (code, err) == (0, "")
    assert f"10 ids, {len(done)} already recorded, {10 - len(done)} new" in stdout
    loaded = load_folder(out)
    assert loaded.errors == () and len(loaded.interactions) == len(recordings(out)) == 10
    assert {i.request.path.rsplit("/", 1)[1] for i in loaded.interactions} == set(ids.read_text().split())
    assert {i.response.status for i in loaded.interactions} == {200, 404}  # the canary key was accepted
    assert leaked(tmp_path) == [] and not any(v in stdout for v in CANARIES.values())


def test_configured_headers_and_query_parameters_are_masked_before_the_disk(tmp_path, capsys, monkeypatch):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    code, _, err = run(capsys, "record", "--api", "emogg", "--ids", ids_file(tmp_path, "emogg", 2), "--out",
                       tmp_path / "rec", "--header", "x-trace: trace-secret-4455", "--header", "x-team: blue",
                       "--query", "sig=query-secret-9911", "--query", "view=full", "--mask-header", "x-trace",
                       "--mask-query", "sig")
    assert (code, err) == (0, "")
    [first, *_] = load_folder(tmp_path / "rec").interactions
    assert first.request.path.endswith("?sig=***&view=full")
    assert first.request.headers == {"Authorization": "Bearer ***", "x-trace": "***", "x-team": "blue"}
    files = b"".join(p.read_bytes() for p in (tmp_path / "rec").iterdir())
    assert b"trace-secret-4455" not in files and b"query-secret-9911" not in files
    assert leaked(tmp_path) == []


def test_ids_come_from_lines_or_a_json_list(tmp_path):
    lines = tmp_path / "ids.txt"
    lines.write_text("# tonight's sessions\n\n  a1  \nb2\n", encoding="utf-8")
    listed = tmp_path / "ids.json"
    listed.write_text('["a1", "b2"]', encoding="utf-8")
    assert read_ids(lines) == read_ids(listed) == ["a1", "b2"]
    for text, cause in (("", "no ids"), ("[1, 2]", "non-empty strings"), ("[oops", "not a JSON list")):
        listed.write_text(text, encoding="utf-8")
        with pytest.raises(ContractgateError, match=cause):
            read_ids(listed)


@pytest.fixture
def no_request(monkeypatch):
    """Fails the test if anything is sent to a remote target."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a request was sent")

    monkeypatch.setattr(PoliteSession, "request", refuse)


@pytest.mark.parametrize(("argv", "fragments"), [
    (["--api", "nope", "--sample", "2"], ("unknown API 'nope'",)),
    (["--api", "emogg", "--ids", "missing.txt"], ("missing.txt", "no such file")),
    (["--api", "emogg", "--ids", "ids.txt", "--sample", "2"], ("--ids FILE or --sample N",)),
    (["--api", "emogg"], ("--ids FILE or --sample N",)),
    (["--ids", "ids.txt"], ("--api is required",)),
    (["--api", "emogg", "--sample", "2", "--target", "live"], ("--sample", "--ids FILE")),
    (["--api", "emogg", "--ids", "ids.txt", "--target", "live"], ("EMOGG_API_TOKEN", "no request was sent")),
    (["--api", "upheal", "--ids", "ids.txt", "--target", "https://staging.example"], ("UPHEAL_API_KEY",)),
    (["--api", "emogg", "--ids", "ids.txt", "--target", "ftp://x"], ("--target must be",)),
    (["--api", "emogg", "--ids", "ids.txt", "--target", "http://127.0.0.1:9", "--profile", "type-change"],
     ("--profile applies to the embedded mock",)),
    (["--api", "emogg", "--ids", "ids.txt", "--profile", "nope"], ("nope",)),
    (["--api", "asleep-v1-callback", "--sample", "2"], ("webhook", "contractgate receive", "--from-receiver")),
    (["--api", "emogg", "--ids", "ids.txt", "--header", "no-colon"], ("'NAME: VALUE'",)),
    (["--from-receiver", "store", "--api", "emogg"], ("--from-receiver",)),
])
def test_bad_input_is_one_line_and_exit_2_with_nothing_sent_or_written(tmp_path, capsys, monkeypatch, no_request,
                                                                       argv, fragments):
    for name in (*CANARIES, "ASLEEP_USER_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ids.txt").write_text("65ea1530bb50af72b6e3dc1e\n", encoding="utf-8")
    code, out, err = run(capsys, "record", *argv, "--out", tmp_path / "rec")
    assert (code, out) == (2, "")
    one_error_line(err, *fragments)
    assert not (tmp_path / "rec").exists()


def test_a_receiver_store_becomes_webhook_recordings_once(tmp_path, capsys):
    store = Store(tmp_path / "store")
    bodies = callbacks.inference_callbacks(a_nap())[:3]
    for n, body in enumerate(bodies):
        key = delivery_key(canonical(body))
        meta = {"key": key, "outcome": "accepted", "api": "asleep-v1-callback", "operation": "sessionCallback",
                "received_at": f"2024-03-11T08:00:0{n}.000000Z", "bytes": 1, "status": 200, "violations": [],
                "headers": {"x-api-key": "***", "content-type": "application/json"}}
        store.put("accepted", key, orjson.dumps(body), orjson.dumps(meta))
    store.put("rejected", "f" * 64, b"not json", orjson.dumps({"status": 400}))
    argv = ["record", "--from-receiver", tmp_path / "store", "--out", tmp_path / "rec"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "0 already converted, 3 new (200: 3); 1 entries without JSON body" in out
    loaded = load_folder(tmp_path / "rec")
    assert sorted((i.kind, i.request.path, i.status) for i in loaded.interactions) == [
        ("webhook", "/asleep-v1-callback", None)] * 3
    # Each delivery's user_id is pseudonymized, the rest kept as delivered.
    assert {i.payload["callback_data"]["user_id"] for i in loaded.interactions} == {pseudonym(USER)}
    shared = [{**b, "callback_data": {**b["callback_data"], "user_id": pseudonym(USER)}} for b in bodies]
    assert sorted(canonical(i.payload) for i in loaded.interactions) == sorted(canonical(b) for b in shared)
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "3 already converted, 0 new" in out
    assert len(load_folder(tmp_path / "rec").interactions) == 3
    [group] = observe_folder(tmp_path / "rec").groups  # the webhook's contract is its request body's
    assert (group.location, group.interactions, group.schema_failures, group.undocumented) == (
        "webhook request body", 3, 0, ())


def test_a_target_that_stops_answering_stops_the_run_with_a_resume_hint(tmp_path):
    with pytest.raises(ContractgateError, match=r"no answer .*run the same command again to resume"):
        record("emogg", ids_of("emogg", 1), Target.parse("http://127.0.0.1:9"), tmp_path / "rec",
               RecordOptions(timeout=2))


@pytest.mark.parametrize(("session_id", "shown"), [
    ("20240310220000_ab12c", "20240310220000_ab12c-"), ('s3cr/et + key="x"%', ""), ("an id with spaces", "")])
def test_a_file_name_holds_a_plain_id_or_else_only_a_hash(tmp_path, session_id, shown):
    """A secret in a path (here: used as a session id) is masked before the name is made; a segment that is not
    plain is hashed, never rewritten into the name, so a form of it the masker missed cannot reach the disk."""
    masker = Masker().with_values('s3cr/et + key="x"%')
    request = Request("GET", f"/data/v3/sessions/{quote(session_id, safe='')}?key={quote(session_id, safe='')}")
    interaction = Interaction("asleep-v3", "getSession", request, Response(404), "2024-03-11T08:00:03.120+00:00")
    name = write_interaction(tmp_path, interaction, masker).name
    assert re.fullmatch(rf"asleep-v3--getSession--{re.escape(shown)}[0-9a-f]{{8}}\.json", name), name
