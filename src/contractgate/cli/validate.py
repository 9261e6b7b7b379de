"""``contractgate validate API OPERATION FILE...``: recorded payloads against the operation's contract."""

from __future__ import annotations

import click

from contractgate.catalog import load_catalog
from contractgate.payload import DEFAULT_MAX_BYTES
from contractgate.reports.validation import render_json, render_text
from contractgate.spec import DEFAULT_STATUS
from contractgate.validate import checker_for, exit_code, validate_files


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
def validate(api: str, operation: str, files: tuple[str, ...], status: str, fmt: str, strict: bool,
             max_bytes: int) -> int:
    """Check payload files (response bodies; for a webhook, request bodies) against API OPERATION.

    Exit 0 when every file conforms, 1 on any error-severity violation, 2 when an argument is wrong or a
    file cannot be read (the other files are still checked and reported).
    """
    load_catalog().operation(api, operation)  # unknown ids: a usage error before any file is read
    results = validate_files(checker_for(api, operation, status), files, max_bytes=max_bytes)
    for result in results:
        if result.error is not None:
            click.echo(f"contractgate: error: {result.file}: {result.error}", err=True)
    if fmt == "json":
        click.echo(render_json(results))
    else:
        text = render_text([r for r in results if r.error is None])
        if text:
            click.echo(text)
    return exit_code(results, strict=strict)


COMMANDS = [validate]
