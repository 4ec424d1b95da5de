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

from . import submodels as sm
from .model import GRAPHITE, SILICON, half_cell_model
from .parameters import CellGeometry, F, inputs, load_binder, load_cell_design, parameter_values
from .protocols import CellMode, Protocol, Role, load_protocol
from .schema import Binder, CellDesign, ModelKind

DEFAULT_BINDER = "NBR-A"

_Q = "Discharge capacity [A.h]"
_N_PHASE = {p: sm.phase_lithium_name(p) for p in (GRAPHITE, SILICON)}
_N_SEI = "Loss of lithium to positive SEI [mol]"
_N_TRAPPED = {p: sm.trapped_lithium_name(p) for p in (GRAPHITE, SILICON)}
_END_OF_CYCLE = (
    sm.TRAPPED_LI,
    sm.connected_fraction_name(GRAPHITE),
    sm.connected_fraction_name(SILICON),
    sm.THICKNESS_WE,
    sm.THICKNESS_LI,
    sm.STACK_PRESSURE,
)
_V = "Voltage [V]"
_I = "Current [A]"
_RECORDED = (_Q, _N_SEI, _V, _I, *_N_PHASE.values(), *_N_TRAPPED.values(), *_END_OF_CYCLE)


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
        self._where = (int(cycle), int(step), str(logs["step operating conditions"]))

    def _record(self, reason: str) -> None:
        if self.failure is None:
            cycle, step, condition = self._where
            self.failure = Failure(cycle=cycle, step=step, operating_condition=condition, reason=reason)

    def record_raised(self, err: Exception) -> None:
        self._record(str(err).splitlines()[0][:200])

    def on_experiment_error(self, logs):
        self._record(str(logs["error"]).splitlines()[0])

    def on_experiment_infeasible_event(self, logs):
        self._record(f"event '{logs['termination']}'")

    def on_experiment_infeasible_time(self, logs):
        self._record(f"step did not finish within {logs['step duration']} s")

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
    cell: CellMode
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
    cell: CellMode | str | None = None,
    progress: bool = False,
) -> RunResult:
    """Simulate ``protocol`` on the half cell (the paper's cell unless ``design`` is given).

    Conditions resolve as: explicit argument > protocol file > cell design.
    """
    protocol = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    binder = binder if isinstance(binder, Binder) else load_binder(binder)
    design = protocol_design(protocol, design, temperature_C=temperature_C, pressure_MPa=pressure_MPa)
    mode = CellMode(cell) if cell is not None else protocol.cell
    return Simulator(protocol, design, model).solve(binder, cell=mode, progress=progress)


def protocol_design(
    protocol: Protocol,
    design: CellDesign | None = None,
    *,
    temperature_C: float | None = None,
    pressure_MPa: float | None = None,
    loading_mg_cm2: float | None = None,
    si_wt_pct_of_active: float | None = None,
) -> CellDesign:
    """The cell (the paper's unless ``design``) under a protocol's conditions.

    Each condition resolves as: explicit argument > protocol file > cell design.
    """

    def first(value, fallback):
        return value if value is not None else fallback

    return (design or load_cell_design()).with_conditions(
        temperature_C=first(temperature_C, protocol.temperature_C),
        stack_pressure_MPa=first(pressure_MPa, protocol.stack_pressure_MPa),
        loading_mg_cm2=first(loading_mg_cm2, protocol.loading_mg_cm2),
        si_wt_pct_of_active=si_wt_pct_of_active,
    )


class Simulator:
    """A protocol on a cell design, built and discretised once.

    Stack pressure, binder and cell mode are PyBaMM input parameters, so
    :meth:`solve` at another pressure or binder reuses the built models. Temperature
    and loading change parameter values: they need a new Simulator.
    """

    def __init__(
        self,
        protocol: Protocol,
        design: CellDesign,
        model: ModelKind | str = ModelKind.DFN,
        values: pybamm.ParameterValues | None = None,
        full_output: bool = False,
    ):
        """``full_output`` keeps every PyBaMM variable in the solution (slower); by
        default only those assb-sim reports are stored."""
        self.protocol, self.design, self.kind = protocol, design, ModelKind(model)
        self._recorded = () if full_output else _RECORDED
        self.values = values if values is not None else parameter_values(design)
        self._model = half_cell_model(self.kind)
        self._cycles = protocol.pybamm_cycles(_initial_ocv(self.values))
        self._sim = self._simulation(self._cycles)

    def _simulation(self, cycles: list[tuple]) -> pybamm.Simulation:
        experiment = pybamm.Experiment(cycles)
        return pybamm.Simulation(
            self._model, parameter_values=self.values, experiment=experiment, solver=solver(self._recorded)
        )

    def solve(
        self,
        binder: Binder,
        *,
        pressure_MPa: float | None = None,
        cell: CellMode = CellMode.CONSTANT_PRESSURE,
        progress: bool = False,
        extra_inputs: dict[str, float] | None = None,
    ) -> RunResult:
        """Solve for a binder, pressure and cell mode. ``extra_inputs`` gives values to
        parameters this Simulator's ``values`` left as ``[input]`` (fitting does that)."""
        design = self.design if pressure_MPa is None else self.design.with_conditions(stack_pressure_MPa=pressure_MPa)
        values = inputs(design, binder, fixed_gap=CellMode(cell) == CellMode.FIXED_GAP) | (extra_inputs or {})
        solution, failure, elapsed = self._solve(values, progress)
        cycles, curves = _cycle_table(solution, self.protocol, CellGeometry(design))
        result = RunResult(
            solution=solution,
            protocol=self.protocol,
            design=design,
            binder=binder,
            model=self.kind,
            cell=CellMode(cell),
            cycles=cycles,
            metrics={},
            failure=failure,
            elapsed_s=elapsed,
            voltage_curves=curves,
        )
        result.metrics = metrics(result)
        return result

    def _solve(self, values: dict, progress: bool) -> tuple[pybamm.Solution, Failure | None, float]:
        """Solve the whole protocol with the built simulation.

        PyBaMM returns a partial solution for most failures; when it raises instead (a
        whole cycle infeasible), the cycles before the failing one are solved again so
        that they are kept.
        """
        monitor = _Monitor(self.protocol.n_cycles, progress)
        start = time.perf_counter()
        try:
            solution = self._sim.solve(inputs=values, callbacks=[monitor], showprogress=False)
        except pybamm.SolverError as err:
            monitor.record_raised(err)
            done = monitor.failure.cycle - 1
            if done < 1:
                raise pybamm.SolverError(str(monitor.failure)) from err
            solution = self._simulation(self._cycles[:done]).solve(inputs=values, showprogress=False)
        finally:
            monitor.close()
        return solution, monitor.failure, time.perf_counter() - start


def solver(output_variables: tuple[str, ...] = ()) -> pybamm.IDAKLUSolver:
    """IDAKLU with tolerances tight enough for the nearly empty particles at 2 V.

    PyBaMM's default atol (1e-6) fails on the CV up-sweep of the DFN once the
    delithiated particles hold only ~1e-4 of their capacity. With ``output_variables``
    only those are stored: much less memory and no re-evaluation afterwards.
    """
    return pybamm.IDAKLUSolver(atol=1e-8, rtol=1e-6, output_variables=list(output_variables) or None)


def _initial_ocv(values: pybamm.ParameterValues) -> float:
    """Open-circuit potential of the pristine electrode (graphite phase sets it)."""
    c0 = values["Primary: Initial concentration in positive electrode [mol.m-3]"]
    c_max = values["Primary: Maximum concentration in positive electrode [mol.m-3]"]
    ocp = values["Primary: Positive electrode OCP [V]"]
    return float(ocp(pybamm.Scalar(c0 / c_max)).evaluate().item())


def _cycle_table(
    solution: pybamm.Solution, protocol: Protocol, geo: CellGeometry
) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """One row per completed cycle: capacities per phase, contact, thickness, pressure.

    A step lithiates when the charge passed into the electrode (PyBaMM's discharge
    capacity) rises over it. The charge through phase k is F times the change of the Li
    that entered it, connected or since trapped; the side reaction takes the rest:
    lithiation = graphite + Si + SEI, delithiation = graphite + Si - SEI.
    Variables are evaluated once on the whole solution and sliced per step (the steps'
    points are concatenated in order): far cheaper than evaluating them step by step.
    """
    data = {name: solution[name].entries for name in _RECORDED}
    labels = protocol.cycle_labels()
    rows, curves, offset = [], {}, 0
    for number, cycle in enumerate(solution.cycles, start=1):
        if cycle is None or number > len(labels):
            break
        block, index = labels[number - 1]
        first = offset
        parts = ("total", GRAPHITE, SILICON, "sei")
        charge = dict.fromkeys((f"{d}_{p}" for d in ("lith", "delith") for p in parts), 0.0)
        dp = dict.fromkeys(("lith", "delith", "rest"), 0.0)
        for step in cycle.steps:
            i, j = offset, offset + len(step.t) - 1
            offset = j + 1
            delta = {name: float(values[j] - values[i]) for name, values in data.items()}
            dq = delta[_Q] * 3600
            if dq == 0:  # a rest: no half cycle, but the pressure may relax
                dp["rest"] += delta[sm.STACK_PRESSURE] / 1e6
                continue
            d = "lith" if dq > 0 else "delith"
            sign = 1 if dq > 0 else -1
            charge[f"{d}_total"] += abs(dq)
            for p in (GRAPHITE, SILICON):
                charge[f"{d}_{p}"] += sign * (delta[_N_PHASE[p]] + delta[_N_TRAPPED[p]]) * F
            charge[f"{d}_sei"] += delta[_N_SEI] * F
            dp[d] += delta[sm.STACK_PRESSURE] / 1e6
        lith, delith = charge["lith_total"], charge["delith_total"]
        end = {name: float(values[offset - 1]) for name, values in data.items()}
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
                **{
                    f"{label}_{d}iation_mAh_g": geo.mAh_g(charge[f"{d}_{key}"])
                    for label, key in (("graphite", GRAPHITE), ("si", SILICON), ("sei", "sei"))
                    for d in ("lith", "delith")
                },
                "trapped_li_mAh_g": geo.mAh_g(end[sm.TRAPPED_LI] * geo.area * F),
                "graphite_connected_fraction": end[sm.connected_fraction_name(GRAPHITE)],
                "si_connected_fraction": end[sm.connected_fraction_name(SILICON)],
                "electrode_thickness_um": (geo.electrode_thickness + end[sm.THICKNESS_WE]) * 1e6,
                "li_metal_thickness_change_um": end[sm.THICKNESS_LI] * 1e6,
                "stack_pressure_MPa": end[sm.STACK_PRESSURE] / 1e6,
                "pressure_change_MPa": sum(dp.values()),
                "pressure_change_lithiation_MPa_per_mAh_cm2": _per(dp["lith"], geo.mAh_cm2(lith)),
                "pressure_change_delithiation_MPa_per_mAh_cm2": _per(dp["delith"], geo.mAh_cm2(delith)),
                "pressure_change_per_capacity_MPa_per_mAh_cm2": _per(sum(dp.values()), geo.mAh_cm2(lith)),
                "end_time_h": cycle.t[-1] / 3600,
            }
        )
        window = slice(first, offset)
        q = data[_Q][window]
        curves[number] = pd.DataFrame(
            {
                "time_h": solution.t[window] / 3600,
                "voltage_V": data[_V][window],
                "current_mA_cm2": data[_I][window] / (geo.area * 1e4) * 1e3,
                "capacity_mAh_g": geo.mAh_g((q - q[0]) * 3600),
                "stack_pressure_MPa": data[sm.STACK_PRESSURE][window] / 1e6,
                "electrode_thickness_um": (geo.electrode_thickness + data[sm.THICKNESS_WE][window]) * 1e6,
            }
        )
    table = pd.DataFrame(rows)
    if not table.empty:
        # the paper accumulates the capacity-normalised pressure change from cycle 2 on
        per_cycle = table["pressure_change_per_capacity_MPa_per_mAh_cm2"].where(table["cycle"] > 1, 0.0)
        table["accumulated_pressure_change_MPa_per_mAh_cm2"] = per_cycle.cumsum()
    return table, curves


def _per(change: float, capacity: float) -> float:
    return change / capacity if capacity > 0 else np.nan


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
        "first_graphite_si_ratio": _ratio(first, "graphite_delithiation_mAh_g", "si_delithiation_mAh_g"),
        "rate_retention": _rate_retention(df),
        "cycle_retention": None,
        "mean_coulombic_efficiency_cycling": None,
        "cv_lithiation_current_loss": None,
        "electrode_thickness_initial_um": geo.electrode_thickness * 1e6,
        "electrode_thickness_final_um": _last(df, "electrode_thickness_um"),
        "stack_pressure_initial_MPa": result.design.stack_pressure_MPa,
        "stack_pressure_final_MPa": _last(df, "stack_pressure_MPa"),
        "first_lithiation_pressure_change_MPa_per_mAh_cm2": _get(first, "pressure_change_lithiation_MPa_per_mAh_cm2"),
        "accumulated_pressure_change_MPa_per_mAh_cm2": _last(df, "accumulated_pressure_change_MPa_per_mAh_cm2"),
        "si_connected_fraction_final": _last(df, "si_connected_fraction"),
        "graphite_connected_fraction_final": _last(df, "graphite_connected_fraction"),
        "trapped_li_final_mAh_g": _last(df, "trapped_li_mAh_g"),
        "cell": result.cell.value,
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
    peaks = _cv_vertex_lithiation_currents(result)
    if len(peaks) >= 2:
        out["cv_lithiation_current_first_mA_cm2"] = peaks[0]
        out["cv_lithiation_current_second_mA_cm2"] = peaks[1]
        out["cv_lithiation_current_loss"] = 1 - peaks[1] / peaks[0]
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


def _ratio(row: pd.Series | None, numerator: str, denominator: str) -> float | None:
    return None if row is None or not row[denominator] else float(row[numerator] / row[denominator])


def _get(row: pd.Series | None, key: str) -> float | None:
    return None if row is None else float(row[key])


def _last(df: pd.DataFrame, key: str) -> float | None:
    return None if df.empty else float(df[key].iloc[-1])


def _rate_retention(df: pd.DataFrame) -> dict[str, float] | None:
    """Mean delithiation capacity of each rate block / that of the first (0.15 C) block."""
    rate = df[df["role"] == Role.RATE.value]
    if rate.empty:
        return None
    means = rate.groupby("c_rate", sort=False)["delithiation_capacity_mAh_g"].mean()
    return {f"{c:g}C": float(m / means.iloc[0]) for c, m in means.items()}


def _cv_vertex_lithiation_currents(result: RunResult) -> list[float]:
    """Lithiation current density [mA/cm2] at the lower vertex of each CV cycle."""
    out = []
    for number, curve in result.voltage_curves.items():
        if result.cycles.loc[number - 1, "role"] == Role.VOLTAMMETRY.value:
            out.append(float(curve["current_mA_cm2"].iloc[curve["voltage_V"].idxmin()]))
    return out
