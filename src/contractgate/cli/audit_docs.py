"""``contractgate audit-docs``: the documents' own examples against schema and rules, with the conflicts."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.doc_examples import audit_docs as run_audit
from contractgate.errors import EXIT_OK
from contractgate.fileio import write_text_atomic
from contractgate.reports import doc_examples as audit_report


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text)
    else:
        write_text_atomic(out, text + "\n")


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


COMMANDS = [audit_docs]
