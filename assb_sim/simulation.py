"""Running a protocol on the half cell: :func:`run` and its :class:`RunResult`.

PyBaMM's string-keyed solution stays in here; callers get tidy per-cycle data
(a :class:`pandas.DataFrame`) and a flat metrics dict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pybamm

from .model import GRAPHITE, SILICON, half_cell_model
from .parameters import CellGeometry, F, load_binder, load_cell_design, parameter_values
from .protocols import Protocol, Role, load_protocol
from .schema import Binder, CellDesign, ModelKind

DEFAULT_BINDER = "NBR-A"

_Q = "Discharge capacity [A.h]"
_N_PHASE = {p: f"Total lithium in {p} phase in positive electrode [mol]" for p in (GRAPHITE, SILICON)}
_N_SEI = "Loss of lithium to positive SEI [mol]"
_V = "Voltage [V]"
_I = "Current [A]"


@dataclass(frozen=True)
class Failure:
    """Where and why the solver stopped before the protocol's end."""

    cycle: int
    step: int
    operating_condition: str
    reason: str

    def __str__(self) -> str:
        return f"stopped in cycle {self.cycle}, step {self.step} ('{self.operating_condition}'): {self.reason}"


class _Monitor(pybamm.callbacks.Callback):
    """Progress display (cycle n of N) and a record of the first failure."""

    def __init__(self, n_cycles: int, show: bool):
        self.failure: Failure | None = None
        self.cycle_offset = 0  # cycles finished in earlier blocks
        self._where = (1, 1, "")
        self._bar = None
        if show:
            from tqdm import tqdm

            self._bar = tqdm(total=n_cycles, unit="cycle", desc="cycle", leave=False)

    def on_cycle_end(self, logs):
        if self._bar is not None:
            self._bar.update(1)

    def on_step_start(self, logs):
        cycle, step = logs["cycle number"][0], logs["step number"][0]
        self._where = (self.cycle_offset + int(cycle), int(step), str(logs["step operating conditions"]))

    def _record(self, logs, reason: str) -> None:
        if self.failure is None:
            cycle, step, condition = self._where
            self.failure = Failure(cycle=cycle, step=step, operating_condition=condition, reason=reason)

    def record_raised(self, err: Exception) -> None:
        self._record(None, str(err).splitlines()[0][:200])

    def on_experiment_error(self, logs):
        self._record(logs, str(logs["error"]).splitlines()[0])

    def on_experiment_infeasible_event(self, logs):
        self._record(logs, f"event '{logs['termination']}'")

    def on_experiment_infeasible_time(self, logs):
        self._record(logs, f"step did not finish within {logs['step duration']} s")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@dataclass
class RunResult:
    """A finished (or partially finished, see ``failure``) run."""

    solution: pybamm.Solution
    protocol: Protocol
    design: CellDesign
    binder: Binder
    model: ModelKind
    cycles: pd.DataFrame
    metrics: dict
    failure: Failure | None = None
    elapsed_s: float = 0.0
    voltage_curves: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        return self.failure is None


def run(
    protocol: str | Path | Protocol = "formation",
    *,
    binder: str | Path | Binder = DEFAULT_BINDER,
    design: CellDesign | None = None,
    pressure_MPa: float | None = None,
    temperature_C: float | None = None,
    model: ModelKind | str = ModelKind.DFN,
    progress: bool = False,
) -> RunResult:
    """Simulate ``protocol`` on the half cell (the paper's cell unless ``design`` is given).

    Conditions resolve as: explicit argument > protocol file > cell design.
    """
    protocol = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    binder = binder if isinstance(binder, Binder) else load_binder(binder)
    kind = ModelKind(model)
    design = (design or load_cell_design()).with_conditions(
        temperature_C=temperature_C if temperature_C is not None else protocol.temperature_C,
        stack_pressure_MPa=pressure_MPa if pressure_MPa is not None else protocol.stack_pressure_MPa,
        loading_mg_cm2=protocol.loading_mg_cm2,
    )
    return simulate(protocol, design, binder, kind, parameter_values(design), progress=progress)


def simulate(
    protocol: Protocol,
    design: CellDesign,
    binder: Binder,
    kind: ModelKind,
    values: pybamm.ParameterValues,
    progress: bool = False,
) -> RunResult:
    """Solve ``protocol`` with explicit PyBaMM ``values`` (for fitting; users call :func:`run`)."""
    solution, failure, elapsed = _solve_blocks(protocol, half_cell_model(kind), values, progress)
    cycles, curves = _cycle_table(solution, protocol, CellGeometry(design))
    result = RunResult(
        solution=solution,
        protocol=protocol,
        design=design,
        binder=binder,
        model=kind,
        cycles=cycles,
        metrics={},
        failure=failure,
        elapsed_s=elapsed,
        voltage_curves=curves,
    )
    result.metrics = metrics(result)
    return result


def _solve_blocks(
    protocol: Protocol, model: pybamm.BaseModel, values: pybamm.ParameterValues, progress: bool
) -> tuple[pybamm.Solution, Failure | None, float]:
    """Solve block after block, each starting from the last state of the one before.

    A block that fails keeps every cycle finished before it (PyBaMM already returns
    partial solutions for most failures inside a block; a raised error loses only the
    failing block's own cycles).
    """
    monitor = _Monitor(protocol.n_cycles, progress)
    solution, ocv = None, _initial_ocv(values)
    start = time.perf_counter()
    for block in protocol.blocks:
        sim = pybamm.Simulation(model, parameter_values=values, experiment=block.experiment(ocv), solver=solver())
        try:
            solution = sim.solve(starting_solution=solution, callbacks=[monitor], showprogress=False)
        except pybamm.SolverError as err:
            monitor.record_raised(err)
            if solution is None:
                raise pybamm.SolverError(str(monitor.failure)) from err
        if monitor.failure is not None:
            break
        monitor.cycle_offset = len(solution.cycles)
        ocv = float(solution["Voltage [V]"].entries[-1])
    monitor.close()
    return solution, monitor.failure, time.perf_counter() - start


def solver() -> pybamm.IDAKLUSolver:
    """IDAKLU with tolerances tight enough for the nearly empty particles at 2 V.

    PyBaMM's default atol (1e-6) fails on the CV up-sweep of the DFN once the
    delithiated particles hold only ~1e-4 of their capacity.
    """
    return pybamm.IDAKLUSolver(atol=1e-8, rtol=1e-6)


def _initial_ocv(values: pybamm.ParameterValues) -> float:
    """Open-circuit potential of the pristine electrode (graphite phase sets it)."""
    c0 = values["Primary: Initial concentration in positive electrode [mol.m-3]"]
    c_max = values["Primary: Maximum concentration in positive electrode [mol.m-3]"]
    ocp = values["Primary: Positive electrode OCP [V]"]
    return float(ocp(pybamm.Scalar(c0 / c_max)).evaluate().item())


def _cycle_table(
    solution: pybamm.Solution, protocol: Protocol, geo: CellGeometry
) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """One row per completed cycle; lithiation and delithiation per phase.

    A step lithiates when the charge passed into the electrode (PyBaMM's discharge
    capacity) rises over it. Per phase, the charge is F times the change of that
    phase's lithium; SEI takes the rest: total = graphite + Si + SEI on lithiation and
    total = graphite + Si - SEI on delithiation.
    """
    labels = protocol.cycle_labels()
    rows, curves = [], {}
    for number, cycle in enumerate(solution.cycles, start=1):
        if cycle is None or number > len(labels):
            break
        block, index = labels[number - 1]
        sums = dict.fromkeys(("lith", "delith"), 0.0)
        phase = {f"{d}_{p}": 0.0 for d in ("lith", "delith") for p in (GRAPHITE, SILICON, "sei")}
        for step in cycle.steps:
            dq = (step[_Q].entries[-1] - step[_Q].entries[0]) * 3600
            direction = "lith" if dq > 0 else "delith"
            sign = 1 if dq > 0 else -1
            sums[direction] += abs(dq)
            for p in (GRAPHITE, SILICON):
                n = step[_N_PHASE[p]].entries
                phase[f"{direction}_{p}"] += sign * (n[-1] - n[0]) * F
            n = step[_N_SEI].entries
            phase[f"{direction}_sei"] += (n[-1] - n[0]) * F
        lith, delith = sums["lith"], sums["delith"]
        rows.append(
            {
                "cycle": number,
                "role": block.role.value,
                "c_rate": getattr(block, "c_rate", np.nan),
                "cycle_in_block": index + 1,
                "lithiation_capacity_mAh_g": geo.mAh_g(lith),
                "delithiation_capacity_mAh_g": geo.mAh_g(delith),
                "lithiation_capacity_mAh_cm2": geo.mAh_cm2(lith),
                "delithiation_capacity_mAh_cm2": geo.mAh_cm2(delith),
                "coulombic_efficiency": delith / lith if lith > 0 else np.nan,
                "graphite_lithiation_mAh_g": geo.mAh_g(phase[f"lith_{GRAPHITE}"]),
                "si_lithiation_mAh_g": geo.mAh_g(phase[f"lith_{SILICON}"]),
                "sei_lithiation_mAh_g": geo.mAh_g(phase["lith_sei"]),
                "graphite_delithiation_mAh_g": geo.mAh_g(phase[f"delith_{GRAPHITE}"]),
                "si_delithiation_mAh_g": geo.mAh_g(phase[f"delith_{SILICON}"]),
                "sei_delithiation_mAh_g": geo.mAh_g(phase["delith_sei"]),
                "end_time_h": cycle.t[-1] / 3600,
            }
        )
        q0 = cycle[_Q].entries[0]
        curves[number] = pd.DataFrame(
            {
                "time_h": cycle.t / 3600,
                "voltage_V": cycle[_V].entries,
                "current_mA_cm2": cycle[_I].entries / (geo.area * 1e4) * 1e3,
                "capacity_mAh_g": geo.mAh_g((cycle[_Q].entries - q0) * 3600),
            }
        )
    return pd.DataFrame(rows), curves


def metrics(result: RunResult) -> dict:
    """Summary metrics (``metrics.json``); None where the protocol does not produce one."""
    df, protocol = result.cycles, result.protocol
    geo = CellGeometry(result.design)
    galvanostatic = df[df["role"] != Role.VOLTAMMETRY.value]
    first = galvanostatic.iloc[0] if len(galvanostatic) else None
    out: dict = {
        "first_lithiation_capacity_mAh_g": _get(first, "lithiation_capacity_mAh_g"),
        "first_delithiation_capacity_mAh_g": _get(first, "delithiation_capacity_mAh_g"),
        "initial_coulombic_efficiency": _get(first, "coulombic_efficiency"),
        "first_graphite_delithiation_capacity_mAh_g": _get(first, "graphite_delithiation_mAh_g"),
        "first_si_delithiation_capacity_mAh_g": _get(first, "si_delithiation_mAh_g"),
        "rate_retention": _rate_retention(df),
        "cycle_retention": None,
        "mean_coulombic_efficiency_cycling": None,
        "cv_lithiation_current_loss": None,
        "electrode_thickness_initial_um": geo.electrode_thickness * 1e6,
        # no electrode mechanics in this model: the final thickness is not predicted
        "electrode_thickness_final_um": None,
        "stack_pressure_initial_MPa": result.design.stack_pressure_MPa,
        "stack_pressure_final_MPa": result.design.stack_pressure_MPa,
        "binder": result.binder.name,
        "protocol": protocol.name,
        "model": result.model.value,
        "cycles_completed": len(df),
        "cycles_planned": protocol.n_cycles,
        "complete": result.complete,
        "failure": str(result.failure) if result.failure else None,
    }
    cycling = df[df["role"] == Role.CYCLING.value]
    if len(cycling) >= 2:
        cap = cycling["delithiation_capacity_mAh_g"].to_numpy()
        out["cycle_retention"] = float(cap[-1] / cap[0])
        out["mean_coulombic_efficiency_cycling"] = float(cycling["coulombic_efficiency"].mean())
    peaks = _cv_peak_lithiation_currents(result)
    if len(peaks) >= 2:
        out["cv_lithiation_current_first_mA_cm2"] = peaks[0]
        out["cv_lithiation_current_second_mA_cm2"] = peaks[1]
        out["cv_lithiation_current_loss"] = 1 - peaks[1] / peaks[0]
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


def _get(row: pd.Series | None, key: str) -> float | None:
    return None if row is None else float(row[key])


def _rate_retention(df: pd.DataFrame) -> dict[str, float] | None:
    """Mean delithiation capacity of each rate block / that of the first (0.15 C) block."""
    rate = df[df["role"] == Role.RATE.value]
    if rate.empty:
        return None
    means = rate.groupby("c_rate", sort=False)["delithiation_capacity_mAh_g"].mean()
    return {f"{c:g}C": float(m / means.iloc[0]) for c, m in means.items()}


def _cv_peak_lithiation_currents(result: RunResult) -> list[float]:
    """Lithiation current density [mA/cm2] at the lower vertex of each CV cycle."""
    out = []
    for number, curve in result.voltage_curves.items():
        if result.cycles.loc[number - 1, "role"] == Role.VOLTAMMETRY.value:
            out.append(float(curve["current_mA_cm2"].iloc[curve["voltage_V"].idxmin()]))
    return out
