"""Per-point cost of a pressure sweep against a standalone run.

A standalone run builds, discretises and solves; a sweep point after the first reuses the
built model (stack pressure is an input parameter) and only solves. Prints both and their
ratio. With ``--compile`` both compile their functions (``ASSB_SIM_COMPILE``); run it twice to
time a warm cache. Usage:
``python benchmarks/bench_sweep.py [--protocol formation] [--model DFN] [--points 10] [--compile]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import assb_sim
from assb_sim.simulation import COMPILE_ENV
from assb_sim.sweeps import SweepSpec, run_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", default="formation")
    parser.add_argument("--model", default="DFN")
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--compile", action="store_true", help="compiled solver functions, in both")
    args = parser.parse_args()
    if args.compile:
        os.environ[COMPILE_ENV] = "1"

    start = time.perf_counter()
    assb_sim.run(args.protocol, model=args.model, pressure_MPa=30)
    standalone = time.perf_counter() - start

    spec = SweepSpec(
        protocol=args.protocol, model=args.model, binder=["NBR-T"], pressure_MPa=list(np.geomspace(8, 80, args.points))
    )
    with tempfile.TemporaryDirectory() as out:
        df = run_sweep(spec, out, workers=1)
    per_point = df["elapsed_s"].to_numpy()  # in the order solved: the first one builds
    later = np.sort(per_point)[: len(per_point) - 1].mean()
    print(f"{args.protocol}, {args.model}: standalone run {standalone:.2f} s")
    print(f"sweep point 1 (builds the model) {per_point.max():.2f} s; later points {later:.2f} s each")
    print(f"ratio standalone / later sweep point: {standalone / later:.1f}x")


if __name__ == "__main__":
    main()
