from __future__ import annotations

import pytest

from contractgate.errors import InputError
from contractgate.payload import read_payload


@pytest.mark.parametrize(
    ("setup", "cause"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_bytes(b"  \n"), "empty file (only white space)"),
        (lambda p: p.write_bytes(b"{not json"), "not JSON"),
        (lambda p: p.write_bytes(b'{"a": "\xff\xfe"}'), "not valid UTF-8 (byte 7)"),
        (lambda p: p.write_bytes(b"[" * 100_000 + b"]" * 100_000), "JSON nested deeper than 128 levels"),
        (lambda p: p.write_bytes(b'{"a": NaN}'), "not JSON"),
    ],
    ids=["missing", "folder", "empty", "blank", "not-json", "bad-utf8", "deep", "nan"],
)
def test_unfit_files_raise_one_input_error_naming_the_cause(tmp_path, setup, cause):
    path = tmp_path / "payload.json"
    setup(path)
    with pytest.raises(InputError) as info:
        read_payload(path)
    assert info.value.file == str(path)
    assert info.value.cause.startswith(cause)
    assert "\n" not in str(info.value)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(InputError, match=r"file is 50.0 MB, over the 10.0 MB limit"):
        read_payload(path)


def test_a_custom_limit_applies(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"a": 1}')
    with pytest.raises(InputError, match="over the 4 bytes limit"):
        read_payload(path, max_bytes=4)
    assert read_payload(path, max_bytes=8) == {"a": 1}
