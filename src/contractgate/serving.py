"""Listening sockets for the local servers (the mock, the webhook receiver)."""

from __future__ import annotations

import socket

from contractgate.errors import ContractgateError


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before the server starts, so that port 0 can print the port the system picked.

    The protocol is named explicitly: asyncio sets TCP_NODELAY only on sockets created with IPPROTO_TCP, and
    without it every small answer over loopback waits about 40 ms for the delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ContractgateError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(1024)
    return sock
