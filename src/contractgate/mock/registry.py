"""Which module mocks which API: the catalog's ``mock`` of each entry, imported on first use.

The mock's routes, the ids it samples, the gate's webhook check, the receiver and the audit ask here, so
that no code outside a vendor's own module names a vendor. ``mock`` is a module name
(``contractgate.mock.emogg``) or a ``.py`` file relative to the specs folder (a vendor kept beside its spec,
as the tests' fifth vendor is); either defines ``API``, a VendorApi (REST) or a WebhookMock (webhook).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import zlib
from functools import cache
from pathlib import Path
from types import ModuleType

from contractgate.catalog import Api, Catalog, load_catalog
from contractgate.errors import ContractgateError
from contractgate.mock.common import VendorApi, WebhookMock


@cache
def _module(reference: str, root: Path) -> ModuleType:
    if not reference.endswith(".py"):
        try:
            return importlib.import_module(reference)
        except ImportError as exc:
            raise ContractgateError(f"mock module {reference!r}: {exc}") from None
    path = (root / reference).resolve()
    # One name per file, so that two specs folders' modules of the same name never replace each other.
    name = f"contractgate_mock_{zlib.crc32(str(path).encode()):08x}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ContractgateError(f"mock module {path}: no such file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _mock_of(api: Api, root: Path) -> VendorApi | WebhookMock:
    if api.mock is None:
        raise ContractgateError(f"{api.id} has no mock (no `mock` in its catalog entry)")
    found = getattr(_module(api.mock, root), "API", None)
    wanted = VendorApi if api.kind == "rest" else WebhookMock
    if not isinstance(found, wanted) or found.api_id != api.id:
        raise ContractgateError(f"mock module {api.mock}: its API must be a {wanted.__name__} for {api.id!r}")
    return found


def rest_mock(api_id: str, catalog: Catalog | None = None) -> VendorApi:
    catalog = catalog or load_catalog()
    found = _mock_of(catalog.api(api_id), catalog.root)
    assert isinstance(found, VendorApi)  # _mock_of checked it against the API's kind
    return found


def webhook_mock(api_id: str, catalog: Catalog | None = None) -> WebhookMock:
    catalog = catalog or load_catalog()
    api = catalog.api(api_id)
    if api.kind != "webhook":
        raise ContractgateError(f"{api_id} is not a webhook")
    found = _mock_of(api, catalog.root)
    assert isinstance(found, WebhookMock)
    return found


def rest_mocks(catalog: Catalog | None = None) -> dict[str, VendorApi]:
    """API id -> its mock, for every REST API of the catalog that has one, in catalog order."""
    catalog = catalog or load_catalog()
    return {api.id: rest_mock(api.id, catalog) for api in catalog.of_kind("rest") if api.mock}


def webhook_mocks(catalog: Catalog | None = None) -> dict[str, WebhookMock]:
    catalog = catalog or load_catalog()
    return {api.id: webhook_mock(api.id, catalog) for api in catalog.of_kind("webhook") if api.mock}
