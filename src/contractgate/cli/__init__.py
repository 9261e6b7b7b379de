"""The ``contractgate`` command. One module per command; this one wires them and owns exit codes.

Every failure that is the user's (a bad argument, an unreadable file, a broken spec) is one line on
stderr and exit code 2; contract violations are exit code 1; a traceback is always a bug.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from contractgate import __version__
from contractgate.cli import (
    audit,
    audit_docs,
    conflicts,
    diff,
    drift,
    emit_callbacks,
    examples,
    lint,
    mapping,
    mock,
    mutate,
    observed,
    receive,
    record,
    rules,
    run,
    spec_diff,
    validate,
)
from contractgate.cli.output import error_line
from contractgate.errors import EXIT_USAGE, ContractgateError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="contractgate")
def cli() -> None:
    """Contract tests and schema conformance for the Asleep, Upheal and Emogg session APIs.

    Exit codes: 0 all good, 1 contract violation, 2 usage or input error.
    """


for module in (run, lint, conflicts, validate, rules, audit_docs, examples, mapping, mock, emit_callbacks, receive,
               diff, spec_diff, audit, record, observed, drift, mutate):
    for command in module.COMMANDS:
        cli.add_command(command)


def fail(message: str) -> int:
    error_line(message)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="contractgate",
                          standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        return fail(exc.format_message() + hint)
    except click.ClickException as exc:
        return fail(exc.format_message())
    except ContractgateError as exc:
        return fail(str(exc))
    except OSError as exc:
        # A safety net: every reader and writer turns its own OSErrors into ContractgateError with context.
        return fail(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
    except click.Abort:
        return 130
    return result if isinstance(result, int) else 0


def entry() -> None:
    sys.exit(main())
