"""``contractgate run``: the gate. Property tests of every API against a target, with CI reports."""

from __future__ import annotations

import secrets as random_source
import sys
from pathlib import Path
from typing import Any

import click

from contractgate.baseline import Baseline, load_baseline, save_baseline
from contractgate.catalog import load_catalog
from contractgate.cli.output import error_line
from contractgate.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, ContractgateError
from contractgate.fileio import check_folder, write_text_atomic
from contractgate.gate.config import GateConfig, split_pairs
from contractgate.gate.results import GateResult
from contractgate.gate.runner import run_gate
from contractgate.gate.target import Target
from contractgate.recorder import read_ids, recorded_sessions
from contractgate.recordings import load_folder
from contractgate.reports import gate as report
from contractgate.settings import load_run_defaults


def _load_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """Eager: the config file's settings become the defaults, so that every flag given still wins."""
    used, defaults = load_run_defaults(value)
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    ctx.meta["contractgate.config"] = used
    return used


@click.command()
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), is_eager=True, expose_value=False,
              callback=_load_config, help="Settings file. Default: ./contractgate.toml, else [tool.contractgate] "
                                          "in ./pyproject.toml.")
@click.option("--target", default="embedded", show_default=True,
              help="'embedded' (the mock in-process), 'live' (the vendors) or a base URL serving the vendors "
                   "under the mock's prefixes (/asleep, /upheal, /emogg).")
@click.option("--base-url", "base_urls", multiple=True, metavar="API=URL",
              help="Serve API from URL with the vendor's own paths, no prefix (repeatable); selects that API "
                   "and treats it as a real vendor (credentials from the environment, rate limit, reads only).")
@click.option("--api", "apis", multiple=True, help="Test only this API (repeatable). Default: all.")
@click.option("--max-examples", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Generated cases per operation and phase (a bound on requests to a live target).")
@click.option("--seed", type=click.IntRange(0), help="Replay the cases of an earlier run. Default: a new seed.")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Processes to spread the APIs over.")
@click.option("--profile", default="faithful", show_default=True,
              help="Mock drift profile (see `contractgate mock --list-profiles`); the mock only.")
@click.option("--rate", type=click.FloatRange(0.1, 100), default=5.0, show_default=True,
              help="Requests per second to a remote target.")
@click.option("--strict", is_flag=True, help="Fail on warnings (inferred rules) too.")
@click.option("--max-response-time", type=click.FloatRange(0, min_open=True), metavar="SECONDS",
              help="Fail answers slower than this (Schemathesis's max_response_time check).")
@click.option("--max-response-bytes", type=click.IntRange(1024), default=10 * 1024 * 1024, show_default=True,
              help="Largest answer read from a remote target (on the wire and decoded).")
@click.option("--deadline", type=click.FloatRange(0.1), default=30.0, show_default=True, metavar="SECONDS",
              help="Longest whole exchange (connect, headers, body) with a remote target.")
@click.option("--ids", "ids_files", multiple=True, metavar="API=PATH",
              help="Session ids that exist on the target (a file: one per line or a JSON list; or a recording "
                   "folder of `contractgate record`, whose answers order the ids so that every rule is "
                   "exercised early), used by the positive cases; the mock's own are used for the mock.")
@click.option("--exclude-checks", multiple=True, metavar="CHECK", help="Do not run this check (repeatable).")
@click.option("--require-coverage", is_flag=True,
              help="Fail when a documented rule was exercised by no answer (its condition never held).")
@click.option("--max-failures", type=click.IntRange(1), default=100, show_default=True,
              help="Distinct failures after which nothing more is sent (a broken target ends the run).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Known deviations (YAML): they are reported as known and do not fail the run.")
@click.option("--update-baseline", is_flag=True,
              help="Write every failure of this run into --baseline (keeping reasons and dates), exit 0.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where junit.xml, summary.md and report.html go.")
@click.pass_context
def run(ctx: click.Context, target: str, base_urls: tuple[str, ...], apis: tuple[str, ...], max_examples: int,
        seed: int | None, workers: int, profile: str, rate: float, strict: bool, max_response_time: float | None,
        max_response_bytes: int, deadline: float, ids_files: tuple[str, ...], exclude_checks: tuple[str, ...],
        require_coverage: bool, max_failures: int, baseline: Path | None, update_baseline: bool,
        report_dir: Path) -> int:
    """Run the gate: Schemathesis property tests with every contract rule as a check.

    Exit 0 when every check holds (or every failure is a known one of --baseline), 1 on a new error-severity
    failure, 2 on a usage or configuration error or an unreachable target (nothing is sent on a usage error,
    e.g. a live target without credentials).
    """
    catalog = load_catalog()
    check_folder(report_dir)  # a report that cannot be written would waste the whole run: said before it
    if update_baseline and baseline is None:
        raise click.UsageError("--update-baseline needs --baseline FILE")
    if baseline is not None and not update_baseline and not baseline.is_file():
        raise click.UsageError(f"--baseline {baseline}: no such file (create it with --update-baseline)")
    natives = {catalog.api(a).id: url for a, url in split_pairs(base_urls, "--base-url").items()}
    parsed = Target.parse(target, natives)
    seed = random_source.randbelow(2**31) if seed is None else seed
    known, answers = _known_ids(ids_files)
    cfg = GateConfig(target=parsed.name, base_urls=natives, apis=tuple(catalog.api(a).id for a in apis), seed=seed,
                     max_examples=max_examples, profile=profile, rate=rate, strict=strict,
                     max_response_time=max_response_time, max_response_bytes=max_response_bytes, deadline=deadline,
                     ids=known, id_answers=answers, exclude_checks=exclude_checks, max_failures=max_failures,
                     require_coverage=require_coverage,
                     baseline=baseline if baseline is not None and baseline.is_file() else None)
    used = ctx.meta.get("contractgate.config")
    click.echo(f"contractgate run: target {_target_words(parsed)}, seed {seed} (replay with --seed {seed}), "
               f"up to {max_examples} examples per operation{f'; settings from {used}' if used else ''}")
    result = run_gate(cfg, workers=workers, echo=lambda line: click.echo(line), live=sys.stdout.isatty())
    _write_reports(result, report_dir)
    if result.unreachable:
        for line in result.unreachable:
            error_line(line)
        return EXIT_USAGE
    if update_baseline and baseline is not None:
        return _update(baseline, result)
    _summary(result, report_dir)
    return EXIT_OK if result.ok else EXIT_VIOLATION


def _target_words(target: Target) -> str:
    natives = ", ".join(f"{api}={url}" for api, url in target.base_urls)
    return f"{target.name}{f' (base URLs: {natives})' if natives else ''}"


def _write_reports(result: GateResult, report_dir: Path) -> None:
    write_text_atomic(report_dir / "junit.xml", report.render_junit(result))
    write_text_atomic(report_dir / "summary.md", report.render_markdown(result))
    write_text_atomic(report_dir / "report.html", report.render_html(result))


def _update(path: Path, result: GateResult) -> int:
    current = load_baseline(path) if path.is_file() else Baseline()
    updated = current.updated(fp for op in result.operations for fp in op.failures)
    save_baseline(updated, path)
    added = len({e.fingerprint for e in updated.entries} - {e.fingerprint for e in current.entries})
    dropped = len(current.entries) - (len(updated.entries) - added)
    click.echo(f"baseline {path}: {len(updated.entries)} known deviations ({added} added, {dropped} no longer seen "
               "and removed); give each a reason, and an expires date where it should be fixed")
    return EXIT_OK


def _summary(result: GateResult, report_dir: Path) -> None:
    """The verdict, and each new distinct failure on a line of its own: a CI log says what broke."""
    for op in result.operations:
        if op.error:
            click.echo(f"  ERROR {op.api_id} {op.operation_id}: {op.error}")
        for failure in result.new_failures(op):
            where = f" at {failure.pointer}" if failure.pointer else ""
            status = f" [{failure.status}]" if failure.status else ""
            message = " ".join(failure.message.split())
            click.echo(f"  FAIL  {op.api_id} {op.operation_id}{status} {failure.rule}{where}: "
                       f"{message[:140]}{'...' if len(message) > 140 else ''}")
    if result.stopped:
        click.echo(f"  {result.stopped}")
    for op in result.operations:
        if not op.rule_coverage:
            continue
        missing = op.rule_coverage.unexercised()
        exercised = len(op.rule_coverage.counts) - len(missing)
        click.echo(f"  rules {op.api_id}: {exercised} of {len(op.rule_coverage.counts)} exercised"
                   + (f"; not exercised: {', '.join(missing)}" if missing else ""))
        if result.require_coverage and (documented := op.rule_coverage.unexercised(documented=True)):
            click.echo(f"  FAIL  {op.api_id}: documented rules no answer exercised (--require-coverage): "
                       f"{', '.join(documented)}")
    new = sum(len(result.new_failures(op)) + (op.error is not None) for op in result.operations)
    known = sum(len(result.known_failures(op)) for op in result.operations)
    extra = f", {known} known (baseline)" if result.triage is not None else ""
    if result.triage is not None and result.triage.resolved:
        extra += f", {len(result.triage.resolved)} baseline entries no longer seen"
    methods = ", ".join(f"{m} {n}" for m, n in sorted(result.methods().items()))
    click.echo(f"{'PASSED' if result.ok else 'FAILED'}: {result.total_cases} cases, {new} failures{extra}, "
               f"{result.duration_s:.1f} s; requests sent: {methods or 'none'}; reports in {report_dir}/ "
               "(junit.xml, summary.md, report.html)")
    if not result.ok:
        click.echo(f"the full report, with how to reproduce each failure: {report_dir / 'report.html'}")


def _known_ids(values: tuple[str, ...]) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """API -> ids, from an ids file or a recording folder; for a folder also id -> its recorded 200 body, so
    that the ids whose answers exercise the most rules go first."""
    ids: dict[str, list[str]] = {}
    answers: dict[str, dict[str, Any]] = {}
    for api_id, value in split_pairs(values, "--ids").items():
        api = load_catalog().api(api_id)
        path = Path(value)
        if not path.is_dir():
            ids[api.id] = read_ids(path)
            continue
        sessions = recorded_sessions(load_folder(path).interactions, api)
        found = {session_id: i.payload for session_id, i in sessions.items() if i.response.status == 200}
        if not found:
            raise ContractgateError(f"--ids {api.id}={path}: no {api.id} recording answered 200 in that folder")
        ids[api.id] = list(found)
        answers[api.id] = found
    return ids, answers


COMMANDS: list[Any] = [run]
