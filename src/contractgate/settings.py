"""The config file: ``contractgate.toml`` in the working directory, or ``[tool.contractgate]`` in
``pyproject.toml``; ``--config FILE`` picks another. It holds the gate's settings so that a CI job does not
spell out long flag lists; a flag on the command line wins over the file.

Every key is checked: an unknown key or a value of the wrong type is one line naming the key and the file.
Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contractgate.errors import ContractgateError
from contractgate.fileio import read_text

CONFIG_FILE = "contractgate.toml"
MAX_CONFIG_BYTES = 1024 * 1024


def _string(v: Any) -> bool:
    return isinstance(v, str)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _table(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(x, str) for x in v.values())


@dataclass(frozen=True)
class Key:
    param: str  # the click parameter it sets
    valid: Callable[[Any], bool]
    expected: str
    path: bool = False  # relative to the config file's folder
    pairs: bool = False  # a table API = value, given to a repeatable API=VALUE option


#: The ``run`` command's keys (the gate). Names are the long options without dashes.
RUN_KEYS: dict[str, Key] = {
    "target": Key("target", _string, "a string"),
    "api": Key("apis", _strings, "a list of API ids"),
    "base-url": Key("base_urls", _table, "a table API = URL", pairs=True),
    "ids": Key("ids_files", _table, "a table API = FILE", path=True, pairs=True),
    "max-examples": Key("max_examples", _integer, "an integer"),
    "seed": Key("seed", _integer, "an integer"),
    "workers": Key("workers", _integer, "an integer"),
    "profile": Key("profile", _string, "a string"),
    "rate": Key("rate", _number, "a number"),
    "strict": Key("strict", lambda v: isinstance(v, bool), "true or false"),
    "max-response-time": Key("max_response_time", _number, "a number of seconds"),
    "max-response-bytes": Key("max_response_bytes", _integer, "an integer"),
    "deadline": Key("deadline", _number, "a number of seconds"),
    "report-dir": Key("report_dir", _string, "a path", path=True),
    "baseline": Key("baseline", _string, "a path", path=True),
    "exclude-checks": Key("exclude_checks", _strings, "a list of check names"),
    "max-failures": Key("max_failures", _integer, "an integer"),
    "require-coverage": Key("require_coverage", lambda v: isinstance(v, bool), "true or false"),
}


def find_config(start: Path | None = None) -> tuple[Path, tuple[str, ...]] | None:
    """The config in the working directory: (file, the table path inside it), or None."""
    folder = start or Path.cwd()
    if (folder / CONFIG_FILE).is_file():
        return folder / CONFIG_FILE, ()
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "tool" in (data := _read_toml(pyproject)) and "contractgate" in data["tool"]:
        return pyproject, ("tool", "contractgate")
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    text = read_text(path, MAX_CONFIG_BYTES, "the limit for config files", prefix="cannot read ")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContractgateError(f"{path}: not valid TOML: {exc}") from None


def load_run_defaults(explicit: Path | None) -> tuple[Path | None, dict[str, Any]]:
    """(the file used, click's default_map for ``run``) from ``explicit`` or the file found here."""
    if explicit is not None:
        found: tuple[Path, tuple[str, ...]] | None = (explicit, ())
        if explicit.name == "pyproject.toml":
            found = (explicit, ("tool", "contractgate"))
    else:
        found = find_config()
    if found is None:
        return None, {}
    path, table_path = found
    table: Any = _read_toml(path)
    for part in table_path:
        table = table.get(part, {}) if isinstance(table, dict) else {}
    where = f"{path}{' [' + '.'.join(table_path) + ']' if table_path else ''}"
    if not isinstance(table, dict):
        raise ContractgateError(f"{where}: expected a table of settings")
    return path, _defaults(table, path.parent, where)


def _defaults(table: Mapping[str, Any], folder: Path, where: str) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for name, value in table.items():
        key = RUN_KEYS.get(name)
        if key is None:
            known = ", ".join(sorted(RUN_KEYS))
            raise ContractgateError(f"{where}: unknown key {name!r} (known: {known})")
        if not key.valid(value):
            raise ContractgateError(f"{where}: {name} must be {key.expected}, got {value!r}")
        if key.pairs:
            defaults[key.param] = [f"{api}={folder / v if key.path else v}" for api, v in value.items()]
        elif key.path:
            defaults[key.param] = str(folder / value)
        else:
            defaults[key.param] = value
    return defaults
