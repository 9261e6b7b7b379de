"""``contractgate rules``: every contract rule, as text, JSON or Markdown (docs/rules.md)."""

from __future__ import annotations

import click

from contractgate import mutation
from contractgate.catalog import load_catalog
from contractgate.errors import EXIT_OK
from contractgate.reports import rules as rules_report
from contractgate.rules import all_rules
from contractgate.yamlfile import load_yaml


@click.command()
@click.argument("api", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def rules(api: str | None, fmt: str) -> int:
    """List every contract rule (of API, default all): id, severity, basis, title and source."""
    if api is not None:
        load_catalog().api(api)
    selected = [r for r in all_rules() if api is None or r.api_id == api]
    if fmt == "md":
        root = load_catalog().root
        scores = load_yaml(root / mutation.SCORES_FILE) if (root / mutation.SCORES_FILE).exists() else None
        reviewed = load_yaml(root / mutation.REVIEWED_FILE) if (root / mutation.REVIEWED_FILE).exists() else None
        click.echo(rules_report.render_markdown(selected, scores, f"specs/{mutation.SCORES_FILE}",
                                                f"specs/{mutation.REVIEWED_FILE}", reviewed))
        return EXIT_OK
    renderer = {"text": rules_report.render_text, "json": rules_report.render_json}[fmt]
    click.echo(renderer(selected))
    return EXIT_OK


COMMANDS = [rules]
