"""``contractgate observed``: what a recording folder shows against its spec (docs/recordings.md)."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.catalog import load_catalog
from contractgate.cli.output import error_line
from contractgate.errors import EXIT_OK, EXIT_USAGE
from contractgate.fileio import write_text_atomic
from contractgate.payload import DEFAULT_MAX_BYTES


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--api", "api_id", help="Only this API's recordings.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (atomically) instead of stdout.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse larger files.")
def observed(folder: Path, api_id: str | None, fmt: str, out: Path | None, max_bytes: int) -> int:
    """What a recording folder shows against its spec: documented-nullable fields never null, documented
    values never seen, fields the spec does not document, documented fields never present, and how often
    each rule was violated. Evidence for tightening or loosening a spec, not a verdict.

    Exit 0, or 2 on a usage or input error (an unreadable recording is one line on stderr and is left out).
    """
    from contractgate.observed import observe_folder
    from contractgate.reports.observed import render

    if api_id is not None:
        load_catalog().api(api_id)
    report = observe_folder(folder, api_id, max_bytes)
    for error in report.errors:
        error_line(str(error))
    text = render(report, fmt)
    if out is None:
        click.echo(text.rstrip("\n"))
    else:
        write_text_atomic(out, text if text.endswith("\n") else text + "\n")
    return EXIT_USAGE if report.errors else EXIT_OK


COMMANDS = [observed]
