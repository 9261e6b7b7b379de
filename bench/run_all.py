"""`make bench`: every benchmark under bench/, one after the other, in this process's interpreter.

`--smoke` (`make bench-smoke`, run by .ci/run): each benchmark in its smoke mode (a few iterations, tiny
durations), so that a benchmark broken by a change to the code it measures fails CI instead of rotting until
someone runs `make bench`. A benchmark fails when it exits non-zero, runs past its time limit, or does not
print its `ratio ...` line (the figure it exists for). Exit 1 if any failed.
`--prism PATH` is handed to bench_mock.py (Prism side by side with the mock; see that file).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
# Generous: a smoke run takes a few seconds, a full one a minute or two; the limit only stops a hang.
LIMIT_S = {"smoke": 120.0, "full": 1800.0}
GRACE_S = 30.0


def run(script: Path, args: list[str], limit: float) -> tuple[bool, str]:
    """Run one benchmark, its output passed through as it comes; (passed, why not)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # its lines as they come, not at its exit
    # A session of its own, so that a hang is ended with everything it started (bench_mock's servers).
    process = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        # SIGINT first: a KeyboardInterrupt runs the benchmark's `finally`, which stops the servers it started
        # (in sessions of their own, out of this group's reach); SIGKILL if it does not end within the grace.
        for sig in (signal.SIGINT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(GRACE_S)
                return
            except subprocess.TimeoutExpired:
                continue

    timer = threading.Timer(limit, stop)
    timer.start()
    ratio_printed = False
    try:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            ratio_printed |= line.startswith("ratio ")
        code = process.wait()
    finally:
        timer.cancel()
    if timed_out.is_set():
        return False, f"killed after {limit:.0f} s"
    if code != 0:
        return False, f"exit {code}"
    if not ratio_printed:
        return False, "no `ratio ...` line printed"
    return True, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="every benchmark in its smoke mode (CI)")
    parser.add_argument("--prism", help="the prism executable, for bench_mock.py")
    args = parser.parse_args()
    mode = "smoke" if args.smoke else "full"
    summary = []
    for script in sorted(HERE.glob("bench_*.py")):
        script_args = ["--smoke"] if args.smoke else []
        if args.prism and script.name == "bench_mock.py":
            script_args += ["--prism", args.prism]
        print(f"== {script.name} {' '.join(script_args)}".rstrip(), flush=True)
        started = time.perf_counter()
        passed, why = run(script, script_args, LIMIT_S[mode])
        summary.append((script.name, passed, why, time.perf_counter() - started))
    print(f"== {mode} run")
    for name, passed, why, seconds in summary:
        print(f"  {name:<18} {'ok' if passed else 'FAILED: ' + why:<40} {seconds:6.1f} s")
    sys.exit(0 if all(passed for _, passed, _, _ in summary) else 1)


if __name__ == "__main__":
    main()
