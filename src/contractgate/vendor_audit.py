"""The vendor-change audit: everything a team adapting an SDK should know about one vendor, gathered.

Per vendor: where its documents contradict themselves, which of their own examples break the contract,
the v1-to-v3 mapping and the drift found through it, what changed in the specs since their previous
version in git (or against a given file), and the behaviour diff of given recordings. Renderers live in
contractgate.reports.audit; nothing here formats text.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractgate.audit import ApiAudit, audit_docs
from contractgate.catalog import Api, load_catalog
from contractgate.diff.behaviour import diff_recordings
from contractgate.diff.change import Change
from contractgate.diff.spec import diff_specs
from contractgate.errors import ContractgateError
from contractgate.mapping import CheckResult, Comparison, MappingFile, compare_payloads, load_mapping, run_check
from contractgate.mapping.model import mapping_names
from contractgate.recordings import load_folder, match
from contractgate.spec import load_document, payload_schema_or_none
from contractgate.yamlfile import parse_yaml

GIT_TIMEOUT_S = 20


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


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                          check=False)
    if done.returncode != 0:
        raise ContractgateError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed")
    return done.stdout


def previous_spec(api: Api, base: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """The spec as it was before its latest change (or at ``base``): a label and the document.

    With uncommitted edits the latest change is the working file, so the previous version is HEAD's.
    """
    repo = api.spec_path.parent
    try:
        top = Path(_git(repo, "rev-parse", "--show-toplevel").strip())
        relative = api.spec_path.resolve().relative_to(top).as_posix()
        if base is None:
            dirty = _git(top, "status", "--porcelain", "--", relative).strip()
            commits = _git(top, "log", "--format=%h", "--", relative).split()
            base = "HEAD" if dirty else (commits[1] if len(commits) > 1 else None)
        if base is None:
            return None
        text = _git(top, "show", f"{base}:{relative}")
    except (ContractgateError, OSError, ValueError, subprocess.TimeoutExpired):
        return None
    label = f"git {base}:{relative}"
    return label, parse_yaml(text, label)  # bounded like every YAML read (aliases, size, depth)


def _mock_pairs(mapping: MappingFile, count: int, seed: int) -> tuple[int, list[tuple[str, Comparison]]]:
    """The mock's own SESSION_COMPLETE and v3 bodies for ``count`` sessions, in two zones."""
    from contractgate.mock import asleep, callbacks
    from contractgate.mock.ids import sample_ids

    pairs, drifting = 0, []
    for session_id in sample_ids("asleep-v3", count, seed):
        for zone in ("UTC", "Asia/Seoul"):
            v1 = callbacks.session_complete(session_id, seed=seed, timezone=zone)
            v3 = asleep.session_body(session_id, seed=seed, timezone=zone)
            if v1 is None or v3 is None:
                continue
            pairs += 1
            comparison = compare_payloads(mapping.name, v1, v3)
            if not comparison.ok:
                drifting.append((f"mock session {session_id} ({zone})", comparison))
    return pairs, drifting


def build_audit(*, spec_base: str | None = None, old_specs: dict[str, Path] | None = None,
                recordings: tuple[Path, Path] | None = None, mock_pairs: int = 20,
                seed: int = 0) -> list[VendorAudit]:
    catalog = load_catalog()
    documents = {a.api.id: a for a in audit_docs()}
    vendors: dict[str, VendorAudit] = {}
    for api in catalog.apis.values():
        audit = vendors.setdefault(api.vendor, VendorAudit(api.vendor, [], []))
        audit.apis.append(api)
        audit.documents.append(documents[api.id])
        if api.id in (old_specs or {}):
            path = (old_specs or {})[api.id]
            baseline: tuple[str, dict[str, Any]] | None = (str(path), load_document(path))
        else:
            baseline = previous_spec(api, spec_base)
        if baseline is None:
            audit.spec_changes.append(SpecChanges(api.id, None, note="no earlier version of the spec to compare"))
        else:
            label, old = baseline
            changes = tuple(diff_specs(old, load_document(api.spec_path), names=(label, str(api.spec_path))))
            audit.spec_changes.append(SpecChanges(api.id, label, changes))
    for name in mapping_names():
        mapping = load_mapping(name)
        vendor = catalog.api(mapping.v3.api).vendor
        pairs, drifting = _mock_pairs(mapping, mock_pairs, seed) if mock_pairs else (0, [])
        vendors[vendor].mappings.append(MappingAudit(mapping, run_check(mapping), pairs, tuple(drifting)))
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
