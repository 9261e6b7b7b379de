"""``contractgate rules`` and ``contractgate audit-docs``: the rules, and the documents audited by them."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.audit import audit_docs as run_audit
from contractgate.catalog import load_catalog
from contractgate.errors import EXIT_OK
from contractgate.fileio import write_text_atomic
from contractgate.reports import audit_docs as audit_report
from contractgate.reports import rules as rules_report
from contractgate.rules import all_rules


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text)
    else:
        write_text_atomic(out, text + "\n")


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


@click.command("audit-docs")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def audit_docs(fmt: str, out: Path | None) -> int:
    """Check every example embedded in the specs against schema and rules, per vendor, with the conflicts.

    The documents' examples breaking rules are findings of this report, not failures: exit 0.
    """
    audits = run_audit()
    _emit(audit_report.render_markdown(audits) if fmt == "md" else audit_report.render_json(audits), out)
    return EXIT_OK


COMMANDS = [rules, audit_docs]
