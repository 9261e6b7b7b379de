"""What the contract rules add to the gate: the default gate with Schemathesis's built-in checks only,
then with the rules, interleaved in one process; medians of wall time and process CPU time.

Target (the gate issue): the rules add at most 30 %, and the default gate (all four APIs) finishes in
under 60 s on this 2-core machine. Run: `make bench` or `.venv/bin/python bench/bench_gate.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from contractgate.catalog import load_catalog
from contractgate.gate.config import GateConfig
from contractgate.gate.runner import run_gate


def timed(cfg: GateConfig, apis: list[str]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_gate(cfg, apis, echo=lambda line: None)
    assert result.ok, "the benchmark gate must pass against the faithful mock"
    return time.perf_counter() - wall, time.process_time() - cpu, result.total_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=GateConfig.max_examples)
    args = parser.parse_args()
    apis = list(load_catalog().apis)
    base = GateConfig(seed=11, max_examples=args.max_examples)
    runs: dict[str, list[tuple[float, float, int]]] = {"built-in checks only": [], "built-in checks + rules": []}
    timed(base, apis)  # warm-up: imports, schema compilation
    for _ in range(args.rounds):
        runs["built-in checks only"].append(timed(GateConfig(**{**base.__dict__, "rules": False}), apis))
        runs["built-in checks + rules"].append(timed(base, apis))
    print(f"default gate, all {len(apis)} APIs, {args.max_examples} examples per operation, "
          f"medians of {args.rounds} interleaved rounds")
    medians = {}
    for name, samples in runs.items():
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        medians[name] = (wall, cpu)
        print(f"  {name:<26} wall {wall:6.2f} s   cpu {cpu:6.2f} s   {samples[0][2]} cases")
    without, with_rules = medians["built-in checks only"], medians["built-in checks + rules"]
    ratio = with_rules[1] / without[1]
    print(f"rules add {100 * (ratio - 1):.1f} % CPU ({100 * (with_rules[0] / without[0] - 1):.1f} % wall); "
          f"target <= 30 %: {'ok' if ratio <= 1.3 else 'MISSED'}")
    print(f"default gate wall time {with_rules[0]:.1f} s; target < 60 s: {'ok' if with_rules[0] < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
