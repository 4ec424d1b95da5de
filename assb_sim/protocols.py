"""Test protocols as data (``experiments/*.yaml``) turned into :class:`pybamm.Experiment`.

Conventions are the paper's: *lithiation* of the graphite/Si electrode ("charge" in the
paper) is constant current to 0.01 V then constant voltage until the current falls to
10 % of the CC value; *delithiation* ("discharge", the reported capacity) is constant
current to 2.0 V. In PyBaMM's half cell the working electrode is "positive", so
lithiation is a PyBaMM *discharge* (positive current).

Like a real cycler, each lithiation has safeguards: the CV hold also ends after
``cv_limit_h`` (a side reaction carrying more than the cut-off current would otherwise
hold the cell forever; the cycle goes on and the table says the hold was time-limited),
and the CC step stops the run once it has passed :data:`CC_CAPACITY_LIMIT` times the
rate's reference capacity without reaching the cut-off voltage.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pybamm
from pydantic import Field, model_validator

from .parameters import read_yaml, resource_dir
from .schema import InputError, _Strict, validate

Rate = Annotated[float, Field(gt=0, le=20)]
Volt = Annotated[float, Field(ge=0, le=5)]

# CC lithiation's capacity safeguard, in multiples of the C-rate's reference capacity
# (666 mAh/g): 8x is above what any graphite/Si electrode holds, so a step reaching it
# has a runaway side reaction, not a slow electrode. (PyBaMM's own default is 2x.)
CC_CAPACITY_LIMIT = 8.0


# the C-rate of the block being solved, an input parameter: the CC steps and CV holds at
# every C-rate share one built model per kind of step (PyBaMM would build one per value)
STEP_C_RATE = "Step C-rate"


class _CCStep(pybamm.step.CRate):
    """A CC step whose C-rate is the input :data:`STEP_C_RATE` (``c_rate`` its value).

    A lithiation's default duration is :data:`CC_CAPACITY_LIMIT` / C hours, kept as the
    *default* (not an explicit) duration so that PyBaMM reports reaching it as the step
    not finishing, and the run stops with that reason; a delithiation's is PyBaMM's 2 / C.
    """

    def __init__(self, c_rate: float, lithiation: bool, cutoff_V: float):
        self.c_rate, self._lithiation, self._cutoff_V = c_rate, lithiation, cutoff_V
        self._limit = CC_CAPACITY_LIMIT if lithiation else 2.0
        # the sign and the cut-off's side say the direction: PyBaMM reads none from an input
        sign, op, word = (1, "<", "Discharge") if lithiation else (-1, ">", "Charge")
        super().__init__(
            sign * pybamm.InputParameter(STEP_C_RATE),
            termination=f"{op} {cutoff_V} V",
            description=f"{word} at {c_rate}C until {cutoff_V} V",
        )

    def _default_timespan(self, value):
        return self._limit / self.c_rate * 3600

    def copy(self) -> _CCStep:
        return _CCStep(self.c_rate, self._lithiation, self._cutoff_V)


class _CVHold(pybamm.step.Voltage):
    """A CV hold until the current falls to ``fraction`` of the block's C-rate ``c_rate``
    (the input :data:`STEP_C_RATE`), or for ``hours``."""

    def __init__(self, voltage_V: float, c_rate: float, fraction: float, hours: float):
        self.c_rate, self._fraction, self._hours = c_rate, fraction, hours
        super().__init__(
            voltage_V,
            duration=hours * 3600,
            termination=[pybamm.step.CRateTermination(fraction * pybamm.InputParameter(STEP_C_RATE))],
            description=f"Hold at {voltage_V} V for {hours:.6g} hours or until {c_rate * fraction:.6g}C",
        )

    def copy(self) -> _CVHold:
        return _CVHold(self.value, self.c_rate, self._fraction, self._hours)


class Role(StrEnum):
    """What a block is for: metrics are computed per role."""

    FORMATION = "formation"
    RATE = "rate"
    CYCLING = "cycling"
    VOLTAMMETRY = "voltammetry"
    MONITOR = "monitor"


class CellMode(StrEnum):
    CONSTANT_PRESSURE = "constant-pressure"
    FIXED_GAP = "fixed-gap"


class GalvanostaticBlock(_Strict):
    """``cycles`` identical cycles: CC-CV lithiation, then CC delithiation."""

    kind: Literal["galvanostatic"] = "galvanostatic"
    role: Role
    cycles: Annotated[int, Field(ge=1, le=10_000)]
    c_rate: Rate
    delithiation_c_rate: Rate | None = None
    lithiation_cutoff_V: Volt = 0.01
    cv_cutoff_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.10
    delithiation_cutoff_V: Volt = 2.0
    # the CV hold's time limit (None: max(12 h, 2 / c_rate), beyond the paper cell's
    # holds of 5-7 h at 0.15 C): the cycle goes on after it (reported), it is no failure
    cv_limit_h: Annotated[float, Field(gt=0, le=1000)] | None = None
    rest_min: Annotated[float, Field(ge=0, le=10_080)] = 0.0

    @model_validator(mode="after")
    def _window(self) -> GalvanostaticBlock:
        if self.lithiation_cutoff_V >= self.delithiation_cutoff_V:
            raise ValueError(
                f"lithiation_cutoff_V ({self.lithiation_cutoff_V} V) must be below "
                f"delithiation_cutoff_V ({self.delithiation_cutoff_V} V)"
            )
        return self

    @property
    def end_voltage(self) -> float:
        return self.delithiation_cutoff_V

    @property
    def cv_hold_limit_h(self) -> float:
        """How long the CV hold may last before the cycle goes on without its cut-off."""
        return self.cv_limit_h if self.cv_limit_h is not None else max(12.0, 2 / self.c_rate)

    def experiment(self, ocv: float) -> pybamm.Experiment:
        """The block as a PyBaMM experiment (``ocv`` unused: CC steps start anywhere); solve
        it with :func:`~assb_sim.simulation.experiment_simulation`, which sets the steps'
        C-rate input."""
        return pybamm.Experiment([tuple(self.cycle())] * self.cycles)

    def cycle(self) -> list[pybamm.step.BaseStep]:
        r_li, r_de = self.c_rate, self.delithiation_c_rate or self.c_rate
        v_li = self.lithiation_cutoff_V
        steps = [
            _CCStep(r_li, lithiation=True, cutoff_V=v_li),
            _CVHold(v_li, r_li, self.cv_cutoff_fraction, self.cv_hold_limit_h),
            _CCStep(r_de, lithiation=False, cutoff_V=self.delithiation_cutoff_V),
        ]
        if self.rest_min:
            steps.insert(2, pybamm.step.string(f"Rest for {self.rest_min} minutes"))
            steps.append(pybamm.step.string(f"Rest for {self.rest_min} minutes"))
        return steps


class VoltammetryBlock(_Strict):
    """Cyclic voltammetry: linear sweeps between ``upper_V`` and ``lower_V``.

    The first sweep starts at the cell's open-circuit voltage rather than at ``upper_V``:
    above the OCV of a pristine electrode no Faradaic current flows, so the two agree.
    """

    kind: Literal["voltammetry"] = "voltammetry"
    role: Role = Role.VOLTAMMETRY
    cycles: Annotated[int, Field(ge=1, le=100)]
    scan_rate_mV_s: Annotated[float, Field(gt=0, le=100)]
    lower_V: Volt = 0.01
    upper_V: Volt = 2.0
    points_per_sweep: Annotated[int, Field(ge=10, le=100_000)] = 400

    @model_validator(mode="after")
    def _window(self) -> VoltammetryBlock:
        if self.lower_V >= self.upper_V:
            raise ValueError(f"lower_V ({self.lower_V} V) must be below upper_V ({self.upper_V} V)")
        return self

    def sweep(self, start_V: float, end_V: float) -> pybamm.step.BaseStep:
        rate = self.scan_rate_mV_s * 1e-3
        t = np.linspace(0, abs(end_V - start_V) / rate, self.points_per_sweep)
        v = start_V + np.sign(end_V - start_V) * rate * t
        return pybamm.step.voltage(
            np.column_stack([t, v]),
            description=f"Sweep {start_V:g} -> {end_V:g} V at {self.scan_rate_mV_s:g} mV/s",
        )

    @property
    def end_voltage(self) -> float:
        return self.upper_V

    def experiment(self, ocv: float) -> pybamm.Experiment:
        """The sweeps as a PyBaMM experiment, starting from the cell voltage ``ocv``."""
        start = min(ocv, self.upper_V)
        cycles = []
        for _ in range(self.cycles):
            cycles.append((self.sweep(start, self.lower_V), self.sweep(self.lower_V, self.upper_V)))
            start = self.upper_V
        return pybamm.Experiment(cycles)


Block = Annotated[GalvanostaticBlock | VoltammetryBlock, Field(discriminator="kind")]


class Protocol(_Strict):
    """A named sequence of blocks plus the conditions it fixes (None: the cell's)."""

    name: str = Field(min_length=1)
    description: str = ""
    temperature_C: Annotated[float, Field(ge=-40, le=120)] | None = None
    stack_pressure_MPa: Annotated[float, Field(gt=0, le=500)] | None = None
    loading_mg_cm2: Annotated[float, Field(gt=0, le=100)] | None = None
    cell: CellMode = CellMode.CONSTANT_PRESSURE
    blocks: list[Block] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _galvanostatic_by_default(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("blocks"), list):
            blocks = [{"kind": "galvanostatic"} | b if isinstance(b, dict) else b for b in data["blocks"]]
            data = data | {"blocks": blocks}
        return data

    @property
    def n_cycles(self) -> int:
        return sum(b.cycles for b in self.blocks)

    def pybamm_cycles(self, ocv: float) -> list[tuple]:
        """Every cycle as a tuple of PyBaMM steps; ``ocv`` is where a first CV sweep starts."""
        cycles = []
        for block in self.blocks:
            cycles += block.experiment(ocv).cycles
            ocv = block.end_voltage
        return cycles

    def begins(self, other: Protocol) -> bool:
        """Whether ``other`` starts with this protocol's cycles under the same conditions
        (formation begins rate, rate begins paper): a run of ``other`` holds a run of this."""
        same = ("temperature_C", "stack_pressure_MPa", "loading_mg_cm2", "cell")
        return (
            len(other.blocks) > len(self.blocks)
            and other.blocks[: len(self.blocks)] == self.blocks
            and all(getattr(self, f) == getattr(other, f) for f in same)
        )

    def cycle_labels(self) -> list[tuple[GalvanostaticBlock | VoltammetryBlock, int]]:
        """(block, index within the block) for every cycle, in order."""
        return [(b, i) for b in self.blocks for i in range(b.cycles)]


def protocol_names() -> list[str]:
    return sorted(p.stem for p in resource_dir("experiments").glob("*.yaml"))


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A protocol by name (``formation``) or from a user's YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = resource_dir("experiments") / f"{name_or_path}.yaml"
        if not path.is_file():
            raise InputError(f"protocol: unknown name {str(name_or_path)!r} (known: {', '.join(protocol_names())})")
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping with 'name' and 'blocks'")
    return validate(Protocol, raw)
