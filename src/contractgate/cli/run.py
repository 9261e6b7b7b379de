"""``contractgate run``: the gate. Property tests of every API against a target, with CI reports."""

from __future__ import annotations

import secrets as random_source
import sys
from pathlib import Path

import click

from contractgate.catalog import load_catalog
from contractgate.errors import EXIT_OK, EXIT_VIOLATION, ContractgateError
from contractgate.fileio import write_text_atomic
from contractgate.gate.config import GateConfig
from contractgate.gate.runner import run_gate
from contractgate.gate.target import Target
from contractgate.recordings.record import read_ids
from contractgate.reports import gate as report


@click.command()
@click.option("--target", default="embedded", show_default=True,
              help="'embedded' (the mock in-process), 'live' (the vendors) or a base URL serving the vendors "
                   "under the mock's prefixes (/asleep, /upheal, /emogg).")
@click.option("--api", "apis", multiple=True, help="Test only this API (repeatable). Default: all.")
@click.option("--max-examples", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Generated cases per operation and phase (a bound on requests to a live target).")
@click.option("--seed", type=click.IntRange(0), help="Replay the cases of an earlier run. Default: a new seed.")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Processes to spread the APIs over.")
@click.option("--profile", default="faithful", show_default=True,
              help="Mock drift profile for the embedded target (see `contractgate mock --list-profiles`).")
@click.option("--rate", type=click.FloatRange(0.1, 100), default=5.0, show_default=True,
              help="Requests per second to a remote target.")
@click.option("--strict", is_flag=True, help="Fail on warnings (inferred rules) too.")
@click.option("--max-response-time", type=click.FloatRange(0, min_open=True), metavar="SECONDS",
              help="Fail answers slower than this (Schemathesis's max_response_time check).")
@click.option("--ids", "ids_files", multiple=True, metavar="API=FILE",
              help="Session ids that exist on the target (one per line or a JSON list), mixed into the "
                   "positive cases so that they reach bodies; the mock's own are used for local targets.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where junit.xml, summary.md and report.html go.")
def run(target: str, apis: tuple[str, ...], max_examples: int, seed: int | None, workers: int, profile: str,
        rate: float, strict: bool, max_response_time: float | None, ids_files: tuple[str, ...],
        report_dir: Path) -> int:
    """Run the gate: Schemathesis property tests with every contract rule as a check.

    Exit 0 when every check holds, 1 on any error-severity failure, 2 on a usage or configuration error
    (nothing is sent then, e.g. a live target without credentials).
    """
    parsed = Target.parse(target)
    catalog = load_catalog()
    api_ids = [catalog.api(a).id for a in apis] or list(catalog.apis)
    if parsed.local:
        from contractgate.mock.profiles import get_profile

        get_profile(profile)
    seed = random_source.randbelow(2**31) if seed is None else seed
    cfg = GateConfig(target=parsed.name, seed=seed, max_examples=max_examples, profile=profile, rate=rate,
                     strict=strict, max_response_time=max_response_time, ids=_known_ids(ids_files))
    click.echo(f"contractgate run: target {parsed.name}, seed {seed} (replay with --seed {seed}), "
               f"{len(api_ids)} APIs, up to {max_examples} examples per operation")
    result = run_gate(cfg, api_ids, workers=workers, echo=lambda line: click.echo(line), live=sys.stdout.isatty())
    report_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(report_dir / "junit.xml", report.render_junit(result))
    write_text_atomic(report_dir / "summary.md", report.render_markdown(result))
    write_text_atomic(report_dir / "report.html", report.render_html(result))
    failures = sum(len(op.failures) + (op.error is not None) for op in result.operations)
    click.echo(f"{'PASSED' if result.ok else 'FAILED'}: {result.total_cases} cases, {failures} failures, "
               f"{result.duration_s:.1f} s; reports in {report_dir}/ (junit.xml, summary.md, report.html)")
    if not result.ok and sys.stdout.isatty():
        click.echo(f"open {report_dir / 'report.html'} for the failures and how to reproduce them")
    return EXIT_OK if result.ok else EXIT_VIOLATION


def _known_ids(values: tuple[str, ...]) -> dict[str, list[str]]:
    known: dict[str, list[str]] = {}
    for value in values:
        api_id, sep, path = value.partition("=")
        if not sep:
            raise ContractgateError(f"--ids takes API=FILE, got {value!r}")
        known[load_catalog().api(api_id).id] = read_ids(Path(path))
    return known


COMMANDS = [run]
