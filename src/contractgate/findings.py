"""What a check finds. Frozen data; renderers (contractgate.reports) turn it into sentences and files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from contractgate.absent import ABSENT

Severity = Literal["error", "warning"]
#: What kind of promise a violation breaks (its rule kind's class): schema: JSON Schema; conditional:
#: nullability/presence rules; invariant: arithmetic, order, consistency.
Category = Literal["schema", "conditional", "invariant"]


@dataclass(frozen=True)
class Violation:
    """One broken promise in one payload.

    ``pointer`` is the RFC 6901 pointer of the offending value in the payload (for a missing
    property: where it should be). ``values`` holds the actual values the message quotes.
    """

    rule: str
    severity: Severity
    category: Category
    pointer: str
    message: str
    source: str | None = None
    title: str | None = None
    quote: str | None = None  # the document's sentence the rule comes from
    conflicts: tuple[str, ...] = ()  # ids of recorded document conflicts at this place (DOC-CONFLICTS.md)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def actual(self) -> Any:
        """The offending value as the payload holds it (``ABSENT`` when the message quotes none)."""
        if "actual" in self.values:
            return self.values["actual"]
        return self.values.get(self.pointer, ABSENT)

    @property
    def expected(self) -> Any:
        """What the schema asks for (a type, the enum, a bound), ``ABSENT`` for a rule: its title says it."""
        return self.values.get("expected", ABSENT)

    @property
    def trigger(self) -> dict[str, Any]:
        """The other values the finding quotes, by pointer: a conditional rule's trigger values (the fields its
        condition read), an invariant's operands."""
        return {k: v for k, v in self.values.items() if k.startswith("/") and k != self.pointer}

    @property
    def fingerprint(self) -> tuple[str, str]:
        """Identity that survives a reworded message (rule and place), for baselines and de-duplication."""
        return (self.rule, self.pointer)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "kind": self.category,  # the JSON key predates the attribute's name: a public contract
            "pointer": self.pointer,
            "message": self.message,
        }
        if self.title:
            out["title"] = self.title
        if self.source:
            out["source"] = self.source
        if self.quote:
            out["quote"] = self.quote
        if self.conflicts:
            out["conflicts"] = list(self.conflicts)
        if self.values:
            out["values"] = self.values
        return out


def failing(violations: Iterable[Violation], strict: bool = False) -> list[Violation]:
    """The violations that fail a verdict: every error, and under ``strict`` every warning too.

    The one pass/fail policy: every command, check, report and exit code asks this function, so that a text
    verdict, a JSON ``ok`` and an exit code can never disagree.
    """
    return [v for v in violations if v.severity == "error" or strict]
