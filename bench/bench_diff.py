"""Behaviour diff of two recording folders of 1,000 eight-hour asleep sessions each (960 epochs a session).

Target (issue: speed): at most 10 s on this machine. NEW repeats OLD except in some recordings: a metric
turned null in 1 %, a new field in 1 %, and value changes in 5 % of them (the issue's case) or in all of
them (the worst case: no pair is cut short by the equality check). Timed: loading both folders, matching,
the diff and the JSON report (the `contractgate diff` engine), medians of process CPU time and wall time
over a few runs in one process; then the whole command once, as a subprocess (wall time, interpreter start
included).
Run: `make bench` or `.venv/bin/python bench/bench_diff.py [--sessions N] [--runs N] [--smoke]`. `--smoke` (CI,
`make bench-smoke`): 20 sessions, one run, only that it runs end to end; its figures measure nothing.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from contractgate.diff.behaviour import diff_recordings
from contractgate.diff.volatile import load_volatile
from contractgate.recordings import Interaction, Request, Response, file_name, load_folder, match
from contractgate.reports.diff import render_json
from contractgate.spec import payload_schema_or_none

PAYLOAD = Path(__file__).parent / "data" / "asleep-v3-8h.json"
TARGET_S = 10.0
COMMAND_LIMIT_S = 300  # the command is killed past this: a hang fails the benchmark instead of stalling CI


def session(base: dict[str, Any], i: int) -> dict[str, Any]:
    """The base session with its own id, times and values, so that no two recordings are alike."""
    body = copy.deepcopy(base)
    result = body["result"]
    result["session"]["id"] = f"{20240101000000 + i * 100:014d}_{i:05d}"
    stages = result["session"]["sleep_stages"]
    result["session"]["sleep_stages"] = stages[i % len(stages):] + stages[: i % len(stages)]
    result["stat"]["sleep_index"] = 60 + i % 40
    result["stat"]["waso_count"] = i % 7
    return body


def changed(body: dict[str, Any], i: int, every: int) -> dict[str, Any]:
    """NEW's version of recording i: values changed in every ``every``-th one, a few other changes."""
    if i % every and i % 100 != 7 and i % 100 != 13:
        return body
    body = copy.deepcopy(body)
    stat = body["result"]["stat"]
    if i % every == 0:
        stat["sleep_index"] += 1
        body["result"]["session"]["sleep_stages"][i % 960] = 3
    if i % 100 == 7:
        stat["breathing_index"] = None
    if i % 100 == 13:
        stat["hr_average"] = 58
    return body


def write(folder: Path, i: int, body: dict[str, Any], recorded_at: str) -> None:
    interaction = Interaction(
        api="asleep-v3", operation="getSession",
        request=Request("GET", f"/data/v3/sessions/{body['result']['session']['id']}",
                        {"x-api-key": "***", "x-user-id": "G-20240101000000-bench"}),
        response=Response(200, {"content-type": "application/json"}, body),
        recorded_at=recorded_at, elapsed_ms=180.0 + i % 50)
    # Plain writes: the format's atomic, fsynced writer would make generating 2,000 files the slow part.
    (folder / file_name(interaction)).write_bytes(orjson.dumps(interaction.to_document()))


def generate(root: Path, sessions: int, every: int) -> tuple[Path, Path]:
    base = orjson.loads(PAYLOAD.read_bytes())
    old, new = root / "old", root / "new"
    old.mkdir(parents=True)
    new.mkdir()
    for i in range(sessions):
        body = session(base, i)
        write(old, i, body, "2024-03-01T08:00:00+00:00")
        write(new, i, changed(body, i, every), "2024-03-08T08:00:00+00:00")
    return old, new


def run_engine(old: Path, new: Path) -> tuple[int, str]:
    before, after = load_folder(old), load_folder(new)
    changes = diff_recordings(match(before.interactions, after.interactions), schema_for=payload_schema_or_none,
                              volatile=load_volatile())
    return len(before.interactions) + len(after.interactions), render_json(changes)


def measure(old: Path, new: Path, runs: int) -> tuple[list[float], list[float], float, int, int, str]:
    """CPU and wall seconds of each engine run, the command's wall seconds and exit code, files read, report."""
    cpu, wall = [], []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        loaded, report = run_engine(old, new)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    start = time.perf_counter()
    # `-m contractgate`: the same entry point as the console script, without depending on how it was installed.
    command = subprocess.run([sys.executable, "-m", "contractgate", "diff", str(old), str(new), "--format", "json"],
                             capture_output=True, check=False, timeout=COMMAND_LIMIT_S)
    # 0 or 1 (no breaking change, or some) is the command working; anything else (2: an input error, a traceback)
    # means the benchmark no longer measures the command it names.
    if command.returncode not in (0, 1):
        raise SystemExit(f"`contractgate diff` exited {command.returncode}:\n{command.stderr.decode(errors='replace')}")
    return cpu, wall, time.perf_counter() - start, command.returncode, loaded, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only checks the benchmark works")
    args = parser.parse_args()
    if args.smoke:
        args.sessions, args.runs = 20, 1
    print(f"two folders of {args.sessions} eight-hour asleep-v3 recordings ({PAYLOAD.stat().st_size} bytes of "
          f"body each); medians of {args.runs} runs")
    worst = 0.0
    for label, every in (("values changed in 5 % of the recordings", 20), ("values changed in all of them", 1)):
        with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
            old, new = generate(Path(tmp), args.sessions, every)
            cpu, wall, cli_wall, exit_code, loaded, report = measure(old, new, args.runs)
        changes = orjson.loads(report)["changes"]
        print(f"{label}: {loaded} recordings read")
        print(f"  engine (load + match + diff + JSON report): {statistics.median(cpu):.2f} s CPU, "
              f"{statistics.median(wall):.2f} s wall (runs: {', '.join(f'{w:.2f}' for w in wall)} s)")
        print(f"  `contractgate diff OLD NEW --format json` as a subprocess: {cli_wall:.2f} s wall, exit {exit_code}")
        print("  changes found: " + ", ".join(f"{c['change']} {c['pointer']} x{c['count']}" for c in changes))
        worst = max(worst, statistics.median(wall), cli_wall)
    verdict = "smoke run, not a measurement" if args.smoke else "ok" if worst <= TARGET_S else "MISSED"
    print(f"ratio slowest / target = {worst / TARGET_S:.2f} (slowest {worst:.2f} s, target <= {TARGET_S:.0f} s): "
          f"{verdict}")


if __name__ == "__main__":
    main()
