"""What the contract rules add to the gate: the default gate with Schemathesis's built-in checks only,
then with the rules, interleaved in one process; medians of wall time and process CPU time.

Target (the gate issue): the rules add at most 30 %, and the default gate (all four APIs) finishes in
under 60 s on this 2-core machine. Run: `make bench` or `.venv/bin/python bench/bench_gate.py [--rounds N]`.
`--smoke` (CI, `make bench-smoke`): 2 examples per operation, one round, no warm-up, only that it runs end to
end; its figures measure nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from contractgate.catalog import load_catalog
from contractgate.gate.config import GateConfig
from contractgate.gate.runner import run_gate


def timed(cfg: GateConfig, apis: list[str]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_gate(cfg, apis, echo=lambda line: None)
    # A failing gate would time failure reporting, not the checks: the faithful mock must pass every check.
    if not result.ok:
        raise SystemExit("the benchmark gate must pass against the faithful mock; run `contractgate run` to see why")
    return time.perf_counter() - wall, time.process_time() - cpu, result.total_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=GateConfig().max_examples)
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only checks the benchmark works")
    args = parser.parse_args()
    base = GateConfig(seed=11, max_examples=args.max_examples)
    if args.smoke:
        args.rounds = 1
        base = replace(base, max_examples=2)
    apis = list(load_catalog().apis)
    variants = {"built-in checks only": replace(base, rules=False), "built-in checks + rules": base}
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in variants}
    if not args.smoke:
        timed(base, apis)  # warm-up: imports, schema compilation
    for _ in range(args.rounds):
        for name, cfg in variants.items():
            runs[name].append(timed(cfg, apis))
    print(f"default gate, all {len(apis)} APIs, {base.max_examples} examples per operation, "
          f"medians of {args.rounds} interleaved rounds")
    medians = {}
    for name, samples in runs.items():
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        medians[name] = (wall, cpu)
        print(f"  {name:<26} wall {wall:6.2f} s   cpu {cpu:6.2f} s   {samples[0][2]} cases")
    without, with_rules = medians["built-in checks only"], medians["built-in checks + rules"]
    ratio = with_rules[1] / without[1]

    def verdict(ok: bool) -> str:
        return "smoke run, not a measurement" if args.smoke else "ok" if ok else "MISSED"

    print(f"default gate wall time {with_rules[0]:.1f} s; target < 60 s: {verdict(with_rules[0] < 60)}")
    print(f"ratio (built-in checks + rules) / built-in checks only = {ratio:.2f} CPU, "
          f"{with_rules[0] / without[0]:.2f} wall: rules add {100 * (ratio - 1):.1f} % CPU "
          f"(target <= 30 %): {verdict(ratio <= 1.3)}")


if __name__ == "__main__":
    main()
