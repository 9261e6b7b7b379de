"""The gate as a pytest plugin (registered by entry point, so an SDK repository can run the contract tests
inside its own ``pytest`` run)::

    pytest --contractgate --contractgate-target live --contractgate-api emogg

``--contractgate`` adds the packaged suite (``contractgate/gate/contract_tests.py``: one test per API of
the catalog) to what pytest collects; the other options are the gate's settings. ``contractgate run`` uses
the same plugin and hands it a ready :class:`GateSuite` instead of options. Nothing here is global: the
run's state lives in ``config.stash``.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from contractgate.gate.suite import GateSuite

SUITE = pytest.StashKey[GateSuite]()
MARKER = "contractgate_api"
CONTRACT_TESTS = Path(__file__).with_name("contract_tests.py")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractgate", "contract tests of the vendors' session APIs (contractgate)")
    group.addoption("--contractgate", action="store_true", help="Run the contractgate suite.")
    group.addoption("--contractgate-target", default="embedded",
                    help="'embedded' (default), 'live' or a base URL serving the vendors under the mock's prefixes.")
    group.addoption("--contractgate-api", action="append", metavar="API", help="Test only this API (repeatable).")
    group.addoption("--contractgate-base-url", action="append", metavar="API=URL",
                    help="Serve API from URL with the vendor's own paths (repeatable).")
    group.addoption("--contractgate-seed", type=int, default=0, help="Seed of the generated cases.")
    group.addoption("--contractgate-max-examples", type=int, default=50, help="Cases per operation and phase.")
    group.addoption("--contractgate-profile", default="faithful", help="The mock's drift profile.")
    group.addoption("--contractgate-rate", type=float, default=5.0, help="Requests per second to a remote target.")
    group.addoption("--contractgate-strict", action="store_true", help="Fail on warnings (inferred rules) too.")
    group.addoption("--contractgate-ids", action="append", metavar="API=FILE", help="Ids that exist on the target.")
    group.addoption("--contractgate-baseline", metavar="FILE", help="Known deviations: only new findings fail.")
    group.addoption("--contractgate-exclude-checks", action="append", metavar="CHECK", help="Do not run CHECK.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(api_id): a contractgate test of one API")
    if SUITE in config.stash or not config.getoption("contractgate", False):
        return
    from contractgate.gate.config import from_pytest_options

    suite = GateSuite(from_pytest_options(config.option))
    start(config, suite)
    config.args.append(str(CONTRACT_TESTS))


def start(config: pytest.Config, suite: GateSuite) -> None:
    """Make ``suite`` the run's state and register its hooks."""
    config.stash[SUITE] = suite
    config.pluginmanager.register(_SuiteHooks(suite), "contractgate-suite")


class _SuiteHooks:
    def __init__(self, suite: GateSuite) -> None:
        self.suite = suite

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Only the selected APIs run; the suite module holds a test for every API of the catalog."""
        chosen = set(self.suite.api_ids)
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker(MARKER)
            (drop if marker is not None and marker.args[0] not in chosen else keep).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        """Failures are recorded rather than raised (so every one is found); the test fails at its end on new ones."""
        outcome = yield
        marker = item.get_closest_marker(MARKER)
        if marker is not None and (new := self.suite.new_failures(marker.args[0])):
            lines = [f"{fp.label()}: {failure.title}" for fp, failure in new[:20]]
            more = f"\n... and {len(new) - 20} more" if len(new) > 20 else ""
            raise AssertionError(f"{len(new)} new contract failures:\n" + "\n".join(lines) + more)
        return outcome

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.suite.close()


@pytest.fixture
def contractgate_suite(request: pytest.FixtureRequest) -> GateSuite:
    """The run's GateSuite (settings, target, results)."""
    try:
        suite = request.config.stash[SUITE]
    except KeyError:
        pytest.fail("the contractgate suite is not configured: run pytest with --contractgate", pytrace=False)
    try:
        return suite.prepare()
    except Exception as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def contractgate_schema(request: pytest.FixtureRequest, contractgate_suite: GateSuite) -> Any:
    """The Schemathesis schema of the API the requesting test is marked with."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        pytest.fail(f"contractgate_schema needs a test marked with @pytest.mark.{MARKER}(API)", pytrace=False)
    return contractgate_suite.schema(marker.args[0])
