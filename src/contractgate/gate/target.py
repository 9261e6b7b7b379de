"""Where the gate sends its requests, with which credentials, and under which safety policy.

``embedded`` is the mock's ASGI app in-process (no port); ``live`` is each vendor's documented base URL;
any other value is a base URL serving the vendors under the mock's prefixes (the mock over loopback, a
staging proxy). ``base_urls`` (``--base-url API=URL``) serve one API at a vendor-native URL, with the
vendor's own paths and no prefix.

Only the project's own mock is trusted with undocumented requests and local default credentials: the
embedded one, or a URL target on loopback that answered a documented GET with the mock's signature header
(:func:`identify`). Everything else is a real vendor as far as the gate is concerned.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from contractgate.catalog import Api, Catalog
from contractgate.errors import ContractgateError
from contractgate.mock.common import MOCK_SIGNATURE_HEADER
from contractgate.secrets import LOCAL_DEFAULTS

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


def _http_url(value: str, what: str) -> str:
    """``value`` without a trailing slash, or an error that begins with ``what`` (``--target must be``)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ContractgateError(f"{what} an http(s) URL, got {value!r}")
    return value.rstrip("/")


@dataclass(frozen=True)
class Target:
    name: str  # "embedded", "live" or the URL given
    base_urls: tuple[tuple[str, str], ...] = ()  # (API id, vendor-native base URL)
    mock_confirmed: bool = False  # a URL target whose answers carry the mock's signature

    @classmethod
    def parse(cls, value: str, base_urls: Mapping[str, str] | None = None) -> Target:
        urls = tuple(sorted((api, _http_url(url, f"--base-url {api} must be"))
                            for api, url in (base_urls or {}).items()))
        if value in (EMBEDDED, LIVE):
            return cls(value, urls)
        return cls(_http_url(value, "--target must be 'embedded', 'live' or"), urls)

    @property
    def embedded(self) -> bool:
        return self.name == EMBEDDED

    @property
    def local(self) -> bool:
        """The mock, in-process or on a loopback port: its documented default credentials apply."""
        if self.name == LIVE:
            return False
        return self.embedded or _is_loopback(urlsplit(self.name).hostname or "")

    def vendor_native(self, api_id: str) -> str | None:
        return dict(self.base_urls).get(api_id)

    def is_mock(self, api_id: str) -> bool:
        """Whether ``api_id`` is served by the project's own mock (trusted with every check)."""
        if self.vendor_native(api_id):
            return False
        return self.embedded or (self.mock_confirmed and self.name != LIVE)

    def base_url(self, api: Api) -> str:
        if native := self.vendor_native(api.id):
            return native
        if self.name == LIVE:
            if not api.live_base_url:
                raise ContractgateError(f"{api.id} has no live base URL in the catalog")
            return api.live_base_url.rstrip("/")
        origin = EMBEDDED_ORIGIN if self.embedded else self.name
        return origin + (api.mock_prefix or "")

    def describe(self, api_id: str) -> str:
        """How a report names where ``api_id`` was tested."""
        if native := self.vendor_native(api_id):
            return f"{native} (vendor paths)"
        if self.embedded:
            return "the embedded mock"
        if self.name == LIVE:
            return "live (the vendor)"
        return f"{self.name} (the mock)" if self.mock_confirmed else f"{self.name} (vendor paths under prefixes)"

    def credentials(self, api: Api) -> dict[str, str]:
        """The auth headers for ``api``. A remote target without its credentials is an error before any request."""
        values: dict[str, str] = {}
        missing: list[str] = []
        defaults = self.is_mock(api.id) or (self.local and not self.vendor_native(api.id))

        def read(var: str) -> str:
            value = os.environ.get(var) or (LOCAL_DEFAULTS.get(var, "") if defaults else "")
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
            where = self.vendor_native(api.id) or self.name
            raise ContractgateError(
                f"{api.id}: set {', '.join(missing)} in the environment to test {where} (no request was sent)"
            )
        return values

    def credential_variables(self, api: Api) -> dict[str, str]:
        """Header name -> how a pasted command gets its value: ``$VAR`` (``Bearer $VAR``), never the value."""
        auth = api.auth
        if auth.get("scheme") == "bearer":
            return {"Authorization": f"Bearer ${auth['token']}"}
        return {header: f"${var}" for header, var in auth.get("headers", {}).items()}


def identify(target: Target, catalog: Catalog, api_ids: list[str], timeout: float = 5.0) -> Target:
    """A URL target on loopback is the project's mock if a documented GET is answered with its signature.

    The probe is one documented read operation without credentials, so a real server (a replay server, an
    egress proxy to the vendor) sees nothing it would not see from the gate anyway. Anything else stays
    untrusted: undocumented methods and local default credentials are for the mock alone.
    """
    if target.embedded or target.name == LIVE or not target.local:
        return target
    from contractgate.http import PoliteSession, RequestPolicy

    rest = [catalog.api(a) for a in api_ids if catalog.api(a).kind == "rest" and not target.vendor_native(a)]
    if not rest:
        return target
    api = rest[0]
    operation = next(iter(api.operations.values()))
    base = target.base_url(api)
    path = str(operation.path)
    probe = path.split("{", 1)[0] + "contractgate-probe" + (path.split("}", 1)[1] if "}" in path else "")
    policy = RequestPolicy.documented([(operation.method, base, path)])
    with PoliteSession(rate=0, timeout=timeout, max_retries=0, policy=policy, deadline=timeout) as session:
        try:
            response = session.request(operation.method, base + probe)
        except Exception:
            return target
    return replace(target, mock_confirmed=MOCK_SIGNATURE_HEADER in {k.lower() for k in response.headers})
