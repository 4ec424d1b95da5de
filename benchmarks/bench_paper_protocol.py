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
from assb_sim.metrics import RECORDED
from assb_sim.model import plain_composite_model
from assb_sim.parameters import inputs
from assb_sim.simulation import solver


def _time_plain(protocol: assb_sim.Protocol, values: pybamm.ParameterValues, lean: bool) -> float:
    """Plain PyBaMM: one experiment with every cycle, no assb-sim code in the loop.

    Same parameter values, with assb-sim's input parameters fixed to NBR-A at 48 MPa.
    ``lean`` stores only the variables assb-sim stores (those plain PyBaMM has), as
    assb-sim does by default; otherwise PyBaMM's default of storing everything.
    """
    values = values.copy()
    values.update(inputs(assb_sim.load_cell_design(), assb_sim.load_binder("NBR-A")))
    model = plain_composite_model("DFN")
    recorded = tuple(v for v in RECORDED if v in model.variables) if lean else ()
    start = time.perf_counter()
    experiment = pybamm.Experiment(protocol.pybamm_cycles(ocv=1.0))
    sim = pybamm.Simulation(model, parameter_values=values, experiment=experiment, solver=solver(recorded))
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
    plain = min(_time_plain(protocol, values, lean=False) for _ in range(args.repeats))
    lean = min(_time_plain(protocol, values, lean=True) for _ in range(args.repeats))
    ours = min(_time_assb(protocol) for _ in range(args.repeats))
    print(f"protocol {protocol.name} ({protocol.n_cycles} cycles), DFN, pybamm {pybamm.__version__}")
    print(f"plain PyBaMM composite half cell, all variables stored  : {plain:8.1f} s")
    print(f"plain PyBaMM composite half cell, same variables stored : {lean:8.1f} s")
    print(f"assb-sim coupled model, end to end                      : {ours:8.1f} s")
    print(f"ratio assb-sim / plain PyBaMM (default storage)         : {ours / plain:8.2f}")
    print(f"ratio assb-sim / plain PyBaMM (same storage)            : {ours / lean:8.2f}")


if __name__ == "__main__":
    main()
