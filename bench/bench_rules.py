"""Cost of the whole contract (schema + every rule) against a schema-only check, on an 8-hour session.

Target (issue: rules engine): schema + all rules at most 2x a schema-only check by the fastest validator
available (jsonschema-rs). Interleaved rounds, medians of process CPU time, one process: the machine is
shared and noisy.
Run: `make bench` or `.venv/bin/python bench/bench_rules.py [--rounds N] [--calls N]`. `--smoke` (CI,
`make bench-smoke`): 2 rounds of 5 calls, only that it runs end to end; its figures measure nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import orjson

from contractgate.schema import SchemaValidator
from contractgate.validate import checker_for

PAYLOAD = Path(__file__).parent / "data" / "asleep-v3-8h.json"


def per_call(func: Callable[[], Any], calls: int) -> float:
    # CPU time of this process: on a shared 2-core machine, wall time mostly measures the neighbours.
    start = time.process_time()
    for _ in range(calls):
        func()
    return (time.process_time() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only checks the benchmark works")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.calls = 2, 5
    slow_calls = 1 if args.smoke else 3  # python-jsonschema takes about 50 ms a call: a reference, not a race

    payload = orjson.loads(PAYLOAD.read_bytes())
    checker = checker_for("asleep-v3", "getSession")
    # A payload with violations would time the explaining path, not the checks: the benchmark needs a clean one.
    if found := checker.check(payload):
        raise SystemExit(f"the benchmark payload {PAYLOAD} must be clean, found: {found}")
    fast = SchemaValidator(checker.schema.schema)
    rules = checker.rules
    if rules is None:
        raise SystemExit("asleep-v3 getSession has no contract rules: nothing to measure")
    slow = jsonschema.Draft202012Validator(checker.schema.schema)

    candidates: dict[str, Callable[[], Any]] = {
        "schema only, jsonschema-rs is_valid": lambda: fast.is_valid(payload),
        f"rules only ({len(rules.rules)} rules)": lambda: rules.check(payload),
        "schema + all rules (contractgate validate)": lambda: checker.check(payload),
    }
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.rounds):
        for name, func in candidates.items():
            samples[name].append(per_call(func, args.calls))
    slow_time = statistics.median(per_call(lambda: slow.is_valid(payload), slow_calls) for _ in range(slow_calls))

    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["schema only, jsonschema-rs is_valid"]
    print(f"8-hour asleep-v3 session: {len(payload['result']['session']['sleep_stages'])} epochs, "
          f"{PAYLOAD.stat().st_size} bytes; medians of {args.rounds} rounds x {args.calls} calls")
    for name, value in medians.items():
        print(f"  {name:<45} {value * 1e6:8.1f} us   {value / base:5.2f}x")
    print(f"  {'python-jsonschema is_valid (reference)':<45} {slow_time * 1e6:8.1f} us   {slow_time / base:5.2f}x")
    ratio = medians["schema + all rules (contractgate validate)"] / base
    verdict = "smoke run, not a measurement" if args.smoke else "ok" if ratio <= 2 else "MISSED"
    print(f"ratio (schema + rules) / schema-only = {ratio:.2f} (target <= 2.00): {verdict}")


if __name__ == "__main__":
    main()
