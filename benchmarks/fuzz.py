"""The larger seeded fuzz set: random but valid configurations through the Python API.

Prints one line per configuration and the counts (complete / partial with a physical
reason / partial without / crashed / hung / with invariant violations); exits 1 unless
there are no crashes, hangs, unexplained partial runs or violations. Usage:
``nice -n 19 python benchmarks/fuzz.py [--seed 13] [--count 40] [--cycles 2] [--timeout 300]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzzing import random_config, run_set, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--cycles", type=int, default=2, help="most cycles of a configuration's protocol")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a configuration counts as hung")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    configs = [random_config(rng, max_cycles=args.cycles) for _ in range(args.count)]
    start = time.perf_counter()
    outcomes = run_set(configs, timeout_s=args.timeout)
    for o in outcomes:
        print(f"{o.status:8s} {o.reason[:160]!r} {list(o.violations)[:2]} {json.dumps(o.config)}")
    counts = summary(outcomes)
    print(f"{counts} in {time.perf_counter() - start:.0f} s")
    bad = counts["crashed"] + counts["hung"] + counts["partial unexplained"] + counts["with invariant violations"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
