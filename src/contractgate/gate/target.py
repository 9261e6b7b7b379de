"""Where the gate sends its requests, and with which credentials.

``embedded`` is the mock's ASGI app in-process (no port); ``live`` is each vendor's documented base URL;
any other value is a base URL serving the vendors under the mock's prefixes (the mock over loopback, a
staging proxy). Credentials come from the environment variables the catalog names; only the mock, here or
on a loopback port, falls back to its documented local defaults.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from contractgate.catalog import Api, Catalog
from contractgate.errors import ContractgateError
from contractgate.mock.common import LOCAL_DEFAULTS

EMBEDDED = "embedded"
LIVE = "live"
#: Host name Schemathesis gives requests to an in-process ASGI app; it only shows in reproduction commands.
EMBEDDED_ORIGIN = "http://testserver"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Target:
    name: str  # "embedded", "live" or the URL given

    @classmethod
    def parse(cls, value: str) -> Target:
        if value in (EMBEDDED, LIVE):
            return cls(value)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ContractgateError(f"--target must be 'embedded', 'live' or an http(s) URL, got {value!r}")
        return cls(value.rstrip("/"))

    @property
    def embedded(self) -> bool:
        return self.name == EMBEDDED

    @property
    def local(self) -> bool:
        """The mock, in-process or on a loopback port: its documented default credentials apply."""
        if self.name == LIVE:
            return False
        return self.embedded or _is_loopback(urlsplit(self.name).hostname or "")

    def base_url(self, api: Api) -> str:
        if self.name == LIVE:
            if not api.live_base_url:
                raise ContractgateError(f"{api.id} has no live base URL in the catalog")
            return api.live_base_url.rstrip("/")
        origin = EMBEDDED_ORIGIN if self.embedded else self.name
        return origin + (api.mock_prefix or "")

    def credentials(self, api: Api) -> dict[str, str]:
        """The auth headers for ``api``. A remote target without its credentials is an error before any request."""
        values: dict[str, str] = {}
        missing: list[str] = []

        def read(var: str) -> str:
            value = os.environ.get(var) or (LOCAL_DEFAULTS.get(var, "") if self.local else "")
            if not value:
                missing.append(var)
            return value

        auth = api.auth
        if auth.get("scheme") == "bearer":
            values["Authorization"] = f"Bearer {read(auth['token'])}"
        else:
            for header, var in auth.get("headers", {}).items():
                values[header] = read(var)
        if missing:
            raise ContractgateError(
                f"{api.id}: set {', '.join(missing)} in the environment to test {self.name} (no request was sent)"
            )
        return values


def selected_apis(catalog: Catalog, names: tuple[str, ...]) -> list[Api]:
    return [catalog.api(n) for n in names] if names else list(catalog.apis.values())
