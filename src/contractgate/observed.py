"""Observed vs documented: what a recording folder says about its spec (``contractgate observed``).

For each operation and status (a webhook: its delivered body) the payloads are walked together with their
dereferenced schema, read the way both diffs read it (``diff/schemas.py``: ``anyOf``/``oneOf`` branches as
alternatives, ``type: [T, "null"]`` and a null branch as nullability). Places are normalised like the
diff's (``*`` for array positions) and also for documented maps (``*`` for their keys), so that a map keyed
by ids is one place. The findings are evidence for tightening or
loosening a spec, not verdicts:

* documented-nullable places that were never null (tighten: not nullable?);
* documented enum and known values that never appeared;
* members the spec does not document (the topmost one: nothing below it is listed again);
* documented members never present although their parent object was;
* per rule, in how many interactions it was violated. The engine reports violations, not whether a rule's
  condition applied, so a rule with none is "never violated in N interactions", which includes interactions
  where it did not apply.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractgate.absent import ABSENT
from contractgate.diff.change import ITEM, Tokens
from contractgate.diff.schemas import Enum, EnumIndex, Schema, alternatives, child, types_of
from contractgate.errors import ContractgateError, InputError
from contractgate.payload import DEFAULT_MAX_BYTES
from contractgate.pointer import pointer_from
from contractgate.recordings import Interaction, load_folder
from contractgate.rules.engine import Rule
from contractgate.secrets import Masker
from contractgate.spec import DEFAULT_STATUS
from contractgate.validate import PayloadChecker, checker_for


def interaction_checker(api_id: str, operation_id: str, status: int | None) -> PayloadChecker | None:
    """The compiled contract (schema and rules) of a recorded payload; None when the spec documents no JSON
    body for that status (a webhook's status is None: its payload is the request body)."""
    try:
        return checker_for(api_id, operation_id, str(status or DEFAULT_STATUS))
    except ContractgateError:
        return None


def location(interaction: Interaction) -> str:
    return "webhook request body" if interaction.kind == "webhook" else f"response {interaction.response.status}"


@dataclass(frozen=True)
class Place:
    pointer: str
    count: int  # interactions in which the place was present


@dataclass(frozen=True)
class UnseenValues:
    pointer: str
    closed: bool  # an enum (or const); False: the open list of x-known-values
    unseen: tuple[Hashable, ...]  # listed by the spec, never in a payload
    seen: int  # distinct values that did appear


@dataclass(frozen=True)
class RuleTally:
    rule: Rule
    violated: int  # interactions with at least one violation of the rule


@dataclass(frozen=True)
class GroupReport:
    """One operation and status (or webhook body) of the folder."""

    api: str
    operation: str
    location: str
    interactions: int  # with a body; a body-less answer has nothing to profile
    schema_failures: int  # interactions with a JSON Schema violation
    never_null: tuple[Place, ...]
    unseen_values: tuple[UnseenValues, ...]
    undocumented: tuple[Place, ...]
    never_present: tuple[Place, ...]  # count: interactions that had the parent object
    rules: tuple[RuleTally, ...]


@dataclass(frozen=True)
class ObservedReport:
    folder: str
    groups: tuple[GroupReport, ...]
    unanalysed: tuple[tuple[str, str, int], ...]  # (api/operation, location, interactions): no JSON schema
    errors: tuple[InputError, ...]  # files that could not be read


class _Places:
    """The schema read at normalised payload places (memoised: every interaction asks about the same places).

    A member is named by its key where the schema names it, and by ``*`` where the schema documents the
    object as a map (``additionalProperties``), so that a map keyed by ids is one place, not one per id.
    """

    def __init__(self, schema: Schema) -> None:
        self._alts: dict[Tokens, list[Schema]] = {(): alternatives(schema)}
        self._maps: dict[Tokens, tuple[frozenset[str], bool]] = {}
        self._enums = EnumIndex(schema)

    def alts(self, tokens: Tokens) -> list[Schema]:
        found = self._alts.get(tokens)
        if found is None:
            parent = self.alts(tokens[:-1])
            found = self._alts[tokens] = child(parent, tokens[-1]) if parent else []
        return found

    def member(self, tokens: Tokens, key: str) -> Tokens:
        shape = self._maps.get(tokens)
        if shape is None:
            alts = self.alts(tokens)
            shape = self._maps[tokens] = (
                frozenset(name for alt in alts for name in alt.get("properties", {})),
                any(alt.get("additionalProperties") not in (None, False) for alt in alts))
        names, is_map = shape
        return (*tokens, ITEM if is_map and key not in names else key)

    def enum(self, tokens: Tokens) -> Enum | None:
        return self._enums.at(tokens)


@dataclass
class _Here:
    """One place in one payload."""

    null: bool = False
    object: bool = False
    values: set[Hashable] = field(default_factory=set)  # at places the spec gives an enum or known values


@dataclass
class _Tally:
    """One place over all payloads of a group; counts are of interactions."""

    present: int = 0
    null: int = 0
    objects: int = 0
    values: set[Hashable] = field(default_factory=set)


def _walk(payload: Any, places: _Places) -> dict[Tokens, _Here]:
    """Every place of one payload; nothing below a place the schema does not document (it is the finding)."""
    found: dict[Tokens, _Here] = {}
    stack: list[tuple[Tokens, Any]] = [((), payload)]
    while stack:
        tokens, value = stack.pop()
        here = found.get(tokens) or found.setdefault(tokens, _Here())
        kind = type(value)
        if value is None:
            here.null = True
        elif not places.alts(tokens):
            continue
        elif kind is dict:
            here.object = True
            stack.extend((places.member(tokens, key), item) for key, item in value.items())
        elif kind is list:
            stack.extend(((*tokens, ITEM), item) for item in value)
        elif places.enum(tokens) is not None:
            here.values.add(value)
    return found


def _documented_members(alts: list[Schema], tokens: Tokens = ()) -> Iterator[Tokens]:
    """Every place the schema names (properties, and through array items), topmost first."""
    for name in dict.fromkeys(name for alt in alts for name in alt.get("properties", {})):
        member = (*tokens, name)
        yield member
        yield from _documented_members(child(alts, name), member)
    if any("items" in alt for alt in alts):
        yield from _documented_members(child(alts, ITEM), (*tokens, ITEM))


def _nullable(alts: list[Schema]) -> bool:
    return any("null" in (types_of(alt) or ()) for alt in alts)


def _analyse(api: str, operation: str, where: str, checker: PayloadChecker,
             interactions: list[Interaction]) -> GroupReport:
    places = _Places(checker.schema.schema)
    tallies: dict[Tokens, _Tally] = defaultdict(_Tally)
    schema_failures = 0
    violated: Counter[str] = Counter()
    payloads = [i.payload for i in interactions if i.payload is not ABSENT]
    for payload in payloads:
        for tokens, here in _walk(payload, places).items():
            tally = tallies[tokens]
            tally.present += 1
            tally.null += here.null
            tally.objects += here.object
            tally.values |= here.values
        rules = {v.rule for v in checker.check(payload)}
        schema_failures += "schema" in rules
        violated.update(rules - {"schema"})

    never_null, unseen, undocumented = [], [], []
    for tokens, tally in sorted(tallies.items()):
        alts = places.alts(tokens)
        if tokens and tokens[-1] != ITEM and not alts and places.alts(tokens[:-1]):
            undocumented.append(Place(pointer_from(tokens), tally.present))
        if _nullable(alts) and not tally.null:
            never_null.append(Place(pointer_from(tokens), tally.present))
        if (enum := places.enum(tokens)) is not None and (missing := enum.listed - tally.values):
            unseen.append(UnseenValues(pointer_from(tokens), enum.closed is not None,
                                       tuple(sorted(missing, key=repr)), len(tally.values)))
    never_present = [Place(pointer_from(tokens), parent.objects) for tokens in _documented_members(places.alts(()))
                     if tokens not in tallies and (parent := tallies.get(tokens[:-1])) and parent.objects]
    rules = tuple(RuleTally(rule, violated[rule.id]) for rule in (checker.rules.rules if checker.rules else ()))
    return GroupReport(api, operation, where, len(payloads), schema_failures, tuple(never_null), tuple(unseen),
                       tuple(undocumented), tuple(never_present), rules)


def observe(interactions: Iterable[Interaction]) -> tuple[list[GroupReport], list[tuple[str, str, int]]]:
    """The reports of every operation and status that has a documented JSON body, and those that have none."""
    groups: dict[tuple[str, str, int | None, str], list[Interaction]] = defaultdict(list)
    for interaction in interactions:
        groups[(interaction.api, interaction.operation, interaction.status, location(interaction))].append(
            interaction)
    reports, unanalysed = [], []
    for (api, operation, status, where), members in sorted(groups.items(), key=lambda g: (*g[0][:2], g[0][3])):
        checker = interaction_checker(api, operation, status)
        if checker is None:
            unanalysed.append((f"{api}/{operation}", where, len(members)))
        else:
            reports.append(_analyse(api, operation, where, checker, members))
    return reports, unanalysed


def observe_folder(folder: Path, api_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                   masker: Masker | None = None) -> ObservedReport:
    """The report of one folder; its errors already through ``masker`` (default: the environment's), because
    the command prints them as they are and a file name or a parse error may quote what it read."""
    loaded = load_folder(folder, max_bytes)
    chosen = [i for i in loaded.interactions if api_id is None or i.api == api_id]
    reports, unanalysed = observe(chosen)
    shown = (masker or Masker.from_env()).sharing()
    errors = tuple(InputError(shown.text(e.file), shown.text(e.cause)) for e in loaded.errors)
    return ObservedReport(str(folder), tuple(reports), tuple(unanalysed), errors)

