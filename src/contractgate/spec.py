"""Loading an API's OpenAPI document and getting at what the checks need: schemas and examples.

Everything is resolved once: ``$ref``s are inlined (the specs have no recursive refs) so that
validators, the mock and the rules all see one self-contained schema per payload. Inlining is bounded in
size and depth, as documents from outside the project (spec-diff, audit --old-spec) are inlined too.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from contractgate.absent import ABSENT
from contractgate.catalog import Api, Operation, load_catalog
from contractgate.errors import ContractgateError
from contractgate.payload import MAX_DEPTH
from contractgate.pointer import parse_pointer, resolve
from contractgate.yamlfile import load_yaml

DEFAULT_STATUS = "200"


class UnresolvedRef(ContractgateError):
    pass


def resolve_ref(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise UnresolvedRef(f"only local $refs are supported, got {ref!r}")
    node = resolve(document, parse_pointer(ref[1:]))
    if node is ABSENT:
        raise UnresolvedRef(f"$ref {ref!r} does not resolve")
    return node


#: Objects and arrays the expansions of one document may create. The paths of the project's largest spec
#: expand to 250; a few kilobytes of ``$ref``s that each refer twice to the next (a "$ref bomb") to billions.
MAX_EXPANDED_NODES = 500_000


class ExpansionBudget:
    """What is left of MAX_EXPANDED_NODES, shared by the expansions of one document."""

    def __init__(self, nodes: int = MAX_EXPANDED_NODES) -> None:
        self.limit = nodes
        self.left = nodes

    def spend(self, ref: str | None) -> None:
        self.left -= 1
        if self.left < 0:
            where = f" (at $ref {ref!r})" if ref else ""
            raise UnresolvedRef(f"$refs expand to more than {self.limit:,} nodes{where}: a $ref bomb?")


def dereference(node: Any, document: dict[str, Any], budget: ExpansionBudget | None = None) -> Any:
    """A copy of ``node`` with every local ``$ref`` inlined; sibling keywords of a ``$ref`` are kept.

    Bounded: a recursive ``$ref``, an expansion over ``budget`` nodes or nested deeper than MAX_DEPTH levels
    is an UnresolvedRef (one line), never a stack overflow or a run that does not end.
    """
    return _inline(node, document, budget or ExpansionBudget(), (), 0)


def _inline(node: Any, document: dict[str, Any], budget: ExpansionBudget, stack: tuple[str, ...],
            depth: int) -> Any:
    if not isinstance(node, dict | list):
        return node
    budget.spend(stack[-1] if stack else None)
    if depth >= MAX_DEPTH:
        where = f" (at $ref {stack[-1]!r})" if stack else ""
        raise UnresolvedRef(f"$refs nest the document deeper than {MAX_DEPTH} levels{where}")
    if isinstance(node, list):
        return [_inline(item, document, budget, stack, depth + 1) for item in node]
    if isinstance(ref := node.get("$ref"), str):
        if ref in stack:
            raise UnresolvedRef(f"recursive $ref {ref!r} is not supported")
        target = _inline(resolve_ref(document, ref), document, budget, (*stack, ref), depth)
        siblings = {k: _inline(v, document, budget, stack, depth + 1) for k, v in node.items() if k != "$ref"}
        return {**target, **siblings} if isinstance(target, dict) else target
    return {key: _inline(value, document, budget, stack, depth + 1) for key, value in node.items()}


def iter_refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` in ``node`` with the location (a JSON Pointer fragment) where it stands."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from iter_refs(value, f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from iter_refs(item, f"{where}/{index}")


@dataclass(frozen=True)
class Example:
    """One named example embedded in a spec: the data a vendor document printed (or we derived)."""

    api_id: str
    operation_id: str
    status: str  # "request" for a webhook's request body
    media_type: str
    name: str
    value: Any
    summary: str | None
    source: str | None

    @property
    def label(self) -> str:
        return f"{self.api_id}/{self.operation_id}/{self.status}/{self.name}"

    @property
    def file_name(self) -> str:
        return f"{self.api_id}.{self.operation_id}.{self.status}.{self.name}.json"


class Spec:
    """One API's OpenAPI document with lookups by operation id and status."""

    def __init__(self, api: Api, document: dict[str, Any]) -> None:
        self.api = api
        self.document = document

    @classmethod
    def load(cls, api: Api) -> Spec:
        return cls(api, load_document(api.spec_path))

    def operation_object(self, operation: Operation) -> dict[str, Any]:
        section, key = ("webhooks", operation.webhook) if operation.is_webhook else ("paths", operation.path)
        try:
            item = self.document[section][key]
            op = item[operation.method.lower()]
        except (KeyError, TypeError):
            raise ContractgateError(
                f"{self.api.spec_path}: no {operation.method} {key} under {section} "
                f"for operation {operation.operation_id!r}"
            ) from None
        if op.get("operationId") != operation.operation_id:
            raise ContractgateError(
                f"{self.api.spec_path}: {operation.method} {key} has operationId "
                f"{op.get('operationId')!r}, the catalog says {operation.operation_id!r}"
            )
        return dereference(op, self.document)

    def statuses(self, operation: Operation) -> list[str]:
        return sorted(str(s) for s in self.operation_object(operation).get("responses", {}))

    def payload_schema(self, operation: Operation, status: str = DEFAULT_STATUS) -> dict[str, Any]:
        """The JSON Schema a payload must satisfy: a response body, or a webhook's request body."""
        op = self.operation_object(operation)
        if operation.is_webhook:
            content = op.get("requestBody", {}).get("content", {})
            where = "request body"
        else:
            responses = op.get("responses", {})
            response = responses.get(status, responses.get(int(status) if status.isdigit() else status))
            if response is None:
                known = ", ".join(sorted(str(s) for s in responses))
                raise ContractgateError(
                    f"{self.api.id}/{operation.operation_id} documents no response {status} (known: {known})"
                )
            content = response.get("content", {})
            where = f"response {status}"
        media = content.get("application/json")
        if media is None or "schema" not in media:
            raise ContractgateError(f"{self.api.id}/{operation.operation_id} {where} has no JSON schema")
        return media["schema"]

    def examples(self) -> Iterator[Example]:
        for op_id, operation in self.api.operations.items():
            op = self.operation_object(operation)
            places: list[tuple[str, dict[str, Any]]] = []
            if operation.is_webhook and "requestBody" in op:
                places.append(("request", op["requestBody"]))
            places += [(str(status), resp) for status, resp in op.get("responses", {}).items()]
            for status, holder in places:
                for media_type, media in holder.get("content", {}).items():
                    for name, example in (media.get("examples") or {}).items():
                        yield Example(
                            api_id=self.api.id,
                            operation_id=op_id,
                            status=status,
                            media_type=media_type,
                            name=name,
                            value=copy.deepcopy(example.get("value")),
                            summary=example.get("summary"),
                            source=example.get("x-source"),
                        )


@cache
def load_document(path: Path) -> dict[str, Any]:
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise ContractgateError(f"{path}: expected an OpenAPI document (a mapping)")
    return document


@cache
def load_spec(api_id: str, root: Path | None = None) -> Spec:
    """The spec of ``api_id`` in the catalog at ``root`` (default: the project's specs)."""
    return Spec.load(load_catalog(root).api(api_id))


def payload_schema_or_none(api_id: str, operation_id: str, status: int | str | None) -> dict[str, Any] | None:
    """The payload schema of an API operation and status in the project's specs; None where they describe
    none (an unknown API, an undocumented status, a body that is not JSON)."""
    try:
        spec = load_spec(api_id)
        return spec.payload_schema(spec.api.operation(operation_id), str(status or DEFAULT_STATUS))
    except ContractgateError:
        return None
