"""The behaviour diff: how the payloads an SDK receives changed between OLD and NEW, in its terms.

OLD and NEW are two payloads or two recording folders. Interactions are grouped by operation and status
("response 200", or a webhook's request body); within a group there are two halves (docs/changes.md):

* **shape**, a statement about all interactions of a side: each payload is profiled once (per normalised
  pointer, ``*`` for array positions: the JSON types seen, null or not, present or missing, array
  lengths, the values at places the spec declares an enum) and the OLD and NEW profiles of the group are
  compared: fields added, removed or now optional, types, null appearing or disappearing, enum values,
  array length distributions;
* **values**, a statement about each matched pair: equality first (microseconds); a differing pair is
  narrowed by a positional walk to the leaves that differ, and those go to one DeepDiff call whose report
  says what each is: ``values_changed`` is a value change; ``type_changes`` and
  ``dictionary_item_added``/``removed`` are value changes too unless the shape half already reports that
  place (null appearing, a type change, a field gone), which is the same fact seen from one pair. The walk
  also reads the tail of the longer of two arrays (items added or removed at the end are value changes)
  and notes every array whose length differs: ``array-length-differs`` for the pairs, unless the shape half
  reports the place's length distribution (``array-length-changed``). A value change whose new values are
  all enum values the shape half reports as new (``enum-value-added``, ``known-value-added``) is that
  report seen from one pair, and is not counted again.

DeepDiff never sees a long array: its sequence handling is what costs 100-200 ms on an 8-hour session
(bench/perf-facts); the walk compares arrays position by position, as an SDK reads them.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from contractgate.absent import ABSENT
from contractgate.diff.change import ITEM, Change, Tokens, sorted_changes
from contractgate.diff.schemas import JSON_TYPES, EnumIndex, unadmitted
from contractgate.diff.volatile import Ignored, Volatile
from contractgate.pointer import pointer_from
from contractgate.recordings import Interaction, Matched

#: (api, operation, status) -> the payload's dereferenced JSON Schema, or None when there is no spec.
SchemaLookup = Callable[[str, str, int | None], Any]
#: How far a min, median or max of array lengths may move before the distribution counts as changed.
LENGTH_TOLERANCE = 0.2
#: ... and at least this much, so that a tiny array is not judged by a fraction of an element.
LENGTH_MIN_STEP = 0.5
#: DeepDiff reports that, in one pair, show what the shape half states about all interactions.
_SHAPE_REPORTS = ("type_changes", "dictionary_item_added", "dictionary_item_removed")
#: Shape kinds about a place's own type or presence; the enum and length kinds leave its values to report.
_TYPE_OR_PRESENCE = frozenset({"field-added", "field-removed", "field-now-optional", "type-changed", "null-appeared",
                               "null-disappeared"})
#: Shape kinds about a value new at a place: the pairs that show it are not value changes as well.
_NEW_VALUE = frozenset({"enum-value-added", "known-value-added"})


def no_schema(api: str, operation: str, status: int | None) -> Any:
    return None


# --- shape: profiles ------------------------------------------------------------------------------------

@dataclass
class _Node:
    """One place in one payload: how often it occurs and what it holds there."""

    count: int = 0
    objects: int = 0  # occurrences that are objects (a member is "missing" from those lacking it)
    types: set[str] = field(default_factory=set)
    values: set[Hashable] = field(default_factory=set)
    lengths: list[int] = field(default_factory=list)


def _scan(payload: Any, enums: EnumIndex) -> dict[Tokens, _Node]:
    nodes: dict[Tokens, _Node] = {}
    if payload is ABSENT:
        return nodes
    stack: list[tuple[Tokens, Any]] = [((), payload)]
    while stack:
        tokens, value = stack.pop()
        node = nodes.get(tokens) or nodes.setdefault(tokens, _Node())
        node.count += 1
        kind = type(value)
        if kind is dict:
            node.types.add("object")
            node.objects += 1
            stack.extend(((*tokens, key), item) for key, item in value.items())
        elif kind is list:
            node.types.add("array")
            node.lengths.append(len(value))
            if not value:
                continue
            child = (*tokens, ITEM)
            kinds = set(map(type, value))
            if dict in kinds or list in kinds:
                stack.extend((child, item) for item in value)
                continue
            # An array of scalars (960 stage codes): counted in C, not one Python step per element.
            item_node = nodes.get(child) or nodes.setdefault(child, _Node())
            item_node.count += len(value)
            item_node.types.update(JSON_TYPES[k] for k in kinds)
            if enums.at(child) is not None:
                item_node.values.update(v for v in value if v is not None)
        else:
            node.types.add(JSON_TYPES[kind])
            # A null is the nullability's business (null-appeared), never a new enum value.
            if value is not None and enums.at(tokens) is not None:
                node.values.add(value)
    return nodes


@dataclass
class _Stats:
    """One place over all interactions of one side of a group; counts are of interactions."""

    type_sets: Counter[frozenset[str]] = field(default_factory=Counter)
    partial: int = 0  # interactions where it is missing from some, not all, of its parent objects
    values: Counter[Hashable] = field(default_factory=Counter)
    lengths: list[int] = field(default_factory=list)

    @property
    def present(self) -> int:
        return sum(self.type_sets.values())

    def having(self, types: Iterable[str]) -> int:
        wanted = set(types)
        return sum(n for seen, n in self.type_sets.items() if seen & wanted)

    @property
    def all_types(self) -> set[str]:
        return set().union(*self.type_sets)


Profile = dict[Tokens, _Stats]


def _merge(profile: Profile, nodes: dict[Tokens, _Node]) -> None:
    for tokens, node in nodes.items():
        stats = profile.get(tokens) or profile.setdefault(tokens, _Stats())
        stats.type_sets[frozenset(node.types)] += 1
        if node.values:
            stats.values.update(node.values)
        if node.lengths:
            stats.lengths += node.lengths
        if tokens and tokens[-1] != ITEM and node.count < nodes[tokens[:-1]].objects:
            stats.partial += 1


def _objects(profile: Profile, tokens: Tokens) -> int:
    stats = profile.get(tokens)
    return stats.having(("object",)) if stats else 0


def _missing(profile: Profile, tokens: Tokens, stats: _Stats) -> int:
    """Interactions in which the member is missing from at least one of its parent objects."""
    return _objects(profile, tokens[:-1]) - stats.present + stats.partial


def _distribution(lengths: list[int]) -> dict[str, float]:
    median = statistics.median(lengths)
    return {"min": min(lengths), "median": int(median) if median == int(median) else median, "max": max(lengths)}


def length_shifted(old: dict[str, float], new: dict[str, float]) -> bool:
    return any(abs(new[k] - old[k]) > max(LENGTH_TOLERANCE * abs(old[k]), LENGTH_MIN_STEP) for k in old)


@dataclass(frozen=True)
class _Shape:
    kind: str
    tokens: Tokens
    old: Any = ABSENT
    new: Any = ABSENT
    count: int = 1


def _member_shape(tokens: Tokens, old: Profile, new: Profile) -> _Shape | None:
    """Presence of an object member; None when it is there on both sides as before."""
    a, b = old.get(tokens), new.get(tokens)
    if a is None or b is None:
        # Only where the parent object exists on the other side: under a removed or retyped parent the
        # parent's own change is the news.
        if a is None and b is not None and _objects(old, tokens[:-1]):
            return _Shape("field-added", tokens, count=b.present)
        if b is None and a is not None and (parents := _objects(new, tokens[:-1])):
            return _Shape("field-removed", tokens, count=parents)
        return None
    if _missing(old, tokens, a) == 0 and (missing := _missing(new, tokens, b)) > 0:
        return _Shape("field-now-optional", tokens, count=missing)
    return None


def _shapes(old: Profile, new: Profile, enums: EnumIndex) -> Iterable[_Shape]:
    for tokens in sorted(old.keys() | new.keys()):
        if tokens and tokens[-1] != ITEM and (presence := _member_shape(tokens, old, new)):
            yield presence
        a, b = old.get(tokens), new.get(tokens)
        if a is None or b is None:
            continue
        a_all, b_all = sorted(a.all_types), sorted(b.all_types)
        a_null, b_null = a.having(("null",)), b.having(("null",))
        if b_null and not a_null:
            yield _Shape("null-appeared", tokens, a_all, b_all, b_null)
        elif a_null and not b_null:
            yield _Shape("null-disappeared", tokens, a_all, b_all, a_null)
        a_types, b_types = a.all_types - {"null"}, b.all_types - {"null"}
        if a_types and (fresh := unadmitted(a_types, b_types)):
            yield _Shape("type-changed", tokens, sorted(a_types), sorted(b_types), b.having(fresh))
        if (enum := enums.at(tokens)) is not None:
            kind = "enum-value-added" if enum.closed is not None else "known-value-added"
            seen = sorted(a.values, key=repr)
            for value in sorted(b.values.keys() - a.values.keys() - enum.listed, key=repr):
                yield _Shape(kind, tokens, seen, value, b.values[value])
        if a.lengths and b.lengths:
            before, after = _distribution(a.lengths), _distribution(b.lengths)
            if length_shifted(before, after):
                yield _Shape("array-length-changed", tokens, before, after)


# --- values: pairs ----------------------------------------------------------------------------------------

def _narrow(old: Any, new: Any, tokens: Tokens, leaves: list[tuple[Tokens, Any, Any]],
            lengths: list[tuple[Tokens, int, int]]) -> None:
    """Append every differing leaf of two unequal values, and every array whose length differs; arrays are
    compared position by position, and the longer one's tail is items added (or removed) at the end."""
    if type(old) is dict and type(new) is dict:
        for key, value in old.items():
            if key not in new:
                leaves.append(((*tokens, key), value, ABSENT))
            elif value != (other := new[key]):
                _narrow(value, other, (*tokens, key), leaves, lengths)
        leaves.extend(((*tokens, key), ABSENT, value) for key, value in new.items() if key not in old)
    elif type(old) is list and type(new) is list:
        child = (*tokens, ITEM)
        for a, b in zip(old, new, strict=False):
            if a != b:
                _narrow(a, b, child, leaves, lengths)
        if len(old) != len(new):
            lengths.append((tokens, len(old), len(new)))
            shorter = min(len(old), len(new))
            leaves.extend((child, item, ABSENT) for item in old[shorter:])
            leaves.extend((child, ABSENT, item) for item in new[shorter:])
    else:
        leaves.append((tokens, old, new))


def _side(value: Any) -> Any:
    return ABSENT if isinstance(value, NotPresent) else value


#: The new side of a pair's leaves at one place when one of them is not a scalar (never an enum value).
_NOT_SCALAR = None
#: Examples kept per DeepDiff report and place: enough to find one that is not a new enum value.
_EXAMPLES = 8


@dataclass
class _Values:
    """The value changes at one place over the pairs of a group, by the DeepDiff reports that named them."""

    # (reports one pair had here, the new-side values of its leaves here, or _NOT_SCALAR) -> pairs
    pairs: Counter[tuple[frozenset[str], frozenset[Hashable] | None]] = field(default_factory=Counter)
    examples: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)  # report -> first few (old, new)

    def example(self, names: set[str], fresh: set[Hashable]) -> tuple[Any, Any]:
        """The first example of ``names``, preferring one whose new value is not a new enum value."""
        found = [e for n, kept in self.examples.items() if n in names for e in kept]
        return next((e for e in found if not _within((e[1],), fresh)), found[0])


def _within(values: Iterable[Any], fresh: set[Hashable]) -> bool:
    try:
        return bool(fresh) and all(v in fresh for v in values)
    except TypeError:  # a list or object: not an enum value
        return False


@dataclass
class _Lengths:
    """Pairs in which an array at one place has another length, and the first such pair's lengths."""

    pairs: int = 0
    example: tuple[int, int] = (0, 0)


@dataclass
class _Group:
    """The interactions of one operation and status (or one pair of payload files)."""

    operation: str | None
    location: str | None
    enums: EnumIndex
    ignored: Ignored
    old: Profile = field(default_factory=dict)
    new: Profile = field(default_factory=dict)
    length_diffs: Counter[Tokens] = field(default_factory=Counter)
    values: dict[Tokens, _Values] = field(default_factory=lambda: defaultdict(_Values))
    pair_lengths: dict[Tokens, _Lengths] = field(default_factory=lambda: defaultdict(_Lengths))

    def add(self, old: Any, new: Any) -> None:
        if old == new:
            nodes = _scan(old, self.enums)  # an identical pair weighs the same on both sides: profile it once
            _merge(self.old, nodes)
            _merge(self.new, nodes)
            return
        old_nodes, new_nodes = _scan(old, self.enums), _scan(new, self.enums)
        _merge(self.old, old_nodes)
        _merge(self.new, new_nodes)
        for tokens, node in new_nodes.items():
            if node.lengths and (before := old_nodes.get(tokens)) is not None and before.lengths != node.lengths:
                self.length_diffs[tokens] += 1
        self._pair_values(old, new)

    def _pair_values(self, old: Any, new: Any) -> None:
        leaves: list[tuple[Tokens, Any, Any]] = []
        lengths: list[tuple[Tokens, int, int]] = []
        _narrow(old, new, (), leaves, lengths)
        seen: set[Tokens] = set()
        for tokens, before, after in lengths:
            if tokens not in seen and tokens not in self.ignored:  # one pair counts once per place
                seen.add(tokens)
                record = self.pair_lengths[tokens]
                record.pairs += 1
                if record.pairs == 1:
                    record.example = (before, after)
        leaves = [leaf for leaf in leaves if leaf[0] not in self.ignored]
        if not leaves:
            return
        news: dict[Tokens, set[Hashable] | None] = {}
        for tokens, _, after in leaves:
            held = news.setdefault(tokens, set())
            if held is not None:
                if isinstance(after, dict | list):
                    news[tokens] = _NOT_SCALAR
                else:
                    held.add(after)
        # One flat call per pair: entry i of each side is leaf i, absent where that side lacks it. The
        # threshold 0 keeps DeepDiff from reporting the two flat objects as one replaced value when they
        # share few keys.
        report = DeepDiff({i: o for i, (_, o, _) in enumerate(leaves) if o is not ABSENT},
                          {i: n for i, (_, _, n) in enumerate(leaves) if n is not ABSENT},
                          view="tree", threshold_to_diff_deeper=0)
        reports: dict[Tokens, set[str]] = defaultdict(set)  # per place: counted once per pair, not per position
        for name, levels in report.items():
            for level in levels:
                tokens = leaves[level.path(output_format="list")[0]][0]
                reports[tokens].add(name)
                kept = self.values[tokens].examples.setdefault(name, [])
                if len(kept) < _EXAMPLES:
                    kept.append((_side(level.t1), _side(level.t2)))
        for tokens, names in reports.items():
            held = news.get(tokens)
            self.values[tokens].pairs[frozenset(names), None if held is None else frozenset(held)] += 1

    def changes(self) -> list[Change]:
        out: list[Change] = []
        covered: set[Tokens] = set()
        distributions: set[Tokens] = set()
        fresh: dict[Tokens, set[Hashable]] = defaultdict(set)  # new enum values the shape half reports
        for shape in _shapes(self.old, self.new, self.enums):
            count = self.length_diffs[shape.tokens] if shape.kind == "array-length-changed" else shape.count
            out.append(self._change(shape.kind, shape.tokens, shape.old, shape.new, count))
            if shape.kind in _TYPE_OR_PRESENCE:
                covered.add(shape.tokens)
            elif shape.kind == "array-length-changed":
                distributions.add(shape.tokens)
            elif shape.kind in _NEW_VALUE:
                fresh[shape.tokens].add(shape.new)
        for tokens, lengths in self.pair_lengths.items():
            if tokens not in distributions:  # the distribution's report already says the lengths moved
                out.append(self._change("array-length-differs", tokens, *lengths.example, lengths.pairs))
        for tokens, values in self.values.items():
            wanted = {n for n in values.examples if n not in _SHAPE_REPORTS or tokens not in covered}
            new_here = fresh.get(tokens, set())
            # A pair whose only news here is a new enum value shows the shape half's fact: counted there.
            count = sum(n for (names, news), n in values.pairs.items()
                        if names & wanted and not (news is not None and _within(news, new_here)))
            if count:
                old, new = values.example(wanted, new_here)
                out.append(self._change("value-changed", tokens, old, new, count))
        return out

    def _change(self, kind: str, tokens: Tokens, old: Any, new: Any, count: int) -> Change:
        return Change(kind, pointer_from(tokens), old, new, count, self.operation, self.location)


# --- entry points -----------------------------------------------------------------------------------------

def diff_payloads(old: Any, new: Any, *, schema: Any = None, ignored: Ignored | None = None) -> list[Change]:
    """Two payloads of the same operation and status (``schema`` tells where its enums are)."""
    group = _Group(None, None, EnumIndex(schema), ignored or Ignored())
    group.add(old, new)
    return sorted_changes(group.changes())


def _location(interaction: Interaction) -> str:
    return "webhook request body" if interaction.kind == "webhook" else f"response {interaction.response.status}"


def _unmatched(interactions: Iterable[Interaction], kind: str) -> list[Change]:
    """One change per operation, listing its requests (on the side that has them)."""
    by_operation: dict[str, list[str]] = defaultdict(list)
    for interaction in interactions:
        by_operation[f"{interaction.api}/{interaction.operation}"].append(interaction.label)
    changes = []
    for operation, labels in by_operation.items():
        old, new = (sorted(labels), ABSENT) if kind == "interaction-removed" else (ABSENT, sorted(labels))
        changes.append(Change(kind, "", old, new, len(labels), operation))
    return changes


def diff_recordings(matched: Matched, *, schema_for: SchemaLookup = no_schema,
                    volatile: Volatile | None = None) -> list[Change]:
    """Two recording folders, matched by request: the pairs' changes aggregated per operation and status
    (``count`` is the number of interactions showing each), plus interactions only one side has."""
    volatile = volatile or Volatile()
    groups: dict[tuple[str, str], _Group] = {}
    statuses: Counter[tuple[str, int, int]] = Counter()
    for old, new in matched.pairs:
        operation = f"{old.api}/{old.operation}"
        if old.status != new.status and old.status is not None and new.status is not None:
            statuses[(operation, old.status, new.status)] += 1
            continue
        location = _location(old)
        group = groups.get((operation, location))
        if group is None:
            schema = schema_for(old.api, old.operation, old.status)
            group = groups[(operation, location)] = _Group(operation, location, EnumIndex(schema),
                                                           volatile.for_api(old.api))
        group.add(old.payload, new.payload)
    changes = [c for group in groups.values() for c in group.changes()]
    changes += [Change("status-changed", "", old, new, n, operation) for (operation, old, new), n in statuses.items()]
    changes += _unmatched(matched.only_old, "interaction-removed")
    changes += _unmatched(matched.only_new, "interaction-added")
    return sorted_changes(changes)
