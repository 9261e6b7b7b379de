"""Renderers of changes: the JSON contract, text, Markdown and a self-contained HTML page."""

from __future__ import annotations

import json
import re

from contractgate.diff.change import Change, sorted_changes
from contractgate.diff.classify import CHANGE_KINDS
from contractgate.reports.diff import render, render_reference

CHANGES = sorted_changes([
    Change("value-changed", "/a|b", "x", "<y>", 3, "asleep-v3/getSession", "response 200"),
    Change("field-added", "/new", count=2, operation="asleep-v3/getSession", location="response 200"),
    Change("null-appeared", "/stat", ["object"], ["null", "object"], 1),
    Change("array-length-changed", "/s", {"min": 1, "median": 2, "max": 3}, {"min": 1, "median": 9, "max": 9}, 4),
])


def test_json_is_the_documented_shape_with_absent_sides_left_out():
    doc = json.loads(render(CHANGES, "json", "t"))
    assert list(doc) == ["changes"]
    first, *_, added = doc["changes"]
    assert first == {"pointer": "/stat", "change": "null-appeared", "class": "breaking", "old": ["object"],
                     "new": ["null", "object"], "count": 1, "operation": None, "location": None,
                     "message": "null in 1 interaction; never null in OLD"}
    assert [c["class"] for c in doc["changes"]] == ["breaking", "potentially-breaking", "non-breaking", "non-breaking"]
    assert added["change"] == "field-added" and "old" not in added and "new" not in added


def test_text_is_one_line_per_change_and_a_summary():
    lines = render(CHANGES, "text", "t").splitlines()
    assert len(lines) == 5
    assert lines[0].split()[:2] == ["breaking", "/stat:"]
    assert "array lengths min 1, median 2, max 3 became min 1, median 9, max 9" in lines[1]
    assert lines[2].endswith('e.g. "x" -> "<y>" (value-changed; asleep-v3/getSession response 200)')
    assert lines[-1] == "4 changes: 1 breaking, 1 potentially-breaking, 2 non-breaking"
    assert render([], "text", "t") == "no changes"


def test_markdown_is_a_table_with_cells_escaped():
    md = render(CHANGES, "md", "Behaviour diff")
    assert md.startswith("# Behaviour diff\n\n4 changes: 1 breaking")
    assert "| class | change | where | pointer | what | count |" in md
    assert "`/a|b`" not in md and r"/a\|b" in md
    assert render([], "md", "Spec diff") == "# Spec diff\n\nno changes.\n"


def test_html_is_one_self_contained_page_with_the_changes_in_a_table():
    page = render(CHANGES, "html", "Diff <old> -> <new>")
    assert page.startswith("<!DOCTYPE html>") and page.count("<tr") == 5
    assert "<title>Diff &lt;old&gt; -&gt; &lt;new&gt;</title>" in page and "&lt;y&gt;" in page
    assert not re.search(r"<(script|link|img)\b|\b(src|href)=|url\(", page)
    assert '<tr class="breaking"><td class="nowrap"><span class="badge breaking">breaking</span></td>' in page
    assert "<table>" not in render([], "html", "t")


def test_the_reference_lists_every_kind_once():
    reference = render_reference()
    assert all(reference.count(f"| `{k.id}` | {k.klass} |") == 1 for k in CHANGE_KINDS)
