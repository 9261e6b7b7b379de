"""``contractgate receive`` refuses bad arguments with one line and exit code 2, before anything listens."""

from __future__ import annotations

import socket

import pytest

from contractgate.cli import main
from contractgate.cli.receive import _require_loopback_host
from contractgate.errors import ContractgateError

RECEIVE = ["receive", "--api", "asleep-v1-callback"]


@pytest.mark.parametrize(("args", "message"), [
    (["receive"], "Missing option '--api'"),
    (["receive", "--api", "nope"], "unknown API 'nope' (known: asleep-v1-callback, asleep-v3, emogg, upheal)"),
    (["receive", "--api", "asleep-v3"], "cannot receive 'asleep-v3': it is not a webhook (webhooks: "
                                        "asleep-v1-callback)"),
    ([*RECEIVE, "--host", "0.0.0.0"], "--host 0.0.0.0 is not a loopback address (127.0.0.0/8, ::1, localhost); "
                                      "pass --allow-non-loopback to listen where other machines can reach it"),
    ([*RECEIVE, "--host", "192.168.1.20"], "--host 192.168.1.20 is not a loopback address"),
    ([*RECEIVE, "--host", "example.com"], "--host example.com is not a loopback address"),
    ([*RECEIVE, "--port", "70000"], "Invalid value for '--port'"),
    ([*RECEIVE, "--max-bytes", "0"], "Invalid value for '--max-bytes'"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("contractgate: error: ") and message in err
    assert err.count("\n") == 1


def test_a_store_that_is_a_file_is_exit_2(tmp_path, capsys):
    (tmp_path / "store").write_text("not a folder")
    assert main([*RECEIVE, "--port", "0", "--store", str(tmp_path / "store")]) == 2
    assert capsys.readouterr().err == f"contractgate: error: store {tmp_path / 'store'}: not a folder (a file is in " \
                                      "the way)\n"


def test_a_port_in_use_is_exit_2(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([*RECEIVE, "--port", str(port), "--store", str(tmp_path / "store")]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_loopback_hosts_need_no_opt_in(host):
    _require_loopback_host(host)


def test_a_non_loopback_host_needs_the_opt_in():
    with pytest.raises(ContractgateError, match="--allow-non-loopback"):
        _require_loopback_host("::")
