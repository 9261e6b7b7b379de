"""What the vendor-change audit compares, gathered from outside: earlier specs from git or given files, and
the webhook mocks' payloads beside the REST payloads of the same sessions (Asleep's v1 and v3). The audit
itself (contractgate.vendor_changes) only receives them as data.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from contractgate.catalog import Api, load_catalog
from contractgate.errors import ContractgateError
from contractgate.mock.registry import webhook_mocks
from contractgate.spec import load_document
from contractgate.vendor_changes import PayloadPair, SpecBaseline, VendorAudit, build_audit
from contractgate.yamlfile import parse_yaml

GIT_TIMEOUT_S = 20


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                          check=False)
    if done.returncode != 0:
        raise ContractgateError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed")
    return done.stdout


def previous_spec(api: Api, base: str | None = None) -> SpecBaseline | None:
    """The spec as it was before its latest change (or at ``base``): a label and the document.

    With uncommitted edits the latest change is the working file, so the previous version is HEAD's.
    """
    repo = api.spec_path.parent
    try:
        top = Path(_git(repo, "rev-parse", "--show-toplevel").strip())
        relative = api.spec_path.resolve().relative_to(top).as_posix()
        if base is None:
            dirty = _git(top, "status", "--porcelain", "--", relative).strip()
            commits = _git(top, "log", "--format=%h", "--", relative).split()
            base = "HEAD" if dirty else (commits[1] if len(commits) > 1 else None)
        if base is None:
            return None
        text = _git(top, "show", f"{base}:{relative}")
    except (ContractgateError, OSError, ValueError, subprocess.TimeoutExpired):
        return None
    label = f"git {base}:{relative}"
    return label, parse_yaml(text, label)  # bounded like every YAML read (aliases, size, depth)


def spec_baselines(spec_base: str | None = None, old_specs: dict[str, Path] | None = None
                   ) -> dict[str, SpecBaseline | None]:
    """Per API, what its spec is compared with: the given file, else its previous version in git."""
    given = old_specs or {}
    return {api.id: (str(given[api.id]), load_document(given[api.id])) if api.id in given
            else previous_spec(api, spec_base)
            for api in load_catalog().apis.values()}


def mock_session_pairs(count: int, seed: int) -> dict[str, list[PayloadPair]]:
    """Per webhook API, its mock's bodies beside the REST bodies of the same ``count`` sessions."""
    return {api_id: list(mock.pairs(count, seed)) for api_id, mock in webhook_mocks().items()} if count else {}


def audit_vendors(*, spec_base: str | None = None, old_specs: dict[str, Path] | None = None,
                  recordings: tuple[Path, Path] | None = None, mock_pairs: int = 20,
                  seed: int = 0) -> list[VendorAudit]:
    """Gather the audit's inputs (``mock_pairs``: how many mock sessions), then audit every vendor."""
    return build_audit(spec_baselines=spec_baselines(spec_base, old_specs),
                       mock_pairs=mock_session_pairs(mock_pairs, seed), recordings=recordings)
