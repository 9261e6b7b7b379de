"""``contractgate examples``: export the examples embedded in the specs as payload files."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from contractgate.catalog import load_catalog
from contractgate.errors import EXIT_OK
from contractgate.fileio import write_bytes_atomic
from contractgate.spec import load_spec


@click.command()
@click.argument("apis", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write <api>.<operation>.<status>.<name>.json files into.")
def examples(apis: tuple[str, ...], out: Path) -> int:
    """Write every JSON example of the specs (of APIS, default all) into a folder, one file each."""
    catalog = load_catalog()
    for api_id in apis or tuple(catalog.apis):
        for example in load_spec(catalog.api(api_id).id).examples():
            if not example.media_type.endswith("json"):
                continue
            target = out / example.file_name
            write_bytes_atomic(target, orjson.dumps(example.value, option=orjson.OPT_INDENT_2) + b"\n")
            click.echo(str(target))
    return EXIT_OK


COMMANDS = [examples]
