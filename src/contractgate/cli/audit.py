"""``contractgate audit``: the vendor-change audit report, one Markdown and one HTML page per vendor."""

from __future__ import annotations

from pathlib import Path

import click

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError
from contractgate.fileio import check_folder, write_text_atomic
from contractgate.reports import vendor_changes as report
from contractgate.vendor_inputs import audit_vendors


def _old_specs(values: tuple[str, ...]) -> dict[str, Path]:
    """API id -> file; an unknown API would otherwise be ignored silently, and the report pass for a spec
    never compared."""
    catalog = load_catalog()
    specs = {}
    for value in values:
        api, sep, path = value.partition("=")
        if not sep or not Path(path).is_file():
            raise ContractgateError(f"--old-spec takes API=FILE with an existing file, got {value!r}")
        if api not in catalog.apis:
            raise ContractgateError(f"--old-spec {value!r}: unknown API {api!r} (known: {', '.join(catalog.apis)})")
        specs[api] = Path(path)
    return specs


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/audit"),
              show_default=True, help="Folder for <vendor>.md and <vendor>.html.")
@click.option("--spec-base", metavar="REV", help="Compare the specs with this git revision (default: the "
                                                  "version before each spec's latest change).")
@click.option("--old-spec", "old_specs", multiple=True, metavar="API=FILE",
              help="Compare this API's spec with FILE instead of git (repeatable).")
@click.option("--recordings", nargs=2, type=click.Path(exists=True, file_okay=False, path_type=Path),
              metavar="OLD NEW", help="Two recording folders whose behaviour diff goes into the report.")
@click.option("--mock-pairs", type=click.IntRange(0, 1000), default=20, show_default=True,
              help="Mock sessions whose v1 and v3 bodies are compared through the mapping.")
def audit(out: Path, spec_base: str | None, old_specs: tuple[str, ...], recordings: tuple[Path, Path] | None,
          mock_pairs: int) -> int:
    """Write the vendor-change audit: document conflicts, examples that break rules, the v1-to-v3 mapping and
    its drift, spec changes since the previous version, and the behaviour diff of given recordings."""
    check_folder(out)  # before the audit's minutes of work, not after
    audits = audit_vendors(spec_base=spec_base, old_specs=_old_specs(old_specs), recordings=recordings or None,
                           mock_pairs=mock_pairs)
    for vendor in audits:
        write_text_atomic(out / f"{vendor.slug}.md", report.render_markdown(vendor))
        write_text_atomic(out / f"{vendor.slug}.html", report.render_html(vendor))
        click.echo(f"{out / vendor.slug}.md, .html")
    return 0


COMMANDS = [audit]
