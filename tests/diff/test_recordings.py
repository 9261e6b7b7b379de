"""The recording format: documents, file names, masking, the folder loader and matching."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from contractgate.errors import ContractgateError, InputError
from contractgate.recordings import (
    FORMAT,
    Interaction,
    Request,
    Response,
    file_name,
    load_folder,
    match,
    read_interaction,
    write_interaction,
)
from contractgate.secrets import Masker
from tests.diff.conftest import NEW_TIME, OLD_TIME, delivery, interaction, write_folder

BODY = {"detail": "OK"}


def test_a_written_recording_reads_back_with_credentials_masked(tmp_path):
    original = Interaction("asleep-v3", "getSession",
                           Request("GET", "/data/v3/sessions/s1?key=sekret-value",
                                   {"x-api-key": "abc", "Authorization": "Bearer tok123", "x-user-id": "u"}),
                           Response(200, {"set-cookie": "a=b", "x-note": "has sekret-value inside"}, BODY),
                           "2024-03-11T08:00:03.120+00:00", elapsed_ms=182.5)
    path = write_interaction(tmp_path, original, Masker(("sekret-value",)))
    doc = json.loads(path.read_text())
    assert doc["format"] == FORMAT and set(doc) == {
        "format", "api", "operation", "kind", "request", "response", "elapsed_ms", "recorded_at"}
    assert "body" not in doc["request"]
    back = read_interaction(path)
    assert back.file == str(path)
    assert back.request.path == "/data/v3/sessions/s1?key=***"
    assert back.request.headers == {"x-api-key": "***", "Authorization": "Bearer ***", "x-user-id": "u"}
    assert back.response.headers == {"set-cookie": "***", "x-note": "has *** inside"}
    assert (back.response.body, back.elapsed_ms, back.kind) == (BODY, 182.5, "rest")
    assert (back.payload, back.status) == (BODY, 200)


def test_a_webhook_recording_carries_the_delivered_payload_in_the_request(tmp_path):
    path = write_interaction(tmp_path, delivery(BODY, receiver_status=500), Masker())
    back = read_interaction(path)
    assert (back.kind, back.payload, back.status) == ("webhook", BODY, None)


def test_file_names_derive_from_the_request_and_repeat_with_a_counter(tmp_path):
    first = interaction("20240310220000_ab12c", BODY)
    name = file_name(first)
    assert name.startswith("asleep-v3--getSession--20240310220000_ab12c-") and name.endswith(".json")
    assert file_name(replace(first, recorded_at=NEW_TIME)) == name
    assert file_name(interaction("other", BODY)) != name
    paths = [write_interaction(tmp_path, first, Masker()) for _ in range(3)]
    assert [p.name for p in paths] == [name, name.replace(".json", "--2.json"), name.replace(".json", "--3.json")]
    root = replace(first, request=Request("GET", "/"))
    assert re.fullmatch(r"asleep-v3--getSession--[0-9a-f]{8}\.json", file_name(root))


VALID = {"format": FORMAT, "api": "asleep-v3", "operation": "getSession",
         "request": {"method": "get", "path": "/s/1", "headers": {}},
         "response": {"status": 200, "headers": {}, "body": BODY}, "recorded_at": OLD_TIME}

BAD_DOCUMENTS = {
    "other-version.json": ({**VALID, "format": "contractgate-recording/2"}, "unsupported format"),
    "unknown-key.json": ({**VALID, "comment": "x"}, "unknown document keys ['comment']"),
    "missing-key.json": ({k: v for k, v in VALID.items() if k != "api"}, "document lacks ['api']"),
    "bad-status.json": ({**VALID, "response": {"status": "200", "headers": {}}}, "response.status must be"),
    "bad-headers.json": ({**VALID, "request": {**VALID["request"], "headers": {"a": 1}}}, "request.headers must"),
    "relative-path.json": ({**VALID, "request": {**VALID["request"], "path": "s/1"}}, "must start with '/'"),
    "no-offset.json": ({**VALID, "recorded_at": "2024-03-01T08:00:00"}, "UTC offset"),
    "webhook-without-body.json": ({**VALID, "kind": "webhook"}, "needs request.body"),
    "bad-kind.json": ({**VALID, "kind": "grpc"}, "kind must be"),
    "bad-elapsed.json": ({**VALID, "elapsed_ms": -1}, "elapsed_ms must be"),
    "not-an-object.json": ([VALID], "document is not an object"),
}


def test_the_loader_reads_every_good_file_and_reports_each_bad_one_in_one_line(tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(VALID))
    for name, (doc, _) in BAD_DOCUMENTS.items():
        (folder / name).write_text(json.dumps(doc))
    (folder / "garbage.json").write_bytes(b"{not json")
    (folder / "empty.json").write_bytes(b"")
    (folder / ".unfinished.json").write_text("{")
    (folder / "README.md").write_text("notes")
    (folder / "sub").mkdir()
    (folder / "sub" / "nested.json").write_text(json.dumps(VALID))
    loaded = load_folder(folder)
    assert [i.file for i in loaded.interactions] == [str(folder / "good.json")]
    assert loaded.interactions[0].request.method == "GET"
    causes = {error.file.rsplit("/", 1)[-1]: error.cause for error in loaded.errors}
    assert set(causes) == {*BAD_DOCUMENTS, "garbage.json", "empty.json"}
    for name, (_, cause) in BAD_DOCUMENTS.items():
        assert cause in causes[name], name
        assert causes[name].startswith(f"not a {FORMAT} document: ")
    assert causes["garbage.json"].startswith("not JSON") and causes["empty.json"] == "empty file"
    assert all("\n" not in str(e) and isinstance(e, InputError) for e in loaded.errors)


def test_the_loader_refuses_what_is_not_a_folder(tmp_path):
    with pytest.raises(ContractgateError, match="no such folder"):
        load_folder(tmp_path / "missing")
    (tmp_path / "file.json").write_text("{}")
    with pytest.raises(ContractgateError, match="not a folder"):
        load_folder(tmp_path / "file.json")


def test_matching_by_request_pairs_repeats_in_recorded_order(tmp_path):
    early = interaction("s1", {"n": 1}, recorded_at="2024-03-01T08:00:00+00:00")
    late = interaction("s1", {"n": 2}, recorded_at="2024-03-01T09:00:00+00:00")
    other_api = interaction("s1", {"n": 3}, api="emogg")
    old = load_folder(write_folder(tmp_path / "old", [late, early, other_api, interaction("gone", BODY)]))
    new = load_folder(write_folder(tmp_path / "new", [interaction("s1", {"n": 9}, recorded_at=NEW_TIME),
                                                      interaction("fresh", BODY)]))
    matched = match(old.interactions, new.interactions)
    assert [(o.payload, n.payload) for o, n in matched.pairs] == [({"n": 1}, {"n": 9})]
    assert sorted(i.label + " " + i.api for i in matched.only_old) == [
        "GET /sessions/gone asleep-v3", "GET /sessions/s1 asleep-v3", "GET /sessions/s1 emogg"]
    assert [i.label for i in matched.only_new] == ["GET /sessions/fresh"]
