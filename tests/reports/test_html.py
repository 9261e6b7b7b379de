"""Every HTML report as a browser shows it: one look (one base layout, one stylesheet), every finding's pointer on
the page as text, and a screenshot that is a page, not a blank (reports/test-output/, for people to look at)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from contractgate.catalog import load_catalog
from contractgate.cli import main
from contractgate.diff.volatile import DEFAULT_CONFIG, load_volatile
from contractgate.drift import run_drift
from contractgate.gate.target import Target
from contractgate.recorder import RecordOptions, record
from contractgate.reports import drift as drift_report
from contractgate.reports import vendor_changes as audit_report
from contractgate.reports.html import environment
from contractgate.vendor_inputs import audit_vendors
from tests.recordings.conftest import ids_of

SCREENSHOTS = Path(__file__).parents[2] / "reports" / "test-output"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(BROWSER is None and not os.environ.get("CI"),
                                   reason="headless Chromium is not installed (.ci/run installs it)")


def _chromium(page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None, "Chromium is required in CI"
    # The flags keep Chromium off the network (this machine has none) and out of the user's profile.
    done = subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--window-size=1400,1000", "--hide-scrollbars", *mode, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _png_rows(data: bytes, rows: int) -> tuple[int, int, list[bytes]]:
    """Width, height and the first ``rows`` unfiltered scanlines of an 8-bit RGB(A) PNG (no imaging library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, out = zlib.decompressobj().decompress(idat), width * channels, []
    previous = bytearray(stride)
    for y in range(min(rows, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        previous = line
    return width, height, out


def _check_screenshot(shot: Path) -> None:
    """A page, not a blank: the right size, and colours beyond the background (text, badges, tables)."""
    width, height, rows = _png_rows(shot.read_bytes(), 400)
    assert (width, height) == (1400, 1000)
    channels = len(rows[0]) // width
    colours = Counter(bytes(row[i:i + 3]) for row in rows for i in range(0, len(row), channels * 4))
    background = colours.most_common(1)[0][1] / sum(colours.values())
    assert len(colours) > 20 and background < 0.9, (len(colours), background)


def _view(name: str, html: str, tmp_path: Path) -> str:
    """Saves ``html``, screenshots it under reports/test-output/``name``.png and returns the DOM Chromium built."""
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    _chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    _check_screenshot(shot)
    return _chromium(page, tmp_path / "profile", "--dump-dom").stdout


def _text(dom: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)).replace("&amp;", "&")


def _one_look(html: str) -> None:
    """Every page: the base layout and the one stylesheet, self-contained."""
    assert '<header class="top"><span class="brand">contractgate</span>' in html
    assert environment().loader.get_source(environment(), "style.css")[0].strip() in html
    assert not re.search(r"<(script|link|img)\b|\bsrc=|url\(", html)
    assert "overflow-wrap:anywhere" not in html and "break-all" not in html


@needs_browser
@pytest.mark.parametrize("failing", [False, True], ids=["passing", "failing"])
def test_the_gate_report(tmp_path, failing, capsys):
    args = ["--profile", "broken-conditional", "--api", "asleep-v3"] if failing else ["--api", "emogg"]
    code = main(["run", "--seed", "7", "--max-examples", "25", "--report-dir", str(tmp_path / "gate"), *args])
    capsys.readouterr()
    assert code == int(failing)
    html = (tmp_path / "gate" / "report.html").read_text()
    _one_look(html)
    text = _text(_view(f"gate-{'failing' if failing else 'passing'}", html, tmp_path))
    if failing:
        summary = (tmp_path / "gate" / "summary.md").read_text()
        pointers = set(re.findall(r"^\*\*error\*\* `[^`]+`.*? at `([^`]+)`", summary, re.M))
        assert "/result/stat" in pointers
        assert all(p in text for p in pointers)
        # The conditional rule shows why it applied: the trigger value with its pointer.
        assert "when /result/peculiarities" in text
        assert len(re.findall(r'<article class="finding error" id="f-', html)) == len(pointers)
    else:
        assert "PASSED" in text and "Every check held." in text


@needs_browser
def test_the_audit_report(tmp_path):
    [audit] = [a for a in audit_vendors(mock_pairs=3) if a.vendor == "Asleep"]
    html = audit_report.render_html(audit)
    _one_look(html)
    text = _text(_view("audit", html, tmp_path))
    pointers = {f.violation.pointer or "/" for d in audit.documents for ex in d.examples for f in ex.findings}
    assert pointers and all(p in text for p in pointers)
    assert "ASLEEP-V3-I116" in text


@needs_browser
def test_the_drift_report(tmp_path):
    target = Target.parse("embedded")
    baseline = record("asleep-v3", ids_of("asleep-v3")[:4], target, tmp_path / "baseline").folder
    volatile = load_volatile(DEFAULT_CONFIG, load_catalog().apis)
    drift = run_drift("asleep-v3", baseline, target, tmp_path / "new", volatile,
                      RecordOptions(profile="broken-conditional"))
    html = drift_report.render_html(drift)
    _one_look(html)
    text = _text(_view("drift", html, tmp_path))
    pointers = {v.pointer or "/" for c in drift.validation for v in c.violations}
    assert pointers and all(p in text for p in pointers)


def test_reports_escape_what_they_quote():
    from contractgate.findings import Violation
    from contractgate.reports.finding import FindingView
    from contractgate.reports.html import fragment

    v = Violation("R-1", "error", "invariant", "/a", "<script>x</script>", quote="a < b & c",
                  values={"/a": "<b>", "/when": 1})
    out = str(fragment("_macros.html", "finding", FindingView.of(v, anchor_id="f-1")))
    assert "<script>" not in out and "&lt;script&gt;" in out and "a &lt; b &amp; c" in out
    assert 'href="#f-1"' in out and "&#34;&lt;b&gt;&#34;" in out
