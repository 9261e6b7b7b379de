"""Helpers for the recording, observed and drift tests: ids the mock has, and the CLI in-process."""

from __future__ import annotations

from pathlib import Path

from contractgate.cli import main
from contractgate.mock.ids import UNKNOWN_SUFFIX, sample_ids

REST_APIS = ("asleep-v3", "upheal", "emogg")
#: A well-formed id of each API that the mock answers with 404 (it ends in 0404).
MISSING = {"asleep-v3": f"20240310220000_a{UNKNOWN_SUFFIX}",
           "upheal": f"7aea51dc-a52c-49d4-bc48-3d2b15e4{UNKNOWN_SUFFIX}",
           "emogg": f"65ea1530bb50af72b6e3{UNKNOWN_SUFFIX}"}
#: Canary credentials: none of them may appear in any file a test makes.
CANARIES = {"ASLEEP_API_KEY": "canary-asleep-key-7f3a91", "UPHEAL_API_KEY": "canary-upheal-key-52be07",
            "EMOGG_API_TOKEN": "canary-emogg-token-c81d44"}


def ids_of(api_id: str, count: int = 12) -> list[str]:
    """``count`` sessions the mock has, then one it answers 404: both kinds of body get recorded."""
    return [*sample_ids(api_id, count, 0), MISSING[api_id]]


def ids_file(folder: Path, api_id: str, count: int = 12) -> Path:
    path = folder / f"{api_id}-ids.txt"
    path.write_text("\n".join(ids_of(api_id, count)) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, *fragments: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("contractgate: error: "), err
    assert all(f in lines[0] for f in fragments), err
    return lines[0]


def leaked(root: Path) -> list[str]:
    """Every file below ``root`` (hidden ones included) that holds a canary value."""
    return [f"{path}: {name}" for path in sorted(root.rglob("*")) if path.is_file()
            for name, value in CANARIES.items() if value.encode() in path.read_bytes()]
