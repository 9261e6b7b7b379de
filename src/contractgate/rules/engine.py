"""Loading ``specs/<api>/rules.yaml`` and checking payloads against it.

Rules are data; kinds are code (contractgate.rules.kinds). Each rule is compiled once; checking a
payload runs every compiled rule, once per binding of its ``each`` pattern, when its ``when`` holds and
its ``unless`` does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from contractgate.catalog import Api, load_catalog
from contractgate.errors import ContractgateError
from contractgate.findings import Severity, Violation
from contractgate.pointer import Bindings, CompiledPointer, bindings
from contractgate.rules.expr import Cond, begin_check, compile_cond, memoised
from contractgate.rules.kinds import RULE_KINDS, Check, Hit, scalar
from contractgate.spec import DEFAULT_STATUS
from contractgate.yamlfile import load_yaml, reject_unknown_keys

Basis = Literal["documented", "inferred"]
ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-[A-Z]\d{3}$")
_COMMON_REQUIRED = ("id", "title", "severity", "basis", "source", "kind")
_COMMON_OPTIONAL = ("quote", "when", "unless", "each", "note", "context")
_FILE_KEYS = {"operation", "status", "conditions", "rules", "sections"}
_NO_BINDING: tuple[Bindings, ...] = ({},)
#: A rule broken at every epoch of a night would bury the report; the first hits say enough.
MAX_HITS_PER_RULE = 20


@dataclass(frozen=True)
class Rule:
    """One rule as written: its identity, its provenance, and its arguments (kept for the docs)."""

    id: str
    api_id: str
    operation_id: str
    status: str
    title: str
    severity: Severity
    basis: Basis
    source: str
    kind: str
    klass: Literal["conditional", "invariant"]
    quote: str | None
    note: str | None
    args: Mapping[str, Any]


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    each: CompiledPointer | None
    when: Cond | None
    unless: Cond | None
    check: Check


class RuleSet:
    """The compiled rules of one API operation and status."""

    def __init__(self, api_id: str, operation_id: str, status: str, rules: list[CompiledRule]) -> None:
        self.api_id = api_id
        self.operation_id = operation_id
        self.status = status
        self.compiled = rules

    @property
    def rules(self) -> list[Rule]:
        return [c.rule for c in self.compiled]

    def check(self, payload: Any) -> list[Violation]:
        return list(self.iter_violations(payload))

    def iter_violations(self, payload: Any) -> Iterator[Violation]:
        begin_check()
        for compiled in self.compiled:
            if compiled.each is None:
                # Most rules bind nothing: one check, no binding loop.
                if (compiled.when is None or compiled.when.test(payload, _NO_BINDING[0])) and (
                        compiled.unless is None or not compiled.unless.test(payload, _NO_BINDING[0])):
                    hits = compiled.check(payload, _NO_BINDING[0])
                    if hits:
                        yield from (_violation(compiled.rule, hit) for hit in hits[:MAX_HITS_PER_RULE])
                continue
            found = 0
            for bind in bindings(compiled.each, payload):
                if compiled.when is not None and not compiled.when.test(payload, bind):
                    continue
                if compiled.unless is not None and compiled.unless.test(payload, bind):
                    continue
                for hit in compiled.check(payload, bind)[:MAX_HITS_PER_RULE - found]:
                    found += 1
                    yield _violation(compiled.rule, hit)
                if found >= MAX_HITS_PER_RULE:
                    break


    def triggered(self, payload: Any) -> list[str]:
        """The ids of the rules whose condition held for ``payload`` (for an ``each`` rule: for at least one
        binding): the rules this payload exercised, whatever they found. A rule without ``when``/``unless``
        is exercised by every payload (with a binding, for an ``each`` rule)."""
        begin_check()
        found = []
        for compiled in self.compiled:
            binds = _NO_BINDING if compiled.each is None else bindings(compiled.each, payload)
            for bind in binds:
                if (compiled.when is None or compiled.when.test(payload, bind)) and (
                        compiled.unless is None or not compiled.unless.test(payload, bind)):
                    found.append(compiled.rule.id)
                    break
        return found


@dataclass
class RuleCoverage:
    """Per rule, the payloads it was evaluated on and those that exercised it (its condition held): which of
    the documents' promises a run, a set of files or a drift check actually put to the test."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    documented: set[str] = field(default_factory=set)

    def add(self, rules: list[Rule], exercised: Iterator[str] | list[str] | tuple[str, ...]) -> None:
        """One payload that ``rules`` were evaluated on, ``exercised`` naming those whose condition held."""
        hit = set(exercised)
        for rule in rules:
            counts = self.counts.setdefault(rule.id, [0, 0])
            counts[0] += 1
            counts[1] += rule.id in hit
            if rule.basis == "documented":
                self.documented.add(rule.id)

    def unexercised(self, documented: bool = False) -> list[str]:
        """The rules no payload exercised (``documented``: only the documented ones)."""
        return [rule for rule, (_, hit) in self.counts.items() if not hit and (not documented or
                                                                            rule in self.documented)]

    def __bool__(self) -> bool:
        return bool(self.counts)


def _violation(rule: Rule, hit: Hit) -> Violation:
    return Violation(rule=rule.id, severity=rule.severity, category=rule.klass, pointer=hit.pointer,
                     message=hit.message, source=rule.source, title=rule.title, quote=rule.quote, values=hit.values)


def _with_context(check: Check, raw: Any) -> Check:
    """``check`` whose hits also show the values at the ``context`` pointers: what a reader needs to see why
    the rule applied beyond what its condition read (for a stat that must be null: the session's state)."""
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        raise ContractgateError("context is a list of JSON Pointers")
    paths = [CompiledPointer.compile(p) for p in raw]

    def with_context(doc: Any, bind: Bindings) -> list[Hit]:
        hits = check(doc, bind)
        if not hits:
            return hits
        shown = {p.pointer(bind): scalar(p.get(doc, bind)) for p in paths if not p.wildcard}
        return [hit._replace(values={**hit.values, **shown}) for hit in hits]

    return with_context


def _compile_rule(api_id: str, operation_id: str, status: str, raw: Any, named: Mapping[str, Cond],
                  where: str) -> CompiledRule:
    if not isinstance(raw, Mapping):
        raise ContractgateError(f"{where}: a rule is a mapping")
    rule_id = raw.get("id", "?")
    where = f"{where} {rule_id}"
    if missing := [k for k in _COMMON_REQUIRED if k not in raw]:
        raise ContractgateError(f"{where}: missing {', '.join(missing)}")
    if not ID_PATTERN.match(str(rule_id)):
        raise ContractgateError(f"{where}: id must look like ASLEEP-V3-N001")
    spec = RULE_KINDS.get(raw["kind"])
    if spec is None:
        raise ContractgateError(f"{where}: unknown kind {raw['kind']!r} (known: {', '.join(sorted(RULE_KINDS))})")
    if missing := [k for k in spec.required if k not in raw]:
        raise ContractgateError(f"{where}: kind {spec.name} needs {', '.join(missing)}")
    reject_unknown_keys(raw, {*_COMMON_REQUIRED, *_COMMON_OPTIONAL, *spec.required, *spec.optional}, where,
                        f" for kind {spec.name}")
    if raw["severity"] not in ("error", "warning"):
        raise ContractgateError(f"{where}: severity is error or warning")
    if raw["basis"] not in ("documented", "inferred"):
        raise ContractgateError(f"{where}: basis is documented or inferred")
    args = {k: v for k, v in raw.items() if k in spec.required or k in spec.optional}
    try:
        when = compile_cond(raw["when"], named) if "when" in raw else None
        unless = compile_cond(raw["unless"], named) if "unless" in raw else None
        each = CompiledPointer.compile(raw["each"]) if "each" in raw else None
        check = spec.compile(args, when, named)
        if "context" in raw:
            check = _with_context(check, raw["context"])
    except ContractgateError as exc:
        raise ContractgateError(f"{where}: {exc}") from None
    rule = Rule(id=str(rule_id), api_id=api_id, operation_id=operation_id, status=status, title=str(raw["title"]),
                severity=raw["severity"], basis=raw["basis"], source=str(raw["source"]), kind=spec.name,
                klass=spec.klass, quote=" ".join(str(raw["quote"]).split()) if raw.get("quote") else None,
                note=raw.get("note"), args=args)
    return CompiledRule(rule, each, when, unless, check)


def _conditions(raw: Any, shared: Mapping[str, Cond], where: str) -> dict[str, Cond]:
    named: dict[str, Cond] = dict(shared)
    for name, cond in (raw or {}).items():
        try:
            # Messages name a declared condition by its name: "two_stage" reads better than its definition.
            named[name] = memoised(name, compile_cond(cond, named))
        except ContractgateError as exc:
            raise ContractgateError(f"{where}: condition {name}: {exc}") from None
    return named


def _section(api: Api, raw: Mapping[str, Any], named: Mapping[str, Cond], where: str) -> RuleSet:
    """One operation and status of a rules file, with the conditions it may name."""
    operation_id = raw.get("operation") or next(iter(api.operations))
    api.operation(operation_id)
    status = str(raw.get("status", DEFAULT_STATUS))
    if not isinstance(raw.get("rules"), list):
        raise ContractgateError(f"{where}: rules is a list")
    compiled = [_compile_rule(api.id, operation_id, status, r, named, f"{where}: rule") for r in raw["rules"]]
    return RuleSet(api.id, operation_id, status, compiled)


class RuleBook:
    """Every section of one API's rules file: one RuleSet per operation and status (error bodies included)."""

    def __init__(self, sections: list[RuleSet]) -> None:
        self.sections = sections

    @property
    def rules(self) -> list[Rule]:
        return [rule for section in self.sections for rule in section.rules]

    def section(self, operation_id: str, status: str | None) -> RuleSet | None:
        """The rules of ``operation_id`` answered with ``status``; None: a webhook's body, whatever its status."""
        return next((s for s in self.sections if s.operation_id == operation_id and status in (None, s.status)),
                    None)


def load_rulebook(api: Api, path: Path | None = None) -> RuleBook | None:
    """``<api folder>/rules.yaml`` compiled; None when the API has no rules file.

    The file is one section (``operation``, ``status``, ``conditions``, ``rules``), or holds more under
    ``sections`` (a list of such mappings; the file's own ``conditions`` are shared by every section, and
    its ``rules``, when present, are a section too).
    """
    path = path or api.folder / "rules.yaml"
    if not path.exists():
        return None
    raw = load_yaml(path)
    if not isinstance(raw, Mapping) or not ({"rules", "sections"} & set(raw)):
        raise ContractgateError(f"{path}: expected a mapping with a 'rules' list or a 'sections' list")
    reject_unknown_keys(raw, _FILE_KEYS, str(path))
    shared = _conditions(raw.get("conditions"), {}, str(path))
    sections = [_section(api, raw, shared, str(path))] if "rules" in raw else []
    if "sections" in raw:
        if not isinstance(raw["sections"], list):
            raise ContractgateError(f"{path}: sections is a list")
        for i, entry in enumerate(raw["sections"]):
            where = f"{path}: sections[{i}]"
            if not isinstance(entry, Mapping) or "rules" not in entry:
                raise ContractgateError(f"{where}: a section is a mapping with a 'rules' list")
            reject_unknown_keys(entry, _FILE_KEYS - {"sections"}, where)
            sections.append(_section(api, entry, _conditions(entry.get("conditions"), shared, where), where))
    places = [(s.operation_id, s.status) for s in sections]
    if dupes := sorted({p for p in places if places.count(p) > 1}):
        raise ContractgateError(f"{path}: two sections for {', '.join(f'{o} {s}' for o, s in dupes)}")
    ids = [rule.id for s in sections for rule in s.rules]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ContractgateError(f"{path}: duplicate rule ids {dupes}")
    return RuleBook(sections)


def load_ruleset(api: Api, path: Path | None = None) -> RuleSet | None:
    """The first section of the API's rules file (a one-section file: all of it); None without a file."""
    book = load_rulebook(api, path)
    return book.sections[0] if book and book.sections else None


@cache
def rulebook_for(api_id: str, root: Path | None = None) -> RuleBook | None:
    return load_rulebook(load_catalog(root).api(api_id))


def rules_for(api_id: str, root: Path | None = None) -> RuleSet | None:
    """The API's first section (the 200 body, or the webhook's): what callers that know one section expect."""
    book = rulebook_for(api_id, root)
    return book.sections[0] if book and book.sections else None


def ruleset_for(api_id: str, operation_id: str, status: str | None, root: Path | None = None) -> RuleSet | None:
    """The rules of one operation and status (``status`` None, or any, for a webhook's request body)."""
    book = rulebook_for(api_id, root)
    if book is None:
        return None
    operation = load_catalog(root).operation(api_id, operation_id)
    return book.section(operation_id, None if operation.is_webhook else status)


def all_rules(root: Path | None = None) -> list[Rule]:
    catalog = load_catalog(root)
    return [r for api_id in catalog.apis if (book := rulebook_for(api_id, root)) for r in book.rules]
