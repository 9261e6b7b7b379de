"""Reading the project's YAML data (catalog, specs, conflicts, rules): strict, with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from contractgate.errors import ContractgateError


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys: a silently shadowed key in a spec is a wrong contract."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractgateError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ContractgateError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContractgateError(f"{path}{where}: not valid YAML: {problem}") from None
