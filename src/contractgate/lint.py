"""``contractgate lint``: the specs are valid OpenAPI 3.1, refs resolve, examples meet their contracts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from contractgate.catalog import Catalog
from contractgate.conflicts import all_conflicts, explaining
from contractgate.errors import ContractgateError
from contractgate.findings import failing
from contractgate.spec import Spec, UnresolvedRef, iter_refs, resolve_ref
from contractgate.validate import check_examples

Outcome = Literal["ok", "error", "known"]


@dataclass(frozen=True)
class LintFinding:
    api_id: str
    subject: str  # the spec file, or the example's label
    outcome: Outcome  # known: fails, but a conflicts.yaml entry explains why
    message: str


def lint(catalog: Catalog) -> list[LintFinding]:
    conflicts = all_conflicts(catalog)
    findings: list[LintFinding] = []
    for api in catalog.apis.values():
        try:
            spec = Spec.load(api)
        except ContractgateError as exc:
            findings.append(LintFinding(api.id, str(api.spec_path), "error", str(exc)))
            continue
        subject = str(api.spec_path.relative_to(catalog.root))
        structural = _structure(spec)
        findings += [LintFinding(api.id, subject, "error", m) for m in structural]
        if structural:
            continue  # examples cannot be checked against a broken document
        findings.append(LintFinding(api.id, subject, "ok", "valid OpenAPI 3.1, every $ref resolves"))
        for example, found in check_examples(api.id, spec.examples(), catalog.root):
            if found is None:
                ok = isinstance(example.value, str)
                findings.append(LintFinding(api.id, example.label, "ok" if ok else "error",
                                            "text example" if ok else "a text/* example must be a string"))
                continue
            # Warnings (inferred rules) broken by the documents' own examples are findings of audit-docs.
            violations = failing(found)
            if not violations:
                findings.append(LintFinding(api.id, example.label, "ok", "conforms"))
                continue
            unexplained = [v for v in violations if not explaining(conflicts, api.id, example.name, v.pointer)]
            known = {c.id for v in violations for c in explaining(conflicts, api.id, example.name, v.pointer)}
            detail = "; ".join(f"{v.pointer or '/'}: {v.message}" for v in (unexplained or violations)[:5])
            if unexplained:
                findings.append(LintFinding(api.id, example.label, "error", detail))
            else:
                ids = ", ".join(sorted(known))
                findings.append(LintFinding(api.id, example.label, "known", f"{detail} (documented: {ids})"))
    return findings


def _structure(spec: Spec) -> list[str]:
    problems = []
    for where, ref in iter_refs(spec.document):
        try:
            resolve_ref(spec.document, ref)
        except UnresolvedRef:
            problems.append(f"$ref {ref!r} at {where} does not resolve")
    if problems:
        return problems  # the OpenAPI validator would only trip over the same dangling refs
    try:
        validate_openapi(spec.document)
    except OpenAPIValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        problems.append(f"not valid OpenAPI 3.1 at {path}: {exc.message}")
    for operation in spec.api.operations.values():
        try:
            spec.operation_object(operation)
        except ContractgateError as exc:
            problems.append(str(exc))
    return problems
