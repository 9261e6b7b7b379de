"""``contractgate spec-diff OLD.yaml NEW.yaml``: what changed between two versions of a spec, for an SDK."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.cli.diff import FORMAT_OPTION, OUT_OPTION, emit_report, exit_for
from contractgate.diff.spec import diff_specs
from contractgate.errors import ContractgateError
from contractgate.spec import load_document


@click.command("spec-diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@FORMAT_OPTION
@OUT_OPTION
def spec_diff(old: Path, new: Path, fmt: str, out: Path | None) -> int:
    """Compare two OpenAPI documents as an API consumer: operations, parameters, response statuses and the
    bodies it receives (responses, webhook deliveries), classified like `contractgate diff`.

    Exit 0 when nothing is breaking, 1 when something is, 2 when a document cannot be read.
    """
    documents = []
    for path in (old, new):
        document = load_document(path)
        if "openapi" not in document:
            raise ContractgateError(f"{path}: not an OpenAPI document (no 'openapi' key)")
        documents.append(document)
    changes = diff_specs(*documents, names=(str(old), str(new)))
    emit_report(changes, fmt, f"Spec diff: {old} -> {new}", out)
    return exit_for(changes)


COMMANDS = [spec_diff]
