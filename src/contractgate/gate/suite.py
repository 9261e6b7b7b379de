"""One gate run's state and the work of its tests: schemas aimed at the target, each case sent and checked.

A :class:`GateSuite` holds everything a run needs (settings, target, HTTP sessions, results), so that two
runs in one process share nothing. The pytest side (options, fixtures, the test module) is in
``gate/plugin.py`` and ``gate/contract_tests.py``; they only call into this object.

Failures are recorded, not raised, so that Hypothesis goes on and every distinct failure is found, each
with the first case that showed it; whether a run passes is decided at the end, against the baseline.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from contractgate.baseline import Baseline, Fingerprint, load_baseline
from contractgate.catalog import Catalog, load_catalog
from contractgate.errors import ContractgateError
from contractgate.excerpt import excerpt
from contractgate.findings import Violation, failing
from contractgate.gate.config import MOCK_ONLY_CHECKS, NOT_APPLICABLE, GateConfig
from contractgate.gate.results import CONTRACT_CHECK, Failure, GateResult, OperationResult, Recorder
from contractgate.gate.target import EMBEDDED, EMBEDDED_ORIGIN, Target, identify
from contractgate.http import (
    DeadlineExceeded,
    PoliteSession,
    RequestPolicy,
    ResponseTooLarge,
    UnsafeRequest,
    connection_problem,
    origin,
)
from contractgate.secrets import SENSITIVE_HEADERS, Masker
from contractgate.spec import load_document
from contractgate.validate import PayloadChecker, checker_for

EXCERPT_CHARS = 2000
STRATIFY_CANDIDATES = 60  # mock sessions looked at to find ones that exercise every rule
SCHEMA_CHECK = "response_schema_conformance"


@dataclass
class Endpoint:
    """One API as the run reaches it."""

    api_id: str
    base_url: str
    mock: bool  # the project's own mock: trusted with every check
    credentials: dict[str, str]
    session: PoliteSession | None  # None: in-process
    answered: bool = False
    checks_off: dict[str, str] = field(default_factory=dict)  # check -> why it does not run here
    excluded: list[Callable[..., Any]] = field(default_factory=list)  # those checks, as Schemathesis knows them


def all_checks() -> tuple[str, ...]:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    names = CHECKS.get_all_names()
    return (*names,) if CONTRACT_CHECK in names else (*names, CONTRACT_CHECK)


def selected_apis(cfg: GateConfig, catalog: Catalog) -> list[str]:
    """``--api`` as given plus every API given a base URL; neither: every API of the catalog."""
    chosen = [catalog.api(a).id for a in (*cfg.apis, *cfg.base_urls)]
    return list(dict.fromkeys(chosen)) or list(catalog.apis)


class GateSuite:
    def __init__(self, cfg: GateConfig, catalog: Catalog | None = None,
                 listener: Callable[[OperationResult], None] | None = None) -> None:
        self.cfg = cfg
        self.catalog = catalog or load_catalog()
        self.api_ids = selected_apis(cfg, self.catalog)
        self.target = Target.parse(cfg.target, cfg.base_urls)
        self.recorder = Recorder(listener)
        self.baseline = load_baseline(cfg.baseline) if cfg.baseline and cfg.baseline.is_file() else Baseline()
        self.endpoints: dict[str, Endpoint] = {}
        # origin -> "cannot connect to ...": one line per server, and nothing more is sent to it
        self.unreachable: dict[tuple[str, str, int | None], str] = {}
        self._schemas: dict[str, Any] = {}
        self.durations: dict[str, float] = {}  # test name (test_asleep_v3) -> seconds
        self._cover: dict[str, tuple[str, ...]] = {}  # API id -> the ids that exercise every rule they can
        self._covering: dict[str, bool] = {}
        self.masker = Masker()
        self.prepared = False

    # -- before any test ------------------------------------------------------------------------------------

    def prepare(self) -> GateSuite:
        """Identify the target, check every credential and open the sessions: errors before any test request."""
        if self.prepared:
            return self
        if not self.target.embedded:
            self.target = identify(self.target, self.catalog, self.api_ids)
        from contractgate.mock.profiles import DEFAULT_PROFILE, get_profile

        if self.cfg.profile != DEFAULT_PROFILE:
            get_profile(self.cfg.profile)
            if not any(self.target.is_mock(a) for a in self.api_ids):
                raise ContractgateError(f"--profile {self.cfg.profile} is a drift profile of the mock, and the target "
                                        f"{self.target.name} is not the mock (no request was sent)")
        sent: list[str] = []
        for api_id in self.api_ids:
            api = self.catalog.api(api_id)
            if api.kind != "rest":
                continue
            credentials = self.target.credentials(api)
            sent += [v.split(" ", 1)[-1] for k, v in credentials.items() if k.lower() in SENSITIVE_HEADERS]
            mock = self.target.is_mock(api_id)
            session = None
            if not (self.target.embedded and mock):
                base = self.target.base_url(api)
                policy = None if mock else RequestPolicy.documented(
                    (op.method, base, str(op.path)) for op in api.operations.values())
                # The rate limit is politeness towards a vendor; the mock on loopback needs none.
                session = PoliteSession(rate=0 if mock else self.cfg.rate, policy=policy,
                                        max_response_bytes=self.cfg.max_response_bytes, deadline=self.cfg.deadline)
            checks_off = dict(NOT_APPLICABLE) if mock else {**NOT_APPLICABLE, **MOCK_ONLY_CHECKS}
            if not self.cfg.max_response_time:
                checks_off["max_response_time"] = "no time budget given (--max-response-time)"
            checks_off.update({c: "excluded by the configuration" for c in self.cfg.exclude_checks})
            self.endpoints[api_id] = Endpoint(api_id, self.target.base_url(api), mock, credentials, session,
                                              checks_off=checks_off,
                                              excluded=[f for c in checks_off if (f := _check_function(c))])
        # The keys actually sent (the mock's local defaults included) are masked, not only those in the env;
        # reports are shared, so user ids become pseudonyms (reproductions name them as $ASLEEP_USER_ID).
        self.masker = Masker.from_env(self.catalog, pseudonymize=True).with_values(*sent)
        self.prepared = True
        return self

    # -- the schema of one API ------------------------------------------------------------------------------

    def schema(self, api_id: str) -> Any:
        """The Schemathesis schema of one REST API, aimed at its endpoint (built once per run)."""
        if api_id in self._schemas:
            return self._schemas[api_id]
        self.prepare()
        cfg, endpoint = self.cfg, self.endpoints[api_id]
        api = self.catalog.api(api_id)
        settings: dict[str, Any] = {
            "base-url": endpoint.base_url,
            "seed": cfg.seed,
            "generation": {"max-examples": cfg.max_examples, "database": "none", "mode": "all"},
            # Reproductions name credentials by variable ($ASLEEP_API_KEY); our Masker covers the rest.
            "output": {"sanitization": {"enabled": False}},
        }
        if cfg.max_response_time:
            settings["checks"] = {"max_response_time": cfg.max_response_time}
        if not endpoint.mock:
            # A real vendor gets no request with an undocumented method, not even one to test that it refuses it.
            settings["phases"] = {"coverage": {"unexpected-methods": []}}
        schema = schemathesis.openapi.from_dict(copy.deepcopy(load_document(api.spec_path)),
                                                config=schemathesis.Config.from_dict(settings))
        if endpoint.session is None:
            from contractgate.mock.app import create_app  # the mock is only needed for the embedded target

            schema.app = create_app(seed=cfg.seed, profile=cfg.profile)
        ids, cover = self.known_ids(api_id)
        self._cover[api_id] = ids[:cover] if cover < len(ids) else ()
        if ids:
            schema.hook("map_case")(_with_known_ids(ids, cover, keep_generated=not endpoint.mock))
        self._schemas[api_id] = schema
        return schema

    def known_ids(self, api_id: str) -> tuple[tuple[str, ...], int]:
        """Ids that exist on the target, ordered so that the first ones exercise every rule they can, and how
        many of the first do (all of them when nothing tells which rules an id exercises).

        Given with --ids (a recording folder also tells what each id answered), or the mock's own sample for
        the mock, whose answers are fetched once to see which rules each exercises. A generated id almost never
        names a real session, so without these the positive cases would only ever see 404s; and a random pick
        of sessions may never reach the OPEN session a conditional promise is about.
        """
        answers = dict(self.cfg.id_answers.get(api_id, {}))
        if api_id in self.cfg.ids:
            ids = list(self.cfg.ids[api_id])
        elif self.endpoints[api_id].mock or (self.target.local and not self.target.vendor_native(api_id)):
            from contractgate.mock.ids import sample_ids

            ids = sample_ids(api_id, STRATIFY_CANDIDATES, self.cfg.seed)
            if self.endpoints[api_id].mock:  # a server not known to be the mock is asked nothing extra
                answers = self._answers(api_id, ids)
        else:
            return (), 0
        ruleset = self._ruleset(api_id)
        if ruleset is None or not answers:
            return tuple(ids), len(ids)
        ordered, cover = stratified([(i, answers.get(i)) for i in ids], ruleset.triggered)
        return tuple(ordered), cover

    def _answers(self, api_id: str, ids: list[str]) -> dict[str, Any]:
        """What the mock answers for ``ids`` (documented GETs, with credentials): the bodies of its 200s.

        In-process, a faithful mock of the same seed answers: a behaviour profile's delays and errors would
        only slow this down, and which rules an answer exercises (its state, its peculiarities) is the same.
        """
        from contractgate.recorder import RecordOptions, open_target, session_path

        endpoint = self.endpoints[api_id]
        operation = next(iter(self.catalog.api(api_id).operations.values()))
        target = Target(EMBEDDED) if endpoint.session is None else self.target
        found: dict[str, Any] = {}
        with open_target(target, RecordOptions(seed=self.cfg.seed, rate=0)) as fetch:
            for i in ids:
                try:
                    fetched = fetch(endpoint.base_url + session_path(operation, i), endpoint.credentials)
                except ContractgateError:
                    return found  # the run itself will report what is wrong with the target
                if fetched.status == 200:
                    with contextlib.suppress(ValueError):
                        found[i] = orjson.loads(fetched.content)
        return found

    def _ruleset(self, api_id: str) -> Any:
        operation = next(iter(self.catalog.api(api_id).operations.values()))
        checker = self._checker(api_id, operation.operation_id, 200)
        return None if checker is None else checker.rules

    # -- one generated case ---------------------------------------------------------------------------------

    def run_case(self, api_id: str, case: Any) -> None:
        if api_id not in self._covering:
            # Before the first generated case, one request for each id that exercises rules no other id does:
            # however few cases Hypothesis makes, every conditional promise the target can show gets looked at.
            self._covering[api_id] = True
            for session_id in self._cover.get(api_id, ()):
                name = next(iter(case.operation.path_parameters)).name
                self.run_case(api_id, case.operation.Case(path_parameters={name: session_id}))
        endpoint = self.endpoints[api_id]
        operation = self._operation_id(api_id, case.operation.method, case.operation.path)
        result = self.recorder.operation(api_id, operation, case.operation.label)
        if origin(endpoint.base_url) in self.unreachable or self.recorder.distinct >= self.cfg.max_failures:
            return  # unreachable (reported as such), or enough distinct failures: nothing more is sent
        if not endpoint.mock and case.method.upper() != case.operation.method.upper():
            self.recorder.withheld(result)
            return
        sent = _headers_for(case, endpoint.credentials)
        try:
            response = case.call(headers=sent, session=endpoint.session) if endpoint.session else \
                case.call(headers=sent)
        except UnsafeRequest:
            self.recorder.withheld(result)
            return
        except (ResponseTooLarge, DeadlineExceeded) as exc:
            self.recorder.case(result, None, case.method)
            check = "response_size" if isinstance(exc, ResponseTooLarge) else "response_deadline"
            self._record(result, Failure(check=check, rule=check, title=_title(check), message=str(exc),
                                         code=check, curl=self._curl(api_id, case, sent)))
            return
        except requests.ConnectionError as exc:
            if not endpoint.answered:
                scheme, host, port = origin(endpoint.base_url)
                self.unreachable.setdefault((scheme, host, port),
                                            f"cannot connect to {scheme}://{host}:{port}: {connection_problem(exc)}")
                return
            self.recorder.case(result, None, case.method)
            self._record(result, Failure(check="connection", rule="connection", title="Connection failed",
                                         message=connection_problem(exc), code="connection",
                                         curl=self._curl(api_id, case, sent)))
            return
        endpoint.answered = True
        if endpoint.session is None:  # in-process: no session counts what was sent
            self.recorder.case(result, response.status_code, case.method)
        else:
            self.recorder.case(result, response.status_code)
        started = time.perf_counter()
        try:
            case.validate_response(response, headers=sent, excluded_checks=endpoint.excluded,
                                   transport_kwargs={"session": endpoint.session} if endpoint.session else None)
        except FailureGroup as group:
            for failure in group.exceptions:
                for found in self._explain(api_id, operation, case, response, failure, sent):
                    self._record(result, found)
        result.check_seconds["built-in"] += time.perf_counter() - started
        if self.cfg.rules:
            started = time.perf_counter()
            self._check_rules(api_id, operation, case, response, result, sent)
            result.check_seconds[CONTRACT_CHECK] += time.perf_counter() - started

    def _check_rules(self, api_id: str, operation: str, case: Any, response: Any, result: OperationResult,
                     sent: dict[str, str]) -> None:
        checker = self._checker(api_id, operation, response.status_code)
        if checker is None or checker.rules is None:
            return
        try:
            payload = response.json()
        except ValueError:
            return
        violations = checker.rules.check(payload)
        self.recorder.coverage(result, checker.rules.rules, checker.rules.triggered(payload))
        fail = failing(violations, self.cfg.strict)
        self.recorder.warnings(result, [v for v in violations if v not in fail])
        for v in fail:
            self._record(result, self._violation_failure(api_id, CONTRACT_CHECK, v, case, response, sent))

    def _explain(self, api_id: str, operation: str, case: Any, response: Any, failure: Any,
                 sent: dict[str, str]) -> list[Failure]:
        """Schemathesis's failure, with a schema failure re-told by our validator: one failure per place."""
        check = (getattr(failure, "checks", ()) or (getattr(failure, "title", "") or type(failure).__name__,))[0]
        if check == SCHEMA_CHECK and (checker := self._checker(api_id, operation, response.status_code)):
            try:
                places = checker.schema.violations(response.json())
            except ValueError:
                places = []
            if places:
                return [self._violation_failure(api_id, SCHEMA_CHECK, v, case, response, sent) for v in places]
        return [Failure(
            check=check, rule=check,
            title=self.masker.text(str(getattr(failure, "title", type(failure).__name__))),
            message=self.masker.text(str(getattr(failure, "message", failure))),
            code=str(getattr(failure, "code", "")), status=response.status_code,
            response_excerpt=self.masker.text(_excerpt(_text(response), "")),
            curl=self._curl(api_id, case, sent),
        )]

    def _violation_failure(self, api_id: str, check: str, v: Violation, case: Any, response: Any,
                           sent: dict[str, str]) -> Failure:
        title = f"{v.rule}: {v.title}" if v.title else f"{v.rule} at {v.pointer or '/'}"
        return Failure(check=check, rule=v.rule, title=self.masker.text(title), message=self.masker.text(v.message),
                       code=v.rule, pointer=v.pointer, status=response.status_code, violation=v,
                       response_excerpt=self.masker.text(_excerpt(_text(response), v.pointer)),
                       curl=self._curl(api_id, case, sent))

    def _record(self, result: OperationResult, failure: Failure) -> None:
        self.recorder.failure(result, failure)

    def _checker(self, api_id: str, operation: str, status: int) -> PayloadChecker | None:
        try:
            return checker_for(api_id, operation, str(status))
        except ContractgateError:
            return None  # an undocumented status or a non-JSON body: the built-in checks speak to that

    def _operation_id(self, api_id: str, method: str, path: str) -> str:
        for op in self.catalog.api(api_id).operations.values():
            if op.path == path and op.method == method.upper():
                return op.operation_id
        return f"{method.upper()} {path}"

    def _curl(self, api_id: str, case: Any, sent: dict[str, str]) -> str:
        """A command that runs as pasted: credentials by their environment variable, never their value."""
        endpoint = self.endpoints[api_id]
        variables = self.target.credential_variables(self.catalog.api(api_id))
        shown = {name: variables[name] if name in variables and value == endpoint.credentials.get(name) else value
                 for name, value in sent.items()}
        command = case.as_curl_command(headers=shown)
        # shlex-style single quotes would stop the shell from expanding $VARIABLE: use double quotes there.
        for name, reference in variables.items():
            command = command.replace(f"'{name}: {reference}'", f'"{name}: {reference}"')
        if endpoint.session is None:
            command = command.replace(EMBEDDED_ORIGIN, "http://127.0.0.1:8000")
            command = (f"# start the same mock: contractgate mock --port 8000 --seed {self.cfg.seed} "
                       f"--profile {self.cfg.profile}\n{command}")
        return self.masker.text(command)

    # -- the webhook ----------------------------------------------------------------------------------------

    def check_webhook(self, api_id: str, operation_id: str) -> None:
        """The webhook is pushed by the vendor, so there is nothing to request: against the mock, the gate checks
        the callbacks of a sample of its sessions (after the profile's changes); against anything else it points
        to `contractgate receive`, whose stored payloads `contractgate validate` checks."""
        import pytest

        result = self.recorder.operation(api_id, operation_id, f"POST (webhook) {operation_id}")
        result.checks = ("request_schema_conformance", CONTRACT_CHECK)
        if not (self.target.embedded or self.target.mock_confirmed):
            result.note = "callbacks are pushed by the vendor: run `contractgate receive` and validate its store"
            pytest.skip(result.note)
        if self.catalog.api(api_id).mock is None:
            result.note = "the catalog names no mock of this webhook: run `contractgate receive` and validate its store"
            pytest.skip(result.note)
        from contractgate.mock.profiles import get_profile

        profile = get_profile(self.cfg.profile)
        checker = checker_for(api_id, operation_id)
        bodies = _callback_sample(api_id, self.cfg.max_examples, self.cfg.seed)
        result.note = (f"{len(bodies)} callback bodies generated in-process from the mock's sessions (up to "
                       f"--max-examples of each event; no HTTP request)")
        for body in bodies:
            body = profile.transform(api_id, "request", body)
            violations = checker.check(body)
            if checker.rules is not None:
                self.recorder.coverage(result, checker.rules.rules, checker.rules.triggered(body))
            self.recorder.case(result, None)
            errors = failing(violations, self.cfg.strict)
            self.recorder.warnings(result, [v for v in violations if v not in errors])
            text = orjson.dumps(body).decode()
            for v in errors:
                check = "request_schema_conformance" if v.rule == "schema" else CONTRACT_CHECK
                title = f"{v.rule}: {v.title}" if v.title else f"{v.rule} at {v.pointer or '/'}"
                self._record(result, Failure(
                    check=check, rule=v.rule, title=title, message=self.masker.text(v.message), code=v.rule,
                    pointer=v.pointer, violation=v, response_excerpt=self.masker.text(_excerpt(text, v.pointer)),
                ))

    # -- after the tests ------------------------------------------------------------------------------------

    def new_failures(self, api_id: str) -> list[tuple[Fingerprint, Failure]]:
        triage = self.baseline.triage(self._fingerprints(api_id), dt.date.today())
        return [(fp, f) for op in self.recorder.operations.values() if op.api_id == api_id
                for fp, f in op.failures.items() if triage.is_new(fp)]

    def _fingerprints(self, api_id: str | None = None) -> list[Fingerprint]:
        return [fp for op in self.recorder.operations.values() if api_id in (None, op.api_id) for fp in op.failures]

    def result(self, duration_s: float) -> GateResult:
        operations = list(self.recorder.operations.values())
        for op in operations:
            endpoint = self.endpoints.get(op.api_id)
            op.target = self.target.describe(op.api_id)
            op.duration_s = self.durations.get(f"test_{op.api_id.replace('-', '_')}", 0.0)
            if endpoint is not None:
                op.skipped_checks = dict(endpoint.checks_off)
                if endpoint.session is not None:
                    op.methods.update(endpoint.session.sent)
                if down := self.unreachable.get(origin(endpoint.base_url)):
                    op.error = down
        unreachable = tuple(self.unreachable.values())
        order = {a: i for i, a in enumerate(self.api_ids)}
        operations.sort(key=lambda op: (order.get(op.api_id, 99), op.operation_id))
        triage = self.baseline.triage(self._fingerprints(), dt.date.today()) if self.cfg.baseline else None
        stopped = (f"stopped sending after {self.recorder.distinct} distinct failures (--max-failures "
                   f"{self.cfg.max_failures})") if self.recorder.distinct >= self.cfg.max_failures else None
        return GateResult(target=self.cfg.target, seed=self.cfg.seed, max_examples=self.cfg.max_examples,
                          replay=self.replay_command(),
                          profile=self.cfg.profile if any(self.target.is_mock(a) for a in self.api_ids) else None,
                          checks=all_checks(), operations=operations, duration_s=duration_s, triage=triage,
                          unreachable=unreachable, stopped=stopped, require_coverage=self.cfg.require_coverage)

    def replay_command(self) -> str:
        """The command that runs the same cases against the same target."""
        cfg = self.cfg
        parts = ["contractgate run", f"--seed {cfg.seed}", f"--max-examples {cfg.max_examples}"]
        if cfg.target != "embedded" or not cfg.base_urls:
            parts.append(f"--target {cfg.target}")
        parts += [f"--base-url {api}={url}" for api, url in sorted(cfg.base_urls.items())]
        parts += [f"--api {api}" for api in cfg.apis if api not in cfg.base_urls]
        if cfg.profile != "faithful":
            parts.append(f"--profile {cfg.profile}")
        return " ".join(parts)

    def close(self) -> None:
        for endpoint in self.endpoints.values():
            if endpoint.session is not None:
                endpoint.session.close()


def _callback_sample(api_id: str, count: int, seed: int) -> list[Any]:
    """The webhook's mock bodies: up to ``count`` of each event, replayable by seed (its catalog ``mock``)."""
    from contractgate.mock.registry import webhook_mock

    return list(webhook_mock(api_id).sample(count, seed))


def _title(check: str) -> str:
    return {"response_size": "Answer larger than the size bound",
            "response_deadline": "Answer slower than the deadline"}.get(check, check)


def _check_function(name: str) -> Callable[..., Any] | None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    try:
        return CHECKS.get_one(name)
    except Exception:
        return None


def _text(response: Any) -> str:
    try:
        return str(response.text)
    except Exception:
        return ""


def _excerpt(text: str, pointer: str) -> str:
    """The offending value with its parent object, long arrays elided; a body that is not JSON, cut short."""
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text[:EXCERPT_CHARS]
    return excerpt(document, pointer, EXCERPT_CHARS)


def stratified(candidates: list[tuple[str, Any]], triggered: Callable[[Any], list[str]]) -> tuple[list[str], int]:
    """The ids in an order that exercises every rule as early as it can, and how many of the first ids do:
    greedily, the id whose answer exercises most rules not yet exercised, then the rest in their order (a set
    cover; ties keep the order)."""
    rules = [(i, set(triggered(body)) if body is not None else set()) for i, body in candidates]
    ordered: list[str] = []
    covered: set[str] = set()
    while rules:
        best = max(range(len(rules)), key=lambda k: (len(rules[k][1] - covered), -k))
        if not rules[best][1] - covered:
            break
        chosen, found = rules.pop(best)
        ordered.append(chosen)
        covered |= found
    return ordered + [i for i, _ in rules], len(ordered)


def _with_known_ids(ids: tuple[str, ...], cover: int, keep_generated: bool) -> Callable[[Any, Any], Any]:
    """Positive cases take the known ids: the ``cover`` ids that exercise every rule, round and round for the
    first cases (so that however few cases run, each of them is asked for), then all of them in turn. Against
    a real vendor every fourth case keeps its generated id, so that an unknown well-formed id meets the target
    too (a documented 404); the mock has a session for every well-formed id."""
    taken, spare = itertools.count(), itertools.count()
    cover = max(cover, 1)

    def use_known_ids(context: Any, case: Any) -> Any:
        meta = getattr(case, "meta", None)
        info = meta.components.get(ParameterLocation.PATH) if meta is not None else None
        if info is None or info.mode != GenerationMode.POSITIVE or not case.path_parameters:
            return case  # a negative path is the input under test
        if any(c.mode != GenerationMode.POSITIVE for c in meta.components.values()):
            # Another part is the negative input (a missing header): the answer is a 4xx whatever the id,
            # so a known id would be spent on no body. It still gets one, from past the ids that cover.
            name = next(iter(case.path_parameters))
            case.path_parameters = {**case.path_parameters, name: ids[-1 - next(spare) % len(ids)]}
            return case
        n = next(taken)
        if keep_generated and n % 4 == 3:
            return case
        name = next(iter(case.path_parameters))
        chosen = ids[n % cover] if n < 3 * cover else ids[n % len(ids)]
        case.path_parameters = {**case.path_parameters, name: chosen}
        return case

    return use_known_ids


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
            if name.lower() in present and name.lower() in SENSITIVE_HEADERS}


