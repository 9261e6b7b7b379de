"""``contractgate record``: fetch a target's answers and keep each as a recording (docs/recordings.md).

The request options here are shared with ``contractgate drift``, which records too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from contractgate.catalog import load_catalog
from contractgate.cli.output import error_line
from contractgate.errors import EXIT_OK, EXIT_USAGE
from contractgate.fileio import check_folder
from contractgate.gate.target import Target
from contractgate.mock.profiles import DEFAULT_PROFILE
from contractgate.payload import DEFAULT_MAX_BYTES
from contractgate.recorder import (
    RecordOptions,
    RecordResult,
    from_receiver,
    read_ids,
    rest_operation,
    sample,
)
from contractgate.recorder import record as record_ids
from contractgate.secrets import Masker

F = TypeVar("F", bound=Callable[..., Any])


def _pairs(separator: str, example: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]],
                                                     tuple[tuple[str, str], ...]]:
    def parse(_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        pairs = []
        for value in values:
            name, found, rest = value.partition(separator)
            if not found or not name.strip():
                raise click.BadParameter(f"expected {example}, got {value!r}", param=param)
            pairs.append((name.strip(), rest.strip()))
        return tuple(pairs)

    return parse


REQUEST_OPTIONS = [
    click.option("--target", default="embedded", show_default=True,
                 help="'embedded' (the mock in-process), 'live' (the vendor, credentials from the environment) or "
                      "a base URL serving the vendors under the mock's prefixes (the mock on a port)."),
    click.option("--profile", default=DEFAULT_PROFILE, show_default=True,
                 help="Mock drift profile (embedded target only; see `contractgate mock --list-profiles`)."),
    click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
                 help="The mock's seed (embedded target; also the ids `record --sample` draws)."),
    click.option("--rate", type=click.FloatRange(0.1, 100), default=5.0, show_default=True,
                 help="Requests per second to a target on a port or the vendor."),
    click.option("--timeout", type=click.FloatRange(0.1, 300), default=10.0, show_default=True,
                 help="Seconds to wait for an answer."),
    click.option("--max-response-bytes", type=click.IntRange(1024), default=DEFAULT_MAX_BYTES, show_default=True,
                 help="Largest answer read (on the wire and decoded); a larger one is not recorded."),
    click.option("--deadline", type=click.FloatRange(0.1), default=30.0, show_default=True, metavar="SECONDS",
                 help="Longest whole exchange (connect, headers, body); a slower answer is not recorded."),
    click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", callback=_pairs(":", "'NAME: VALUE'"),
                 help="Send this header with every request (repeatable)."),
    click.option("--query", "query", multiple=True, metavar="NAME=VALUE", callback=_pairs("=", "NAME=VALUE"),
                 help="Add this query parameter to every request (repeatable)."),
    click.option("--mask-header", "mask_headers", multiple=True, metavar="NAME",
                 help="Mask this header's value in recordings and reports (credentials always are). Repeatable."),
    click.option("--mask-query", "mask_query", multiple=True, metavar="NAME",
                 help="Mask this query parameter's value in recordings and reports. Repeatable."),
]


def request_options(command: F) -> F:
    for option in reversed(REQUEST_OPTIONS):
        command = option(command)
    return command


def record_options(force: bool = False, keep_identifiers: bool = False, **given: Any) -> RecordOptions:
    """The request options of either command (``REQUEST_OPTIONS``), as the engine's RecordOptions."""
    return RecordOptions(force=force, keep_identifiers=keep_identifiers, **given)


def _tally(statuses: Counter[int]) -> str:
    """`` (200: 12, 404: 1)``: the statuses of the new recordings, nothing when there are none."""
    return f" ({', '.join(f'{status}: {n}' for status, n in sorted(statuses.items()))})" if statuses else ""


def warn_credentials(result: RecordResult) -> None:
    if refused := result.statuses[401] + result.statuses[403]:
        click.echo(f"contractgate: warning: {refused} answers were 401 or 403: check the credentials", err=True)



@click.command()
@click.option("--api", "api_id", help="API to record (a REST API of specs/catalog.yaml).")
@click.option("--ids", "ids_file", type=click.Path(path_type=Path),
              help="File of session ids to fetch: one per line (# comments allowed) or a JSON list.")
@click.option("--sample", "sample_count", type=click.IntRange(1, 10_000),
              help="Fetch N ids the mock has (a local target only).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Recording folder (created if needed); ids already recorded in it are skipped.")
@click.option("--force", is_flag=True, help="Fetch and replace ids already recorded in --out.")
@click.option("--from-receiver", "store", type=click.Path(file_okay=False, path_type=Path),
              help="Instead of fetching: convert the deliveries of a `contractgate receive` store.")
@click.option("--keep-identifiers", is_flag=True,
              help="Keep x-user-id and user_id values as they are (default: a keyed pseudonym, user-<12 hex>). "
                   "The recording then holds personal data: do not share it.")
@request_options
def record(api_id: str | None, ids_file: Path | None, sample_count: int | None, out: Path, force: bool,
           store: Path | None, keep_identifiers: bool, target: str, **request: Any) -> int:
    """Fetch sessions from a target and keep each answer as a recording: one JSON document per interaction
    (docs/recordings.md), credentials masked, written atomically.

    Run again to resume an interrupted recording: ids whose recording exists are not fetched again. Exit 0
    when every id is recorded, 2 on a usage or input error (nothing is sent, e.g. a live target without
    credentials), when the target stops answering (what was recorded stays) or when an answer was past a
    bound (--max-response-bytes, --deadline: that id is not recorded, one line each, the others are).
    """
    if store is not None:
        if api_id or ids_file or sample_count:
            raise click.UsageError("--from-receiver converts a receiver store: it takes no --api, --ids or --sample")
        masker = Masker.from_env(extra_headers=request["mask_headers"], pseudonymize=not keep_identifiers)
        result = from_receiver(store, check_folder(out), masker)
        click.echo(f"contractgate record: {store} into {out}: {result.already} already converted, "
                   f"{len(result.written)} new{_tally(result.statuses)}; "
                   f"{result.unusable} entries without JSON body or metadata left out")
        return EXIT_OK
    if not api_id:
        raise click.UsageError("--api is required (or --from-receiver STORE)")
    if (ids_file is None) == (sample_count is None):
        raise click.UsageError("give the ids with --ids FILE or --sample N (one of them)")
    parsed = Target.parse(target)
    api = load_catalog().api(api_id)
    rest_operation(api)  # a webhook is refused before its ids are looked for
    ids = read_ids(ids_file) if ids_file is not None else sample(api, parsed, sample_count or 0, request["seed"])
    options = record_options(force, keep_identifiers, **request)
    result = record_ids(api.id, ids, parsed, check_folder(out), options)
    click.echo(f"contractgate record: {api.id} from {parsed.name} into {out}: {len(set(ids))} ids, "
               f"{result.already} already recorded, {len(result.written)} new{_tally(result.statuses)}")
    warn_credentials(result)
    for line in result.refused:
        error_line(line)
    # An answer past a bound was not recorded: like a target that stops answering, the run is incomplete.
    return EXIT_USAGE if result.refused else EXIT_OK


COMMANDS = [record]
