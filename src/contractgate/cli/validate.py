"""``contractgate validate API OPERATION FILE...``: recorded payloads against the operation's contract."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.baseline import load_baseline
from contractgate.catalog import load_catalog
from contractgate.cli.output import error_line
from contractgate.payload import DEFAULT_MAX_BYTES
from contractgate.reports.coverage import coverage_line
from contractgate.reports.validation import render_json, render_text
from contractgate.spec import DEFAULT_STATUS
from contractgate.validate import (
    apply_baseline,
    checker_for,
    exit_code,
    rule_coverage,
    seen_fingerprints,
    validate_files,
)


@click.command()
@click.argument("api")
@click.argument("operation")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--status", default=DEFAULT_STATUS, show_default=True,
              help="Response status whose schema applies (webhooks: the request body, always).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse larger files.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Known deviations (as written by `contractgate run --update-baseline`): reported, not failing.")
def validate(api: str, operation: str, files: tuple[str, ...], status: str, fmt: str, strict: bool,
             max_bytes: int, baseline: Path | None) -> int:
    """Check payload files (response bodies; for a webhook, request bodies) against API OPERATION.

    Exit 0 when every file conforms, 1 on any error-severity violation, 2 when an argument is wrong or a
    file cannot be read (the other files are still checked and reported).
    """
    load_catalog().operation(api, operation)  # unknown ids: a usage error before any file is read
    known = load_baseline(baseline) if baseline is not None else None
    checker = checker_for(api, operation, status)
    results = validate_files(checker, files, max_bytes=max_bytes, strict=strict)
    if known is not None:
        results = apply_baseline(results, known, checker)
    for result in results:
        if result.error is not None:
            error_line(f"{result.file}: {result.error}")
    coverage = rule_coverage(results, checker)
    if fmt == "json":
        click.echo(render_json(results, coverage))
    else:
        text = render_text([r for r in results if r.error is None])
        if text:
            click.echo(text)
        if sum(r.error is None for r in results) > 1 and (line := coverage_line(coverage, "these files")):
            click.echo(f"rules: {line}")  # over a folder of payloads: which of the promises they put to the test
    if known is not None:
        triage = known.triage(seen_fingerprints(results, checker))
        click.echo(f"baseline {baseline}: {sum(len(r.known) for r in results)} known findings, "
                   f"{len(triage.resolved)} entries not seen in these files", err=True)
    return exit_code(results)


COMMANDS = [validate]
