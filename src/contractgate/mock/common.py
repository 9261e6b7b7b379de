"""What the vendor modules share: a reply, the accepted credentials, and the shape of a mocked API or webhook.

A vendor module (named by its catalog entry's ``mock``) defines ``API``: a :class:`VendorApi` for a REST API,
a :class:`WebhookMock` for a webhook. The mock, the gate, the receiver and the audit find it through
``contractgate.mock.registry``, never by name.
"""

from __future__ import annotations

import hmac
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contractgate.catalog import Api, load_catalog
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


def credential_variables(api: Api) -> tuple[str, ...]:
    """The environment variables ``api`` authenticates with, in the catalog's order."""
    auth = api.auth
    named = [auth["token"]] if auth.get("scheme") == "bearer" else list(auth.get("headers", {}).values())
    return tuple(dict.fromkeys([*named, *api.secrets, *api.identifiers]))


@dataclass(frozen=True, repr=False)  # repr=False: a credential must never reach a log line
class Credentials:
    """What the mock and the receiver accept: environment variable -> value ("" when unset and no default)."""

    values: Mapping[str, str]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        names = dict.fromkeys([*LOCAL_DEFAULTS, *(v for api in load_catalog().apis.values()
                                                  for v in credential_variables(api))])
        return cls({name: env.get(name) or LOCAL_DEFAULTS.get(name, "") for name in names})

    def __getitem__(self, variable: str) -> str:
        return self.values.get(variable) or ""

    # The Asleep values by name, for callers written before the mapping.
    @property
    def asleep_api_key(self) -> str:
        return self["ASLEEP_API_KEY"]

    @property
    def asleep_user_id(self) -> str:
        return self["ASLEEP_USER_ID"]

    def __repr__(self) -> str:
        return "Credentials(...)"


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison; header values may hold any character, so compare bytes."""
    # An unset credential with no local default accepts nothing, not the empty string.
    return given is not None and bool(expected) and hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                                                         expected.encode())


#: A mocked REST API: ``respond(session_id, headers, seed, credentials)`` gets the request headers it
#: declares in ``headers`` (absent ones as None); ``error(status, message)`` is its error body, used by
#: the behaviour profiles (429, 5xx); ``sample_id(created, rng)`` draws a well-formed id of a session
#: created at ``created`` (``ids.sample_ids``: the ids tests, the gate and benchmarks ask for).
Responder = Callable[[str, Mapping[str, str | None], int, Credentials], Reply]


@dataclass(frozen=True)
class VendorApi:
    api_id: str
    headers: tuple[str, ...]
    respond: Responder
    error: Callable[[int, str], Reply]
    sample_id: Callable[[datetime, random.Random], str]


@dataclass(frozen=True)
class WebhookMock:
    """A mocked webhook: the bodies the vendor would push, generated in-process.

    ``sample(count, seed)``: up to ``count`` bodies of each event, each from another session, replayable by seed
    (the gate's webhook check). ``pairs(count, seed)``: for the vendor-change audit, the webhook's and the REST
    API's bodies of the same sessions (empty when there is no REST counterpart).
    """

    api_id: str
    sample: Callable[[int, int], Sequence[Any]]
    # (label, webhook body, REST body): vendor_changes.PayloadPair, which this layer does not import.
    pairs: Callable[[int, int], Sequence[tuple[str, Any, Any]]] = lambda _count, _seed: ()
