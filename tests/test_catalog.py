from __future__ import annotations

import pytest

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError

FIXED_IDS = {
    "asleep-v3": "getSession",
    "asleep-v1-callback": "sessionCallback",
    "upheal": "getSessionData",
    "emogg": "getSession",
}


def test_the_catalog_has_the_fixed_api_and_operation_ids():
    catalog = load_catalog()
    assert {api: list(entry.operations) for api, entry in catalog.apis.items()} == {
        api: [op] for api, op in FIXED_IDS.items()
    }
    for api in catalog.apis.values():
        assert api.spec_path.is_file(), api.spec_path
        assert api.secrets, f"{api.id} names no credential variables"


def test_unknown_ids_are_errors_that_list_the_known_ones():
    catalog = load_catalog()
    with pytest.raises(ContractgateError, match=r"unknown API 'nope' \(known: asleep-v1-callback, "):
        catalog.api("nope")
    with pytest.raises(ContractgateError, match=r"unknown operation 'x' for API 'emogg' \(known: getSession\)"):
        catalog.operation("emogg", "x")


def test_a_broken_catalog_is_one_line_naming_file_and_place(tmp_path):
    (tmp_path / "catalog.yaml").write_text("apis:\n  x: {vendor: V, spec: [\n")
    with pytest.raises(ContractgateError) as info:
        load_catalog(tmp_path)
    assert "catalog.yaml:" in str(info.value) and "not valid YAML" in str(info.value)
    assert "\n" not in str(info.value)
    (tmp_path / "catalog.yaml").write_text("apis:\n  x: {vendor: V, surprise: 1}\n")
    with pytest.raises(ContractgateError, match=r"apis.x: unknown keys \['surprise'\]"):
        load_catalog(tmp_path)
