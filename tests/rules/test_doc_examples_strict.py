"""Inferred rules must survive the vendors' own examples: every document example under ``validate --strict``.

A warning on a vendor's example is allowed only where ``specs/<api>/conflicts.yaml`` records, for that very
example and place, that the example's data contradicts itself (a generated placeholder, a 20-minute night with
28,800 s of snoring). Anywhere else the example is better evidence than the inference: remove or demote the rule
and record why in conflicts.yaml.
"""

from __future__ import annotations

import json

import pytest

from contractgate.catalog import load_catalog
from contractgate.cli import main
from contractgate.conflicts import explaining, load_conflicts
from contractgate.findings import failing
from contractgate.spec import load_spec
from contractgate.validate import check_examples

CATALOG = load_catalog()


def _examples() -> list[pytest.param]:
    return [pytest.param(api_id, example, violations, id=f"{api_id}-{example.operation_id}-{example.name}")
            for api_id in CATALOG.apis
            for example, violations in check_examples(api_id, load_spec(api_id).examples())
            if violations is not None]


@pytest.mark.parametrize(("api_id", "example", "violations"), _examples())
def test_every_strict_finding_on_a_document_example_is_a_recorded_conflict_of_that_example(api_id, example,
                                                                                          violations):
    conflicts = load_conflicts(CATALOG.api(api_id))
    unexplained = [f"{v.rule} {v.pointer}: {v.message}" for v in failing(violations, strict=True)
                   if not explaining(conflicts, api_id, example.name, v.pointer)]
    assert unexplained == [], (
        f"{api_id} example {example.name} breaks rules that no conflict of that example explains; record the "
        f"example's own contradiction in specs/{api_id}/conflicts.yaml, or remove/demote the inferred rule")


def test_emoggs_documented_example_passes_validate_strict(tmp_path, capsys):
    """EMOGG-I108 (ObjectId time = timestamp) failed this example; the example won (EMOGG-C013)."""
    example = next(e for e in load_spec("emogg").examples() if e.name == "doc-200")
    payload = tmp_path / "emogg-doc-200.json"
    payload.write_text(json.dumps(example.value))
    assert main(["validate", "emogg", example.operation_id, str(payload), "--strict"]) == 0
