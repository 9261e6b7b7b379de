"""Mutation score of the contracts: single-field mutations of valid payloads, and which of them nothing catches.

Pure: payloads and a checker in, results out. Each mutation changes one place of a payload that its contract
accepts (null it, drop it, change its type, change an enum value to another known one, shift a timestamp by an
hour, swap two differing array items); it is caught when the schema or a rule finds anything in the result. An
uncaught mutation is either a hole in the contract or a change the documents allow; specs/uncaught-mutations.yaml
says which, one line each.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contractgate.catalog import load_catalog
from contractgate.errors import ContractgateError
from contractgate.pointer import pointer_from
from contractgate.spec import load_spec
from contractgate.validate import PayloadChecker, checker_for

MUTATION_KINDS = ("null", "drop", "retype", "enum", "shift_time", "swap")
#: Mutations tried per payload at most; a 960-epoch night would otherwise spend the run on one array.
DEFAULT_CAP = 150
#: The mutation score per API (in specs/), written by `make mutate`, read by `rules --format md` (docs/rules.md).
SCORES_FILE = "mutations.yaml"
#: Every uncaught mutation with the one-line reason it is legitimate (in specs/), kept by hand.
REVIEWED_FILE = "uncaught-mutations.yaml"
SHIFT = timedelta(hours=1)

Catches = Callable[[Any], bool]


def catches(checker: PayloadChecker) -> Catches:
    """Whether ``checker`` finds anything: the verdict only, so no schema error is explained (python-jsonschema's
    explanation costs a hundred times jsonschema-rs's yes/no) and the rules stop at their first hit."""
    rules = checker.rules

    def caught(payload: Any) -> bool:
        # The rules run on a schema-invalid payload too, as in `validate`: a rule that raises there is a bug to see.
        hit = rules is not None and next(rules.iter_violations(payload), None) is not None
        return hit or not checker.schema.is_valid(payload)

    return caught


@dataclass(frozen=True)
class Mutation:
    payload: str  # the payload's name (its file name)
    kind: str  # one of MUTATION_KINDS
    pointer: str
    detail: str  # what it became, for a reader

    @property
    def key(self) -> str:
        """What the reviewed file lists: the same change at the same place is one entry whatever the payload."""
        return f"{self.kind} {self.pointer}"


@dataclass(frozen=True)
class ApiScore:
    api_id: str
    total: int
    caught: int
    uncaught: tuple[Mutation, ...]
    crashed: tuple[tuple[Mutation, str], ...] = ()  # the checker raised instead of answering: a bug to fix

    @property
    def share(self) -> float:
        return self.caught / self.total if self.total else 1.0

    def uncaught_keys(self) -> list[str]:
        return sorted({m.key for m in self.uncaught})


def enum_sets(document: Any) -> list[tuple[str, ...]]:
    """Every `enum` and `x-known-values` list of string values in a (spec) document, each once."""
    found: dict[tuple[str, ...], None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("enum", "x-known-values") and isinstance(value, list) and len(value) > 1 \
                        and all(isinstance(v, str) for v in value):
                    found[tuple(value)] = None
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return list(found)


def _places(doc: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, bool]]:
    """(tokens, value, in an object) for every place below the root; of an array only its first item is entered,
    since the items share one schema and the rules read them alike."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            tokens = (*prefix, key)
            yield tokens, value, True
            yield from _places(value, tokens)
    elif isinstance(doc, list) and doc:
        tokens = (*prefix, "0")
        yield tokens, doc[0], False
        yield from _places(doc[0], tokens)


def _retyped(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 1
    if isinstance(value, list):
        return {}
    if isinstance(value, dict):
        return []
    return "null"


def _shifted(value: str) -> str | None:
    if len(value) < 19 or value[4:5] != "-" or value[10:11] != "T":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    text = (moment + SHIFT).isoformat(timespec="milliseconds" if "." in value else "seconds")
    return text.replace("+00:00", "Z") if value.endswith("Z") else text


def _swap_partner(items: list[Any]) -> int | None:
    return next((i for i in range(1, len(items)) if items[i] != items[0]), None)


def _path_copy(doc: Any, tokens: tuple[str, ...]) -> tuple[Any, Any]:
    """A copy of ``doc`` that shares everything but the containers on the way to ``tokens`` (a deep copy of a
    960-epoch night per mutation cost ten times the check), and the copied container at ``tokens``."""
    root = copy.copy(doc)
    node = root
    for token in tokens:
        key: str | int = int(token) if isinstance(node, list) else token
        node[key] = copy.copy(node[key])
        node = node[key]
    return root, node


def _setter(index: str | int, value: Any) -> Callable[[Any], None]:
    def apply(parent: Any) -> None:
        parent[index] = value
    return apply


def _dropper(index: str | int) -> Callable[[Any], None]:
    def apply(parent: Any) -> None:
        del parent[index]
    return apply


def _swapper(index: str | int, j: int) -> Callable[[Any], None]:
    def apply(parent: Any) -> None:
        items = parent[index] = list(parent[index])
        items[0], items[j] = items[j], items[0]
    return apply


def _changes(value: Any, index: str | int, keyed: bool,
             enums: Sequence[tuple[str, ...]]) -> Iterator[tuple[str, str, Callable[[Any], None]]]:
    """(kind, detail, how to apply it to the parent) for each mutation of one place."""
    if value is not None:
        yield "null", "null", _setter(index, None)
    if keyed:
        yield "drop", "absent", _dropper(index)
    retyped = _retyped(value)
    yield "retype", type(retyped).__name__, _setter(index, retyped)
    if isinstance(value, str):
        other = next((s[(s.index(value) + 1) % len(s)] for s in enums if value in s), None)
        if other is not None:
            yield "enum", other, _setter(index, other)
        shifted = _shifted(value)
        if shifted is not None:
            yield "shift_time", shifted, _setter(index, shifted)
    if isinstance(value, list) and (j := _swap_partner(value)) is not None:
        yield "swap", f"items 0 and {j}", _swapper(index, j)


def mutations(name: str, doc: Any, enums: Sequence[tuple[str, ...]] = ()) -> Iterator[tuple[Mutation, Any]]:
    """Every single-field mutation of ``doc``, with the mutated copy, in a fixed order."""
    for tokens, value, keyed in _places(doc):
        pointer = pointer_from(tokens)
        for kind, detail, apply in _changes(value, tokens[-1] if keyed else int(tokens[-1]), keyed, enums):
            copied, parent = _path_copy(doc, tokens[:-1])
            apply(parent)
            yield Mutation(name, kind, pointer, detail), copied


def _capped(found: list[tuple[Mutation, Any]], cap: int) -> list[tuple[Mutation, Any]]:
    """At most ``cap`` mutations, evenly spread over the payload (deterministic: no sampling)."""
    if len(found) <= cap:
        return found
    step = len(found) / cap
    return [found[int(i * step)] for i in range(cap)]


def score(api_id: str, payloads: Mapping[str, Any], caught_by: Catches, enums: Sequence[tuple[str, ...]] = (),
          cap: int = DEFAULT_CAP) -> ApiScore:
    """Mutate every payload of ``api_id`` (each must be clean: a finding before mutating is an error) and count."""
    total = caught = 0
    uncaught: list[Mutation] = []
    crashed: list[tuple[Mutation, str]] = []
    for name in sorted(payloads):
        if caught_by(payloads[name]):
            raise ContractgateError(f"{name}: its contract already finds something in it; mutate valid payloads only")
        for mutation, mutated in _capped(list(mutations(name, payloads[name], enums)), cap):
            total += 1
            try:
                found = caught_by(mutated)
            except Exception as exc:  # a checker that raises on a bad payload is what this run is for
                crashed.append((mutation, f"{type(exc).__name__}: {exc}"))
                continue
            if found:
                caught += 1
            else:
                uncaught.append(mutation)
    return ApiScore(api_id, total, caught, tuple(uncaught), tuple(crashed))


def score_dict(scores: Iterable[ApiScore]) -> dict[str, Any]:
    """The data file's content: per API the counts and the uncaught mutations (deduplicated by key)."""
    return {s.api_id: {"caught": s.caught, "total": s.total, "share": round(s.share, 3),
                       "uncaught": s.uncaught_keys(),
                       **({"crashed": sorted({f"{m.key}: {why}" for m, why in s.crashed})} if s.crashed else {})}
            for s in scores}



def api_of(name: str, api_ids: Iterable[str]) -> str | None:
    """The API a payload file belongs to: the longest API id its name starts with (asleep-v3-open.json)."""
    return max((a for a in api_ids if name.startswith(a)), key=len, default=None)


def score_apis(payloads: Mapping[str, Any], cap: int = DEFAULT_CAP) -> list[ApiScore]:
    """Every API's score over the ``payloads`` (name -> document) whose names start with its id, in catalog order.

    Each API's payloads are of its first operation's default answer (the rules' own operation)."""
    catalog = load_catalog()
    scores = []
    for api_id, api in catalog.apis.items():
        mine = {n: doc for n, doc in payloads.items() if api_of(n, catalog.apis) == api_id}
        if mine:
            checker = checker_for(api_id, next(iter(api.operations)))
            scores.append(score(api_id, mine, catches(checker), enum_sets(load_spec(api_id).document), cap))
    return scores
