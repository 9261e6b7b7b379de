"""``contractgate rules``: every contract rule, as text, JSON or Markdown."""

from __future__ import annotations

import click

from contractgate.catalog import load_catalog
from contractgate.errors import EXIT_OK
from contractgate.reports import rules as rules_report
from contractgate.rules import all_rules


@click.command()
@click.argument("api", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def rules(api: str | None, fmt: str) -> int:
    """List every contract rule (of API, default all): id, severity, basis, title and source."""
    if api is not None:
        load_catalog().api(api)
    selected = [r for r in all_rules() if api is None or r.api_id == api]
    renderer = {"text": rules_report.render_text, "json": rules_report.render_json,
                "md": rules_report.render_markdown}[fmt]
    click.echo(renderer(selected))
    return EXIT_OK


COMMANDS = [rules]
