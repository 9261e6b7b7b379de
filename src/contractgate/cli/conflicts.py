"""``contractgate conflicts``: the documents' recorded contradictions, rendered (specs/DOC-CONFLICTS.md)."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.catalog import load_catalog
from contractgate.conflicts import all_conflicts
from contractgate.errors import EXIT_OK
from contractgate.fileio import write_text_atomic
from contractgate.reports.conflicts import render_markdown


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (e.g. specs/DOC-CONFLICTS.md) instead of stdout.")
def conflicts(out: Path | None) -> int:
    """Render specs/DOC-CONFLICTS.md from every API's conflicts.yaml."""
    catalog = load_catalog()
    text = render_markdown(catalog, all_conflicts(catalog)) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(out, text)
    return EXIT_OK


COMMANDS = [conflicts]
