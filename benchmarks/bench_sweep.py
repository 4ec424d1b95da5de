"""Per-point cost of a pressure sweep against a standalone run.

A standalone run (:func:`assb_sim.run`) builds, discretises and solves; a sweep point after
the first reuses the built model (stack pressure is an input parameter) and only solves.
The sweep's first point builds its model; then a standalone run and the sweep point at the
same pressure alternate ``--repeats`` times (a slow spell of this shared machine hits both
of a pair) and the median of the pairs' ratios is the figure. The standalone runs come
after the sweep's first point, so they do not pay the process's one-off costs (imports,
PyBaMM's caches): the stricter ratio. With ``--compile`` both compile their functions
(``ASSB_SIM_COMPILE``); run it twice to time a warm cache. Usage:
``python benchmarks/bench_sweep.py [--protocol formation] [--model DFN] [--repeats 5] [--compile]``.
"""

from __future__ import annotations

import argparse
import os
import time
from statistics import median

import numpy as np

import assb_sim
from assb_sim.simulation import COMPILE_ENV
from assb_sim.sweeps import SweepSpec, solve_point


def _point(spec_json: str, point: dict) -> float:
    """Solve one sweep point; its solve time [s]."""
    row, _ = solve_point(spec_json, point)
    if row["status"] != "ok":
        raise SystemExit(f"sweep point at {point['pressure_MPa']:.1f} MPa: {row['status']} ({row['reason']})")
    return row["elapsed_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", default="formation")
    parser.add_argument("--model", default="DFN")
    parser.add_argument("--repeats", type=int, default=5, help="standalone runs, and sweep points after the first")
    parser.add_argument("--compile", action="store_true", help="compiled solver functions, in both")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats: at least 1, got {args.repeats}")
    if args.compile:
        os.environ[COMPILE_ENV] = "1"

    pressures = [float(p) for p in np.geomspace(8, 80, args.repeats + 1)]
    spec = SweepSpec(protocol=args.protocol, model=args.model, binder=["NBR-T"], pressure_MPa=pressures)
    spec_json, points = spec.model_dump_json(), spec.points()
    first = _point(spec_json, points[0])  # what a sweep's worker runs, point by point
    standalone, later = [], []
    for point in points[1:]:
        start = time.perf_counter()
        assb_sim.run(args.protocol, binder="NBR-T", model=args.model, pressure_MPa=point["pressure_MPa"])
        standalone.append(time.perf_counter() - start)
        later.append(_point(spec_json, point))
    print(f"{args.protocol}, {args.model}, {'compiled' if args.compile else 'interpreted'}")
    print(f"standalone runs {', '.join(f'{t:.2f}' for t in standalone)} s")
    print(f"sweep point 1 (builds the model) {first:.2f} s; later points {', '.join(f'{t:.2f}' for t in later)} s")
    ratios = [a / b for a, b in zip(standalone, later, strict=True)]
    print(f"ratio standalone / later sweep point, per pressure: {', '.join(f'{r:.1f}' for r in ratios)}")
    print(f"median ratio: {median(ratios):.1f}x")


if __name__ == "__main__":
    main()
