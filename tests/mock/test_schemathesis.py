"""Schemathesis fuzzes the mock in-process from the specs: no server error, every answer as documented."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from contractgate.catalog import load_catalog
from contractgate.mock.app import create_app

APP = create_app()
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def spec(api_id: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_path(str(load_catalog().api(api_id).spec_path))


def base_url(api_id: str) -> str:
    return f"http://mock{load_catalog().api(api_id).mock_prefix}"


@spec("asleep-v3").parametrize()
@FUZZ
def test_asleep(case):
    case.call_and_validate(base_url=base_url("asleep-v3"), app=APP)


@spec("upheal").parametrize()
@FUZZ
def test_upheal(case):
    case.call_and_validate(base_url=base_url("upheal"), app=APP)


@spec("emogg").parametrize()
@FUZZ
def test_emogg(case):
    case.call_and_validate(base_url=base_url("emogg"), app=APP)
