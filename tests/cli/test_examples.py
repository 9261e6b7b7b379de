"""The documents' examples, exported as files, pass `contractgate validate` or name their conflict."""

from __future__ import annotations

import json

from contractgate.catalog import load_catalog
from contractgate.cli import main
from contractgate.conflicts import all_conflicts, explaining
from contractgate.spec import load_spec


def test_every_exported_example_validates_or_is_a_documented_conflict(tmp_path, capsys):
    assert main(["examples", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    conflicts = all_conflicts(load_catalog())
    exported = 0
    for api_id in load_catalog().apis:
        for ex in load_spec(api_id).examples():
            if not ex.media_type.endswith("json"):
                continue
            path = tmp_path / ex.file_name
            status = "200" if ex.status == "request" else ex.status
            code = main(["validate", api_id, ex.operation_id, "--status", status, "--format", "json", str(path)])
            [result] = json.loads(capsys.readouterr().out)["results"]
            exported += 1
            if code == 0:
                continue
            assert code == 1, (ex.label, result)
            errors = [v for v in result["violations"] if v["severity"] == "error"]
            unexplained = [v for v in errors if not explaining(conflicts, api_id, ex.name, v["pointer"])]
            assert unexplained == [], f"{ex.label} fails with no documented conflict: {unexplained}"
    assert exported == len(list(tmp_path.glob("*.json"))) >= 12
