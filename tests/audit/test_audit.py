"""The vendor-change audit report: its content per vendor, and its HTML as a browser shows it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from contractgate.catalog import load_catalog
from contractgate.cli import main
from contractgate.mock import asleep
from contractgate.mock.ids import sample_ids
from contractgate.recordings import Interaction, Request, Response, write_interaction
from contractgate.secrets import Masker
from contractgate.vendor_inputs import audit_vendors

SCREENSHOTS = Path(__file__).parents[2] / "reports" / "test-output"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit")
    assert main(["audit", "--out", str(out), "--mock-pairs", "5"]) == 0
    return out


def test_one_markdown_and_one_html_page_per_vendor(reports):
    vendors = {api.vendor.lower() for api in load_catalog().apis.values()}
    assert {p.name for p in reports.iterdir()} == {f"{v}.{ext}" for v in vendors for ext in ("md", "html")}


def test_the_asleep_report_has_every_section(reports):
    text = (reports / "asleep.md").read_text()
    for heading in ("## Summary", "## Where the documents contradict themselves",
                    "## The documents' examples against the contract", "## v1 to v3 mapping: asleep-v1-to-v3",
                    "## Spec changes since the previous version"):
        assert heading in text
    assert "| doc-200 | ASLEEP-V3-I116 | warning |" in text  # the snoring time of the vendor's own example
    assert "ASLEEP-V3-C014" in text


def test_a_given_old_spec_shows_its_changes_classified(tmp_path):
    old = tmp_path / "old.yaml"
    current = load_catalog().api("emogg").spec_path.read_text()
    # The old version documented one more response property: the new spec removed it.
    old.write_text(current.replace("        version:\n", "        legacyName:\n          type: string\n"
                                                       "          description: x\n        version:\n", 1))
    [emogg] = [a for a in audit_vendors(old_specs={"emogg": old}, mock_pairs=0) if a.vendor == "Emogg"]
    [changes] = [s for s in emogg.spec_changes if s.api_id == "emogg"]
    assert changes.baseline == str(old)
    assert [(c.kind, c.pointer) for c in changes.changes] == [("response-optional-property-removed", "/legacyName")]


def _recording(folder: Path, body: dict, session_id: str) -> None:
    write_interaction(folder, Interaction(
        api="asleep-v3", operation="getSession",
        request=Request("GET", f"/data/v3/sessions/{session_id}", {}),
        response=Response(200, {"content-type": "application/json"}, body),
        elapsed_ms=12.0, recorded_at="2026-11-23T00:00:00+00:00"), Masker())


def test_given_recordings_add_a_behaviour_section(tmp_path):
    session_id = sample_ids("asleep-v3", 1, 3)[0]
    body = asleep.session_body(session_id, seed=3)
    changed = {**body, "result": {**body["result"], "missing_data_ratio": "0.1"}}
    _recording(tmp_path / "old", body, session_id)
    _recording(tmp_path / "new", changed, session_id)
    [asleep_audit] = [a for a in audit_vendors(recordings=(tmp_path / "old", tmp_path / "new"), mock_pairs=0)
                      if a.vendor == "Asleep"]
    assert [(c.kind, c.pointer) for c in asleep_audit.behaviour] == [("type-changed", "/result/missing_data_ratio")]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"),
                    reason="headless Chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("vendor", ["asleep", "upheal", "emogg"])
def test_the_html_renders_in_headless_chromium_without_console_errors(reports, tmp_path, vendor):
    browser = _chromium()
    assert browser is not None, "Chromium is required in CI"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"audit-{vendor}.png"
    shot.unlink(missing_ok=True)
    # The flags keep Chromium off the network (this machine has none) and out of the user's profile.
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1300,1600", "--enable-logging=stderr",
         "--v=0", f"--screenshot={shot}", (reports / f"{vendor}.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    assert shot.stat().st_size > 20_000  # a page, not a blank image
