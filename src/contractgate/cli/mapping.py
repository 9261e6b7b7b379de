"""``contractgate mapping check|compare NAME``: a field mapping against the specs, and payload pairs against it."""

from __future__ import annotations

import click

from contractgate.cli.output import error_line
from contractgate.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, InputError
from contractgate.mapping.compare import compare_documents
from contractgate.mapping.model import load_mapping
from contractgate.mapping.static import inventories_for, run_check
from contractgate.payload import DEFAULT_MAX_BYTES, read_payload
from contractgate.reports.mapping import (
    render_check_json,
    render_check_text,
    render_compare_json,
    render_compare_text,
)

_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.group()
def mapping() -> None:
    """Field mappings between API versions (specs/mappings/NAME.yaml, format in docs/mapping.md)."""


@mapping.command()
@click.argument("name")
@_FORMAT
@click.option("--strict", is_flag=True, help="Fail on warnings (stale notes, unknown sources) too.")
def check(name: str, fmt: str, strict: bool) -> int:
    """Check mapping NAME against both specs: every pointer exists, types, nullability and enum values fit,
    and no field of either spec is left out.

    One line per problem, with its check id. Exit 0 when none (warnings aside), 1 otherwise, 2 when the
    mapping file or a spec cannot be read.
    """
    result = run_check(load_mapping(name))
    failed = result.failed(strict)
    click.echo(render_check_json(result, not failed) if fmt == "json" else render_check_text(result))
    return EXIT_VIOLATION if failed else EXIT_OK


@mapping.command()
@click.argument("name")
@click.option("--v1", "v1_file", required=True, type=click.Path(), help="The v1 payload (a callback body).")
@click.option("--v3", "v3_file", required=True, type=click.Path(), help="The v3 payload of the same session.")
@_FORMAT
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse larger files.")
def compare(name: str, v1_file: str, v3_file: str, fmt: str, max_bytes: int) -> int:
    """Compare a v1 payload and a v3 payload of the same session through mapping NAME.

    Each drift names both pointers, both values and its kind (value_mismatch, null_mismatch, missing,
    enum_unmapped, type_changed); in JSON the value of an absent side is left out. Exit 0 when there is no
    drift, 1 on drift, 2 when an argument is wrong or a file cannot be read (one line each on stderr).
    """
    mapping_file = load_mapping(name)  # an unknown name is a usage error before any file is read
    documents, failed = {}, False
    for side, file in (("v1", v1_file), ("v3", v3_file)):
        try:
            documents[side] = read_payload(file, max_bytes=max_bytes)
        except InputError as exc:
            error_line(f"{exc.file}: {exc.cause}")
            failed = True
    if failed:
        return EXIT_USAGE
    v1, v3 = inventories_for(mapping_file)
    try:
        comparison = compare_documents(mapping_file, documents["v1"], documents["v3"], v1, v3, v1_file, v3_file)
    except InputError as exc:
        error_line(f"{exc.file}: {exc.cause}")
        return EXIT_USAGE
    click.echo(render_compare_json(comparison) if fmt == "json" else render_compare_text(comparison))
    return EXIT_OK if comparison.ok else EXIT_VIOLATION


COMMANDS = [mapping]
