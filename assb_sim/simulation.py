"""Running a protocol on the half cell: :func:`run` and its :class:`RunResult`.

PyBaMM's string-keyed solution stays in here and in :mod:`assb_sim.metrics`; callers
get tidy per-cycle data (a :class:`pandas.DataFrame`) and a flat metrics dict.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import casadi
import pandas as pd
import pybamm
from pybamm.codegen.compilation import aot_compile
from pybamm.solvers import idaklu_solver

from . import names as n
from .binders import read_binder
from .metrics import RECORDED, Col, Metric, accumulated, cycle_table, metrics
from .model import half_cell_model
from .parameters import CellGeometry, inputs, load_cell_design, parameter_values
from .protocols import CC_CAPACITY_LIMIT, STEP_C_RATE, CellMode, Protocol, load_protocol
from .schema import Binder, CellDesign, InputError, ModelKind

DEFAULT_BINDER = "NBR-A"
INTERRUPTED = "interrupted by the user (SIGINT)"
COMPILE_ENV = "ASSB_SIM_COMPILE"

# set by the SIGINT handler of stop_on_sigint(): the solver refuses the next step, so
# PyBaMM ends the experiment there and returns what it has solved
_STOP = threading.Event()


@contextmanager
def stop_on_sigint() -> Iterator[None]:
    """Within: a first Ctrl-C ends the run after the current step (finished cycles are
    kept, the failure says interrupted); a second one aborts at once (KeyboardInterrupt).

    The step in progress runs in compiled code that Python cannot interrupt cleanly
    (doing so gave a CasADi error or a traceback), hence the wait for its end.
    """

    def handler(signum, frame):
        if _STOP.is_set():
            raise KeyboardInterrupt
        _STOP.set()
        pybamm.logger.disabled = True  # PyBaMM would log the refused step as an error
        print("assb-sim: stopping after the current step (Ctrl-C again to abort)", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    _STOP.clear()
    logger_was_disabled = pybamm.logger.disabled
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _STOP.clear()
        pybamm.logger.disabled = logger_was_disabled


def interrupted() -> bool:
    """Whether a Ctrl-C asked the current run to stop."""
    return _STOP.is_set()


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

    def __init__(self, n_cycles: int, show: bool, reference_mAh_g: float = 0.0):
        self.failure: Failure | None = None
        self.offset = 0  # to add to PyBaMM's cycle number in the part being solved
        self._reference_mAh_g = reference_mAh_g
        self._where = (1, 1, "")
        self._bar = None
        if show:
            from tqdm import tqdm

            self._bar = tqdm(total=n_cycles, unit="cycle", desc="cycle", leave=False)

    def on_cycle_end(self, logs):
        if self._bar is not None:
            self._bar.update(1)

    def begin_part(self, start: int) -> None:
        """A part from cycle ``start`` (0-based) on: PyBaMM numbers its cycles after the
        one-cycle starting state, and a failure before its first step is in its first cycle."""
        self.offset = start - 1 if start else 0
        self._where = (start + 1, 1, "")

    def on_step_start(self, logs):
        cycle, step = logs["cycle number"][0] + self.offset, logs["step number"][0]
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
        condition = str(logs["step operating conditions"])
        if condition.startswith("Discharge at") and self._reference_mAh_g:  # a CC lithiation's capacity limit
            limit = CC_CAPACITY_LIMIT * self._reference_mAh_g
            self._record(
                f"did not reach the cut-off voltage within the capacity limit ({limit:.0f} mAh/g, "
                f"{CC_CAPACITY_LIMIT:g}x the C-rate's reference): more than the electrode can take, "
                "a side reaction carries the current"
            )
        else:
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
    # conditions of a given design the protocol replaced: field -> (design's, used)
    overridden: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.failure is None

    def first_cycles(self, protocol: Protocol) -> RunResult:
        """The run of ``protocol`` read from this run of a longer protocol that begins with
        it (:meth:`Protocol.begins`): the same steps on the same cell, solved once."""
        if not protocol.begins(self.protocol):
            raise ValueError(f"protocol {protocol.name!r} does not begin {self.protocol.name!r}")
        n_cycles = protocol.n_cycles
        failure = self.failure if self.failure is not None and self.failure.cycle <= n_cycles else None
        cycles = self.cycles[self.cycles[Col.CYCLE] <= n_cycles].reset_index(drop=True)
        result = replace(
            self,
            protocol=protocol,
            cycles=cycles,
            failure=failure,
            voltage_curves={k: v for k, v in self.voltage_curves.items() if k <= n_cycles},
            elapsed_s=0.0,  # solved with the longer run (whose solution, or last part's, it keeps)
        )
        result.metrics = metrics(result)
        return result


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
    part_cycles: int | None = None,
    compiled: bool | None = None,
) -> RunResult:
    """Simulate ``protocol`` on the half cell (the paper's cell unless ``design`` is given).

    Conditions resolve as: explicit argument > protocol file > cell design. ``part_cycles``
    bounds the memory of a long run, ``compiled`` compiles the solver's functions
    (:class:`Simulator`).
    """
    protocol = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    binder = binder if isinstance(binder, Binder) else read_binder(binder)
    given = design
    design = protocol_design(protocol, design, temperature_C=temperature_C, pressure_MPa=pressure_MPa)
    simulator = Simulator(protocol, design, model, part_cycles=part_cycles, compiled=compiled)
    result = simulator.solve(binder, cell=cell, progress=progress)
    if given is not None:  # the paper's design is no choice of the user's: only a given one is compared
        explicit = {"temperature_C": temperature_C, "stack_pressure_MPa": pressure_MPa}
        result.overridden = {k: v for k, v in protocol_overrides(given, design).items() if explicit.get(k) is None}
    result.metrics[Metric.OVERRIDDEN] = {k: {"given": g, "used": u} for k, (g, u) in result.overridden.items()}
    return result


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


def protocol_overrides(given: CellDesign, used: CellDesign) -> dict[str, tuple[float, float]]:
    """Conditions of the ``given`` design that differ in ``used`` (the protocol's, unless
    given as arguments): the user set them, so the replacement is said, never silent."""
    pairs = {
        "temperature_C": (given.temperature_C, used.temperature_C),
        "stack_pressure_MPa": (given.stack_pressure_MPa, used.stack_pressure_MPa),
        "loading_mg_cm2": (given.electrode.loading_mg_cm2, used.electrode.loading_mg_cm2),
    }
    return {k: (g, u) for k, (g, u) in pairs.items() if g != u}


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
        part_cycles: int | None = None,
        compiled: bool | None = None,
    ):
        """``full_output`` keeps every PyBaMM variable in the solution (slower); by
        default only those assb-sim reports are stored. ``part_cycles`` solves a long
        protocol that many cycles at a time, each part starting from the last state of the
        one before and dropped once its rows of the cycle table are made: memory stays
        bounded, and the result keeps only the last part's solution. ``compiled`` (default:
        ``ASSB_SIM_COMPILE``) compiles the functions every step evaluates (:func:`solver`):
        worth it from the second solve of the same step models on this machine."""
        if part_cycles is not None and (
            not isinstance(part_cycles, int) or isinstance(part_cycles, bool) or part_cycles < 1
        ):
            raise InputError(f"part_cycles: a whole number of cycles, at least 1, got {part_cycles!r}")
        self.protocol, self.design, self.kind = protocol, design, ModelKind(model)
        self._recorded = () if full_output else RECORDED
        self.values = values if values is not None else parameter_values(design)
        self._model = half_cell_model(self.kind)
        self._cycles = protocol.pybamm_cycles(_initial_ocv(self.values))
        self._part_cycles = part_cycles or len(self._cycles)
        self._compiled = compiled
        # one built simulation per distinct run of cycles: the parts of a long run repeat
        self._simulations: dict[str, pybamm.Simulation] = {}

    def _build(self, cycles: list[tuple]) -> pybamm.Simulation:
        return experiment_simulation(self._model, self.values, cycles, solver(self._recorded, self._compiled))

    def _simulation(self, cycles: list[tuple]) -> pybamm.Simulation:
        key = repr(cycles)
        if key not in self._simulations:
            self._simulations[key] = self._build(cycles)
        return self._simulations[key]

    def solve(
        self,
        binder: Binder,
        *,
        pressure_MPa: float | None = None,
        cell: CellMode | str | None = None,
        progress: bool = False,
        extra_inputs: dict[str, float] | None = None,
    ) -> RunResult:
        """Solve for a binder, pressure and cell mode (default: the protocol's).
        ``extra_inputs`` gives values to parameters this Simulator's ``values`` left as
        ``[input]`` (fitting does that)."""
        cell = self.protocol.cell if cell is None else CellMode(cell)
        design = self.design if pressure_MPa is None else self.design.with_conditions(stack_pressure_MPa=pressure_MPa)
        values = inputs(design, binder, fixed_gap=cell == CellMode.FIXED_GAP) | (extra_inputs or {})
        geo = CellGeometry(design)
        monitor = _Monitor(self.protocol.n_cycles, progress, self.design.rate_reference_capacity_mAh_g)
        tables, curves, state = [], {}, None
        begin = time.perf_counter()
        try:
            for start in range(0, len(self._cycles), self._part_cycles):
                part = self._solve(start, values, monitor, state)
                if part is None:  # nothing of this part finished
                    break
                solution = part
                table, part_curves = cycle_table(solution, self.protocol, geo, start)
                tables.append(table)
                curves |= part_curves
                if monitor.failure is not None:
                    break
                state = solution.last_state
        finally:
            monitor.close()
        elapsed = time.perf_counter() - begin
        cycles, failure = accumulated(pd.concat(tables, ignore_index=True)), monitor.failure
        if failure is not None and not cycles.empty:  # the failed cycle is unfinished: not a result
            cycles = cycles[cycles[Col.CYCLE] < failure.cycle].reset_index(drop=True)
            curves = {k: v for k, v in curves.items() if k < failure.cycle}
        result = RunResult(
            solution=solution,
            protocol=self.protocol,
            design=design,
            binder=binder,
            model=self.kind,
            cell=cell,
            cycles=cycles,
            metrics={},
            failure=failure,
            elapsed_s=elapsed,
            voltage_curves=curves,
        )
        result.metrics = metrics(result)
        return result

    def _solve(
        self, start: int, values: dict, monitor: _Monitor, state: pybamm.Solution | None
    ) -> pybamm.Solution | None:
        """Solve the part of the protocol from cycle ``start`` (0-based) on, from ``state``.

        PyBaMM returns a partial solution for most failures; when it raises instead (a
        whole cycle infeasible), the cycles before the failing one are solved again so
        that they are kept.
        """
        cycles = self._cycles[start : start + self._part_cycles]
        monitor.begin_part(start)
        try:
            return self._simulation(cycles).solve(
                inputs=values, callbacks=[monitor], showprogress=False, starting_solution=state
            )
        except pybamm.SolverError as err:
            monitor.record_raised(err)
            done = monitor.failure.cycle - 1 - start
            if done < 1:
                if start == 0:
                    raise pybamm.SolverError(str(monitor.failure)) from err
                return None
        # a one-off (not kept for later solves); if it fails too, the parts before are the result
        try:
            return self._build(cycles[:done]).solve(inputs=values, showprogress=False, starting_solution=state)
        except pybamm.SolverError:
            if start == 0:
                raise
            return None


class _Simulation(pybamm.Simulation):
    """PyBaMM's experiment with each step's block C-rate given as the input STEP_C_RATE
    (the CC steps and CV holds of :mod:`assb_sim.protocols`): one built model per kind of
    step, not per rate."""

    def _build_experiment_step_inputs(self, user_inputs, step, *args, **kwargs):
        inputs = super()._build_experiment_step_inputs(user_inputs, step, *args, **kwargs)
        inputs[STEP_C_RATE] = getattr(step, "c_rate", 0.0)  # steps without one do not read it
        return inputs


def experiment_simulation(
    model: pybamm.BaseModel, values: pybamm.ParameterValues, cycles: list[tuple], ida: pybamm.BaseSolver
) -> pybamm.Simulation:
    """A PyBaMM simulation of assb-sim's cycles (:meth:`Protocol.pybamm_cycles`): their CC
    steps and CV holds read the block's C-rate from an input parameter, which this
    simulation sets per step."""
    return _Simulation(model, parameter_values=values, experiment=pybamm.Experiment(cycles), solver=ida)


# IDAKLU evaluates these at every step: the residual, its Jacobian, the events and (named
# "v_...") the stored variables; the rest (the initial conditions' Newton, the Jacobian
# action, sensitivities) seldom or never
_EVERY_STEP = ("rhs_algebraic", "jac_times_cjmass", "rootfn")
_COMPILER_FLAGS = ("-O1", "-fPIC")
_SWAP = threading.Lock()  # PyBaMM's module attribute is swapped during a set-up


def _compile_every_step(functions: list[casadi.Function]) -> list[casadi.Function]:
    """PyBaMM's ahead-of-time compilation of a step model's functions, limited to those
    evaluated at every step and to -O1: ~8 s of the C compiler per DFN step model, where
    PyBaMM's (every function, -O3) ran for minutes."""
    hot = [i for i, f in enumerate(functions) if f.name() in _EVERY_STEP or f.name().startswith("v_")]
    compiled = aot_compile([functions[i] for i in hot], flags=_COMPILER_FLAGS)
    if any(f.class_name() != "External" for f in compiled):  # PyBaMM fell back, with a log line
        warnings.warn("assb-sim: the C compiler failed: solving interpreted (PyBaMM's log says why)", stacklevel=2)
    result = list(functions)
    for i, function in zip(hot, compiled, strict=True):
        result[i] = function
    return result


class _Solver(pybamm.IDAKLUSolver):
    """IDAKLU that refuses to start a step once Ctrl-C asked to stop (PyBaMM then ends the
    experiment as after a failed step and returns the cycles solved so far), and that with
    ``compiled`` compiles what every step evaluates (:func:`_compile_every_step`).

    PyBaMM's ``compile`` option stays off outside :meth:`set_up`: its solutions would
    compile every variable evaluated afterwards (at -O3), such as those of a long run's
    starting state.
    """

    def __init__(self, *args, compiled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.compiled = compiled

    def step(self, *args, **kwargs):
        if _STOP.is_set():
            raise pybamm.SolverError(INTERRUPTED)
        return super().step(*args, **kwargs)

    def set_up(self, *args, **kwargs):
        if not self.compiled:
            return super().set_up(*args, **kwargs)
        with _SWAP:  # PyBaMM calls its module's aot_compile, with no say in what or how
            everything, idaklu_solver.aot_compile = idaklu_solver.aot_compile, _compile_every_step
            self._options["compile"] = True
            try:
                return super().set_up(*args, **kwargs)
            finally:
                self._options["compile"] = False
                idaklu_solver.aot_compile = everything


def compile_requested() -> bool:
    """Whether the environment asks for compiled solves (``ASSB_SIM_COMPILE=1``, which the
    CLI's ``--compile`` sets so that sweep and fit workers inherit it)."""
    return os.environ.get(COMPILE_ENV, "") not in ("", "0")


def solver(output_variables: tuple[str, ...] = (), compiled: bool | None = None) -> pybamm.IDAKLUSolver:
    """IDAKLU with tolerances tight enough for the nearly empty particles at 2 V.

    PyBaMM's default atol (1e-6) fails on the CV up-sweep of the DFN once the
    delithiated particles hold only ~1e-4 of their capacity. With ``output_variables``
    only those are stored: much less memory and no re-evaluation afterwards. IDA's local
    error test runs on the differential states only: the algebraic ones (potentials, the
    electrode-wide sums) jump at every step change and would shrink the steps for nothing
    (Newton still solves every equation to tolerance); docs/speed.md has the figures.
    ``compiled`` (default: :func:`compile_requested`) turns the functions every step
    evaluates into machine code, once per step model (its parameter values are compiled
    in) and machine (PyBaMM's cache on disk): 14-35 % less solve time after ~8 s of the C
    compiler per DFN step model.
    """
    compiled = compile_requested() if compiled is None else bool(compiled)
    options = {"suppress_algebraic_error": True}
    output = list(output_variables) or None
    return _Solver(atol=1e-8, rtol=1e-6, output_variables=output, options=options, compiled=compiled)


def _initial_ocv(values: pybamm.ParameterValues) -> float:
    """Open-circuit potential of the pristine electrode (graphite phase sets it)."""
    c0 = values[n.phase_parameter(n.GRAPHITE, n.INITIAL_CONCENTRATION)]
    c_max = values[n.phase_parameter(n.GRAPHITE, n.MAX_CONCENTRATION)]
    ocp = values[n.phase_parameter(n.GRAPHITE, n.ELECTRODE_OCP)]
    return float(ocp(pybamm.Scalar(c0 / c_max)).evaluate().item())
