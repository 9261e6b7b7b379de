"""The mock as one ASGI application: every vendor under its catalog ``mock_prefix``, thin over pure generators.

An answer is a pure function of (seed, profile, API, id, the request headers the vendor reads), so it is
rendered once and kept in a bounded cache; only the behaviour profiles (delays, sporadic errors) differ
from one request to the next, drawn from a generator seeded like everything else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import lru_cache
from http import HTTPStatus

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contractgate.catalog import load_catalog
from contractgate.mock import asleep, emogg, upheal
from contractgate.mock.common import Credentials, VendorApi
from contractgate.mock.ids import rng_for
from contractgate.mock.profiles import DEFAULT_PROFILE, get_profile

VENDORS: dict[str, VendorApi] = {api.api_id: api for api in (asleep.API, upheal.API, emogg.API)}
RENDER_CACHE_SIZE = 2048
CACHEABLE_REQUEST = 1024  # characters of id and header values

Rendered = tuple[int, bytes, tuple[tuple[str, str], ...]]


def base_urls(origin: str) -> dict[str, str]:
    """API id -> the mock's base URL for it, to use where the live base URL would go."""
    catalog = load_catalog()
    return {api_id: origin.rstrip("/") + str(catalog.api(api_id).mock_prefix) for api_id in VENDORS}


def create_app(seed: int = 0, profile: str = DEFAULT_PROFILE, credentials: Credentials | None = None) -> Starlette:
    chosen = get_profile(profile)
    accepted = credentials or Credentials.from_env()
    behaviour = chosen.behaviour
    luck = rng_for("behaviour", seed, profile)

    @lru_cache(maxsize=RENDER_CACHE_SIZE)
    def render(api_id: str, session_id: str, header_values: tuple[str | None, ...]) -> Rendered:
        vendor = VENDORS[api_id]
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
            values = tuple(request.headers.get(name) for name in vendor.headers)
            # A fuzzer's giant ids and headers would fill the cache with answers nobody asks for twice.
            cacheable = len(session_id) + sum(len(v or "") for v in values) <= CACHEABLE_REQUEST
            status, content, headers = (render if cacheable else render.__wrapped__)(vendor.api_id, session_id, values)
            return Response(content, status, dict(headers), "application/json")

        return handle

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "profile": chosen.name})

    catalog = load_catalog()
    routes = [Route("/healthz", healthz, methods=["GET"])]
    for api_id, vendor in VENDORS.items():
        api = catalog.api(api_id)
        for operation in api.operations.values():
            routes.append(Route(f"{api.mock_prefix}{operation.path}", endpoint(vendor), methods=[operation.method]))
    return Starlette(routes=routes)
