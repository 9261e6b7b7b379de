from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contractgate.catalog import load_catalog, specs_dir
from contractgate.conflicts import all_conflicts
from contractgate.lint import lint
from contractgate.reports.conflicts import render_markdown


@pytest.fixture
def specs_copy(tmp_path: Path) -> Path:
    root = tmp_path / "specs"
    shutil.copytree(specs_dir(), root)
    return root


def test_todays_specs_lint_clean_and_every_failing_example_is_a_documented_conflict():
    findings = lint(load_catalog())
    assert [f for f in findings if f.outcome == "error"] == []
    known = [f for f in findings if f.outcome == "known"]
    assert all("documented:" in f.message for f in known)


def test_every_spec_example_is_linted():
    findings = lint(load_catalog())
    labels = {f.subject for f in findings}
    assert "asleep-v3/getSession/200/doc-200" in labels
    assert "emogg/getSession/200/doc-200" in labels
    assert "upheal/getSessionData/200/doc-200" in labels


def test_doc_conflicts_md_is_generated_and_up_to_date():
    catalog = load_catalog()
    expected = render_markdown(catalog, all_conflicts(catalog)) + "\n"
    actual = (catalog.root / "DOC-CONFLICTS.md").read_text(encoding="utf-8")
    assert actual == expected, "stale: run `make docs` (contractgate conflicts --out specs/DOC-CONFLICTS.md)"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_documented_conflict_explains_only_failures_at_its_own_pointer(specs_copy):
    """doc-200 of upheal fails at /recordingUrl (documented); a new failure elsewhere is not excused."""
    _edit(specs_copy / "upheal/openapi.yaml", "nestingLevel: 0", "nestingLevel: zero")
    errors = [f for f in lint(load_catalog(specs_copy)) if f.outcome == "error"]
    assert [(f.subject, f.message) for f in errors] == [
        ("upheal/getSessionData/200/doc-200",
         '/notes/0/notes/0/formatting/nestingLevel: "zero" is not of type "integer" or "null"')
    ]


def test_an_example_that_breaks_its_schema_is_reported_by_name(specs_copy):
    _edit(specs_copy / "emogg/openapi.yaml", "duration: 120", 'duration: "two minutes"')
    errors = [f for f in lint(load_catalog(specs_copy)) if f.outcome == "error"]
    assert [(f.subject, f.message) for f in errors] == [
        ("emogg/getSession/200/doc-200", '/duration: "two minutes" is not of type "number"')
    ]


def test_a_dangling_ref_and_an_invalid_document_are_reported_not_raised(specs_copy):
    _edit(specs_copy / "emogg/openapi.yaml", "#/components/schemas/Session", "#/components/schemas/Nope")
    _edit(specs_copy / "upheal/openapi.yaml", "openapi: 3.1.0", "openapi: 3.1.0\nwebhooks: 7")
    errors = {f.api_id: f.message for f in lint(load_catalog(specs_copy)) if f.outcome == "error"}
    assert "'#/components/schemas/Nope'" in errors["emogg"] and "does not resolve" in errors["emogg"]
    assert errors["upheal"].startswith("not valid OpenAPI 3.1 at webhooks")


def test_a_duplicate_key_in_a_spec_is_an_error_not_a_silent_override(specs_copy):
    _edit(specs_copy / "emogg/openapi.yaml", "openapi: 3.1.0", "openapi: 3.1.0\nopenapi: 3.0.0")
    [error] = [f for f in lint(load_catalog(specs_copy)) if f.outcome == "error"]
    assert error.api_id == "emogg"
    assert error.message.endswith("openapi.yaml:2:1: not valid YAML: duplicate key 'openapi'")
