"""The rules' mutation score: specs/mutations.yaml is what `make mutate` computes now, and every uncaught mutation
has its one-line reason in the reviewed specs/uncaught-mutations.yaml (and nothing caught lingers there)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from contractgate.catalog import load_catalog
from contractgate.mutation import score_apis, score_dict

HERE = Path(__file__).parent
SPECS = load_catalog().root


@pytest.fixture(scope="module")
def computed() -> dict[str, Any]:
    payloads = {p.name: json.loads(p.read_text()) for p in sorted((HERE / "payloads").glob("*.json"))}
    return score_dict(score_apis(payloads))


def test_the_score_file_is_fresh(computed):
    assert yaml.safe_load((SPECS / "mutations.yaml").read_text()) == computed, "run `make mutate`"


def test_every_uncaught_mutation_has_a_reason_and_no_reason_is_stale(computed):
    reviewed = yaml.safe_load((SPECS / "uncaught-mutations.yaml").read_text())
    for api, entry in computed.items():
        owed = {*entry["uncaught"], *(c.split(": ", 1)[0] for c in entry.get("crashed", ()))}
        listed = reviewed.get(api) or {}
        assert sorted(owed - set(listed)) == [], f"{api}: uncaught mutations without a reason (add a rule or one)"
        assert sorted(set(listed) - owed) == [], f"{api}: listed mutations that are caught now (remove them)"
        assert all(isinstance(r, str) and r.strip() and "\n" not in r.strip() for r in listed.values())
    assert sorted(set(reviewed) - set(computed)) == []
