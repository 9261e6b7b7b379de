from __future__ import annotations

import pytest

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError

#: Ids that name the APIs on command lines and in reports: they never change. A new API adds an entry to the
#: catalog, not here (the checks below hold for every entry).
FIXED_IDS = {
    "asleep-v3": "getSession",
    "asleep-v1-callback": "sessionCallback",
    "upheal": "getSessionData",
    "emogg": "getSession",
}


def test_the_catalog_keeps_the_fixed_api_and_operation_ids():
    catalog = load_catalog()
    assert {api: list(catalog.apis[api].operations) for api in FIXED_IDS if api in catalog.apis} == {
        api: [op] for api, op in FIXED_IDS.items()
    }


def test_every_api_has_its_spec_credentials_and_mock():
    catalog = load_catalog()
    for api in catalog.apis.values():
        assert api.spec_path.is_file(), api.spec_path
        assert api.secrets, f"{api.id} names no credential variables"
        assert api.mock, f"{api.id} names no mock module"
        assert (api.mock_prefix is not None) == (api.kind == "rest"), api.id


def test_a_mock_that_is_not_the_apis_is_refused(tmp_path):
    from contractgate.mock.registry import rest_mock

    (tmp_path / "catalog.yaml").write_text(
        "apis:\n  x: {vendor: V, title: T, seed: s, spec: x.yaml, kind: rest, mock: contractgate.mock.emogg,\n"
        "      operations: {get: {method: GET, path: /x}}, auth: {}}\n")
    with pytest.raises(ContractgateError, match=r"its API must be a VendorApi for 'x'"):
        rest_mock("x", load_catalog(tmp_path))
    other = tmp_path / "other"  # load_catalog caches by folder
    other.mkdir()
    (other / "catalog.yaml").write_text(
        "apis:\n  x: {vendor: V, title: T, seed: s, spec: x.yaml, kind: soap, operations: {}, auth: {}}\n")
    with pytest.raises(ContractgateError, match=r"kind is one of rest, webhook, not 'soap'"):
        load_catalog(other)


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
