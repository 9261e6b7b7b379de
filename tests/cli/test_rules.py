from __future__ import annotations

import json
from pathlib import Path

from contractgate.cli import main
from contractgate.rules import all_rules

DOCS = Path(__file__).parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_generated_from_contractgate_rules_and_up_to_date(capsys):
    assert main(["rules", "--format", "md"]) == 0
    assert capsys.readouterr().out == DOCS.read_text(encoding="utf-8"), "stale: run `make docs`"


def test_rules_lists_every_rule_and_filters_by_api(capsys):
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["rules"]
    assert [r["id"] for r in listed] == [r.id for r in all_rules()]
    assert {"id", "severity", "basis", "title", "source", "quote", "kind"} <= set(listed[0])
    assert main(["rules", "emogg"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith("EMOGG-") for line in lines)
    assert main(["rules", "nope"]) == 2


def test_audit_docs_reports_the_documents_own_broken_examples_with_their_conflicts(capsys, tmp_path):
    out = tmp_path / "audit.json"
    assert main(["audit-docs", "--format", "json", "--out", str(out)]) == 0
    apis = {a["api"]: a for a in json.loads(out.read_text())["apis"]}
    assert set(apis) == {"asleep-v3", "asleep-v1-callback", "upheal", "emogg"}
    doc200 = next(e for e in apis["asleep-v3"]["examples"] if e["example"].endswith("/doc-200"))
    snoring = [f for f in doc200["findings"] if f["rule"] == "ASLEEP-V3-I116"]
    assert snoring and snoring[0]["pointer"] == "/result/stat/time_in_snoring"
    assert snoring[0]["explained_by"] == ["ASLEEP-V3-C014"]
    assert all(a["conflicts"] for a in apis.values())
    assert main(["audit-docs"]) == 0
    markdown = capsys.readouterr().out
    assert "## Asleep: asleep-v3" in markdown and "| doc-200 | ASLEEP-V3-I116 | warning |" in markdown
