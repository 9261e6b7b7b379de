"""The gate's property tests: one test per API of the catalog, collected by the contractgate pytest plugin.

A REST API is tested by Schemathesis with every built-in check plus the contract rules; a webhook by the
callbacks of the mock's sessions. The tests hold no state: each asks the run's GateSuite (a fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from contractgate.catalog import Api, load_catalog
from contractgate.gate.plugin import MARKER
from contractgate.gate.suite import GateSuite


def _rest_test(api: Api) -> Callable[..., None]:
    lazy = schemathesis.pytest.from_fixture("contractgate_schema")

    @lazy.parametrize()
    @settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=False)
    def test(case: Any, contractgate_suite: GateSuite) -> None:
        contractgate_suite.run_case(api.id, case)

    return test


def _webhook_test(api: Api) -> Callable[..., None]:
    operation_id = next(iter(api.operations))

    def test(contractgate_suite: GateSuite) -> None:
        contractgate_suite.check_webhook(api.id, operation_id)

    return test


for _api in load_catalog().apis.values():
    _test = _rest_test(_api) if _api.kind == "rest" else _webhook_test(_api)
    _test.__name__ = f"test_{_api.id.replace('-', '_')}"
    _test.__doc__ = f"{_api.title}: contract tests against the configured target."
    globals()[_test.__name__] = getattr(pytest.mark, MARKER)(_api.id)(_test)
