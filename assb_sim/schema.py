"""The cell as the experimentalist describes it, validated at the boundary.

Fields are in the paper's units (wt%, mg/cm2, um, MPa, degC, mAh/g); everything PyBaMM
needs is derived from them in :mod:`assb_sim.parameters`, never typed in by hand.
"""

from __future__ import annotations

import math
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Positive = Annotated[float, Field(gt=0)]
# solids and binders between aerogels and the densest metals: 1e-300 or 1e300 g/cm3 is
# a typo that would otherwise reach the solver as a division by zero or an overflow
Density = Annotated[float, Field(ge=0.1, le=25)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
Percent = Annotated[float, Field(ge=0, le=100)]


class InputError(ValueError):
    """Bad user input: one line naming the field and the value."""


class _Strict(BaseModel):
    # inf and NaN are never a measured value: refused at the boundary, not in the solver
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ModelKind(StrEnum):
    """Electrochemical model: DFN is the reference, SPMe the fast one."""

    DFN = "DFN"
    SPMe = "SPMe"


class ElectrodeDesign(_Strict):
    """Graphite/Si | LPSCl | binder composite working electrode."""

    active_material_wt_pct: Percent = 70.0
    electrolyte_wt_pct: Percent = 26.0
    binder_wt_pct: Percent = 4.0
    # both phases must exist: the model is a two-phase (graphite + Si) electrode
    si_wt_pct_of_active: Annotated[float, Field(gt=0, lt=100)] = 10.0
    loading_mg_cm2: Annotated[float, Field(gt=0, le=100)] = 3.1
    graphite_density_g_cm3: Density = 2.2
    si_density_g_cm3: Density = 2.33
    electrolyte_density_g_cm3: Density = 1.7
    binder_density_g_cm3: Density = 0.98
    graphite_particle_size_um: Annotated[float, Field(gt=0, le=100)] = 16.0
    si_particle_size_nm: Annotated[float, Field(gt=0, le=10_000)] = 50.0
    porosity: Annotated[float, Field(ge=0, le=0.6)] = 0.10
    graphite_capacity_mAh_g: Annotated[float, Field(gt=0, le=372)] = 370.0
    # reversible capacity of the Si powder; its first lithiation takes more (oxide, trapping)
    si_capacity_mAh_g: Annotated[float, Field(gt=0, le=3579)] = 1700.0
    si_oxide_shell_nm: Annotated[float, Field(ge=0, le=100)] = 1.0
    si_trapped_fraction: Fraction = 0.10
    # crystalline share of the pristine Si (0: amorphous Si powder); < 1: a native
    # disordered surface is where the first lithiation's front starts
    si_crystalline_share: Annotated[float, Field(ge=0, lt=1)] = 0.88

    @model_validator(mode="after")
    def _weights_sum_to_100(self) -> ElectrodeDesign:
        total = self.active_material_wt_pct + self.electrolyte_wt_pct + self.binder_wt_pct
        if abs(total - 100) > 0.01:
            raise ValueError(
                f"active_material_wt_pct + electrolyte_wt_pct + binder_wt_pct = {total:g} %, must be 100 %"
            )
        if self.active_material_wt_pct == 0:
            raise ValueError("active_material_wt_pct = 0: the electrode has no active material")
        return self


class SeparatorDesign(_Strict):
    """Cold-pressed LPSCl pellet; its thickness follows from mass, area and porosity."""

    electrolyte_mass_mg: Annotated[float, Field(gt=0, le=2000)] = 150.0
    diameter_mm: Annotated[float, Field(gt=0, le=100)] = 13.0
    porosity: Annotated[float, Field(ge=0, le=0.6)] = 0.10
    conductivity_mS_cm: Annotated[float, Field(gt=0, le=100)] = 2.1
    conductivity_temperature_C: Annotated[float, Field(ge=-40, le=120)] = 25.0


class CellDesign(_Strict):
    """A Li | LPSCl | graphite/Si half cell and its operating conditions."""

    electrode: ElectrodeDesign = ElectrodeDesign()
    separator: SeparatorDesign = SeparatorDesign()
    li_foil_thickness_um: Annotated[float, Field(gt=0, le=5000)] = 300.0
    current_collector_thickness_um: Annotated[float, Field(gt=0, le=1000)] = 10.0
    temperature_C: Annotated[float, Field(ge=-40, le=120)] = 60.0
    stack_pressure_MPa: Annotated[float, Field(gt=0, le=500)] = 48.0
    stack_stiffness_MPa_per_um: Annotated[float, Field(gt=0, le=1e6)] = 0.2
    rate_reference_capacity_mAh_g: Annotated[float, Field(gt=0, le=4000)] = 0.31 / (0.15 * 3.1) * 1e3

    def with_conditions(
        self,
        *,
        temperature_C: float | None = None,
        stack_pressure_MPa: float | None = None,
        loading_mg_cm2: float | None = None,
        si_wt_pct_of_active: float | None = None,
    ) -> CellDesign:
        """A validated copy with other operating conditions (None keeps the value)."""
        data = self.model_dump()
        if temperature_C is not None:
            data["temperature_C"] = temperature_C
        if stack_pressure_MPa is not None:
            data["stack_pressure_MPa"] = stack_pressure_MPa
        if loading_mg_cm2 is not None:
            data["electrode"]["loading_mg_cm2"] = loading_mg_cm2
        if si_wt_pct_of_active is not None:
            data["electrode"]["si_wt_pct_of_active"] = si_wt_pct_of_active
        return validate(CellDesign, data)


class Binder(_Strict):
    """A binder as measured: SAICAS, peel and LPSCl-film data of the reference paper."""

    name: str = Field(min_length=1)
    cohesion_N_m: Annotated[float, Field(ge=0, le=10_000)]
    adhesion_N_m: Annotated[float, Field(ge=0, le=10_000)]
    peel_strength_N_m: Annotated[float, Field(ge=0, le=10_000)]
    film_conductivity_mS_cm: Annotated[float, Field(gt=0, le=100)] | None = None
    domain_size_um: Annotated[float, Field(gt=0, le=10_000)] | None = None
    pristine_thickness_um: Annotated[float, Field(gt=0, le=1000)] | None = None
    description: str = ""


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: object) -> M:
    """Validate ``data`` as ``model``, turning pydantic's report into one clear line."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError(one_line(err)) from None


def one_line(err: ValidationError) -> str:
    """First error of a pydantic report as ``field: message (got value)``."""
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or err.title
    got = first.get("input")
    if isinstance(got, float) and math.isnan(got):
        return f"{field}: not a number (got nan)"
    if isinstance(got, float) and math.isinf(got):
        return f"{field}: must be finite (got {got!r})"
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{field}: {first['msg']}{shown}"


def writable_dir(path: Path, field: str = "--out") -> Path:
    """``path`` as a directory this process can write (created if missing), or one line.

    Checked before any work: a file, a path inside a file or an unwritable place must not
    cost a whole simulation first."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{field}: {path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise InputError(f"{field}: cannot write to {path} ({err.strerror or err})") from None
    return path
