"""Fitting model parameters to the paper's numbers.

- :func:`fit_interphase_diffusivity`: the transport coefficient of the LPSCl decomposition
  interphase, fitted to the initial coulombic efficiency (``python -m assb_sim.fitting``
  reproduces the value in ``parameter_sets/materials.yaml``).
- :func:`fit`: weighted least squares of any set of scalar parameters against rows of
  ``validation/targets.csv``, with Jacobian-based uncertainties (``assb-sim fit``). The
  fitted parameters become PyBaMM input parameters, so each evaluation only re-solves.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq, least_squares

from .parameters import load_binder, load_cell_design, parameter_values
from .protocols import load_protocol
from .schema import CellDesign, ModelKind
from .simulation import DEFAULT_BINDER, Simulator, protocol_design
from .sweeps import flatten_metrics

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
    result = Simulator(first_cycle_only("formation"), design, model, values=values).solve(load_binder(DEFAULT_BINDER))
    if result.failure:
        raise RuntimeError(f"fit evaluation failed: {result.failure}")
    return result.metrics["initial_coulombic_efficiency"]


def first_cycle_only(name: str):
    """A protocol cut to its first cycle: enough for first-cycle metrics, 3x cheaper."""
    protocol = load_protocol(name)
    return protocol.model_copy(update={"blocks": [protocol.blocks[0].model_copy(update={"cycles": 1})]})


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


@dataclass(frozen=True)
class FitParameter:
    """A scalar PyBaMM parameter to fit, in log space between ``lower`` and ``upper``."""

    name: str
    initial: float
    lower: float
    upper: float


# the shared contact-loss law (parameter_sets/mechanics.yaml): the candidates for the fit
DAMAGE = (
    FitParameter("Si contact loosening per unit new strain", 4.0, 0.1, 50.0),
    FitParameter("Contact-loss reference stress [Pa]", 2e7, 2e6, 2e8),
    FitParameter("Contact-loss stress exponent", 6.0, 1.0, 12.0),
)
FIRST_CYCLE_METRICS = {
    "first_delithiation_capacity_mAh_g",
    "initial_coulombic_efficiency",
    "first_graphite_delithiation_capacity_mAh_g",
    "first_si_delithiation_capacity_mAh_g",
}


@dataclass
class Fit:
    """Fitted values with relative standard errors, and every target's residual."""

    values: dict[str, float]
    relative_sd: dict[str, float]
    residuals: pd.DataFrame  # targets + model value + residual in tolerance units
    cost: float
    evaluations: int
    elapsed_s: float


def target_evaluator(names: list[str], targets: pd.DataFrame, model: ModelKind | str = ModelKind.SPMe):
    """A function ``values -> model value of every target``, the named parameters being
    PyBaMM inputs: the models are built once, each call only re-solves."""
    simulators = {}
    for name in targets["protocol"].unique():
        first_only = set(targets.loc[targets["protocol"] == name, "metric"]) <= FIRST_CYCLE_METRICS
        protocol = first_cycle_only(name) if first_only else load_protocol(name)
        design = protocol_design(protocol)  # the protocol's temperature and loading
        values = parameter_values(design)
        values.update(dict.fromkeys(names, "[input]"))
        simulators[name] = Simulator(protocol, design, model, values)
    binders = {b: load_binder(b) for b in targets["binder"].unique()}

    def evaluate(parameter_values_: dict[str, float]) -> np.ndarray:
        runs: dict[tuple, dict] = {}
        out = []
        for _, t in targets.iterrows():
            key = (t["protocol"], t["binder"], float(t["stack_pressure_MPa"]))
            if key not in runs:
                sim = simulators[t["protocol"]]
                result = sim.solve(binders[t["binder"]], pressure_MPa=key[2], extra_inputs=parameter_values_)
                runs[key] = flatten_metrics(result.metrics)
            out.append(runs[key][t["metric"]])
        return np.asarray(out, dtype=float)

    return evaluate


def fit(
    parameters: tuple[FitParameter, ...],
    targets: pd.DataFrame,
    model: ModelKind | str = ModelKind.SPMe,
) -> Fit:
    """Weighted least squares: residual = (model - paper) / tolerance for every target.

    Uncertainties come from the Jacobian at the optimum, cov = s^2 (J^T J)^-1 with
    s^2 = 2 cost / (m - p), in log parameters, so sqrt(diag) is a relative standard
    error. A large value (> 1) means the targets do not identify that parameter.
    """
    start = time.perf_counter()
    evaluate = target_evaluator([p.name for p in parameters], targets, model)
    calls = 0

    def model_values(log_x: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        return evaluate({p.name: float(v) for p, v in zip(parameters, np.exp(log_x), strict=True)})

    scale = np.where(
        targets["tolerance_kind"] == "relative", targets["paper_value"] * targets["tolerance"], targets["tolerance"]
    )
    lower = np.log([p.lower for p in parameters])
    upper = np.log([p.upper for p in parameters])
    x0 = np.clip(np.log([p.initial for p in parameters]), lower, upper)
    paper = targets["paper_value"].to_numpy(dtype=float)
    solution = least_squares(lambda x: (model_values(x) - paper) / scale, x0, bounds=(lower, upper), diff_step=1e-3)
    m, p = len(solution.fun), len(solution.x)
    s2 = 2 * solution.cost / max(m - p, 1)
    covariance = np.linalg.pinv(solution.jac.T @ solution.jac) * s2
    residuals = targets.assign(model_value=model_values(solution.x), residual=solution.fun)
    return Fit(
        values={q.name: float(v) for q, v in zip(parameters, np.exp(solution.x), strict=True)},
        relative_sd={q.name: float(v) for q, v in zip(parameters, np.sqrt(np.diag(covariance)), strict=True)},
        residuals=residuals,
        cost=float(solution.cost),
        evaluations=calls,
        elapsed_s=time.perf_counter() - start,
    )


if __name__ == "__main__":
    fit = fit_interphase_diffusivity()
    print(
        f"{SEI_DIFFUSIVITY} = {fit.value:.3e} (ICE {fit.achieved:.4f} vs target {fit.target}, "
        f"{fit.evaluations} DFN evaluations)"
    )
