"""The scheduled drift check (``contractgate drift``, docs/drift.md): record now, validate, diff with a baseline.

The ids are the baseline's own (read from its request paths), so both folders hold the same requests and
the behaviour diff pairs them. Every new answer is checked against the spec and the rules; the diff is
``contractgate diff``'s, with the packaged volatile fields. Verdicts: ``failed`` when a change is breaking
or an answer breaks its contract at error severity. Rendering is ``reports/drift.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from contractgate.absent import ABSENT
from contractgate.baseline import Baseline
from contractgate.catalog import load_catalog
from contractgate.diff.behaviour import diff_recordings
from contractgate.diff.change import Change, has_breaking
from contractgate.diff.volatile import Volatile
from contractgate.errors import ContractgateError, InputError
from contractgate.findings import Violation, failing
from contractgate.gate.target import Target
from contractgate.observed import interaction_checker, location
from contractgate.recorder import RecordOptions, RecordResult, record, recorded_sessions, rest_operation
from contractgate.recordings import Interaction, load_folder, match
from contractgate.rules.engine import RuleCoverage
from contractgate.spec import payload_schema_or_none


@dataclass(frozen=True)
class Checked:
    """One new answer and what it breaks (only answers with findings are kept)."""

    interaction: Interaction
    violations: tuple[Violation, ...]
    known: tuple[Violation, ...] = ()  # excused by the known deviations (--known-deviations)


@dataclass(frozen=True)
class DriftRun:
    api: str
    target: str
    baseline: str
    recording: str
    recorded_at: str  # when this run started recording (UTC)
    recorded: RecordResult
    interactions: int  # new answers validated and diffed
    validation: tuple[Checked, ...]
    changes: tuple[Change, ...]
    errors: tuple[InputError, ...]  # baseline or new files that could not be read: left out of the diff
    coverage: RuleCoverage = field(default_factory=RuleCoverage)  # which rules the new answers exercised

    @property
    def breaking(self) -> bool:
        return has_breaking(self.changes)

    @property
    def invalid(self) -> bool:
        return any(failing(c.violations) for c in self.validation)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the run fails, in the reports' words; empty when it passes."""
        # An answer refused at a bound (too large, too slow) is a finding of that interaction.
        return tuple(reason for reason, found in (("breaking changes", self.breaking),
                                                  ("contract violations", self.invalid),
                                                  ("answers past a bound", bool(self.recorded.refused))) if found)

    @property
    def failed(self) -> bool:
        return bool(self.reasons)


def validate_interaction(interaction: Interaction) -> list[Violation]:
    """Schema and rules of one recorded payload; an answer the spec does not document is itself a finding."""
    checker = interaction_checker(interaction.api, interaction.operation, interaction.status)
    if checker is None:
        operation = f"{interaction.api}/{interaction.operation}"
        return [Violation("undocumented-status", "error", "schema", "",
                          f"{operation} documents no JSON body for {location(interaction)}")]
    if interaction.payload is ABSENT:
        return [Violation("schema", "error", "schema", "", f"{location(interaction)} has no body")]
    return checker.check(interaction.payload)


def _checked(interaction: Interaction, found: list[Violation], known: Baseline | None) -> Checked:
    if known is None:
        return Checked(interaction, tuple(found))
    new, excused = known.split(interaction.api, interaction.operation, interaction.status, found)
    return Checked(interaction, tuple(new), tuple(excused))


def run_drift(api_id: str, baseline: Path, target: Target, out: Path, volatile: Volatile,
              options: RecordOptions | None = None, known: Baseline | None = None) -> DriftRun:
    """Record the baseline's ids of ``api_id`` from ``target`` into ``out``, validate them, diff them."""
    operation = rest_operation(load_catalog().api(api_id))
    if not baseline.is_dir():
        what = "not a folder" if baseline.exists() else "no such folder"
        raise ContractgateError(
            f"--baseline {baseline}: {what}; create it with `contractgate record --api {api_id} --ids FILE "
            f"--target TARGET --out {baseline}`")
    before = load_folder(baseline)
    old = [i for i in before.interactions if i.api == api_id and i.operation == operation.operation_id]
    ids = list(recorded_sessions(old, load_catalog().api(api_id)))
    if not ids:
        raise ContractgateError(f"--baseline {baseline}: no {api_id}/{operation.operation_id} recordings in it")
    recorded_at = datetime.now(UTC).isoformat(timespec="seconds")
    recorded = record(api_id, ids, target, out, options)
    after = load_folder(out)
    new = [i for i in after.interactions if i.api == api_id and i.operation == operation.operation_id]
    validation = tuple(c for i in new if (c := _checked(i, validate_interaction(i), known)).violations or c.known)
    changes = diff_recordings(match(old, new), schema_for=payload_schema_or_none, volatile=volatile)
    return DriftRun(api_id, target.name, str(baseline), str(out), recorded_at, recorded, len(new), validation,
                    tuple(changes), (*before.errors, *after.errors), _coverage(new))


def _coverage(interactions: list[Interaction]) -> RuleCoverage:
    coverage = RuleCoverage()
    for interaction in interactions:
        checker = interaction_checker(interaction.api, interaction.operation, interaction.status)
        if checker is not None and checker.rules is not None and interaction.payload is not ABSENT:
            coverage.add(checker.rules.rules, checker.rules.triggered(interaction.payload))
    return coverage
