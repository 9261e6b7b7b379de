"""``contractgate lint``: the specs themselves (OpenAPI validity, references, every example against its contract)."""

from __future__ import annotations

import click

from contractgate.catalog import load_catalog
from contractgate.errors import EXIT_OK, EXIT_VIOLATION
from contractgate.lint import lint as run_lint

_MARK = {"ok": "ok   ", "known": "known", "error": "FAIL "}


@click.command()
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
def lint(quiet: bool) -> int:
    """Check that every spec is valid OpenAPI 3.1, every $ref resolves and every example meets its contract.

    Examples are checked against their schema and the error-severity (documented) rules; an example that
    fails but is explained by a conflicts.yaml entry is reported as 'known'. Warnings from inferred rules
    are for `contractgate audit-docs`.
    Exit 1 when anything else fails.
    """
    findings = run_lint(load_catalog())
    for f in findings:
        if not quiet or f.outcome == "error":
            click.echo(f"{_MARK[f.outcome]} {f.subject}: {f.message}")
    errors = sum(f.outcome == "error" for f in findings)
    known = sum(f.outcome == "known" for f in findings)
    click.echo(f"{len(findings)} checked, {errors} failed, {known} known document conflicts")
    return EXIT_VIOLATION if errors else EXIT_OK


COMMANDS = [lint]
