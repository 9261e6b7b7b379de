"""The vendor-change audit: everything a team adapting an SDK should know about one vendor, gathered.

Per vendor: where its documents contradict themselves, which of their own examples break the contract,
the v1-to-v3 mapping and the drift found through it, what changed in the specs since their previous
version, and the behaviour diff of given recordings. The previous specs and the mock's payload pairs are
data handed in (contractgate.vendor_inputs gathers them from git and the mock); renderers live in
contractgate.reports.vendor_changes; nothing here formats text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractgate.catalog import Api, load_catalog
from contractgate.diff.behaviour import diff_recordings
from contractgate.diff.change import Change
from contractgate.diff.spec import diff_specs
from contractgate.doc_examples import ApiAudit, audit_docs
from contractgate.errors import ContractgateError
from contractgate.mapping import CheckResult, Comparison, MappingFile, compare_payloads, load_mapping, run_check
from contractgate.mapping.model import mapping_names
from contractgate.recordings import load_folder, match
from contractgate.spec import load_document, payload_schema_or_none

#: What a spec is compared with: a label (a file, or git's REV:path) and that document.
SpecBaseline = tuple[str, dict[str, Any]]
#: A v1 payload and the v3 payload of the same session, with a label naming where they come from.
PayloadPair = tuple[str, Any, Any]


@dataclass(frozen=True)
class SpecChanges:
    api_id: str
    baseline: str | None  # what the spec was compared with; None when there is nothing to compare with
    changes: tuple[Change, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class MappingAudit:
    mapping: MappingFile
    check: CheckResult
    pairs: int  # payload pairs compared
    comparisons: tuple[tuple[str, Comparison], ...]  # only the pairs that show drift


@dataclass
class VendorAudit:
    vendor: str
    apis: list[Api]
    documents: list[ApiAudit]
    mappings: list[MappingAudit] = field(default_factory=list)
    spec_changes: list[SpecChanges] = field(default_factory=list)
    behaviour: tuple[Change, ...] | None = None  # None: no recordings were given
    behaviour_source: str | None = None

    @property
    def slug(self) -> str:
        return self.vendor.lower().replace(" ", "-")


def build_audit(*, spec_baselines: Mapping[str, SpecBaseline | None],
                mock_pairs: Mapping[str, Sequence[PayloadPair]] | None = None,
                recordings: tuple[Path, Path] | None = None) -> list[VendorAudit]:
    """``mock_pairs``: per API of a mapping's first side (a webhook), payload pairs to compare through it."""
    catalog = load_catalog()
    documents = {a.api.id: a for a in audit_docs()}
    vendors: dict[str, VendorAudit] = {}
    for api in catalog.apis.values():
        audit = vendors.setdefault(api.vendor, VendorAudit(api.vendor, [], []))
        audit.apis.append(api)
        audit.documents.append(documents[api.id])
        baseline = spec_baselines.get(api.id)
        if baseline is None:
            audit.spec_changes.append(SpecChanges(api.id, None, note="no earlier version of the spec to compare"))
        else:
            label, old = baseline
            changes = tuple(diff_specs(old, load_document(api.spec_path), names=(label, str(api.spec_path))))
            audit.spec_changes.append(SpecChanges(api.id, label, changes))
    for name in mapping_names():
        mapping = load_mapping(name)
        vendor = catalog.api(mapping.v3.api).vendor
        pairs = (mock_pairs or {}).get(mapping.v1.api, ())
        drifting = []
        for label, v1, v3 in pairs:
            comparison = compare_payloads(mapping.name, v1, v3)
            if not comparison.ok:
                drifting.append((label, comparison))
        vendors[vendor].mappings.append(MappingAudit(mapping, run_check(mapping), len(pairs), tuple(drifting)))
    if recordings is not None:
        old, new = (load_folder(p) for p in recordings)
        if old.errors or new.errors:
            first = (old.errors or new.errors)[0]
            raise ContractgateError(f"{first.file}: {first.cause}")
        changes = diff_recordings(match(old.interactions, new.interactions), schema_for=payload_schema_or_none)
        for audit in vendors.values():
            ids = {a.id for a in audit.apis}
            audit.behaviour = tuple(c for c in changes if (c.operation or "").split("/")[0] in ids)
            audit.behaviour_source = f"{recordings[0]} -> {recordings[1]}"
    return list(vendors.values())
