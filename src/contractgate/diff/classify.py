"""Every change the diffs report, listed once: stable kebab-case id, default class, message template.

The engines (``behaviour.py``, ``spec.py``) only name a kind; its class and wording live here, and
``docs/changes.md`` is generated from this list. Classes are what the change means for an SDK that
consumes the API's responses (and webhook deliveries): ``breaking`` (code written against OLD can fail
on NEW), ``potentially-breaking`` (it can, depending on how the SDK was written) or ``non-breaking``.

Message templates may use ``{old}``, ``{new}`` (the change's values, shortened by the renderer) and
``{interactions}`` (its count, e.g. "3 interactions").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Class = Literal["breaking", "potentially-breaking", "non-breaking"]
CLASSES: tuple[Class, ...] = ("breaking", "potentially-breaking", "non-breaking")
Scope = Literal["behaviour", "spec"]

BREAKING: Class = "breaking"
POTENTIALLY: Class = "potentially-breaking"
NON: Class = "non-breaking"


@dataclass(frozen=True)
class ChangeKind:
    id: str
    scope: Scope
    klass: Class
    message: str
    description: str


def _b(id_: str, klass: Class, message: str, description: str) -> ChangeKind:
    return ChangeKind(id_, "behaviour", klass, message, description)


def _s(id_: str, klass: Class, message: str, description: str) -> ChangeKind:
    return ChangeKind(id_, "spec", klass, message, description)


#: Behaviour kinds, then spec kinds; each sorted by id (a test pins it).
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    _b("array-length-changed", POTENTIALLY,
       "array lengths {old} became {new}; the length differs in {interactions}",
       "The lengths of this array shifted materially: its min, median or max moved by more than 20 % of the "
       "OLD figure and by more than half an element (over all the interactions of each side; with one pair, "
       "its two lengths). This distribution rule decides the class; smaller shifts are `array-length-differs`."),
    _b("array-length-differs", NON, "array length {old} became {new} in {interactions}",
       "The same array has another length in the paired interactions (example: the first such pair), while "
       "the lengths over all interactions did not shift enough to be `array-length-changed`, which then "
       "reports the place instead. The items beyond the shorter array are compared as values "
       "(`value-changed` with one side absent)."),
    _b("enum-value-added", BREAKING,
       "value {new} never seen in OLD and not in the spec's enum, in {interactions}",
       "Where the spec declares a closed enum (`enum` or `const`), NEW shows a value that no OLD interaction "
       "showed and the spec does not list."),
    _b("field-added", NON, "new field, in {interactions}",
       "Present in NEW; absent from every OLD interaction in which its parent object is present."),
    _b("field-now-optional", POTENTIALLY, "always present in OLD, missing from {interactions} in NEW",
       "Present in every OLD interaction where its parent object is present; missing from some NEW ones."),
    _b("field-removed", BREAKING, "present in OLD, absent from every NEW interaction ({interactions} without it)",
       "Present in OLD; absent from every NEW interaction in which its parent object is present."),
    _b("interaction-added", NON, "{interactions} recorded only in NEW: {new}",
       "Requests recorded in the NEW folder with no counterpart in OLD (same API, operation, method and path)."),
    _b("interaction-removed", POTENTIALLY, "{interactions} recorded only in OLD: {old}",
       "Requests recorded in the OLD folder with no counterpart in NEW: the diff no longer covers them."),
    _b("known-value-added", POTENTIALLY,
       "value {new} of an open enum, never seen in OLD nor listed in x-known-values, in {interactions}",
       "Where the spec declares an open enum (`x-known-values`), NEW shows a value that no OLD interaction "
       "showed and the spec does not list."),
    _b("null-appeared", BREAKING, "null in {interactions}; never null in OLD",
       "Never null in any OLD interaction, null in some NEW ones."),
    _b("null-disappeared", NON, "never null in NEW; null in {interactions} of OLD",
       "Null in some OLD interactions, never null in NEW."),
    _b("status-changed", BREAKING, "status {old} became {new} in {interactions}",
       "The same request answered with another status code (the bodies of such a pair are not compared)."),
    _b("type-changed", BREAKING, "type {old} became {new}; the new type in {interactions}",
       "NEW shows a JSON type never seen there in OLD (null aside, which has its own kinds); an integer where "
       "OLD had non-integral numbers is not a change."),
    _b("value-changed", NON, "value changed in {interactions}, e.g. {old} -> {new}",
       "The same place holds another value in the paired interactions (volatile fields are ignored)."),
    _s("operation-added", NON, "operation added", "A path operation or webhook exists only in NEW."),
    _s("operation-removed", BREAKING, "operation removed", "A path operation or webhook exists only in OLD."),
    _s("request-optional-parameter-added", NON, "optional parameter added",
       "The SDK may send a new parameter; it does not have to."),
    _s("request-parameter-became-optional", NON, "parameter no longer required",
       "A parameter the SDK sends is no longer required."),
    _s("request-parameter-became-required", BREAKING, "parameter now required",
       "An optional parameter is now required: calls that omit it fail."),
    _s("request-parameter-enum-added", BREAKING, "parameter now restricted to {new}",
       "A parameter that took any value now takes only the listed ones."),
    _s("request-parameter-enum-removed", NON, "parameter no longer restricted to {old}",
       "A parameter's enum was lifted: it now takes any value."),
    _s("request-parameter-enum-value-added", NON, "parameter value {new} now accepted",
       "A parameter's enum gained a value."),
    _s("request-parameter-enum-value-removed", BREAKING, "parameter value {old} no longer accepted",
       "A parameter's enum lost a value the SDK may send."),
    _s("request-parameter-format-added", POTENTIALLY, "parameter format {new} now required",
       "A parameter gained a `format`: values the SDK sends may no longer qualify."),
    _s("request-parameter-format-changed", BREAKING, "parameter format {old} became {new}",
       "A parameter's `format` changed: values the SDK sends no longer qualify."),
    _s("request-parameter-format-removed", NON, "parameter format {old} no longer required",
       "A parameter's `format` was lifted."),
    _s("request-parameter-pattern-added", POTENTIALLY, "parameter must now match {new}",
       "A parameter gained a `pattern`: values the SDK sends may no longer qualify."),
    _s("request-parameter-pattern-changed", POTENTIALLY, "parameter pattern {old} became {new}",
       "A parameter's `pattern` changed: values the SDK sends may no longer qualify."),
    _s("request-parameter-pattern-removed", NON, "parameter pattern {old} lifted",
       "A parameter's `pattern` was lifted."),
    _s("request-parameter-removed", POTENTIALLY, "parameter removed",
       "A parameter the SDK may send is gone: the server may ignore or reject it."),
    _s("request-parameter-type-changed", BREAKING, "parameter type {old} became {new}",
       "A parameter no longer accepts a type it accepted (narrowed or replaced)."),
    _s("request-parameter-type-widened", NON, "parameter type {old} widened to {new}",
       "A parameter accepts every type it accepted, and more."),
    _s("request-required-parameter-added", BREAKING, "required parameter added",
       "A new parameter must be sent: existing calls lack it."),
    _s("response-became-non-nullable", NON, "no longer nullable",
       "A received value can no longer be null."),
    _s("response-became-nullable", BREAKING, "now nullable", "A received value may now be null."),
    _s("response-body-added", NON, "JSON body added", "A response (or webhook delivery) now documents a JSON body."),
    _s("response-body-removed", BREAKING, "JSON body removed",
       "A response (or webhook delivery) no longer documents a JSON body."),
    _s("response-enum-added", NON, "now restricted to {new}", "A received value is now restricted to an enum."),
    _s("response-enum-removed", BREAKING, "no longer restricted to {old}",
       "A received value lost its closed enum: any value may arrive (also when the enum became open, "
       "`x-known-values`)."),
    _s("response-enum-value-added", BREAKING, "enum value {new} added",
       "A closed enum of a received value gained a value an SDK's enum type does not know."),
    _s("response-enum-value-removed", NON, "enum value {old} removed",
       "A closed enum of a received value lost a value: the SDK just never sees it."),
    _s("response-format-added", NON, "format {new} added", "A received string now promises a `format`."),
    _s("response-format-changed", BREAKING, "format {old} became {new}",
       "A received string promises another `format`: parsing by the old one fails."),
    _s("response-format-removed", POTENTIALLY, "format {old} removed",
       "A received string no longer promises its `format`: an SDK that parses it may fail."),
    _s("response-known-value-added", POTENTIALLY, "known value {new} added to an open enum",
       "An open enum (`x-known-values`) of a received value lists a new value."),
    _s("response-known-value-removed", NON, "known value {old} removed from an open enum",
       "An open enum (`x-known-values`) of a received value no longer lists a value."),
    _s("response-non-success-status-removed", NON, "response {old} removed",
       "An error (non-2xx) response is no longer documented."),
    _s("response-optional-property-removed", POTENTIALLY, "optional property removed",
       "A received property that was optional is gone; an SDK already handles its absence, unless it relied "
       "on it when present."),
    _s("response-pattern-added", NON, "now matches {new}", "A received string now promises a `pattern`."),
    _s("response-pattern-changed", POTENTIALLY, "pattern {old} became {new}",
       "A received string promises another `pattern`: an SDK that relies on the old shape may fail."),
    _s("response-pattern-removed", POTENTIALLY, "pattern {old} removed",
       "A received string no longer promises its `pattern`: an SDK that relies on the shape may fail."),
    _s("response-property-added", NON, "property added", "A received object has a new property."),
    _s("response-property-became-optional", BREAKING, "property no longer required",
       "A received property that was always present may now be missing."),
    _s("response-property-became-required", NON, "property now required",
       "A received property that could be missing is now always present."),
    _s("response-required-property-removed", BREAKING, "required property removed",
       "A received property that was always present is gone."),
    _s("response-status-added", POTENTIALLY, "response {new} added",
       "A new documented response status: an SDK may not handle it."),
    _s("response-success-status-removed", BREAKING, "success response {old} removed",
       "A success (2xx) response is no longer documented."),
    _s("response-type-changed", BREAKING, "type {old} became {new}",
       "A received value may have a type it could not have before (replaced or widened; integer to number "
       "counts)."),
    _s("response-type-narrowed", NON, "type {old} narrowed to {new}",
       "A received value has fewer possible types (for example number to integer)."),
)

BY_ID: dict[str, ChangeKind] = {kind.id: kind for kind in CHANGE_KINDS}

#: What the spec diff finds in a schema (direction-neutral) ...
Facet = Literal[
    "property-added-required", "property-added-optional", "property-removed-required", "property-removed-optional",
    "property-became-optional", "property-became-required", "type-changed", "type-widened", "type-narrowed",
    "became-nullable", "became-non-nullable", "enum-value-added", "enum-value-removed", "enum-added",
    "enum-removed", "known-value-added", "known-value-removed", "format-added", "format-removed", "format-changed",
    "pattern-added", "pattern-removed", "pattern-changed",
]
Direction = Literal["received", "sent"]

#: ... and the kind it is for the SDK, by who sends the value: "received" for response bodies, webhook
#: deliveries and a webhook's parameters; "sent" for a REST operation's parameters. The same facet reads
#: in opposite ways: a type that admits more is breaking to receive and harmless to send. None: not a
#: change an SDK notices (null parameters are not sent; an open list of known values restricts nothing).
SPEC_KINDS: dict[Direction, dict[Facet, str | None]] = {
    "received": {
        "property-added-required": "response-property-added",
        "property-added-optional": "response-property-added",
        "property-removed-required": "response-required-property-removed",
        "property-removed-optional": "response-optional-property-removed",
        "property-became-optional": "response-property-became-optional",
        "property-became-required": "response-property-became-required",
        "type-changed": "response-type-changed",
        "type-widened": "response-type-changed",
        "type-narrowed": "response-type-narrowed",
        "became-nullable": "response-became-nullable",
        "became-non-nullable": "response-became-non-nullable",
        "enum-value-added": "response-enum-value-added",
        "enum-value-removed": "response-enum-value-removed",
        "enum-added": "response-enum-added",
        "enum-removed": "response-enum-removed",
        "known-value-added": "response-known-value-added",
        "known-value-removed": "response-known-value-removed",
        "format-added": "response-format-added",
        "format-removed": "response-format-removed",
        "format-changed": "response-format-changed",
        "pattern-added": "response-pattern-added",
        "pattern-removed": "response-pattern-removed",
        "pattern-changed": "response-pattern-changed",
    },
    "sent": {
        "property-added-required": "request-required-parameter-added",
        "property-added-optional": "request-optional-parameter-added",
        "property-removed-required": "request-parameter-removed",
        "property-removed-optional": "request-parameter-removed",
        "property-became-optional": "request-parameter-became-optional",
        "property-became-required": "request-parameter-became-required",
        "type-changed": "request-parameter-type-changed",
        "type-widened": "request-parameter-type-widened",
        "type-narrowed": "request-parameter-type-changed",
        "became-nullable": None,
        "became-non-nullable": None,
        "enum-value-added": "request-parameter-enum-value-added",
        "enum-value-removed": "request-parameter-enum-value-removed",
        "enum-added": "request-parameter-enum-added",
        "enum-removed": "request-parameter-enum-removed",
        "known-value-added": None,
        "known-value-removed": None,
        "format-added": "request-parameter-format-added",
        "format-removed": "request-parameter-format-removed",
        "format-changed": "request-parameter-format-changed",
        "pattern-added": "request-parameter-pattern-added",
        "pattern-removed": "request-parameter-pattern-removed",
        "pattern-changed": "request-parameter-pattern-changed",
    },
}
