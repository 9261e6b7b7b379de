"""Canary credentials and a canary user id, each with ``/ + = & " %`` and spaces, planted in the environment;
then every command that writes a shareable artifact runs (record against the embedded mock and against the
mock as a process on loopback, record from a receiver store, observed, diff, drift, audit), and every file it
wrote and every line it printed is searched for each canary in every encoding the masker promises to catch.

The gate (``contractgate run``) has its own canary test.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from contractgate.mock import callbacks
from contractgate.receiver.store import Store, canonical, delivery_key
from contractgate.recordings import load_folder
from contractgate.secrets import pseudonym
from tests.receiver.conftest import a_nap
from tests.recordings.conftest import REST_APIS, ids_file, run
from tests.support import running_mock
from tests.test_secrets import every_encoding

KEYS = {
    "ASLEEP_API_KEY": 'asleep/key+1=2&"three" %4 five',
    "UPHEAL_API_KEY": "upheal key/with+plus=and&amp%25 pct",
    "EMOGG_API_TOKEN": 'emogg&token "q"/+= % z',
}
USER = 'G-20240311000000-Canary+User/=&"% id'
CANARIES = {**KEYS, "ASLEEP_USER_ID": USER}
#: Passed in a query too, unmasked on purpose: the masker must still know the key in its percent-encoded form.
QUERY = ("--query", f"key={KEYS['ASLEEP_API_KEY']}", "--query", f"user={USER}")


def found(text: str | bytes, values: dict[str, str]) -> list[str]:
    """``name (encoding)`` of each value found in ``text`` in any of its encodings."""
    data = text.encode() if isinstance(text, str) else text
    return [f"{name} ({form})" for name, value in values.items()
            for form, encoded in every_encoding(value).items() if encoded.encode() in data]


def leaks(root: Path, values: dict[str, str], skip: tuple[Path, ...] = ()) -> list[str]:
    """``file: name (encoding)`` for every file below ``root`` holding a value; file names are searched too."""
    out = []
    for path in sorted(root.rglob("*")):
        if any(path.is_relative_to(s) for s in skip):
            continue
        where = str(path.relative_to(root))
        out += [f"{where}: {hit} in its name" for hit in found(where, values)]
        if path.is_file():
            out += [f"{where}: {hit}" for hit in found(path.read_bytes(), values)]
    return out


def receiver_store(root: Path) -> Path:
    """A store as a receiver keeps it, holding the canaries where a careless sender would put them."""
    store = Store(root)
    for n, body in enumerate(callbacks.inference_callbacks(a_nap(), user_id=USER)[:3]):
        body["note"] = f"echoed key: {KEYS['ASLEEP_API_KEY']}"
        meta = {"key": delivery_key(canonical(body)), "outcome": "accepted", "api": "asleep-v1-callback",
                "operation": "sessionCallback", "received_at": f"2024-03-11T08:00:0{n}.000000Z", "bytes": 1,
                "status": 200, "violations": [],
                "headers": {"x-api-key": "***", "x-user-id": USER, "content-type": "application/json"}}
        store.put("accepted", meta["key"], orjson.dumps(body), orjson.dumps(meta))
    return root


@pytest.fixture
def planted(monkeypatch):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def test_no_canary_in_any_encoding_in_any_artifact_or_output(planted, tmp_path, capsys):
    work, inputs = tmp_path / "work", tmp_path / "inputs"  # inputs: the ids files and the store we planted
    inputs.mkdir()
    printed: list[str] = []

    def cli(*argv: object, ok: tuple[int, ...] = (0,)) -> None:
        code, out, err = run(capsys, *argv)
        printed.extend((out, err))
        assert code in ok, (argv, code, out, err)

    ids = {api_id: ids_file(inputs, api_id, 3) for api_id in REST_APIS}
    for api_id in REST_APIS:
        cli("record", "--api", api_id, "--ids", ids[api_id], "--out", work / "embedded" / api_id, *QUERY)
    cli("record", "--api", "asleep-v3", "--ids", ids["asleep-v3"], "--out", work / "kept" / "asleep-v3",
        "--keep-identifiers", *QUERY)
    with running_mock(env=CANARIES) as mock:
        for api_id in REST_APIS:
            cli("record", "--api", api_id, "--ids", ids[api_id], "--target", mock.origin, "--rate", "50",
                "--out", work / "loopback" / api_id, *QUERY)
    store = receiver_store(inputs / "store")
    cli("record", "--from-receiver", store, "--out", work / "hooks")
    cli("record", "--from-receiver", store, "--out", work / "hooks-kept", "--keep-identifiers")

    for api_id in REST_APIS:
        # The canary keys were accepted: the recordings hold the mock's sessions, not 401s.
        statuses = {i.response.status for i in load_folder(work / "loopback" / api_id).interactions}
        assert statuses == ({400} if api_id == "asleep-v3" else {200, 404}), (api_id, statuses)  # USER: malformed
    hooks = load_folder(work / "hooks").interactions
    assert {i.payload["callback_data"]["user_id"] for i in hooks} == {pseudonym(USER)}
    assert {i.request.headers["x-user-id"] for i in hooks} == {pseudonym(USER)}

    folders = [work / "embedded" / a for a in REST_APIS] + [work / "hooks"]
    for fmt in ("text", "md", "html", "json"):
        for folder in folders:
            cli("observed", folder, "--format", fmt)
            cli("observed", folder, "--format", fmt, "--out", work / "observed" / f"{folder.name}.{fmt}")
        for api_id in REST_APIS:
            cli("diff", work / "embedded" / api_id, work / "loopback" / api_id, "--format", fmt, ok=(0, 1))
        # user_id changes from the kept value to its pseudonym: the diff shows both sides, pseudonymized.
        cli("diff", work / "hooks-kept", work / "hooks", "--format", fmt, "--out", work / "diff" / f"hooks.{fmt}",
            ok=(0, 1))
        cli("diff", work / "kept" / "asleep-v3", work / "loopback" / "asleep-v3", "--format", fmt,
            "--out", work / "diff" / f"asleep-v3.{fmt}", ok=(0, 1))
    assert "user_id" in (work / "diff" / "hooks.json").read_text(encoding="utf-8")
    for api_id in REST_APIS:
        cli("drift", "--api", api_id, "--baseline", work / "embedded" / api_id, "--report-dir", work / "reports",
            "--profile", "type-change", *QUERY, ok=(0, 1))
    cli("drift", "--api", "asleep-v3", "--baseline", work / "kept" / "asleep-v3", "--report-dir", work / "kept-drift",
        *QUERY, ok=(0, 1))
    cli("audit", "--out", work / "audit", "--mock-pairs", "2", "--recordings", work / "hooks-kept", work / "hooks")

    kept = (work / "kept", work / "hooks-kept")  # recordings asked to keep identifiers: keys only
    assert leaks(work, KEYS) == []
    assert leaks(work, {"ASLEEP_USER_ID": USER}, skip=kept) == []
    assert [hit for text in printed for hit in found(text, CANARIES)] == []
    # The searches above looked at real artifacts: the kept recordings hold the id, the reports exist.
    assert {i.request.headers["x-user-id"] for i in load_folder(work / "kept" / "asleep-v3").interactions} == {USER}
    assert len(list((work / "reports" / "drift").glob("*.json"))) == len(REST_APIS)
    assert len(list((work / "kept-drift" / "drift").glob("*.html"))) == 1
