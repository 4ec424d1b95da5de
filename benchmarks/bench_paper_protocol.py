"""Time the `paper` protocol (115 cycles) with assb-sim's DFN against plain PyBaMM.

The reference is PyBaMM's own composite (graphite + Si) half-cell DFN with the same
parameter values, the same solver and the same experiment, solved in the same process;
only the ratio is meaningful. Usage: ``python benchmarks/bench_paper_protocol.py [--protocol NAME]``.
"""

from __future__ import annotations

import argparse
import time

import pybamm

import assb_sim
from assb_sim.model import plain_composite_model
from assb_sim.parameters import inputs
from assb_sim.simulation import solver


def _time_plain(protocol: assb_sim.Protocol, values: pybamm.ParameterValues) -> float:
    """Plain PyBaMM: one experiment with every cycle, no assb-sim code in the loop.

    Same parameter values, with assb-sim's input parameters fixed to NBR-A at 48 MPa.
    """
    values = values.copy()
    values.update(inputs(assb_sim.load_cell_design(), assb_sim.load_binder("NBR-A")))
    cycles = [c for block in protocol.blocks for c in block.experiment(ocv=1.5).cycles]
    start = time.perf_counter()
    sim = pybamm.Simulation(
        plain_composite_model("DFN"), parameter_values=values, experiment=pybamm.Experiment(cycles), solver=solver()
    )
    sol = sim.solve()
    elapsed = time.perf_counter() - start
    assert len(sol.cycles) == protocol.n_cycles
    return elapsed


def _time_assb(protocol: assb_sim.Protocol) -> float:
    """assb-sim end to end (coupled electrochemo-mechanical DFN): build, solve, post-process."""
    start = time.perf_counter()
    result = assb_sim.run(protocol, model="DFN")
    elapsed = time.perf_counter() - start
    assert result.complete
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", default="paper")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    protocol = assb_sim.load_protocol(args.protocol)
    values = assb_sim.parameter_values(assb_sim.load_cell_design())
    plain = min(_time_plain(protocol, values) for _ in range(args.repeats))
    ours = min(_time_assb(protocol) for _ in range(args.repeats))
    print(f"protocol {protocol.name} ({protocol.n_cycles} cycles), DFN, pybamm {pybamm.__version__}")
    print(f"plain PyBaMM composite half cell: {plain:8.1f} s")
    print(f"assb-sim                        : {ours:8.1f} s")
    print(f"ratio assb-sim / plain PyBaMM   : {ours / plain:8.2f}")


if __name__ == "__main__":
    main()
