"""``contractgate drift``: the scheduled drift check: record, validate, diff, report (docs/drift.md)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from contractgate.baseline import load_baseline
from contractgate.catalog import load_catalog
from contractgate.cli.output import error_line
from contractgate.cli.record import record_options, request_options, warn_credentials
from contractgate.diff.volatile import DEFAULT_CONFIG, load_volatile
from contractgate.errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, ContractgateError
from contractgate.fileio import check_folder, write_text_atomic
from contractgate.gate.target import Target


@click.command()
@click.option("--api", "api_id", required=True, help="API to check (a REST API of specs/catalog.yaml).")
@click.option("--baseline", type=click.Path(path_type=Path), required=True,
              help="Recording folder to compare with (made by `contractgate record`); its ids are fetched again.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Reports go to REPORT_DIR/drift/<api>-<UTC time>.{md,html,json}.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the new recording. Default: REPORT_DIR/drift/<api>-<UTC time>/recording.")
@click.option("--known-deviations", type=click.Path(dir_okay=False, path_type=Path),
              help="Known deviations (the YAML of `contractgate run --baseline`): violations in it are reported "
                   "as known and do not fail the check. (--baseline here is the recording folder.)")
@request_options
def drift(api_id: str, baseline: Path, report_dir: Path, out: Path | None, known_deviations: Path | None,
          target: str, **request: Any) -> int:
    """The scheduled drift check: record the baseline's sessions now, validate every answer (schema and rules),
    diff against the baseline and write a dated report (Markdown, HTML, JSON).

    Exit 0 when nothing is breaking and every answer meets its contract, 1 on a breaking change or an
    error-severity violation, 2 on a usage or input error (a missing baseline, a live target without
    credentials, a target that stops answering, an unreadable recording).
    """
    from contractgate.drift import run_drift
    from contractgate.reports import drift as report

    parsed = Target.parse(target)
    catalog = load_catalog()
    api = catalog.api(api_id)
    options = record_options(**request)
    # Checked before anything is fetched: a report that cannot be written would waste the whole run.
    check_folder(report_dir / "drift")
    known = load_baseline(known_deviations) if known_deviations is not None else None
    made = [p for p in (report_dir, report_dir / "drift") if not p.exists()]
    stem = _claim_stem(report_dir / "drift", f"{api.id}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    try:
        result = run_drift(api.id, baseline, parsed, check_folder(out or stem / "recording"),
                           load_volatile(DEFAULT_CONFIG, catalog.apis), options, known)
    except BaseException:
        # A run that did not happen leaves no folder behind (a non-empty one holds its recording).
        for folder in (stem, *reversed(made)):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    for error in result.errors:
        error_line(str(error))
    mask = result.recorded.masker.text
    for suffix, text in (("md", report.render_markdown(result)), ("html", report.render_html(result)),
                         ("json", report.render_json(result))):
        write_text_atomic(stem.with_name(f"{stem.name}.{suffix}"), mask(text))
    click.echo(mask(f"{report.summary_line(result)}; reports: {stem}.{{md,html,json}}"))
    warn_credentials(result.recorded)
    if result.errors:
        return EXIT_USAGE
    return EXIT_VIOLATION if result.failed else EXIT_OK


def _claim_stem(folder: Path, name: str) -> Path:
    """A report folder no other run uses: two drifts in the same second (or at once) get -2, -3, ...

    ``mkdir`` either creates the folder or fails, so the claim holds between processes too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        stem = folder / (name if n == 1 else f"{name}-{n}")
        try:
            stem.mkdir()
        except FileExistsError:
            continue
        return stem
    raise ContractgateError(f"{folder}: 999 drift reports named {name}* already; clean the folder")


COMMANDS = [drift]
