"""Building blocks of the property tests in tests/contract/ (one module per API).

Each module is three lines: load the API's schema for the configured target, and turn it into a
Schemathesis-parametrised test whose cases run every built-in check plus the contract rules.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any

import orjson
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from contractgate.catalog import load_catalog
from contractgate.gate import checks
from contractgate.gate.config import GateConfig
from contractgate.gate.polite import PoliteSession
from contractgate.gate.results import RECORDER, Failure
from contractgate.gate.target import EMBEDDED_ORIGIN, Target
from contractgate.secrets import SENSITIVE_HEADERS as SECRET_HEADERS
from contractgate.secrets import Masker
from contractgate.spec import load_document
from contractgate.validate import checker_for

EXCERPT_CHARS = 2000


@cache
def config() -> GateConfig:
    return GateConfig.from_env()


@cache
def _session(api_id: str) -> PoliteSession:
    # The rate limit is politeness towards a vendor; the mock on loopback needs none.
    local = Target.parse(config().target).local
    return PoliteSession(rate=0 if local else config().rate)


@cache
def _masker() -> Masker:
    target = Target.parse(config().target)
    catalog = load_catalog()
    # The keys actually sent (the mock's local defaults included) are masked, not only those in the
    # environment; identifiers such as x-user-id stay readable so that a reproduction command works.
    sent = [value.split(" ", 1)[-1] for api in catalog.apis.values() if api.kind == "rest"
            for name, value in target.credentials(api).items() if name.lower() in SECRET_HEADERS]
    return Masker.from_env(catalog).with_values(*sent)


def api_schema(api_id: str) -> Any:
    """The Schemathesis schema of one REST API, aimed at the configured target."""
    cfg = config()
    api = load_catalog().api(api_id)
    target = Target.parse(cfg.target)
    schema = schemathesis.openapi.from_dict(
        copy.deepcopy(load_document(api.spec_path)),
        config=schemathesis.Config.from_dict({
            "base-url": target.base_url(api),
            "seed": cfg.seed,
            "generation": {"max-examples": cfg.max_examples, "database": "none", "mode": "all"},
            **({"checks": {"max_response_time": cfg.max_response_time}} if cfg.max_response_time else {}),
        }),
    )
    if target.embedded:
        from contractgate.mock.app import create_app  # the mock is only needed for the embedded target

        schema.app = create_app(seed=cfg.seed, profile=cfg.profile)
    if ids := known_ids(api_id):
        schema.hook("map_case")(_with_known_ids(ids))
    return schema


def known_ids(api_id: str) -> tuple[str, ...]:
    """Ids that exist on the target: given with --ids, or the mock's own sample for a local target.

    A generated id almost never names a real session, so without these the positive cases would only
    ever see 404s and never a body to hold to the contract.
    """
    cfg = config()
    if api_id in cfg.ids:
        return tuple(cfg.ids[api_id])
    if Target.parse(cfg.target).local:
        from contractgate.mock.ids import sample_ids

        return tuple(sample_ids(api_id, 40, cfg.seed))
    return ()


def _with_known_ids(ids: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    def use_known_ids(context: Any, case: Any) -> Any:
        meta = getattr(case, "meta", None)
        info = meta.components.get(ParameterLocation.PATH) if meta is not None else None
        if info is None or info.mode != GenerationMode.POSITIVE or not case.path_parameters:
            return case  # a negative path is the input under test
        # Half of the positive cases get a known id; the choice follows the generated value, so a seed replays.
        name, value = next(iter(case.path_parameters.items()))
        digest = zlib.crc32(str(value).encode())
        if digest % 2 == 0:
            case.path_parameters = {**case.path_parameters, name: ids[digest // 2 % len(ids)]}
        return case

    return use_known_ids


def contract_test(schema: Any, api_id: str) -> Callable[..., None]:
    """A pytest test function: one item per operation of ``schema``, every case checked."""
    cfg = config()
    checks.STRICT["on"] = cfg.strict
    target = Target.parse(cfg.target)
    headers = target.credentials(load_catalog().api(api_id))

    @schema.parametrize()
    @settings(max_examples=cfg.max_examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    def test(case: Any) -> None:
        run_case(case, api_id, headers, None if target.embedded else _session(api_id))

    test.__name__ = f"test_{api_id.replace('-', '_')}"
    return test


def run_case(case: Any, api_id: str, headers: dict[str, str], session: PoliteSession | None) -> None:
    op_id = checks.operation_for(case.operation.method, case.operation.path)
    result = RECORDER.operation(api_id, op_id[1] if op_id else case.operation.label, case.operation.label)
    sent = _headers_for(case, headers)
    response = case.call(headers=sent, session=session) if session else case.call(headers=sent)
    RECORDER.case(result, response.status_code)
    try:
        excluded = None if config().rules else [checks.contract_rules]
        case.validate_response(response, headers=sent, excluded_checks=excluded)
    except FailureGroup as group:
        for failure in group.exceptions:
            RECORDER.failure(result, _failure(case, response, failure, headers))
        raise


def _headers_for(case: Any, credentials: dict[str, str]) -> dict[str, str]:
    """The real credentials over the generated header values, unless the headers are the negative input.

    A positive case gets every credential header, so that it reaches the data. A case whose headers were
    generated invalid keeps them (a malformed x-user-id, a missing header) and only has a key it sent
    replaced by the real one, so that the API judges the mutation rather than an unknown key.
    """
    meta = getattr(case, "meta", None)
    info = meta.components.get(ParameterLocation.HEADER) if meta is not None else None
    if info is None or info.mode == GenerationMode.POSITIVE:
        return credentials
    present = {name.lower() for name in case.headers or {}}
    return {name: value for name, value in credentials.items()
            if name.lower() in present and name.lower() in SECRET_HEADERS}


def _failure(case: Any, response: Any, failure: Any, headers: dict[str, str]) -> Failure:
    masker = _masker()
    check = (getattr(failure, "checks", ()) or (getattr(failure, "title", "") or type(failure).__name__,))[0]
    body = _excerpt(response.text if hasattr(response, "text") else "", getattr(failure, "violations", ()))
    return Failure(
        check=check,
        title=masker.text(str(getattr(failure, "title", type(failure).__name__))),
        message=masker.text(str(getattr(failure, "message", failure))),
        code=str(getattr(failure, "code", "")),
        violations=tuple(getattr(failure, "violations", ())),
        status=response.status_code,
        response_excerpt=masker.text(body),
        curl=masker.text(_reproduction(case.as_curl_command(headers=headers))),
    )


def _excerpt(text: str, violations: tuple[Any, ...]) -> str:
    """For a rule, the JSON at the first violation's pointer (a night's stage arrays bury the rest)."""
    if violations:
        from contractgate.rules.paths import Path as Pointer

        try:
            value = Pointer.compile(violations[0].pointer).get(orjson.loads(text), {})
        except (orjson.JSONDecodeError, ValueError):
            value = None
        if value is not None:
            shown = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
            return f"at {violations[0].pointer or '/'}:\n{shown}"[:EXCERPT_CHARS]
    return text[:EXCERPT_CHARS]


def _reproduction(curl: str) -> str:
    """In-process requests went to Schemathesis's test host: say how to reach the same mock over HTTP."""
    cfg = config()
    if not Target.parse(cfg.target).embedded:
        return curl
    return (f"# start the same mock: contractgate mock --port 8000 --seed {cfg.seed} --profile {cfg.profile}\n"
            + curl.replace(EMBEDDED_ORIGIN, "http://127.0.0.1:8000"))


def callback_test(api_id: str, operation_id: str) -> Callable[..., None]:
    """The webhook is pushed by the vendor, so there is nothing to request: against the mock, the gate checks
    the callbacks of a sample of its sessions (after the profile's changes); against a live target it points to
    `contractgate receive`, whose stored payloads `contractgate validate` checks."""
    cfg = config()
    label = f"POST (webhook) {operation_id}"

    def test() -> None:
        import pytest

        result = RECORDER.operation(api_id, operation_id, label)
        result.checks = ("request_schema_conformance", checks.CONTRACT_CHECK)
        if not Target.parse(cfg.target).local:
            result.note = "callbacks are pushed by the vendor: run `contractgate receive` and validate its store"
            pytest.skip(result.note)
        from contractgate.mock import callbacks
        from contractgate.mock.ids import sample_ids
        from contractgate.mock.profiles import get_profile

        profile = get_profile(cfg.profile)
        checker = checker_for(api_id, operation_id)
        failed = []
        for session_id in sample_ids("asleep-v3", cfg.callback_sessions, cfg.seed):
            complete = callbacks.session_complete(session_id, seed=cfg.seed)
            bodies = callbacks.inference_callbacks(session_id, seed=cfg.seed) + ([complete] if complete else [])
            for body in bodies:
                body = profile.transform(api_id, "request", body)
                violations = checker.check(body)
                RECORDER.case(result, 200)
                errors = tuple(v for v in violations if v.severity == "error" or cfg.strict)
                RECORDER.warnings(result, [v for v in violations if v not in errors])
                if errors:
                    failed.append(errors)
                    schema_only = all(v.rule == "schema" for v in errors)
                    check = "request_schema_conformance" if schema_only else checks.CONTRACT_CHECK
                    RECORDER.failure(result, Failure(
                        check=check,
                        title=f"Callback breaks its contract: {', '.join(dict.fromkeys(v.rule for v in errors))}",
                        message="\n".join(f"{v.rule} at {v.pointer or '/'}: {v.message}" for v in errors[:10]),
                        code="CG002", violations=errors,
                        response_excerpt=_masker().text(orjson.dumps(body).decode()[:EXCERPT_CHARS]),
                    ))
        assert not failed, f"{len(failed)} callbacks break the {api_id} contract"

    test.__name__ = f"test_{api_id.replace('-', '_')}"
    return test
