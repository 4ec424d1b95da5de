"""Time the `paper` protocol (115 cycles) with assb-sim's coupled model against plain PyBaMM.

The reference is PyBaMM's own composite (graphite + Si) half-cell model with its SEI option
on, the same parameter values (Si amorphous from the start: plain PyBaMM has no crystalline
Si), the same solver with the same options and stored variables, and the same experiment,
in the same process. Each is built once and solved twice: the first solve includes PyBaMM's
set-up (a model per step kind discretised, its Jacobian built), the second is the bare
solve a sweep point or a fit evaluation pays. Then the whole CLI (`assb-sim run paper
--out DIR`, outputs included) in a child process, with its peak memory. With ``--compile``
both sides compile the functions every step evaluates (assb-sim's solver, PyBaMM's cache on
disk: a first solve on a cold cache includes the C compiler). Only ratios are meaningful,
and on a shared machine only those of the fastest of several solves: the bare solves
alternate between the two sides ``--repeats`` times and the CLI runs as often, and the
minima are compared (the medians are printed too).
Usage: ``python benchmarks/bench_paper_protocol.py [--protocol NAME] [--model DFN] [--compile] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from statistics import median

import pybamm

import assb_sim
from assb_sim import names as n
from assb_sim.metrics import RECORDED
from assb_sim.model import plain_composite_model
from assb_sim.parameters import inputs
from assb_sim.simulation import Simulator, _initial_ocv, experiment_simulation, protocol_design, solver


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def plain_solve(protocol: assb_sim.Protocol, kind: str, compiled: bool) -> Callable[[], object]:
    design = protocol_design(protocol)
    values = assb_sim.parameter_values(design).copy()
    values.update(inputs(design, assb_sim.load_binder("NBR-A")) | {n.SI_INITIAL_CRYSTALLINE: 0.0})
    model = plain_composite_model(kind, side_reaction=True)
    recorded = tuple(v for v in RECORDED if v in model.variables)
    cycles = protocol.pybamm_cycles(_initial_ocv(values))  # as Simulator does
    sim = experiment_simulation(model, values, cycles, solver(recorded, compiled))
    return sim.solve


def assb_solve(protocol: assb_sim.Protocol, kind: str, compiled: bool) -> Callable[[], object]:
    sim = Simulator(protocol, protocol_design(protocol), kind, compiled=compiled)
    binder = assb_sim.load_binder("NBR-A")
    return lambda: sim.solve(binder)


def time_cli(protocol: str, kind: str, compiled: bool) -> tuple[float, float]:
    """Wall time [s] and peak memory [MB] of the whole CLI run in a child process."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        command = ["assb-sim", "run", protocol, "--model", kind, "--out", out, "--quiet"] + ["--compile"] * compiled
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # this child's own peak, not that of every child so far (the C compiler's among them)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the CLI run failed: {' '.join(command)}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", default="paper")
    parser.add_argument("--model", default="DFN", choices=("DFN", "SPMe"))
    parser.add_argument("--compile", action="store_true", help="both sides compiled (assb_sim.simulation.solver)")
    parser.add_argument("--repeats", type=int, default=3, help="bare solves per side, and CLI runs")
    args = parser.parse_args()
    protocol = assb_sim.load_protocol(args.protocol)
    builders = {"plain": plain_solve, "assb": assb_solve}
    sides = {side: build(protocol, args.model, args.compile) for side, build in builders.items()}
    first = {name: _timed(solve) for name, solve in sides.items()}
    bare: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeats):  # alternated: a slow spell of the machine hits both sides
        for name, solve in sides.items():
            bare[name].append(_timed(solve))
    cli = [time_cli(args.protocol, args.model, args.compile) for _ in range(args.repeats)]
    cli_s, peak_MB = min(c[0] for c in cli), max(c[1] for c in cli)
    plain, ours = min(bare["plain"]), min(bare["assb"])
    how = "compiled" if args.compile else "CasADi's virtual machine"
    print(f"protocol {protocol.name} ({protocol.n_cycles} cycles), {args.model}, {how}, pybamm {pybamm.__version__}")
    for label, name in (("plain PyBaMM composite half cell", "plain"), ("assb-sim coupled model          ", "assb")):
        runs = ", ".join(f"{t:.1f}" for t in bare[name])
        print(f"{label}: first solve {first[name]:7.1f} s, bare solves {runs} s (min {min(bare[name]):.1f})")
    print(f"assb-sim CLI run, outputs written: {', '.join(f'{c[0]:.1f}' for c in cli)} s, peak memory {peak_MB:.0f} MB")
    medians = median(bare["assb"]) / median(bare["plain"])
    print(f"ratio bare solve assb-sim / plain  : {ours / plain:5.2f} (medians {medians:.2f})")
    print(f"ratio first solve assb-sim / plain : {first['assb'] / first['plain']:5.2f}")
    print(f"ratio CLI run / own bare solve     : {cli_s / ours:5.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
