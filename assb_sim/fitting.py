"""Fitting model parameters to the paper's numbers.

So far one parameter: the transport coefficient of the LPSCl decomposition interphase,
fitted to the initial coulombic efficiency. Run ``python -m assb_sim.fitting`` to
reproduce the value in ``parameter_sets/materials.yaml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import brentq

from .parameters import load_binder, load_cell_design, parameter_values
from .protocols import load_protocol
from .schema import CellDesign, ModelKind
from .simulation import DEFAULT_BINDER, Simulator

SEI_DIFFUSIVITY = "SEI lithium interstitial diffusivity [m2.s-1]"
ICE_TARGET = 0.77  # p-ice: NBR-A, 16/48/80 MPa, 60 degC, formation at 0.15 C


@dataclass(frozen=True)
class FitResult:
    value: float
    target: float
    achieved: float
    evaluations: int


def initial_coulombic_efficiency(diffusivity: float, design: CellDesign, model: ModelKind) -> float:
    """ICE of one 0.15 C formation cycle with the given interphase diffusivity."""
    values = parameter_values(design)
    values.update({f"{phase}: {SEI_DIFFUSIVITY}": diffusivity for phase in ("Primary", "Secondary")})
    formation = load_protocol("formation")
    one_cycle = formation.model_copy(update={"blocks": [formation.blocks[0].model_copy(update={"cycles": 1})]})
    result = Simulator(one_cycle, design, model, values=values).solve(load_binder(DEFAULT_BINDER))
    if result.failure:
        raise RuntimeError(f"fit evaluation failed: {result.failure}")
    return result.metrics["initial_coulombic_efficiency"]


def fit_interphase_diffusivity(
    target: float = ICE_TARGET, model: ModelKind = ModelKind.DFN, bracket: tuple[float, float] = (1e-19, 2e-17)
) -> FitResult:
    """Root-find log10(D) so that the first-cycle coulombic efficiency equals ``target``.

    The ICE falls monotonically with D (more decomposition), so a bracketed root exists
    whenever the bracket's ICEs straddle the target.
    """
    design = load_cell_design()
    calls = 0

    def residual(log_d: float) -> float:
        nonlocal calls
        calls += 1
        return initial_coulombic_efficiency(10**log_d, design, model) - target

    log_d = brentq(residual, math.log10(bracket[0]), math.log10(bracket[1]), xtol=1e-3)
    achieved = residual(log_d) + target
    return FitResult(value=10**log_d, target=target, achieved=achieved, evaluations=calls)


if __name__ == "__main__":
    fit = fit_interphase_diffusivity()
    print(
        f"{SEI_DIFFUSIVITY} = {fit.value:.3e} (ICE {fit.achieved:.4f} vs target {fit.target}, "
        f"{fit.evaluations} DFN evaluations)"
    )
