"""Field mappings between API versions: the file (``model``), the static check against the specs (``static``)
and the comparison of payload pairs (``compare``). See docs/mapping.md.

Layers, each importing only those before it: ``transforms`` (transform kinds) -> ``model`` (the file) and
``fields`` (the specs' fields in canonical form) -> ``static`` and ``compare``. Renderers live in
``contractgate.reports.mapping`` and the command in ``contractgate.cli.mapping``; nothing here prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contractgate.mapping.compare import DRIFT_KINDS, Comparison, FieldDrift, compare_documents
from contractgate.mapping.model import MappedField, MappingFile, UnmappedField, load_mapping, mapping_names
from contractgate.mapping.static import CHECKS, CheckResult, Finding, inventories_for, run_check
from contractgate.mapping.transforms import TRANSFORMS


def compare_payloads(name: str, v1: Any, v3: Any, root: Path | None = None) -> Comparison:
    """Compare two parsed payloads of the same session through the mapping ``name`` (specs at ``root``)."""
    mapping = load_mapping(name, root)
    return compare_documents(mapping, v1, v3, *inventories_for(mapping, root))


__all__ = [
    "CHECKS",
    "DRIFT_KINDS",
    "TRANSFORMS",
    "CheckResult",
    "Comparison",
    "FieldDrift",
    "Finding",
    "MappedField",
    "MappingFile",
    "UnmappedField",
    "compare_documents",
    "compare_payloads",
    "inventories_for",
    "load_mapping",
    "mapping_names",
    "run_check",
]
