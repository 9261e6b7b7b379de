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

from contractgate.catalog import load_catalog
from contractgate.rules import all_rules
from contractgate.rules.engine import Rule, ruleset_for
from contractgate.spec import load_spec
from contractgate.validate import checker_for

HERE = Path(__file__).parent
RULES = {rule.id: rule for rule in all_rules()}
EXAMPLE = "example:"  # a base named by the spec's own example: no payload file needed


@cache
def _base(name: str) -> Any:
    return json.loads((HERE / "payloads" / name).read_text())


def load_cases(folder: Path) -> dict[str, dict[str, Any]]:
    """Rule id -> its cases, from every ``*.yaml`` in ``folder`` (or the one file ``folder`` names)."""
    cases: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else [folder]:
        for rule_id, entry in yaml.safe_load(path.read_text()).items():
            assert rule_id not in cases, f"{rule_id} has cases in two files"
            cases[rule_id] = entry
    return cases


CASES = load_cases(HERE / "cases")


def _base_of(name: str, rule: Rule, root: Path | None) -> Any:
    if not name.startswith(EXAMPLE):
        return copy.deepcopy(_base(name))
    wanted = name.removeprefix(EXAMPLE)
    spec = load_spec(rule.api_id, root)
    return copy.deepcopy(next(e.value for e in spec.examples() if e.name == wanted
                              and e.operation_id == rule.operation_id))


def build(case: str | dict[str, Any], rule: Rule, root: Path | None = None) -> Any:
    """The payload a case describes: its base with the case's ``set`` and ``delete`` applied."""
    if isinstance(case, str):
        return _base_of(case, rule, root)
    doc = _base_of(case["base"], rule, root)
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


def findings(rule: Rule, payload: Any, root: Path | None = None) -> set[str]:
    """Schema and rule findings for the operation and status the rule is written for (error bodies too)."""
    found = checker_for(rule.api_id, rule.operation_id, rule.status, root).schema.violations(payload)
    rules = ruleset_for(rule.api_id, rule.operation_id, rule.status, root)
    found += rules.check(payload) if rules is not None else []
    return {f"{v.rule} {v.pointer}" for v in found}


def check_case(rules: dict[str, Rule], rule_id: str, kind: str, case: Any, root: Path | None = None) -> None:
    rule = rules[rule_id]
    found = findings(rule, build(case, rule, root), root)
    if kind == "pass":
        assert found == set()
        return
    assert any(f.startswith(f"{rule_id} ") for f in case["expect"]), "a break case must expect its own rule"
    assert found == set(case["expect"])


def check_coverage(rules: dict[str, Rule], cases: dict[str, dict[str, Any]]) -> None:
    assert sorted(set(rules) - set(cases)) == [], "rules without test cases"
    assert sorted(set(cases) - set(rules)) == [], "cases for rules that do not exist"
    for rule_id, entry in cases.items():
        assert entry.get("pass") and entry.get("break"), f"{rule_id} needs pass and break cases"


def test_every_rule_has_cases_and_every_case_names_a_rule():
    check_coverage(RULES, CASES)


def _params(kind: str) -> list[Any]:
    return [pytest.param(r, c, id=f"{r}-{kind}{i}") for r, e in CASES.items() for i, c in enumerate(e[kind])]


@pytest.mark.parametrize(("rule_id", "case"), _params("pass"))
def test_a_payload_where_the_rule_holds_has_no_finding(rule_id, case):
    check_case(RULES, rule_id, "pass", case)


@pytest.mark.parametrize(("rule_id", "case"), _params("break"))
def test_a_broken_payload_gives_exactly_the_expected_findings(rule_id, case):
    check_case(RULES, rule_id, "break", case)


def payload_operation(name: str) -> tuple[str, str]:
    """A clean payload file is named after its API (``asleep-v3-two-stage.json``): the longest API id that
    starts its name, and that API's first operation."""
    catalog = load_catalog()
    api = max((a for a in catalog.apis.values() if name.startswith(a.id)), key=lambda a: len(a.id))
    return api.id, next(iter(api.operations))


@pytest.mark.parametrize("name", sorted(p.name for p in (HERE / "payloads").glob("*.json")))
def test_payloads_valid_in_unusual_ways_raise_no_false_alarm(name):
    """2-stage, NEVER_SLEPT, OPEN with stat null, Asia/Seoul, a DST switch, TOO_LONG_FOR_ANALYSIS, ..."""
    assert checker_for(*payload_operation(name)).check(_base(name)) == []
