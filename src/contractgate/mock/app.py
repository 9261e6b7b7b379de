"""The mock as one ASGI application: every vendor under its catalog ``mock_prefix``, thin over pure generators.

An answer is a pure function of (seed, profile, API, id, the request headers the vendor reads), so it is
rendered once and kept in a cache bounded in bytes; only the behaviour profiles (delays, sporadic errors)
differ from one request to the next, drawn from a generator seeded like everything else.
"""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from http import HTTPStatus

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contractgate.catalog import load_catalog
from contractgate.mock.common import MOCK_SIGNATURE_HEADER, Credentials, VendorApi
from contractgate.mock.ids import rng_for
from contractgate.mock.profiles import DEFAULT_PROFILE, get_profile
from contractgate.mock.registry import rest_mocks

#: Bytes of rendered answers kept (``contractgate mock --cache-mb``): about 1,500 8-hour Asleep sessions.
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
#: What an entry costs besides its strings and body: its dict slot, its link in the order, its tuples.
ENTRY_OVERHEAD = 256
CACHEABLE_REQUEST = 1024  # characters of id and header values

Rendered = tuple[int, bytes, tuple[tuple[str, str], ...]]
RequestKey = tuple[str, str, tuple[str | None, ...]]


def _cost(key: RequestKey, rendered: Rendered) -> int:
    _, session_id, values = key
    _, body, headers = rendered
    strings = [session_id, *(v for v in values if v is not None), *(part for pair in headers for part in pair)]
    return ENTRY_OVERHEAD + sys.getsizeof(body) + sum(map(sys.getsizeof, strings))


class AnswerCache:
    """Rendered answers by request, bounded by the bytes they take; the least recently used go first.

    Bodies are kept as exact-size copies: orjson returns its bytes in a buffer the allocator sized for the
    growing output, and keeping those cost about 15 times the payload in resident memory.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[RequestKey, tuple[Rendered, int]] = OrderedDict()

    def get(self, key: RequestKey) -> Rendered | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        self.entries.move_to_end(key)
        return entry[0]

    def put(self, key: RequestKey, rendered: Rendered) -> Rendered:
        """Keep ``rendered`` (unless it alone is over the budget); returns the copy kept."""
        status, body, headers = rendered
        compact = (status, memoryview(body).tobytes(), headers)
        cost = _cost(key, compact)
        if cost > self.budget:
            return compact
        if (old := self.entries.pop(key, None)) is not None:
            self.size -= old[1]
        while self.size + cost > self.budget:
            _, (_, freed) = self.entries.popitem(last=False)
            self.size -= freed
        self.entries[key] = (compact, cost)
        self.size += cost
        return compact


def base_urls(origin: str) -> dict[str, str]:
    """API id -> the mock's base URL for it, to use where the live base URL would go."""
    catalog = load_catalog()
    return {api_id: origin.rstrip("/") + str(catalog.api(api_id).mock_prefix) for api_id in rest_mocks(catalog)}


def create_app(seed: int = 0, profile: str = DEFAULT_PROFILE, credentials: Credentials | None = None,
               cache_bytes: int = DEFAULT_CACHE_BYTES) -> Starlette:
    """The mock; its answer cache (``app.state.answers``, an AnswerCache) keeps at most ``cache_bytes``."""
    chosen = get_profile(profile)
    accepted = credentials or Credentials.from_env()
    behaviour = chosen.behaviour
    luck = rng_for("behaviour", seed, profile)
    answers = AnswerCache(cache_bytes)
    catalog = load_catalog()
    vendors = rest_mocks(catalog)

    def render(key: RequestKey) -> Rendered:
        api_id, session_id, header_values = key
        vendor = vendors[api_id]
        reply = vendor.respond(session_id, dict(zip(vendor.headers, header_values, strict=True)), seed, accepted)
        body = chosen.transform(api_id, str(reply.status), reply.body)
        return reply.status, orjson.dumps(body), reply.headers

    def endpoint(vendor: VendorApi) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            if delay := behaviour.delay(luck):
                await asyncio.sleep(delay)
            if failure := behaviour.failure(luck):
                reply = vendor.error(failure.status, HTTPStatus(failure.status).phrase)
                headers = dict(reply.headers)
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                return Response(orjson.dumps(reply.body), failure.status, headers, "application/json")
            [session_id] = request.path_params.values()
            key = (vendor.api_id, session_id, tuple(request.headers.get(name) for name in vendor.headers))
            # A fuzzer's giant ids and headers would fill the cache with answers nobody asks for twice.
            if len(session_id) + sum(len(v or "") for v in key[2]) > CACHEABLE_REQUEST:
                rendered = render(key)
            elif (rendered := answers.get(key)) is None:
                rendered = answers.put(key, render(key))
            status, content, headers = rendered
            return Response(content, status, dict(headers), "application/json")

        return handle

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "profile": chosen.name})

    routes = [Route("/healthz", healthz, methods=["GET"])]
    for api_id, vendor in vendors.items():
        api = catalog.api(api_id)
        for operation in api.operations.values():
            routes.append(Route(f"{api.mock_prefix}{operation.path}", endpoint(vendor), methods=[operation.method]))
    app = Starlette(routes=routes, middleware=[Middleware(_Signed)])
    app.state.answers = answers
    return app


class _Signed:
    """Every answer, 404s and 405s included, carries the mock's signature: the gate trusts only the mock
    with undocumented methods and its local default credentials (gate/target.py identify)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, object], receive: Callable[..., Awaitable[object]],
                       send: Callable[[dict[str, object]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def signed(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers.append((MOCK_SIGNATURE_HEADER.encode(), b"1"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, signed)
