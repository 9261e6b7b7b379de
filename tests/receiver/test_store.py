"""The durable store: atomic files, one per delivery, and nothing half-written after a crash or a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contractgate.errors import ContractgateError
from contractgate.receiver import store as store_module
from contractgate.receiver.store import Store, canonical, delivery_key

BODY = b'{"callback_event": "SESSION_COMPLETE", "callback_data": {}}'
META = b'{"status": 200}'


def visible(root: Path) -> list[str]:
    """What a reader of the store sees: every file, hidden ones (temporary files) included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_delivery_is_stored_with_its_metadata_and_a_retry_is_not_stored_again(tmp_path):
    store = Store(tmp_path)
    assert store.put("accepted", "k1", BODY, META) is True
    assert store.put("accepted", "k1", b'{"changed": 1}', b'{"status": 201}') is False
    assert (tmp_path / "accepted" / "k1.json").read_bytes() == BODY  # the first delivery wins
    assert (tmp_path / "accepted" / "meta" / "k1.json").read_bytes() == META
    assert visible(tmp_path) == ["accepted/k1.json", "accepted/meta/k1.json"]


def test_the_key_is_the_same_for_a_re_serialised_body():
    one = json.loads('{"b": [1, 2.5, {"y": null, "x": "é"}], "a": true}')
    other = json.loads('{ "a" : true,\n "b" : [1, 2.50, {"x": "\\u00e9", "y": null}] }')
    assert delivery_key(canonical(one)) == delivery_key(canonical(other))
    assert delivery_key(canonical(one)) != delivery_key(canonical({**one, "a": False}))


def test_concurrent_deliveries_of_one_body_store_it_exactly_once(tmp_path):
    store = Store(tmp_path)
    with ThreadPoolExecutor(16) as pool:
        created = list(pool.map(lambda n: store.put("accepted", "same", BODY, META), range(64)))
    assert created.count(True) == 1
    assert visible(tmp_path) == ["accepted/meta/same.json", "accepted/same.json"]


def test_a_failure_inside_the_write_leaves_nothing_visible_and_the_next_write_works(tmp_path, monkeypatch):
    store = Store(tmp_path)
    real_fsync = os.fsync
    seen = []

    def failing_fsync(fd: int) -> None:
        seen.append(visible(tmp_path))  # the temporary file exists, the body is written, not yet published
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store_module.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        store.put("accepted", "k1", BODY, META)
    assert [name.startswith("accepted/.k1.json.") and name.endswith(".tmp") for name in seen[0]] == [True]
    assert visible(tmp_path) == []
    monkeypatch.setattr(store_module.os, "fsync", real_fsync)
    assert store.put("accepted", "k1", BODY, META) is True
    assert visible(tmp_path) == ["accepted/k1.json", "accepted/meta/k1.json"]


def _killed_at(tmp_path: Path, patch: str) -> None:
    """Run a store write in a process that dies (no clean-up runs) at the patched call."""
    code = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from contractgate.receiver import store
        {patch}
        store.Store(Path({str(tmp_path)!r})).put("accepted", "k1", {BODY!r}, {META!r})
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == 9, result.stderr


def test_a_process_killed_before_publishing_leaves_only_a_hidden_temporary_file(tmp_path):
    _killed_at(tmp_path, "os.link = lambda *args: os._exit(9)")
    [leftover] = visible(tmp_path)
    assert leftover.startswith("accepted/.k1.json.")
    assert list((tmp_path / "accepted").glob("*.json")) == []  # `validate STORE/accepted/*.json` sees nothing
    store = Store(tmp_path)  # reopening removes it
    assert visible(tmp_path) == []
    assert store.put("accepted", "k1", BODY, META) is True


def test_a_process_killed_between_body_and_metadata_is_completed_by_the_senders_retry(tmp_path):
    _killed_at(tmp_path, "store.write_bytes_atomic = lambda *args: os._exit(9)")
    assert visible(tmp_path) == ["accepted/k1.json"]
    assert Store(tmp_path).put("accepted", "k1", BODY, META) is False  # stored once: the retry is a duplicate
    assert visible(tmp_path) == ["accepted/k1.json", "accepted/meta/k1.json"]


def test_a_store_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ContractgateError, match="not a folder"):
        Store(tmp_path / "file")
    with pytest.raises(ContractgateError, match="not a folder"):
        Store(tmp_path / "file" / "below")
