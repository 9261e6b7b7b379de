"""JSON Schema 2020-12 validation of one payload: a fast pass/fail path, rich errors only on failure.

jsonschema-rs answers "valid?" in about 0.2 ms for an 8-hour session; python-jsonschema takes about
40 ms but gives an error tree we can turn into precise pointers. So the fast path decides, and the slow
one only explains a failure. Both use the same format functions, so they agree on formats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import ValidationError

from contractgate.findings import Violation
from contractgate.pointer import pointer_from

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\"<>\\^`{|}]*$")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _matches(pattern: re.Pattern[str]) -> Callable[[object], bool]:
    return lambda value: not isinstance(value, str) or bool(pattern.match(value))


#: The formats we assert. Unknown formats are annotations only, as 2020-12 says.
FORMATS: dict[str, Callable[[object], bool]] = {
    "date-time": _is_date_time,
    "date": _is_date,
    "uuid": _matches(_UUID),
    "uri": _matches(_URI),
}

_FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
for _name, _func in FORMATS.items():
    _FORMAT_CHECKER.checks(_name)(_func)


def as_json(value: Any) -> str:
    """``value`` as JSON text: messages speak the payload's language (``"0.93"``, ``null``), never Python's."""
    # A space after each comma: a list in a sentence or a table cell wraps between its items.
    return json.dumps(value, ensure_ascii=False, default=str)


class Summary(str):
    """A description of a value too large to quote (``{23 members: ...}``): already JSON-like text, so a report
    shows it as it is rather than as a JSON string; JSON output still gets a plain string."""

    __slots__ = ()


def short(value: Any, limit: int = 60) -> str:
    """``value`` as JSON short enough for a one-line message."""
    if isinstance(value, list) and len(value) > 5:
        return Summary(f"[{len(value)} items]")
    if isinstance(value, dict) and len(value) > 3:
        return Summary("{" + f"{len(value)} members: " + ", ".join(as_json(k) for k in list(value)[:3]) + ", ...}")
    text = as_json(value)
    return Summary(text if len(text) <= limit else text[: limit - 3] + "...")


def _scalar(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else short(value)


class SchemaValidator:
    """A compiled schema. ``violations(payload)`` is empty exactly when the payload is valid."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._fast = jsonschema_rs.validator_for(schema, formats=FORMATS, validate_formats=True)
        self._detailed: jsonschema.protocols.Validator | None = None

    def is_valid(self, payload: Any) -> bool:
        return bool(self._fast.is_valid(payload))

    def violations(self, payload: Any) -> list[Violation]:
        if self.is_valid(payload):
            return []
        if self._detailed is None:
            cls = jsonschema.validators.validator_for(self.schema, default=jsonschema.Draft202012Validator)
            self._detailed = cls(self.schema, format_checker=_FORMAT_CHECKER)
        found = [v for error in self._detailed.iter_errors(payload) for v in _explain(error)]
        if not found:  # the two validators disagree; trust the fast one, with its own words
            found = [
                Violation("schema", "error", "schema", pointer_from(e.instance_path), e.message)
                for e in self._fast.iter_errors(payload)
            ]
        unique = {(v.pointer, v.message): v for v in found}
        return sorted(unique.values(), key=lambda v: (v.pointer, v.message))


def _branch_errors(error: ValidationError, index: int) -> Iterator[ValidationError]:
    for sub in error.context or ():
        if sub.relative_schema_path and sub.relative_schema_path[0] == index:
            yield sub


def _chosen_branch(error: ValidationError) -> int | None:
    """For a oneOf/anyOf, the branch the payload was meant to match, when that can be known.

    A discriminator names it; a nullable wrapper ``anyOf: [X, {type: null}]`` with a non-null value means X.
    """
    branches = error.validator_value
    instance = error.instance
    disc = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if disc and isinstance(instance, dict):
        prop = disc.get("propertyName")
        for index, branch in enumerate(branches):
            const = branch.get("properties", {}).get(prop, {}).get("const")
            if const is not None and const == instance.get(prop):
                return index
        return None
    non_null = [i for i, b in enumerate(branches) if b.get("type") != "null"]
    if instance is not None and len(non_null) == 1:
        return non_null[0]
    return None


def _explain(error: ValidationError) -> Iterator[Violation]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        branch = _chosen_branch(error)
        if branch is not None:
            for sub in _branch_errors(error, branch):
                yield from _explain(sub)
            return
        disc = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
        if disc and isinstance(error.instance, dict):
            prop = disc.get("propertyName")
            allowed = sorted(disc.get("mapping", {}))
            if prop not in error.instance:  # a missing discriminator is a missing property, not a wrong value
                yield _violation(error, path=[*error.absolute_path, prop], message=f"required property {as_json(prop)} "
                                 "is missing", values={"keyword": "required", "expected": allowed},
                                 source=_source_of(error, prop))
                return
            yield _violation(
                error,
                path=[*error.absolute_path, prop],
                message=f"{short(error.instance.get(prop))} is not one of {as_json(allowed)}",
                values={"keyword": "discriminator", "actual": _scalar(error.instance.get(prop)),
                        "expected": allowed},
                source=_source_of(error, prop),
            )
            return
    if error.validator == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                yield _violation(
                    error,
                    path=[*error.absolute_path, name],
                    message=f"required property {as_json(name)} is missing",
                    values={"keyword": "required"},
                    source=_source_of(error, name),
                )
        return
    yield _violation(error, path=list(error.absolute_path), message=_message(error), values=_values(error),
                     source=_source_of(error))


def _message(error: ValidationError) -> str:
    keyword, instance, expected = error.validator, error.instance, error.validator_value
    if keyword == "type":
        return f"{short(instance)} is not of type {_either(expected)}"
    if keyword == "enum":
        return f"{short(instance)} is not one of {short(expected, 200)}"
    if keyword == "const":
        return f"{short(instance)} is not {short(expected)}"
    if keyword == "format":
        return f"{short(instance)} is not a valid {expected}"
    if keyword == "pattern":
        return f"{short(instance)} does not match the pattern {as_json(expected)}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        relation = {"minimum": "less than", "maximum": "greater than", "exclusiveMinimum": "less than or equal to",
                    "exclusiveMaximum": "greater than or equal to"}[keyword]
        return f"{short(instance)} is {relation} the {keyword} {as_json(expected)}"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def _either(types: Any) -> str:
    """A type or a list of types in JSON: ``"number"``, ``"integer" or "null"``."""
    if isinstance(types, list):
        return " or ".join(as_json(t) for t in types)
    return as_json(types)


def _source_of(error: ValidationError, member: str | None = None) -> str | None:
    """The ``x-source`` of the property a finding is about: for a named member (a missing property) its own
    schema's; else the failing schema's or that of an enclosing one about the same place (a nullable wrapper)."""
    if member is not None:
        found = error.schema.get("properties", {}).get(member) if isinstance(error.schema, dict) else None
        return str(found["x-source"]) if isinstance(found, dict) and found.get("x-source") else None
    node: ValidationError | None = error
    while node is not None and node.absolute_path == error.absolute_path:
        if isinstance(node.schema, dict) and node.schema.get("x-source"):
            return str(node.schema["x-source"])
        node = node.parent
    return None


def _values(error: ValidationError) -> dict[str, Any]:
    values: dict[str, Any] = {"keyword": str(error.validator), "actual": _scalar(error.instance)}
    expected = error.validator_value
    if isinstance(expected, str | int | float | bool | list) and len(repr(expected)) < 200:
        values["expected"] = expected
    return values


def _violation(error: ValidationError, path: list[Any], message: str, values: dict[str, Any],
               source: str | None = None) -> Violation:
    return Violation(
        rule="schema",
        severity="error",
        category="schema",
        pointer=pointer_from(path),
        message=message,
        source=source,
        values=values,
    )
