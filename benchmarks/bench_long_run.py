"""Memory and time of a long cycling run solved a part at a time.

Formation (3 cycles at 0.15 C) then ``--cycles`` at 0.3 C, SPMe, the paper's cell and
conditions unless given. With ``--part-cycles N`` the run is solved N cycles at a time and
each part's solution is dropped once its rows of the cycle table are made; without it the
whole run is one solution. Prints the wall time, the peak memory of this process (the
figure to compare between a short and a long run: bounded means it does not grow with the
cycles) and where the run ended. At 15 degC all 1000 cycles complete; at the paper's
60 degC the cell's LPSCl runs out first (docs/speed.md, "Long runs"). Usage:
``python benchmarks/bench_long_run.py --cycles 1000 --part-cycles 50 [--temperature 15]``.
"""

from __future__ import annotations

import argparse
import resource
import time

import assb_sim
from assb_sim.metrics import Col
from assb_sim.simulation import Simulator, protocol_design


def long_protocol(cycles: int) -> assb_sim.Protocol:
    blocks = [
        {"role": "formation", "cycles": 3, "c_rate": 0.15},
        {"role": "cycling", "cycles": cycles, "c_rate": 0.3},
    ]
    return assb_sim.Protocol.model_validate({"name": f"life-{cycles}", "blocks": blocks})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--part-cycles", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=None, help="degC (default: the paper's)")
    parser.add_argument("--pressure", type=float, default=None, help="MPa (default: the paper's)")
    parser.add_argument("--binder", default="NBR-A")
    args = parser.parse_args()
    protocol = long_protocol(args.cycles)
    design = protocol_design(protocol, temperature_C=args.temperature, pressure_MPa=args.pressure)
    start = time.perf_counter()
    result = Simulator(protocol, design, "SPMe", part_cycles=args.part_cycles).solve(assb_sim.load_binder(args.binder))
    wall = time.perf_counter() - start
    peak_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = result.cycles
    print(
        f"{protocol.n_cycles} cycles, SPMe, {design.temperature_C:g} degC, {design.stack_pressure_MPa:g} MPa, "
        f"parts of {args.part_cycles or 'all'} cycles: {wall:.0f} s, peak memory {peak_MB:.0f} MB"
    )
    print(f"cycles finished {len(table)}; {result.failure or 'complete'}")
    if not table.empty:
        last = table.iloc[-1]
        delith, consumed = last[Col.DELITHIATION], last[Col.LPSCL_CONSUMED]
        print(f"last cycle: delithiation {delith:.1f} mAh/g, LPSCl consumed {consumed:.3f}")


if __name__ == "__main__":
    main()
