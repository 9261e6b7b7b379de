"""What every command prints the same way: an error line (one per problem, on stderr)."""

from __future__ import annotations

import click


def error_line(message: str) -> None:
    """``contractgate: error: MESSAGE`` on stderr: the one shape of every usage or input error."""
    click.echo(f"contractgate: error: {message}", err=True)
