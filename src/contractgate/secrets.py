"""Credentials and personal identifiers: read from the environment, never written anywhere as they are.

Everything that leaves the process (output, logs, recordings, reports) goes through :meth:`Masker.text` /
:meth:`Masker.headers` / :meth:`Masker.value` first. A secret is masked in every encoding it can take on the
way out (raw, percent-encoded, JSON- and HTML-escaped, base64). Artifacts meant to be shared (recordings,
drift, observed, diff and audit reports) also replace personal identifiers (the ``x-user-id`` header, payload
``user_id`` fields, the values of the catalog's ``identifiers`` variables) by a keyed pseudonym: the same
value gets the same pseudonym everywhere, so two reports still compare, and the value itself is not shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, quote_plus

from contractgate.catalog import Catalog, load_catalog

MASK = "***"
#: Header names whose values are always credentials, whatever their value.
SENSITIVE_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
    "x-upheal-signature",
})
#: Shorter values are not masked inside free text: masking "a" would shred every message.
MIN_SECRET_LENGTH = 4
#: Header names and JSON keys whose (string) values identify a person, whatever their value.
IDENTIFIER_KEYS = frozenset({"x-user-id", "user_id"})
#: The key of the pseudonyms' HMAC. Without it, DEFAULT_PSEUDONYM_KEY applies.
PSEUDONYM_KEY_ENV = "CONTRACTGATE_PSEUDONYM_KEY"
#: The same for every installation, and so public: pseudonyms made with it compare across machines, but
#: whoever can guess an identifier can confirm it. Set CONTRACTGATE_PSEUDONYM_KEY to keep that to key holders.
DEFAULT_PSEUDONYM_KEY = "contractgate-default-pseudonym-key/1"
PSEUDONYM_PREFIX = "user-"
_PSEUDONYM = re.compile(rf"{PSEUDONYM_PREFIX}[0-9a-f]{{12}}")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
_NUMBERS = (int, float, bool, type(None))


#: The mock's local credentials and identifiers, kept here because they are masked like real ones: environment
#: variable -> the value the mock accepts when the variable is unset (documented in docs/mock.md).
LOCAL_DEFAULTS = {
    "ASLEEP_API_KEY": "mock-asleep-key",
    "ASLEEP_USER_ID": "G-20240101000000-MockUserMockUserMock",
    "UPHEAL_API_KEY": "mock-upheal-key",
    "EMOGG_API_TOKEN": "mock-emogg-token",
}


def pseudonym_key() -> bytes:
    """$CONTRACTGATE_PSEUDONYM_KEY, else the documented installation-wide default."""
    return (os.environ.get(PSEUDONYM_KEY_ENV) or DEFAULT_PSEUDONYM_KEY).encode()


def pseudonym(value: str, key: bytes | None = None) -> str:
    """``user-`` and the first 12 hex digits of HMAC-SHA256(key, value); a pseudonym is kept as it is, so that
    pseudonymizing an artifact made of pseudonymized recordings changes nothing."""
    if _PSEUDONYM.fullmatch(value):
        return value
    digest = hmac.new(pseudonym_key() if key is None else key, value.encode("utf-8", "surrogateescape"),
                      hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:12]


def encodings(value: str) -> frozenset[str]:
    """Every form ``value`` may take in an artifact: raw; JSON-escaped (ASCII-only or not); HTML-escaped, of the
    raw and of the JSON-escaped form (a JSON body shown in a page); percent-encoded as ``quote`` and
    ``quote_plus`` do with and without ``/`` kept, upper- and lower-case hex; base64, standard and URL-safe,
    with and without padding. Base64 is of the whole value only: a substring's base64 depends on its offset."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms |= {html.escape(form, quote=q) for form in tuple(forms) for q in (True, False)}
    percent = {quote(value, safe=""), quote(value, safe="/"), quote_plus(value, safe=""), quote_plus(value, safe="/")}
    forms |= percent | {_PERCENT_ESCAPE.sub(lambda m: m.group(0).lower(), p) for p in percent}
    raw = value.encode("utf-8", "surrogateescape")
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms |= {encoded, encoded.rstrip("=")}
    return frozenset(f for f in forms if len(f) >= MIN_SECRET_LENGTH)


def _by_length(values: Iterable[str]) -> tuple[str, ...]:
    # Longest first, so that a value containing another is replaced whole; then by value, for a stable order.
    return tuple(sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=lambda v: (-len(v), v)))


Table = tuple[tuple[str, str], ...]  # (form to find, replacement), longest form first


def _table(replacements: Mapping[str, str]) -> Table:
    return tuple((form, replacements[form]) for form in _by_length(replacements))


@dataclass(frozen=True)
class Masker:
    """Replaces known secret values (and sensitive headers) with ``***``, in every encoding; with
    ``pseudonymize``, personal identifiers with their pseudonym too.

    ``pseudonymize`` is off by default because some outputs need the identifier itself (a gate's reproduction
    command, the receiver's store); an artifact meant to be shared turns it on (:meth:`sharing`).
    """

    secrets: tuple[str, ...] = field(default=(), repr=False)
    headers_to_mask: frozenset[str] = field(default=SENSITIVE_HEADERS)
    identifiers: tuple[str, ...] = field(default=(), repr=False)  # known identifier values (ASLEEP_USER_ID, ...)
    pseudonymize: bool = False
    key: bytes = field(default_factory=pseudonym_key, repr=False)
    # Precomputed once per Masker: the encodings of every value, the expensive part of masking.
    _secret_table: Table = field(init=False, repr=False, compare=False)
    _identifier_table: Table = field(init=False, repr=False, compare=False)
    _shared_table: Table = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        masks = {form: MASK for secret in self.secrets for form in encodings(secret)}
        pseudonyms = {form: pseudonym(value, self.key) for value in self.identifiers for form in encodings(value)}
        object.__setattr__(self, "_secret_table", _table(masks))
        object.__setattr__(self, "_identifier_table", _table(pseudonyms))
        # A value that is both a secret and an identifier is masked: a pseudonym is for what is not secret.
        object.__setattr__(self, "_shared_table", _table({**pseudonyms, **masks}))

    @classmethod
    def from_env(cls, catalog: Catalog | None = None, extra_env: Iterable[str] = (),
                 extra_headers: Iterable[str] = (), pseudonymize: bool = False) -> Masker:
        """Every credential the catalog names (plus ``extra_env``) that is set in the environment, and every
        identifier it names: its value in the environment and the mock's local default (sent to the mock)."""
        catalog = catalog or load_catalog()
        names = {name for api in catalog.apis.values() for name in api.secrets} | set(extra_env)
        identifier_names = {name for api in catalog.apis.values() for name in api.identifiers}
        identifiers = [os.environ.get(n, "") for n in identifier_names]
        identifiers += [LOCAL_DEFAULTS[n] for n in identifier_names if n in LOCAL_DEFAULTS]
        return cls(_by_length(os.environ.get(n, "") for n in names),
                   SENSITIVE_HEADERS | {h.lower() for h in extra_headers}, _by_length(identifiers), pseudonymize)

    def with_values(self, *values: str) -> Masker:
        """The same, masking ``values`` too."""
        return replace(self, secrets=_by_length((*self.secrets, *values)))

    def with_identifiers(self, *values: str) -> Masker:
        """The same, knowing ``values`` as identifiers too (replaced when pseudonymizing)."""
        return replace(self, identifiers=_by_length((*self.identifiers, *values)))

    def sharing(self, pseudonymize: bool = True) -> Masker:
        """The same, for artifacts meant to be shared: identifiers pseudonymized (``False``: kept)."""
        return self if self.pseudonymize == pseudonymize else replace(self, pseudonymize=pseudonymize)

    @staticmethod
    def _replace(text: str, table: Table) -> str:
        for form, replacement in table:
            if form in text:
                text = text.replace(form, replacement)
        return text

    def text(self, text: str) -> str:
        """Secrets masked in every encoding; with ``pseudonymize``, known identifiers replaced too."""
        return self._replace(text, self._shared_table if self.pseudonymize else self._secret_table)

    def pseudonym(self, value: str) -> str:
        return pseudonym(value, self.key)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy with sensitive headers masked (a Bearer scheme name is kept), identifier headers pseudonymized
        when pseudonymizing, and secrets masked elsewhere."""
        masked = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower in self.headers_to_mask:
                scheme = re.match(r"^(Bearer|Basic|Token)\s+", value, re.I)
                masked[name] = (scheme.group(0) if scheme else "") + MASK
            elif self.pseudonymize and lower in IDENTIFIER_KEYS and value:
                masked[name] = self.pseudonym(value)
            else:
                masked[name] = self.text(value)
        return masked

    def _walk(self, value: Any, name: str | None, table: Table, identifiers: bool) -> Any:
        if isinstance(value, str):
            if identifiers and name is not None and name.lower() in IDENTIFIER_KEYS and value:
                return self.pseudonym(value)
            return self._replace(value, table)
        if isinstance(value, list):
            # Sessions are long arrays of numbers: skipping them inline halves the time of a walk.
            return [v if type(v) in _NUMBERS else self._walk(v, None, table, identifiers) for v in value]
        if isinstance(value, dict):
            return {self._replace(k, table) if isinstance(k, str) else k: self._walk(v, k, table, identifiers)
                    for k, v in value.items()}
        return value

    def value(self, value: Any, name: str | None = None) -> Any:
        """A copy of a JSON value (a body, a change's old or new value) with secrets masked in every string and
        key; with ``pseudonymize``, identifiers too (:meth:`pseudonymize_identifiers`). ``name`` is the key the
        value is found under, when it is not the whole document (``user_id`` for ``/callback_data/user_id``)."""
        if self.pseudonymize:
            return self._walk(value, name, self._shared_table, True)
        return self._walk(value, None, self._secret_table, False) if self._secret_table else value

    def pseudonymize_identifiers(self, payload: Any, name: str | None = None) -> Any:
        """A copy of a JSON value with personal identifiers replaced by their pseudonym, whatever
        ``pseudonymize`` says: every string under a key named ``user_id`` or ``x-user-id`` (any case), and each
        known identifier value wherever it appears in a string. Secrets are left to :meth:`value`."""
        return self._walk(payload, name, self._identifier_table, True)
