"""The renderers: the mapping table and a pair's drift, in Markdown and as an HTML fragment."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from contractgate.mapping.model import load_mapping
from contractgate.mapping.transforms import TransformSpec
from contractgate.reports.mapping import (
    render_drifts_html,
    render_drifts_markdown,
    render_html_section,
    render_mapping_html,
    render_mapping_markdown,
    render_markdown_section,
    transform_label,
)
from tests.mapping.conftest import NAME, compare, session_complete, v3_twin


def drifted():
    body = v3_twin(session_complete())
    body["result"]["stat"]["breathing_pattern"] = "STABLE_BREATH"
    body["result"]["session"]["id"] = "<script>|x"
    del body["result"]["stat"]["time_in_bed"]
    return compare(session_complete(), body)


def test_the_markdown_table_has_a_row_for_every_entry_of_the_file():
    mapping = load_mapping(NAME)
    text = render_mapping_markdown(mapping)
    rows = [line for line in text.splitlines() if line.startswith("| `/")]
    assert len(rows) == len(mapping.fields) + len(mapping.v1_only) + len(mapping.v3_only)
    assert ("| `/callback_data/sleep_data/breathing_pattern` | `/result/stat/breathing_pattern` | enum_map "
            "VERY_STABLE→STABLE_BREATH, STABLE→MILDLY_UNSTABLE_BREATH, UNSTABLE→MODERATELY_UNSTABLE_BREATH, "
            "VERY_UNSTABLE→SEVERELY_UNSTABLE_BREATH | inferred |") in text
    assert "35 mapped fields (31 documented, 4 inferred), 4 v1 fields without a v3 counterpart, 22 v3 fields" in text
    assert all(line.count(" | ") == 5 for line in rows[: len(mapping.fields)])  # no stray | inside a cell


def test_the_drift_list_in_markdown_names_kind_pointers_values_and_basis():
    text = render_drifts_markdown(drifted(), label="session 20221231150000_a1b2c")
    lines = text.splitlines()
    assert lines[0] == f"### Drift {NAME}: session 20221231150000_a1b2c"
    assert lines[2] == f"{NAME} (SESSION_COMPLETE): 4 drifts in 33 mapped fields."
    assert "| missing | `/callback_data/sleep_data/time_in_bed` | `/result/stat/time_in_bed` | `1800` | *absent* " \
           "| documented |" in lines
    assert '| `"<script>\\|x"` |' in text  # escaped for the table, not dropped


def test_a_pair_without_drift_says_so():
    text = render_drifts_markdown(compare(session_complete(), v3_twin(session_complete())))
    assert text.splitlines()[-1] == f"{NAME} (SESSION_COMPLETE): no drift in 33 mapped fields."
    assert "| kind |" not in text


def test_the_markdown_section_holds_the_table_and_each_pair():
    text = render_markdown_section(load_mapping(NAME), [("pair A", drifted())])
    assert text.startswith(f"## v1 to v3 mapping: {NAME}\n")
    assert f"### Field mapping {NAME}:" in text and f"### Drift {NAME}: pair A" in text


def test_the_html_fragment_is_well_formed_and_escaped():
    mapping = load_mapping(NAME)
    fragment = render_html_section(mapping, [("pair <A>", drifted())])
    root = ET.fromstring(fragment)  # well-formed: every tag closed, every text escaped
    assert root.tag == "section" and root.get("id") == f"mapping-{NAME}"
    tables = root.findall(".//table")
    assert [len(t.findall("./tbody/tr")) for t in tables] == [len(mapping.fields), 4, 22, 4]
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment and "pair &lt;A&gt;" in fragment
    kinds = [span.text for span in tables[-1].iter("span")]
    assert kinds == ["value_mismatch", "value_mismatch", "missing", "value_mismatch"]


def test_the_separate_html_renderers_are_fragments_too():
    ET.fromstring(f"<div>{render_mapping_html(load_mapping(NAME))}</div>")
    ET.fromstring(f"<div>{render_drifts_html(drifted())}</div>")


def test_transform_labels():
    assert transform_label(TransformSpec("scale", {"factor": 60})) == "scale x60"
    assert transform_label(TransformSpec("scale", {"factor": 1.8, "offset": 32})) == "scale x1.8 +32"
    assert transform_label(TransformSpec("identity")) == "identity"
    window = TransformSpec("window", {"block_pointer": "/b", "epochs_per_block": 10, "blocks": 4})
    assert transform_label(window) == "window: 4 blocks of 10 ending at block /b"


def test_documented_differences_are_listed_apart_from_the_drift():
    from contractgate.reports.mapping import render_compare_text

    body = v3_twin(session_complete())
    body["result"]["stat"] = None
    body["result"]["peculiarities"] = ["TOO_SHORT_FOR_ANALYSIS"]
    result = compare(session_complete(), body)
    text = render_compare_text(result).splitlines()
    assert text[0] == f"{NAME} (SESSION_COMPLETE): no drift in 33 mapped fields (1 documented difference)"
    assert text[1].startswith("  expected       /callback_data/sleep_data -> /result/stat: v1 {") and \
        text[1].endswith(", v3 null (null_when)")
    markdown = render_drifts_markdown(result)
    assert "| kind |" not in markdown and "Documented differences (the entry's `null_when` holds)" in markdown
    ET.fromstring(f"<div>{render_drifts_html(result)}</div>")
    assert "Expected when v3 /result/peculiarities has any of TOO_SHORT_FOR_ANALYSIS" in render_mapping_markdown(
        load_mapping(NAME))
