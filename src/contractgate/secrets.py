"""Credentials: read from the environment, never written anywhere. Everything that leaves the process
(output, logs, recordings, reports) goes through :func:`Masker.text` / :func:`Masker.headers` first.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contractgate.catalog import Catalog, load_catalog

MASK = "***"
#: Header names whose values are always credentials, whatever their value.
SENSITIVE_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
    "x-upheal-signature",
})
#: Shorter values are not masked inside free text: masking "a" would shred every message.
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True)
class Masker:
    """Replaces known secret values (and sensitive headers) with ``***``."""

    secrets: tuple[str, ...] = ()
    headers_to_mask: frozenset[str] = field(default=SENSITIVE_HEADERS)

    @classmethod
    def from_env(cls, catalog: Catalog | None = None, extra_env: Iterable[str] = (),
                 extra_headers: Iterable[str] = ()) -> Masker:
        """Every credential the catalog names (plus ``extra_env``) that is set in the environment."""
        catalog = catalog or load_catalog()
        names = {name for api in catalog.apis.values() for name in api.secrets} | set(extra_env)
        values = {os.environ[n] for n in names if len(os.environ.get(n, "")) >= MIN_SECRET_LENGTH}
        # Longest first, so that a secret containing another is masked whole.
        return cls(tuple(sorted(values, key=len, reverse=True)),
                   SENSITIVE_HEADERS | {h.lower() for h in extra_headers})

    def with_values(self, *values: str) -> Masker:
        merged = {*self.secrets, *(v for v in values if len(v) >= MIN_SECRET_LENGTH)}
        return Masker(tuple(sorted(merged, key=len, reverse=True)), self.headers_to_mask)

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
            # Inside JSON text a secret with a quote or a backslash appears escaped.
            escaped = json.dumps(secret)[1:-1]
            if escaped != secret:
                text = text.replace(escaped, MASK)
        return text

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy with sensitive headers masked (a Bearer scheme name is kept) and secrets masked elsewhere."""
        masked = {}
        for name, value in headers.items():
            if name.lower() in self.headers_to_mask:
                scheme = re.match(r"^(Bearer|Basic|Token)\s+", value, re.I)
                masked[name] = (scheme.group(0) if scheme else "") + MASK
            else:
                masked[name] = self.text(value)
        return masked
