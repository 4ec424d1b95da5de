"""Per-cycle table and summary metrics of a run, computed from its PyBaMM solution.

The column and metric names are defined here once (:class:`Col`, :class:`Curve`,
:class:`Metric`); everything else (plots, validation, sweeps, tests) imports them.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

import casadi
import numpy as np
import pandas as pd
import pybamm

from . import names as n
from .parameters import CellGeometry, F
from .protocols import GalvanostaticBlock, Protocol, Role
from .schema import InputError

if TYPE_CHECKING:
    from .simulation import RunResult


class Col:
    """Columns of the per-cycle table (``RunResult.cycles``, ``cycles.csv``)."""

    CYCLE = "cycle"
    ROLE = "role"
    C_RATE = "c_rate"
    CYCLE_IN_BLOCK = "cycle_in_block"
    LITHIATION = "lithiation_capacity_mAh_g"
    DELITHIATION = "delithiation_capacity_mAh_g"
    LITHIATION_AREAL = "lithiation_capacity_mAh_cm2"
    DELITHIATION_AREAL = "delithiation_capacity_mAh_cm2"
    CE = "coulombic_efficiency"
    GRAPHITE_LITHIATION = "graphite_lithiation_mAh_g"
    GRAPHITE_DELITHIATION = "graphite_delithiation_mAh_g"
    SI_LITHIATION = "si_lithiation_mAh_g"
    SI_DELITHIATION = "si_delithiation_mAh_g"
    SEI_LITHIATION = "sei_lithiation_mAh_g"
    SEI_DELITHIATION = "sei_delithiation_mAh_g"
    UPTAKE_LITHIATION = "si_uptake_lithiation_mAh_g"  # the Si powder's oxide and trap sites
    UPTAKE_DELITHIATION = "si_uptake_delithiation_mAh_g"  # Si still lithiating from graphite
    # the paper's reading: delithiation capacity below / above PLATEAU_SPLIT_V
    GRAPHITE_PLATEAU = "graphite_plateau_delithiation_mAh_g"
    SI_PLATEAU = "si_plateau_delithiation_mAh_g"
    LPSCL_CONSUMED = "lpscl_consumed_fraction"
    # the electrolyte's potential drop across the electrode, the largest at the cycle's step
    # starts and ends: the SPMe is an expansion in it (docs/model.md)
    ELECTROLYTE_DROP = "electrolyte_drop_mV"
    TRAPPED_LI = "trapped_li_mAh_g"
    GRAPHITE_CONNECTED = "graphite_connected_fraction"
    SI_CONNECTED = "si_connected_fraction"
    SI_CRYSTALLINE = "si_crystalline_share"  # Si still crystalline (first lithiation not finished)
    THICKNESS = "electrode_thickness_um"
    VOID_THICKENING = "void_thickening_um"  # voids around cut-off particles: dilute the LPSCl network
    SPONGE_THICKENING = "si_sponge_thickening_um"  # porous cycled Si: does not
    NETWORK_CONNECTED = "network_connected_fraction"  # share the void-diluted LPSCl network still reaches
    DELAMINATED = "delaminated_fraction"  # electrode/collector area debonded
    LI_THICKNESS_CHANGE = "li_metal_thickness_change_um"
    PRESSURE = "stack_pressure_MPa"
    PRESSURE_CHANGE = "pressure_change_MPa"
    DP_LITHIATION = "pressure_change_lithiation_MPa_per_mAh_cm2"
    DP_DELITHIATION = "pressure_change_delithiation_MPa_per_mAh_cm2"
    DP_PER_CAPACITY = "pressure_change_per_capacity_MPa_per_mAh_cm2"
    DP_ACCUMULATED = "accumulated_pressure_change_MPa_per_mAh_cm2"
    END_TIME = "end_time_h"
    # the CV hold ended on its time limit (GalvanostaticBlock.cv_limit_h), not on the current
    CV_TIME_LIMITED = "cv_hold_time_limited"


class Curve:
    """Columns of one cycle's curve (``RunResult.voltage_curves[cycle]``)."""

    TIME = "time_h"
    VOLTAGE = "voltage_V"
    CURRENT = "current_mA_cm2"
    CAPACITY = "capacity_mAh_g"
    PRESSURE = Col.PRESSURE
    THICKNESS = Col.THICKNESS
    DECOMPOSITION = "decomposition_mAh_g"  # Li the LPSCl decomposition took since the cycle began


class Metric:
    """Keys of a run's summary metrics (``RunResult.metrics``, ``metrics.json``)."""

    FIRST_LITHIATION = "first_lithiation_capacity_mAh_g"
    FIRST_DELITHIATION = "first_delithiation_capacity_mAh_g"
    ICE = "initial_coulombic_efficiency"
    FIRST_GRAPHITE = "first_graphite_delithiation_capacity_mAh_g"
    FIRST_SI = "first_si_delithiation_capacity_mAh_g"
    FIRST_GRAPHITE_SI_RATIO = "first_graphite_si_ratio"
    RATE_RETENTION = "rate_retention"
    CYCLE_RETENTION = "cycle_retention"
    MEAN_CE = "mean_coulombic_efficiency_cycling"  # the paper's statistic (Fig. 4e)
    # beside the mean: one cycle that returns charge stranded by the 1.5 C block lifts the mean
    MEDIAN_CE = "median_coulombic_efficiency_cycling"
    CV_LOSS = "cv_lithiation_current_loss"
    CV_FIRST = "cv_lithiation_current_first_mA_cm2"
    CV_SECOND = "cv_lithiation_current_second_mA_cm2"
    # the first cycle's decomposition charge per voltage window (DECOMPOSITION_WINDOWS)
    FIRST_DECOMPOSITION = "first_cycle_decomposition_mAh_g"
    THICKNESS_INITIAL = "electrode_thickness_initial_um"
    THICKNESS_FINAL = "electrode_thickness_final_um"
    THICKNESS_CHANGE = "electrode_thickness_change"  # final / pristine - 1, as the paper compares
    FIRST_GRAPHITE_PLATEAU = "first_graphite_plateau_capacity_mAh_g"
    FIRST_SI_PLATEAU = "first_si_plateau_capacity_mAh_g"
    FIRST_PLATEAU_RATIO = "first_graphite_si_plateau_ratio"
    LPSCL_CONSUMED_FINAL = "lpscl_consumed_fraction_final"
    PRESSURE_INITIAL = "stack_pressure_initial_MPa"
    PRESSURE_FINAL = "stack_pressure_final_MPa"
    FIRST_DP_LITHIATION = "first_lithiation_pressure_change_MPa_per_mAh_cm2"
    DP_ACCUMULATED = Col.DP_ACCUMULATED
    SI_CONNECTED_FINAL = "si_connected_fraction_final"
    GRAPHITE_CONNECTED_FINAL = "graphite_connected_fraction_final"
    NETWORK_CONNECTED_FINAL = "network_connected_fraction_final"
    DELAMINATED_FINAL = "delaminated_fraction_final"
    VOID_THICKENING_FINAL = "void_thickening_final_um"
    TRAPPED_LI_FINAL = "trapped_li_final_mAh_g"
    CV_TIME_LIMITED = "cv_holds_time_limited"  # how many cycles' CV holds ended on the time limit
    CYCLES_COMPLETED = "cycles_completed"
    CYCLES_PLANNED = "cycles_planned"
    COMPLETE = "complete"
    FAILURE = "failure"
    # conditions of the user's design that the protocol replaced: {field: {given, used}}
    OVERRIDDEN = "overridden_by_protocol"
    # labels of the run, not numbers
    LABELS = ("binder", "protocol", "model", "cell")


# the first galvanostatic cycle's metrics: a first-cycle-only protocol is enough for them
FIRST_CYCLE_METRICS = frozenset(
    {
        Metric.FIRST_DELITHIATION,
        Metric.ICE,
        Metric.FIRST_GRAPHITE,
        Metric.FIRST_SI,
        Metric.FIRST_GRAPHITE_SI_RATIO,
        Metric.FIRST_GRAPHITE_PLATEAU,
        Metric.FIRST_SI_PLATEAU,
        Metric.FIRST_PLATEAU_RATIO,
    }
)

# The paper splits a delithiation into graphite and Si "based on the plateau" of each:
# graphite delithiates mostly below ~0.25 V (its stage transitions), amorphous Si mostly
# above (paper digest, "How the paper measured"). The same reading of the model's curve.
PLATEAU_SPLIT_V = 0.25
# where in the first cycle the LPSCl decomposes: lithiation windows [V] (upper, lower), the
# hold at the lower cut-off, and the delithiation (below the onset it goes on)
DECOMPOSITION_WINDOWS = {"above_1.0V": (np.inf, 1.0), "1.0-0.2V": (1.0, 0.2), "0.2V-cutoff": (0.2, -np.inf)}
HOLD_TOLERANCE_V = 1e-3  # a lithiation point this close to the cycle's lowest voltage is the hold

# stored at every solver step: the voltage curves need them throughout
RECORDED = (n.DISCHARGE_CAPACITY, n.VOLTAGE, n.CURRENT, n.STACK_PRESSURE, n.THICKNESS_WE, n.SEI_LITHIUM)
# needed only where each step begins and ends (the table's changes and end-of-cycle
# values): evaluated on those two states after the solve (:func:`step_ends`) rather than
# stored at each of the solver's hundreds of steps per step, which cost ~5 % of the solve
STEP_ENDS = (
    n.UPTAKE_STATE,
    *n.PARTICLE_LITHIUM,
    n.connected_fraction(n.GRAPHITE),
    n.connected_fraction(n.SILICON),
    n.THICKNESS_VOIDS,
    n.THICKNESS_SPONGE,
    n.NETWORK_CONNECTED,
    n.DELAMINATED,
    n.THICKNESS_LI,
    n.LPSCL_CONSUMED,
    n.LPSCL_INITIAL,
    n.SI_CRYSTALLINE,
    n.ELECTROLYTE_DROP,
)


def step_ends(steps: list[pybamm.Solution], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``names`` at the first and the last state of each step: an array (step, 2) each.

    IDAKLU keeps both states of every step (its consistent initial state and its final
    one) whatever it stores in between; each step model's expressions of ``names`` are
    evaluated there by one CasADi function per step model (PyBaMM's per-variable
    processing of the same states cost ~9 % of a formation sweep point).
    """
    ends = np.empty((len(steps), 2, len(names)))
    for k, step in enumerate(steps):
        inputs = step.all_inputs[0]
        evaluate = _ends_function(step.all_models[0], names, tuple(inputs))
        p = np.concatenate([np.ravel(v) for v in inputs.values()]) if inputs else np.zeros(0)
        for side, state in enumerate((step.first_state, step.last_state)):
            ends[k, side] = np.asarray(evaluate(state.t[-1], np.asarray(state.y)[:, -1], p)).ravel()
    return {name: ends[:, :, i] for i, name in enumerate(names)}


_ENDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # step model -> functions


def _ends_function(model: pybamm.BaseModel, names: tuple[str, ...], inputs: tuple[str, ...]) -> casadi.Function:
    """(t, y, inputs stacked) -> ``names``, built once per step model: a Simulator's
    later solves reuse its step models."""
    built = _ENDS.setdefault(model, {})
    if (names, inputs) not in built:
        t, y = casadi.MX.sym("t"), casadi.MX.sym("y", model.len_rhs_and_alg)
        p = casadi.MX.sym("p", len(inputs))
        symbols = {name: p[i] for i, name in enumerate(inputs)}
        expressions = [model.get_processed_variable(name).to_casadi(t, y, inputs=symbols) for name in names]
        built[(names, inputs)] = casadi.Function("step_ends", [t, y, p], [casadi.vertcat(*expressions)])
    return built[(names, inputs)]


def cycle_table(
    solution: pybamm.Solution, protocol: Protocol, geo: CellGeometry, start: int = 0
) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """One row per completed cycle: capacities per phase, contact, thickness, pressure.

    A step lithiates when the charge passed into the electrode (PyBaMM's discharge
    capacity) rises over it. The charge through phase k is F times the change of the Li
    that entered it, connected or since trapped; the side reactions take the rest:
    lithiation = graphite + Si + SEI + uptake, delithiation = graphite + Si - SEI - uptake.
    The stored variables are evaluated once on the whole solution and sliced per step
    (the steps' points are concatenated in order), the others only at the steps' ends.
    ``start`` cycles were solved before ``solution``, which then begins with their last
    state (a one-point cycle of its own): a long run solved a part at a time. The running
    sums span every part: :func:`accumulated` adds them to the joined table.
    """
    data = {name: solution[name].entries for name in RECORDED}
    times, labels = solution.t, protocol.cycle_labels()
    finished, spans = [], []  # spans: each solved step's first and last stored point
    for number, cycle in enumerate(solution.cycles[1:] if start else solution.cycles, start=start + 1):
        if cycle is None or number > len(labels):
            break
        # a step PyBaMM skipped (its cut-off met at its start) stored nothing
        solved = [step for step in cycle.steps if not isinstance(step, pybamm.EmptySolution)]
        where = [_stored_span(times, step) for step in solved]
        if not solved or None in where:  # a failed step can leave a cycle past the stored points
            break
        finished.append((cycle, solved))
        spans += where
    steps = [step for _, solved in finished for step in solved]
    starts, stops = (np.array([span[end] for span in spans], dtype=int) for end in (0, 1))
    # each variable at each step's first and last point: (step, 2)
    at = {name: np.column_stack([values[starts], values[stops]]) for name, values in data.items()}
    at |= step_ends(steps, STEP_ENDS) if steps else {}
    rows, curves, k = [], {}, 0  # k: the step's index in ``steps``
    for number, (cycle, solved) in enumerate(finished, start=start + 1):
        block, index = labels[number - 1]
        first, first_step = int(starts[k]), k
        parts = ("total", n.GRAPHITE, n.SILICON, "sei", "uptake")
        charge = dict.fromkeys((f"{d}_{p}" for d in ("lith", "delith") for p in parts), 0.0)
        dp = dict.fromkeys(("lith", "delith", "rest"), 0.0)
        plateau = {"graphite": 0.0, "si": 0.0}
        for _ in solved:
            i, j = int(starts[k]), int(stops[k])
            delta = {name: float(values[k, 1] - values[k, 0]) for name, values in at.items()}
            k += 1
            dq = delta[n.DISCHARGE_CAPACITY] * 3600
            if dq == 0:  # a rest: no half cycle, but the pressure may relax
                dp["rest"] += delta[n.STACK_PRESSURE] / 1e6
                continue
            if dq < 0:
                for phase, share in _plateau_split(
                    data[n.DISCHARGE_CAPACITY][i : j + 1], data[n.VOLTAGE][i : j + 1]
                ).items():
                    plateau[phase] += share
            d = "lith" if dq > 0 else "delith"
            sign = 1 if dq > 0 else -1
            charge[f"{d}_total"] += abs(dq)
            for p in n.PHASES:
                charge[f"{d}_{p}"] += sign * (delta[n.phase_lithium(p)] + delta[n.trapped_lithium(p)]) * F
            charge[f"{d}_sei"] += delta[n.SEI_LITHIUM] * F
            charge[f"{d}_uptake"] += delta[n.UPTAKE_STATE] * F
            dp[d] += delta[n.STACK_PRESSURE] / 1e6
        lith, delith = charge["lith_total"], charge["delith_total"]
        # the hold is a galvanostatic cycle's second step; PyBaMM ends it on "final time"
        # when its duration (the time limit) ran out before the current cut-off
        time_limited = (
            isinstance(block, GalvanostaticBlock)
            and len(cycle.steps) > 1
            and cycle.steps[1].termination == "final time"
        )
        end = {name: float(values[k - 1, 1]) for name, values in at.items()}
        trapped = sum(end[n.trapped_lithium(p)] for p in n.PHASES)
        rows.append(
            {
                Col.CYCLE: number,
                Col.ROLE: block.role.value,
                Col.C_RATE: getattr(block, "c_rate", np.nan),
                Col.CYCLE_IN_BLOCK: index + 1,
                Col.LITHIATION: geo.mAh_g(lith),
                Col.DELITHIATION: geo.mAh_g(delith),
                Col.LITHIATION_AREAL: geo.mAh_cm2(lith),
                Col.DELITHIATION_AREAL: geo.mAh_cm2(delith),
                Col.CE: delith / lith if lith > 0 else np.nan,
                Col.GRAPHITE_LITHIATION: geo.mAh_g(charge[f"lith_{n.GRAPHITE}"]),
                Col.GRAPHITE_DELITHIATION: geo.mAh_g(charge[f"delith_{n.GRAPHITE}"]),
                Col.SI_LITHIATION: geo.mAh_g(charge[f"lith_{n.SILICON}"]),
                Col.SI_DELITHIATION: geo.mAh_g(charge[f"delith_{n.SILICON}"]),
                Col.SEI_LITHIATION: geo.mAh_g(charge["lith_sei"]),
                Col.SEI_DELITHIATION: geo.mAh_g(charge["delith_sei"]),
                Col.UPTAKE_LITHIATION: geo.mAh_g(charge["lith_uptake"]),
                Col.UPTAKE_DELITHIATION: geo.mAh_g(charge["delith_uptake"]),
                Col.GRAPHITE_PLATEAU: geo.mAh_g(plateau["graphite"]),
                Col.SI_PLATEAU: geo.mAh_g(plateau["si"]),
                Col.LPSCL_CONSUMED: end[n.LPSCL_CONSUMED] / end[n.LPSCL_INITIAL],
                Col.ELECTROLYTE_DROP: float(np.abs(at[n.ELECTROLYTE_DROP][first_step:k]).max()) * 1e3,
                Col.TRAPPED_LI: geo.mAh_g(trapped * F),
                Col.GRAPHITE_CONNECTED: end[n.connected_fraction(n.GRAPHITE)],
                Col.SI_CONNECTED: end[n.connected_fraction(n.SILICON)],
                Col.SI_CRYSTALLINE: end[n.SI_CRYSTALLINE],
                Col.THICKNESS: (geo.electrode_thickness + end[n.THICKNESS_WE]) * 1e6,
                Col.VOID_THICKENING: end[n.THICKNESS_VOIDS] * 1e6,
                Col.SPONGE_THICKENING: end[n.THICKNESS_SPONGE] * 1e6,
                Col.NETWORK_CONNECTED: end[n.NETWORK_CONNECTED],
                Col.DELAMINATED: end[n.DELAMINATED],
                Col.LI_THICKNESS_CHANGE: end[n.THICKNESS_LI] * 1e6,
                Col.PRESSURE: end[n.STACK_PRESSURE] / 1e6,
                Col.PRESSURE_CHANGE: sum(dp.values()),
                Col.DP_LITHIATION: _per(dp["lith"], geo.mAh_cm2(lith)),
                Col.DP_DELITHIATION: _per(dp["delith"], geo.mAh_cm2(delith)),
                Col.DP_PER_CAPACITY: _per(sum(dp.values()), geo.mAh_cm2(lith)),
                Col.END_TIME: cycle.t[-1] / 3600,
                Col.CV_TIME_LIMITED: time_limited,
            }
        )
        window = slice(first, int(stops[k - 1]) + 1)
        q = data[n.DISCHARGE_CAPACITY][window]
        curves[number] = pd.DataFrame(
            {
                Curve.TIME: times[window] / 3600,
                Curve.VOLTAGE: data[n.VOLTAGE][window],
                Curve.CURRENT: data[n.CURRENT][window] / (geo.area * 1e4) * 1e3,
                Curve.CAPACITY: geo.mAh_g((q - q[0]) * 3600),
                Curve.PRESSURE: data[n.STACK_PRESSURE][window] / 1e6,
                Curve.THICKNESS: (geo.electrode_thickness + data[n.THICKNESS_WE][window]) * 1e6,
                Curve.DECOMPOSITION: geo.mAh_g((data[n.SEI_LITHIUM][window] - data[n.SEI_LITHIUM][first]) * F),
            }
        )
    return pd.DataFrame(rows), curves


def accumulated(table: pd.DataFrame) -> pd.DataFrame:
    """The cycle table of a whole run (its parts joined) with its running sums."""
    if not table.empty:
        # the paper accumulates the capacity-normalised pressure change from cycle 2 on
        per_cycle = table[Col.DP_PER_CAPACITY].where(table[Col.CYCLE] > 1, 0.0)
        table[Col.DP_ACCUMULATED] = per_cycle.cumsum()
    return table


def _stored_span(t: np.ndarray, step: pybamm.Solution) -> tuple[int, int] | None:
    """Where a step's points lie in its run's stored times ``t`` (first, last index), found
    by time, since a cycle whose first step PyBaMM skipped also holds the state carried
    over; None if they are not all stored (a failed step)."""
    i = int(np.searchsorted(t, step.t[0]))
    j = i + len(step.t) - 1
    return (i, j) if j < len(t) and t[j] == step.t[-1] else None


def _plateau_split(q_Ah: np.ndarray, voltage: np.ndarray) -> dict[str, float]:
    """Charge [C] a delithiation delivers below (graphite) and above (Si) PLATEAU_SPLIT_V,
    the interval that crosses it shared linearly in voltage: the split then does not
    depend on where the solver's steps happen to fall (an interval counted whole at its
    mean voltage moved it by up to 0.3 % between runs of equal tolerance)."""
    dq = -np.diff(q_Ah) * 3600
    lo, hi = np.minimum(voltage[1:], voltage[:-1]), np.maximum(voltage[1:], voltage[:-1])
    span = np.where(hi > lo, hi - lo, 1.0)
    below = np.where(hi > lo, np.clip((PLATEAU_SPLIT_V - lo) / span, 0, 1), lo < PLATEAU_SPLIT_V)
    return {"graphite": float((dq * below).sum()), "si": float((dq * (1 - below)).sum())}


def decomposition_by_voltage(curve: pd.DataFrame) -> dict[str, float]:
    """A cycle's decomposition charge [mAh/g] per lithiation voltage window, at the hold on
    the lower cut-off, and on delithiation; each interval counted at its mean voltage."""
    v = curve[Curve.VOLTAGE].to_numpy()
    dq, dd = np.diff(curve[Curve.CAPACITY].to_numpy()), np.diff(curve[Curve.DECOMPOSITION].to_numpy())
    mid = 0.5 * (v[1:] + v[:-1])
    lith = dq >= 0  # a rest counts at its voltage
    hold = (dq > 0) & (np.maximum(v[1:], v[:-1]) < v.min() + HOLD_TOLERANCE_V)
    out = {
        name: float(dd[lith & ~hold & (mid <= hi) & (mid > lo)].sum())
        for name, (hi, lo) in DECOMPOSITION_WINDOWS.items()
    }
    out |= {"hold": float(dd[hold].sum()), "delithiation": float(dd[~lith].sum())}
    return {k: v if abs(v) > 1e-9 else 0.0 for k, v in out.items()}  # the reaction only adds: below is round-off


def _per(change: float, capacity: float) -> float:
    return change / capacity if capacity > 0 else np.nan


def metrics(result: RunResult) -> dict:
    """Summary metrics (``metrics.json``); None where the protocol does not produce one."""
    df, protocol = result.cycles, result.protocol
    geo = CellGeometry(result.design)
    galvanostatic = df[df[Col.ROLE] != Role.VOLTAMMETRY.value]
    first = galvanostatic.iloc[0] if len(galvanostatic) else None
    out: dict = {
        Metric.FIRST_LITHIATION: _get(first, Col.LITHIATION),
        Metric.FIRST_DELITHIATION: _get(first, Col.DELITHIATION),
        Metric.ICE: _get(first, Col.CE),
        Metric.FIRST_GRAPHITE: _get(first, Col.GRAPHITE_DELITHIATION),
        Metric.FIRST_SI: _get(first, Col.SI_DELITHIATION),
        Metric.FIRST_GRAPHITE_SI_RATIO: _ratio(first, Col.GRAPHITE_DELITHIATION, Col.SI_DELITHIATION),
        Metric.FIRST_GRAPHITE_PLATEAU: _get(first, Col.GRAPHITE_PLATEAU),
        Metric.FIRST_SI_PLATEAU: _get(first, Col.SI_PLATEAU),
        Metric.FIRST_PLATEAU_RATIO: _ratio(first, Col.GRAPHITE_PLATEAU, Col.SI_PLATEAU),
        Metric.RATE_RETENTION: _rate_retention(df),
        Metric.CYCLE_RETENTION: None,
        Metric.MEAN_CE: None,
        Metric.MEDIAN_CE: None,
        Metric.CV_LOSS: None,
        Metric.THICKNESS_INITIAL: geo.electrode_thickness * 1e6,
        Metric.THICKNESS_FINAL: _last(df, Col.THICKNESS),
        Metric.THICKNESS_CHANGE: None
        if df.empty
        else float(df[Col.THICKNESS].iloc[-1] / (geo.electrode_thickness * 1e6) - 1),
        Metric.LPSCL_CONSUMED_FINAL: _last(df, Col.LPSCL_CONSUMED),
        Metric.PRESSURE_INITIAL: result.design.stack_pressure_MPa,
        Metric.PRESSURE_FINAL: _last(df, Col.PRESSURE),
        Metric.FIRST_DP_LITHIATION: _get(first, Col.DP_LITHIATION),
        Metric.DP_ACCUMULATED: _last(df, Col.DP_ACCUMULATED),
        Metric.SI_CONNECTED_FINAL: _last(df, Col.SI_CONNECTED),
        Metric.GRAPHITE_CONNECTED_FINAL: _last(df, Col.GRAPHITE_CONNECTED),
        Metric.NETWORK_CONNECTED_FINAL: _last(df, Col.NETWORK_CONNECTED),
        Metric.DELAMINATED_FINAL: _last(df, Col.DELAMINATED),
        Metric.VOID_THICKENING_FINAL: _last(df, Col.VOID_THICKENING),
        Metric.TRAPPED_LI_FINAL: _last(df, Col.TRAPPED_LI),
        "cell": result.cell.value,
        "binder": result.binder.name,
        "protocol": protocol.name,
        "model": result.model.value,
        Metric.CV_TIME_LIMITED: 0 if df.empty else int(df[Col.CV_TIME_LIMITED].sum()),
        Metric.CYCLES_COMPLETED: len(df),
        Metric.CYCLES_PLANNED: protocol.n_cycles,
        Metric.COMPLETE: result.complete,
        Metric.FAILURE: str(result.failure) if result.failure else None,
    }
    cycling = df[df[Col.ROLE] == Role.CYCLING.value]
    if len(cycling) >= 2:
        cap = cycling[Col.DELITHIATION].to_numpy()
        out[Metric.CYCLE_RETENTION] = float(cap[-1] / cap[0])
        out[Metric.MEAN_CE] = float(cycling[Col.CE].mean())
        out[Metric.MEDIAN_CE] = float(cycling[Col.CE].median())
    if 1 in result.voltage_curves:
        out[Metric.FIRST_DECOMPOSITION] = decomposition_by_voltage(result.voltage_curves[1])
    peaks = _cv_vertex_lithiation_currents(result)
    if len(peaks) >= 2:
        out[Metric.CV_FIRST] = peaks[0]
        out[Metric.CV_SECOND] = peaks[1]
        out[Metric.CV_LOSS] = 1 - peaks[1] / peaks[0]
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


def check_metric(name: str) -> str:
    """``name`` if it is a metric a run can produce (flattened keys, e.g.
    ``rate_retention_1.5C``), else a one-line error naming the closest ones."""
    import difflib

    known = {v for k, v in vars(Metric).items() if k.isupper() and isinstance(v, str)} - set(Metric.LABELS)
    if name in known or re.fullmatch(rf"{Metric.RATE_RETENTION}_[0-9.]+C", name):
        return name
    close = difflib.get_close_matches(name, sorted(known | {f"{Metric.RATE_RETENTION}_1.5C"}), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(known))}"
    raise InputError(f"metric: unknown name {name!r}{hint}")


def flatten(metrics: dict) -> dict:
    """Metrics as flat columns: ``rate_retention`` becomes ``rate_retention_1.5C`` etc."""
    flat = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{k}": v for k, v in value.items()})
        elif key not in (*Metric.LABELS, Metric.OVERRIDDEN):
            flat[key] = value
    return flat


def _ratio(row: pd.Series | None, numerator: str, denominator: str) -> float | None:
    return None if row is None or not row[denominator] else float(row[numerator] / row[denominator])


def _get(row: pd.Series | None, key: str) -> float | None:
    return None if row is None else float(row[key])


def _last(df: pd.DataFrame, key: str) -> float | None:
    return None if df.empty else float(df[key].iloc[-1])


def _rate_retention(df: pd.DataFrame) -> dict[str, float] | None:
    """Mean delithiation capacity of each rate block / that of the first (0.15 C) block."""
    rate = df[df[Col.ROLE] == Role.RATE.value]
    if rate.empty:
        return None
    means = rate.groupby(Col.C_RATE, sort=False)[Col.DELITHIATION].mean()
    return {f"{c:g}C": float(m / means.iloc[0]) for c, m in means.items()}


def _cv_vertex_lithiation_currents(result: RunResult) -> list[float]:
    """Lithiation current density [mA/cm2] at the lower vertex of each CV cycle."""
    out = []
    for number, curve in result.voltage_curves.items():
        if result.cycles.loc[number - 1, Col.ROLE] == Role.VOLTAMMETRY.value:
            out.append(float(curve[Curve.CURRENT].iloc[curve[Curve.VOLTAGE].idxmin()]))
    return out


def metric_value(metrics: dict, metric: str) -> float | None:
    """One metric by its flat name (``rate_retention_1.5C`` too) as a float; None if absent."""
    value = flatten(metrics).get(metric)
    return None if value is None else float(value)
