"""Fitting the shared parameters to the paper's numbers (``assb-sim fit``).

The plan is ``validation/fit.yaml``: stages run in order, each a weighted least-squares
fit (scipy, bounded, in log parameters) of a few shared parameters against a few rows of
``validation/targets.csv``, starting from the values the earlier stages found. Binders
enter only through their measured properties, so no stage has a per-binder parameter.
The fitted parameters are PyBaMM input parameters: each protocol's model is built once per
worker process and every evaluation only re-solves. Uncertainties are Jacobian-based.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import least_squares

from . import names as n
from .metrics import FIRST_CYCLE_METRICS, flatten
from .parameters import load_binder, parameter_values, resource_dir
from .protocols import Protocol, load_protocol
from .schema import CellDesign, ModelKind, validate
from .simulation import Simulator, protocol_design
from .targets import load_targets, select_targets, tolerance_scale

DESIGN_FIELDS = ("electrode.", "separator.")


class FitParameter(BaseModel):
    """A scalar parameter to fit in log space between ``lower`` and ``upper``.

    ``name`` is the parameter-file name; ``Each phase: X`` sets X of both graphite and Si;
    a cell-design field (``electrode.si_capacity_mAh_g``, as in ``paper_cell.yaml``) is
    structural: changing it rebuilds the models.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    initial: float = Field(gt=0)
    lower: float = Field(gt=0)
    upper: float = Field(gt=0)
    why: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> FitParameter:
        if not self.lower <= self.initial <= self.upper:
            raise ValueError(
                f"{self.name}: need lower <= initial <= upper, got {self.lower}, {self.initial}, {self.upper}"
            )
        return self

    @property
    def structural(self) -> bool:
        return self.name.startswith(DESIGN_FIELDS)

    @property
    def pybamm_names(self) -> list[str]:
        return pybamm_names(self.name)


def pybamm_names(name: str) -> list[str]:
    """The PyBaMM parameters a parameter-file name sets (none for a cell-design field)."""
    if name.startswith(DESIGN_FIELDS):
        return []
    if name.startswith(n.EACH_PHASE):
        return [n.phase_parameter(p, name.removeprefix(n.EACH_PHASE)) for p in n.PHASES]
    return [name]


class FitStage(BaseModel):
    """Parameters fitted together against the targets that identify them."""

    model_config = ConfigDict(extra="forbid")
    name: str
    model: ModelKind = ModelKind.SPMe
    targets: list[str]  # "id" or "id:binder:pressure_MPa"
    parameters: list[FitParameter]
    why: str = ""


def load_fit_plan(path: Path | None = None) -> list[FitStage]:
    raw = yaml.safe_load((path or resource_dir("validation") / "fit.yaml").read_text())
    return [validate(FitStage, stage) for stage in raw["stages"]]


# ---- evaluation: one model per protocol and worker process, every call re-solves ----

_SIMULATORS: dict[tuple, Simulator] = {}


def _fit_protocol(name: str, first_cycle_only: bool) -> Protocol:
    protocol = load_protocol(name)
    if not first_cycle_only:
        return protocol
    return protocol.model_copy(update={"blocks": [protocol.blocks[0].model_copy(update={"cycles": 1})]})


def _solve_case(
    case: tuple, model: str, names: tuple[str, ...], values: dict[str, float], design_fields: tuple = ()
) -> dict:
    """Metrics of one (protocol, first-cycle-only, binder, pressure) case; ``names`` are
    input parameters, ``design_fields`` ((field, value), ...) structural changes."""
    protocol_name, first_only, binder, pressure = case
    key = (protocol_name, first_only, model, names, design_fields)
    if key not in _SIMULATORS:
        for old in [k for k in _SIMULATORS if k[:4] == key[:4]]:
            del _SIMULATORS[old]  # a structural step leaves the previous build unused
        protocol = _fit_protocol(protocol_name, first_only)
        design = _with_fields(protocol_design(protocol), dict(design_fields))  # the protocol's T and loading
        pv = parameter_values(design)
        pv.update(dict.fromkeys(names, "[input]"), strict=True)  # a misspelt name fails here
        _SIMULATORS[key] = Simulator(protocol, design, model, pv)
    result = _SIMULATORS[key].solve(load_binder(binder), pressure_MPa=pressure, extra_inputs=values)
    if result.failure:
        raise RuntimeError(f"fit evaluation {case} failed: {result.failure}")
    return flatten(result.metrics)


def _with_fields(design: CellDesign, fields: dict[str, float]) -> CellDesign:
    data = design.model_dump()
    for path, value in fields.items():
        head, leaf = path.split(".")
        data[head][leaf] = value
    return validate(CellDesign, data)


class TargetEvaluator:
    """``values -> model value of every target``, the named parameters being PyBaMM inputs.

    ``workers > 1`` solves the cases in parallel processes, each keeping its built models.
    """

    def __init__(
        self, names: list[str], targets: pd.DataFrame, model: ModelKind | str = ModelKind.SPMe, workers: int = 1
    ):
        self.names, self.targets, self.model = tuple(names), targets, ModelKind(model).value
        first_only = {
            p: set(targets.loc[targets["protocol"] == p, "metric"]) <= FIRST_CYCLE_METRICS
            for p in targets["protocol"].unique()
        }
        self.cases = [
            (t["protocol"], first_only[t["protocol"]], t["binder"], float(t["stack_pressure_MPa"]))
            for _, t in targets.iterrows()
        ]
        self.pool = ProcessPoolExecutor(workers) if workers > 1 else None

    def __call__(self, values: dict[str, float], design_fields: dict[str, float] | None = None) -> np.ndarray:
        unique = list(dict.fromkeys(self.cases))
        args = (self.model, self.names, values, tuple(sorted((design_fields or {}).items())))
        if self.pool is None:
            solved = [_solve_case(c, *args) for c in unique]
        else:
            solved = list(self.pool.map(_solve_case, unique, *([a] * len(unique) for a in args)))
        metrics = dict(zip(unique, solved, strict=True))
        return np.array([metrics[c][m] for c, m in zip(self.cases, self.targets["metric"], strict=True)], dtype=float)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


@dataclass
class Fit:
    """Fitted values with relative standard errors, and every target's residual."""

    stage: str
    values: dict[str, float]
    relative_sd: dict[str, float]
    residuals: pd.DataFrame  # targets + model value + residual in tolerance units
    cost: float
    evaluations: int
    elapsed_s: float


def fit(
    parameters: list[FitParameter],
    targets: pd.DataFrame,
    model: ModelKind | str = ModelKind.SPMe,
    fixed: dict[str, float] | None = None,
    workers: int = 1,
    stage: str = "fit",
    log=None,
) -> Fit:
    """Weighted least squares: residual = (model - paper) / tolerance for every target.

    ``fixed`` are values of other parameters (earlier stages), passed as inputs too.
    Uncertainties come from the Jacobian at the optimum, cov = s^2 (J^T J)^-1 with
    s^2 = 2 cost / (m - p) (s^2 = 1 if m <= p), in log parameters, so sqrt(diag) is a
    relative standard error; a value above 1 means the targets do not identify it.
    """
    start = time.perf_counter()
    fixed_fields = {name: v for name, v in (fixed or {}).items() if name.startswith(DESIGN_FIELDS)}
    fixed = {n: v for name, v in (fixed or {}).items() for n in pybamm_names(name)}
    names = [n for p in parameters for n in p.pybamm_names]
    evaluate = TargetEvaluator(names + [n for n in fixed if n not in names], targets, model, workers)
    calls = 0

    def model_values(log_x: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        values, fields = dict(fixed), dict(fixed_fields)
        for p, v in zip(parameters, np.exp(log_x), strict=True):
            values.update(dict.fromkeys(p.pybamm_names, float(v)))
            if p.structural:
                fields[p.name] = float(v)
        out = evaluate(values, fields)
        if log:
            cost = 0.5 * float(np.sum(((out - paper) / scale) ** 2))
            log(f"    evaluation {calls}: cost {cost:.4g} at {', '.join(f'{v:.4g}' for v in np.exp(log_x))}")
        return out

    scale, paper = tolerance_scale(targets), targets["paper_value"].to_numpy(dtype=float)
    try:
        lower, upper = np.log([p.lower for p in parameters]), np.log([p.upper for p in parameters])
        x0 = np.log([p.initial for p in parameters])
        # stop at 1e-4 relative change (log space): far below any fitted value's uncertainty
        solution = least_squares(
            lambda x: (model_values(x) - paper) / scale,
            x0,
            bounds=(lower, upper),
            diff_step=1e-3,
            xtol=1e-4,
            ftol=1e-4,
        )
        m, n = len(solution.fun), len(solution.x)
        s2 = 2 * solution.cost / (m - n) if m > n else 1.0
        covariance = np.linalg.pinv(solution.jac.T @ solution.jac) * s2
        residuals = targets.assign(model_value=model_values(solution.x), residual=solution.fun)
    finally:
        evaluate.close()
    return Fit(
        stage=stage,
        values={q.name: float(v) for q, v in zip(parameters, np.exp(solution.x), strict=True)},
        relative_sd={q.name: float(v) for q, v in zip(parameters, np.sqrt(np.diag(covariance)), strict=True)},
        residuals=residuals,
        cost=float(solution.cost),
        evaluations=calls,
        elapsed_s=time.perf_counter() - start,
    )


def run_plan(
    plan: list[FitStage] | None = None, targets: pd.DataFrame | None = None, workers: int = 1, log=print
) -> list[Fit]:
    """Every stage in order, each starting from the values the earlier stages found."""
    plan = load_fit_plan() if plan is None else plan
    targets = load_targets() if targets is None else targets
    found: dict[str, float] = {}
    fits = []
    for stage in plan:
        log(f"stage {stage.name!r}: {len(stage.parameters)} parameters, targets {', '.join(stage.targets)}")
        result = fit(
            stage.parameters, select_targets(targets, stage.targets), stage.model, found, workers, stage.name, log
        )
        found |= result.values
        fits.append(result)
        for name, value in result.values.items():
            log(f"  {name} = {value:.4g} (relative SD {result.relative_sd[name]:.2f})")
        log(f"  cost {result.cost:.3f}, {result.evaluations} evaluations, {result.elapsed_s:.0f} s")
    return fits


def write_fit(fits: list[Fit], plan: list[FitStage], out: Path) -> None:
    """``fit.yaml`` (values, SDs, cost per stage) and ``residuals.csv`` (every training target)."""
    out.mkdir(parents=True, exist_ok=True)
    stages = {s.name: s for s in plan}
    summary = [
        {
            "stage": f.stage,
            "model": stages[f.stage].model.value,
            "targets": stages[f.stage].targets,
            "cost": round(f.cost, 6),
            "evaluations": f.evaluations,
            "elapsed_s": round(f.elapsed_s, 1),
            "parameters": {
                n: {"value": float(f"{v:.4g}"), "relative_sd": round(f.relative_sd[n], 3)} for n, v in f.values.items()
            },
        }
        for f in fits
    ]
    (out / "fit.yaml").write_text(yaml.safe_dump({"stages": summary}, sort_keys=False, allow_unicode=True))
    cols = ["id", "source", "binder", "stack_pressure_MPa", "metric", "paper_value", "model_value", "residual"]
    pd.concat([f.residuals[cols].assign(stage=f.stage) for f in fits]).to_csv(out / "residuals.csv", index=False)


def adopt(fits: list[Fit], plan: list[FitStage], parameter_dir: Path | None = None) -> list[str]:
    """Write the fitted values into the parameter files, tagged ``fitted`` with their source."""
    parameter_dir = parameter_dir or resource_dir("parameter_sets")
    stages = {s.name: s for s in plan}
    changed = []
    for f in fits:
        stage = stages[f.stage]
        for p in stage.parameters:
            source = (
                f"fitted by `assb-sim fit`, stage '{stage.name}' ({stage.model.value}) to {', '.join(stage.targets)}; "
                f"relative SD {f.relative_sd[p.name]:.2f} (Jacobian); {p.why}"
            ).rstrip("; ")
            changed.append(_set_entry(parameter_dir, p.name, float(f"{f.values[p.name]:.4g}"), source))
    return changed


def _set_entry(parameter_dir: Path, name: str, value: float, source: str) -> str:
    """Rewrite one entry's value/provenance/source in whichever file holds it, keeping
    the file's layout: block entries (materials, mechanics) or one-line entries (cell)."""
    block = re.compile(rf'^"{re.escape(name)}":\n((?:  .*\n)+)', re.MULTILINE)
    line = re.compile(rf"^{re.escape(name)}: (\{{.*\}})$", re.MULTILINE)
    for path in sorted(parameter_dir.glob("*.yaml")):
        text = path.read_text()
        match = block.search(text) or line.search(text)
        if match is None:
            continue
        fields = yaml.safe_load(match.group(1)) | {"value": value, "provenance": "fitted", "source": source}
        if match.re is block:
            new = "".join(f"  {k}: {_scalar(v)}\n" for k, v in fields.items())
        else:
            new = "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in fields.items()) + "}"
        path.write_text(text[: match.start(1)] + new + text[match.end(1) :])
        return f"{path.name}: {name} = {value:.4g}"
    raise KeyError(f"parameter {name!r} is in no file of {parameter_dir}")


def _scalar(value) -> str:
    return json.dumps(value) if isinstance(value, str) else yaml.safe_dump(value).removesuffix("\n...\n").strip()
