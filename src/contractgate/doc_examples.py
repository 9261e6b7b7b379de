"""The vendor-doc audit: each document's own examples against schema and rules, beside its conflicts.

The documents' examples breaking inferred rules is a finding here, not a failure: the report exists to
show where a vendor's documents contradict themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contractgate.catalog import Api, load_catalog
from contractgate.conflicts import Conflict, explaining, load_conflicts
from contractgate.findings import Violation
from contractgate.spec import Example, load_spec
from contractgate.validate import check_examples


@dataclass(frozen=True)
class ExampleFinding:
    violation: Violation
    explained_by: tuple[str, ...]  # conflict ids that document this contradiction


@dataclass(frozen=True)
class ExampleAudit:
    example: Example
    findings: tuple[ExampleFinding, ...]


@dataclass(frozen=True)
class ApiAudit:
    api: Api
    examples: tuple[ExampleAudit, ...]
    conflicts: tuple[Conflict, ...]


def audit_docs(root: Path | None = None) -> list[ApiAudit]:
    catalog = load_catalog(root)
    audits = []
    for api in catalog.apis.values():
        conflicts = load_conflicts(api)
        examples = []
        for example, violations in check_examples(api.id, load_spec(api.id, root).examples(), root):
            if violations is None:
                continue
            findings = tuple(
                ExampleFinding(v, tuple(c.id for c in explaining(conflicts, api.id, example.name, v.pointer)))
                for v in violations
            )
            examples.append(ExampleAudit(example, findings))
        audits.append(ApiAudit(api, tuple(examples), tuple(conflicts)))
    return audits
