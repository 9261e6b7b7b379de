"""``contractgate diff OLD NEW``: what changed in behaviour between two payloads or recording folders, for an SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from contractgate.catalog import Catalog, load_catalog
from contractgate.cli.output import error_line
from contractgate.diff.behaviour import diff_payloads, diff_recordings
from contractgate.diff.change import Change, has_breaking
from contractgate.diff.infer import Candidate, infer_candidate
from contractgate.diff.volatile import DEFAULT_CONFIG, Volatile, load_volatile
from contractgate.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, ContractgateError, InputError
from contractgate.fileio import write_text_atomic
from contractgate.payload import DEFAULT_MAX_BYTES, read_payload
from contractgate.recordings import load_folder, match
from contractgate.reports.diff import render
from contractgate.spec import DEFAULT_STATUS, load_spec, payload_schema_or_none

FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]), default="text",
                       show_default=True)
OUT_OPTION = click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                    help="Write the report here (atomically) instead of stdout.")



def emit_report(changes: list[Change], fmt: str, title: str, out: Path | None) -> None:
    text = render(changes, fmt, title)
    if out is None:
        click.echo(text.rstrip("\n"))
    else:
        write_text_atomic(out, text if text.endswith("\n") else text + "\n")


def exit_for(changes: list[Change]) -> int:
    return EXIT_VIOLATION if has_breaking(changes) else EXIT_OK


def _payload_schema(catalog: Catalog, api_id: str, operation_id: str | None, status: str) -> Any:
    api = catalog.api(api_id)
    if operation_id is None:
        if len(api.operations) != 1:
            raise click.UsageError(f"{api_id} has several operations: name one with --operation")
        [operation_id] = api.operations
    operation = api.operation(operation_id)
    return load_spec(api_id).payload_schema(operation, status)


def _candidates(catalog: Catalog, status: str) -> list[Candidate]:
    """Every operation of every API with a JSON payload at ``status`` (a webhook's: its request body)."""
    out = []
    for api in catalog.apis.values():
        for operation_id in api.operations:
            if (schema := payload_schema_or_none(api.id, operation_id, status)) is not None:
                out.append(Candidate(api.id, operation_id, schema))
    return out


def _inferred(catalog: Catalog, payloads: list[Any], status: str) -> tuple[str | None, Any]:
    """The API and payload schema the payloads fit; or None, and a note on stderr that enum checks are skipped
    (silence would read as "no new enum values")."""
    found = infer_candidate(payloads, _candidates(catalog, status))
    if found is None:
        click.echo(f"contractgate: note: enum checks skipped: the payloads fit no single API's {status} schema; "
                   "name it with --api API (and --operation, --status)", err=True)
        return None, None
    return found.api, found.schema


def _diff_files(old: Path, new: Path, volatile: Volatile, catalog: Catalog, api: str | None,
                operation: str | None, status: str, max_bytes: int) -> list[Change] | None:
    schema = _payload_schema(catalog, api, operation, status) if api is not None else None
    payloads = []
    for path in (old, new):
        try:
            payloads.append(read_payload(path, max_bytes))
        except InputError as exc:
            error_line(f"{exc.file}: {exc.cause}")
    if len(payloads) < 2:
        return None
    if api is None:
        if operation is not None:
            raise click.UsageError("--operation needs --api")
        api, schema = _inferred(catalog, payloads, status)
    return diff_payloads(*payloads, schema=schema, ignored=volatile.for_api(api))


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@FORMAT_OPTION
@OUT_OPTION
@click.option("--ignore", "ignored", multiple=True, metavar="POINTER",
              help="Ignore value changes at POINTER and below (* for any array position or key). Repeatable.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="Volatile-fields file replacing the packaged default (contractgate/diff/volatile.yaml).")
@click.option("--api", help="Payload files only: their API (for its enums and volatile fields); inferred from "
              "the payloads when exactly one API's schema fits.")
@click.option("--operation", help="Payload files only: their operation (default: the API's only one).")
@click.option("--status", default=DEFAULT_STATUS, show_default=True,
              help="Payload files only: the response status they are bodies of.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse larger files.")
def diff(old: Path, new: Path, fmt: str, out: Path | None, ignored: tuple[str, ...], config: Path | None,
         api: str | None, operation: str | None, status: str, max_bytes: int) -> int:
    """Compare what an SDK receives in OLD and NEW: two payload files, or two recording folders whose
    interactions are matched by request (docs/recordings.md).

    Each change is breaking, potentially-breaking or non-breaking for an SDK (docs/changes.md). Exit 0 when
    nothing is breaking, 1 when something is, 2 on a usage or input error. An unreadable recording is one
    line on stderr and is left out; the diff of the others is still written, and the exit code is 2.
    """
    catalog = load_catalog()
    volatile = load_volatile(config or DEFAULT_CONFIG, catalog.apis).with_pointers(ignored)
    missing = [p for p in (old, new) if not p.exists()]
    for path in missing:
        error_line(f"{path}: no such file or folder")
    if missing:
        return EXIT_USAGE
    folders = old.is_dir(), new.is_dir()
    if folders[0] != folders[1]:
        folder, other = (old, new) if folders[0] else (new, old)
        raise ContractgateError(f"{folder} is a folder but {other} is not: give two payload files or two "
                                "recording folders")
    title = f"Behaviour diff: {old} -> {new}"
    if not folders[0]:
        changes = _diff_files(old, new, volatile, catalog, api, operation, status, max_bytes)
        if changes is None:
            return EXIT_USAGE
        emit_report(changes, fmt, title, out)
        return exit_for(changes)
    if api is not None or operation is not None:
        raise click.UsageError("--api and --operation apply to payload files; a recording names its own")
    before, after = load_folder(old, max_bytes), load_folder(new, max_bytes)
    for error in (*before.errors, *after.errors):
        error_line(f"{error.file}: {error.cause}")
    changes = diff_recordings(match(before.interactions, after.interactions), schema_for=payload_schema_or_none,
                              volatile=volatile)
    emit_report(changes, fmt, title, out)
    return EXIT_USAGE if before.errors or after.errors else exit_for(changes)


COMMANDS = [diff]
