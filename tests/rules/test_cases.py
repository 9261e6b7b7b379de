"""Every rule, from the case files in cases/: payloads that pass it and payloads that break it.

A break case asserts the exact set of findings (schema and rules together), so a rule that also fires
somewhere unexpected, or a schema change that adds a finding, fails the test.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from contractgate.rules import all_rules
from contractgate.validate import checker_for

HERE = Path(__file__).parent
RULES = {rule.id: rule for rule in all_rules()}


@cache
def _base(name: str) -> Any:
    return json.loads((HERE / "payloads" / name).read_text())


def _cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for path in sorted((HERE / "cases").glob("*.yaml")):
        for rule_id, entry in yaml.safe_load(path.read_text()).items():
            assert rule_id not in cases, f"{rule_id} has cases in two files"
            cases[rule_id] = entry
    return cases


CASES = _cases()


def _build(case: str | dict[str, Any]) -> Any:
    if isinstance(case, str):
        return copy.deepcopy(_base(case))
    doc = copy.deepcopy(_base(case["base"]))
    for pointer, value in (case.get("set") or {}).items():
        *parents, last = [int(t) if t.isdigit() else t for t in pointer.strip("/").split("/")]
        node = doc
        for token in parents:
            node = node[token]
        node[last] = value
    for pointer in case.get("delete") or ():
        *parents, last = [int(t) if t.isdigit() else t for t in pointer.strip("/").split("/")]
        node = doc
        for token in parents:
            node = node[token]
        del node[last]
    return doc


def _findings(rule_id: str, payload: Any) -> set[str]:
    rule = RULES[rule_id]
    return {f"{v.rule} {v.pointer}" for v in checker_for(rule.api_id, rule.operation_id, rule.status).check(payload)}


def test_every_rule_has_cases_and_every_case_names_a_rule():
    assert sorted(set(RULES) - set(CASES)) == [], "rules without test cases"
    assert sorted(set(CASES) - set(RULES)) == [], "cases for rules that do not exist"
    for rule_id, entry in CASES.items():
        assert entry.get("pass") and entry.get("break"), f"{rule_id} needs pass and break cases"


def _params(kind: str) -> list[Any]:
    return [pytest.param(r, c, id=f"{r}-{kind}{i}") for r, e in CASES.items() for i, c in enumerate(e[kind])]


@pytest.mark.parametrize(("rule_id", "case"), _params("pass"))
def test_a_payload_where_the_rule_holds_has_no_finding(rule_id, case):
    assert _findings(rule_id, _build(case)) == set()


@pytest.mark.parametrize(("rule_id", "case"), _params("break"))
def test_a_broken_payload_gives_exactly_the_expected_findings(rule_id, case):
    found = _findings(rule_id, _build(case))
    assert any(f.startswith(f"{rule_id} ") for f in case["expect"]), "a break case must expect its own rule"
    assert found == set(case["expect"])


@pytest.mark.parametrize("name", sorted(p.name for p in (HERE / "payloads").glob("*.json")))
def test_payloads_valid_in_unusual_ways_raise_no_false_alarm(name):
    """2-stage, NEVER_SLEPT, OPEN with stat null, Asia/Seoul, a DST switch, TOO_LONG_FOR_ANALYSIS, ..."""
    api = {"asleep-v3": "asleep-v3/getSession", "asleep-v1-callback": "asleep-v1-callback/sessionCallback",
           "upheal": "upheal/getSessionData", "emogg": "emogg/getSession"}
    target = next(v for k, v in sorted(api.items(), key=lambda kv: -len(kv[0])) if name.startswith(k))
    api_id, operation = target.split("/")
    assert checker_for(api_id, operation).check(_base(name)) == []
