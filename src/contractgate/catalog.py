"""The catalog: which APIs exist, where their specs are, how to reach and authenticate to them.

``specs/catalog.yaml`` is the only place that names vendors; everything else asks the catalog.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from contractgate.errors import ContractgateError
from contractgate.yamlfile import load_yaml, reject_unknown_keys

SPECS_ENV = "CONTRACTGATE_SPECS"


def specs_dir() -> Path:
    """The specs folder: $CONTRACTGATE_SPECS, else the copy inside a wheel, else the repository's."""
    if env := os.environ.get(SPECS_ENV):
        return Path(env)
    packaged = Path(__file__).parent / "_specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "specs"


@dataclass(frozen=True)
class Operation:
    api_id: str
    operation_id: str
    method: str
    path: str | None = None  # REST operations
    webhook: str | None = None  # webhooks: the key under the spec's `webhooks`

    @property
    def is_webhook(self) -> bool:
        return self.webhook is not None


@dataclass(frozen=True)
class Api:
    id: str
    vendor: str
    title: str
    seed: str
    spec_path: Path
    kind: str
    operations: dict[str, Operation]
    auth: dict[str, Any]
    secrets: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()  # variables holding personal identifiers: pseudonymized in shared artifacts
    live_base_url: str | None = None
    mock_prefix: str | None = None
    #: The mock of this API: a module (``contractgate.mock.emogg``) or a ``.py`` file relative to the specs
    #: folder, defining ``API`` (contractgate.mock.registry loads it); None: the API has no mock.
    mock: str | None = None
    folder: Path = field(default=Path())

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            known = ", ".join(sorted(self.operations))
            raise ContractgateError(
                f"unknown operation {operation_id!r} for API {self.id!r} (known: {known})"
            ) from None


_API_KEYS = {"vendor", "title", "seed", "spec", "kind", "operations", "auth", "secrets", "identifiers",
             "live_base_url", "mock_prefix", "mock"}
KINDS = ("rest", "webhook")
_REQUIRED_API_KEYS = {"vendor", "title", "seed", "spec", "kind", "operations", "auth"}


@dataclass(frozen=True)
class Catalog:
    root: Path
    apis: dict[str, Api]

    def api(self, api_id: str) -> Api:
        try:
            return self.apis[api_id]
        except KeyError:
            known = ", ".join(sorted(self.apis))
            raise ContractgateError(f"unknown API {api_id!r} (known: {known})") from None

    def operation(self, api_id: str, operation_id: str) -> Operation:
        return self.api(api_id).operation(operation_id)

    def of_kind(self, kind: str) -> list[Api]:
        """The APIs of one kind (``rest``, ``webhook``), in catalog order."""
        return [api for api in self.apis.values() if api.kind == kind]


def _names(where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(name, str) and name for name in raw):
        raise ContractgateError(f"{where}: expected a list of environment variable names")
    return tuple(raw)


def _mock_ref(where: str, raw: Any) -> str | None:
    if raw is not None and (not isinstance(raw, str) or not raw.strip()):
        raise ContractgateError(f"{where}: expected a module name or a .py file relative to the specs folder")
    return raw


def _parse_api(root: Path, api_id: str, raw: Any) -> Api:
    where = f"{root / 'catalog.yaml'}: apis.{api_id}"
    if not isinstance(raw, dict):
        raise ContractgateError(f"{where}: expected a mapping")
    reject_unknown_keys(raw, _API_KEYS, where)
    if missing := _REQUIRED_API_KEYS - set(raw):
        raise ContractgateError(f"{where}: missing keys {sorted(missing)}")
    if raw["kind"] not in KINDS:
        raise ContractgateError(f"{where}: kind is one of {', '.join(KINDS)}, not {raw['kind']!r}")
    operations = {}
    for op_id, op in raw["operations"].items():
        if not isinstance(op, dict) or "method" not in op or ("path" in op) == ("webhook" in op):
            raise ContractgateError(f"{where}.operations.{op_id}: needs method and one of path/webhook")
        operations[op_id] = Operation(api_id, op_id, op["method"].upper(), op.get("path"), op.get("webhook"))
    spec_path = root / raw["spec"]
    return Api(
        id=api_id,
        vendor=raw["vendor"],
        title=raw["title"],
        seed=raw["seed"],
        spec_path=spec_path,
        kind=raw["kind"],
        operations=operations,
        auth=raw["auth"],
        secrets=tuple(raw.get("secrets", ())),
        identifiers=_names(f"{where}.identifiers", raw.get("identifiers", [])),
        live_base_url=raw.get("live_base_url"),
        mock_prefix=raw.get("mock_prefix"),
        mock=_mock_ref(f"{where}.mock", raw.get("mock")),
        folder=spec_path.parent,
    )


@cache
def load_catalog(root: Path | None = None) -> Catalog:
    root = root or specs_dir()
    path = root / "catalog.yaml"
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("apis"), dict):
        raise ContractgateError(f"{path}: expected a mapping with an 'apis' mapping")
    apis = {api_id: _parse_api(root, api_id, entry) for api_id, entry in raw["apis"].items()}
    return Catalog(root=root, apis=apis)
