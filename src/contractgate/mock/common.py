"""What the three vendor modules share: a reply, the accepted credentials, and the shape of a mocked API."""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contractgate.secrets import LOCAL_DEFAULTS

#: Every answer of the mock carries this header, so that the gate can tell it from a real server on loopback
#: (only the mock is trusted with undocumented methods and its local default credentials).
MOCK_SIGNATURE_HEADER = "x-contractgate-mock"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer before serialisation: the body is JSON data."""

    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, repr=False)  # repr=False: a credential must never reach a log line
class Credentials:
    asleep_api_key: str
    asleep_user_id: str
    upheal_api_key: str
    emogg_token: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return env.get(name) or LOCAL_DEFAULTS[name]

        return cls(get("ASLEEP_API_KEY"), get("ASLEEP_USER_ID"), get("UPHEAL_API_KEY"), get("EMOGG_API_TOKEN"))

    def __repr__(self) -> str:
        return "Credentials(...)"


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison; header values may hold any character, so compare bytes."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


#: A mocked REST API: ``respond(session_id, headers, seed, credentials)`` gets the request headers it
#: declares in ``headers`` (absent ones as None); ``error(status, message)`` is its error body, used by
#: the behaviour profiles (429, 5xx).
Responder = Callable[[str, Mapping[str, str | None], int, Credentials], Reply]


@dataclass(frozen=True)
class VendorApi:
    api_id: str
    headers: tuple[str, ...]
    respond: Responder
    error: Callable[[int, str], Reply]
