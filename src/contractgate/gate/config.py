"""The gate's settings: one frozen object, given to the pytest plugin directly (``contractgate run``) or
built from its ``--contractgate-*`` options (an SDK repository's own ``pytest`` run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractgate.errors import ContractgateError
from contractgate.http import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES

#: Checks that cannot run in the gate's parametrized tests, whatever the target: JUnit lists them as skipped.
NOT_APPLICABLE = {
    "use_after_free": "stateful: needs links between operations (the APIs have one read each)",
    "ensure_resource_availability": "stateful: needs links between operations (the APIs have one read each)",
    "object_level_authorization": "needs a second identity's credentials",
}

#: Checks that send requests of their own (other methods, probes without credentials, stateful follow-ups):
#: against anything but the project's mock they do not run, so that a real vendor only ever sees the
#: documented read operations.
MOCK_ONLY_CHECKS = {
    "unsupported_method": "sends undocumented methods (DELETE, PUT, ...)",
    "ignored_auth": "sends extra probe requests without credentials",
}


@dataclass(frozen=True)
class GateConfig:
    target: str = "embedded"
    base_urls: dict[str, str] = field(default_factory=dict)  # API id -> vendor-native base URL
    apis: tuple[str, ...] = ()  # the APIs under test; empty: every API (or those given base URLs)
    seed: int = 0
    max_examples: int = 50
    profile: str = "faithful"  # the mock's profile, for embedded targets
    rate: float = 5.0  # requests per second to a remote target
    strict: bool = False
    rules: bool = True  # the contract rules as a check (off only to measure what they cost)
    max_response_time: float | None = None  # seconds; slower answers fail Schemathesis's max_response_time
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    deadline: float = DEFAULT_DEADLINE  # seconds for a whole exchange with a remote target
    ids: dict[str, list[str]] = field(default_factory=dict)  # API id -> ids that exist on the target
    id_answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # API id -> id -> its recorded 200 body
    require_coverage: bool = False  # documented rules that no answer exercised fail the run
    exclude_checks: tuple[str, ...] = ()
    max_failures: int = 100  # distinct failures after which nothing more is sent: a broken target ends the run
    baseline: Path | None = None


def split_pairs(values: list[str] | tuple[str, ...], option: str) -> dict[str, str]:
    """``["API=VALUE", ...]`` -> ``{API: VALUE}``; the option's name goes into the error."""
    pairs: dict[str, str] = {}
    for value in values:
        api_id, sep, rest = value.partition("=")
        if not sep or not api_id or not rest:
            raise ContractgateError(f"{option} takes API=VALUE, got {value!r}")
        pairs[api_id] = rest
    return pairs


def from_pytest_options(options: Any) -> GateConfig:
    """The settings of a plain ``pytest --contractgate ...`` run (see gate/plugin.py for the options)."""
    from contractgate.catalog import load_catalog
    from contractgate.recorder import read_ids

    catalog = load_catalog()
    base_urls = {catalog.api(a).id: url for a, url in
                 split_pairs(options.contractgate_base_url or [], "--contractgate-base-url").items()}
    ids = {catalog.api(a).id: read_ids(Path(f)) for a, f in
           split_pairs(options.contractgate_ids or [], "--contractgate-ids").items()}
    baseline = options.contractgate_baseline
    return GateConfig(
        target=options.contractgate_target, base_urls=base_urls,
        apis=tuple(catalog.api(a).id for a in options.contractgate_api or ()),
        seed=options.contractgate_seed, max_examples=options.contractgate_max_examples,
        profile=options.contractgate_profile, rate=options.contractgate_rate, strict=options.contractgate_strict,
        ids=ids, exclude_checks=tuple(options.contractgate_exclude_checks or ()),
        baseline=Path(baseline) if baseline else None,
    )
