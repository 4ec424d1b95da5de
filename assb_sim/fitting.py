"""Fitting the shared parameters to the paper's numbers (``assb-sim fit``).

The plan is ``validation/fit.yaml``: stages run in order, each a weighted least-squares
fit (scipy, bounded, in log parameters) of a few shared parameters against a few rows of
``validation/targets.csv``, starting from the values the earlier stages found. Binders
enter only through their measured properties, so no stage has a per-binder parameter.
The fitted parameters are PyBaMM input parameters: each protocol's model is built once per
worker process and every evaluation only re-solves. Uncertainties are Jacobian-based;
the covariance propagates to any prediction (:func:`prediction_band`), and
:func:`cross_validate` refits without chosen targets to predict them out of sample.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.linalg import block_diag
from scipy.optimize import least_squares

from . import names as n
from .binders import read_binder
from .metrics import FIRST_CYCLE_METRICS, flatten
from .parameters import REPO_DIR, load_binder, load_entries, parameter_values, resource_dir
from .protocols import CellMode, Protocol, load_protocol
from .schema import Binder, CellDesign, InputError, ModelKind, validate
from .simulation import Simulator, protocol_design
from .sweeps import DEFAULT_PROTOCOL, Requirement
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
    # a budget for a stage whose cost is flat near its optimum: least-squares steps (each
    # one evaluation; the finite-difference Jacobians add one per parameter, not counted)
    max_evaluations: int | None = None


def load_fit_plan(path: Path | None = None) -> list[FitStage]:
    raw = yaml.safe_load((path or resource_dir("validation") / "fit.yaml").read_text())
    return [validate(FitStage, stage) for stage in raw["stages"]]


# ---- evaluation: one model per protocol and worker process, every call re-solves ----

_SIMULATORS: dict[tuple, Simulator] = {}


def _simulator(
    protocol: Protocol, design: CellDesign, model: str, names: tuple[str, ...], part_cycles: int | None = None
) -> Simulator:
    """A built model with ``names`` as input parameters, kept for later solves."""
    key = (protocol.model_dump_json(), str(model), names, design.model_dump_json(), part_cycles)
    if key not in _SIMULATORS:
        for old in [k for k in _SIMULATORS if k[:3] == key[:3]]:
            del _SIMULATORS[old]  # a structural step leaves the previous build unused
        pv = parameter_values(design)
        pv.update(dict.fromkeys(names, "[input]"), strict=True)  # a misspelt name fails here
        _SIMULATORS[key] = Simulator(protocol, design, model, pv, part_cycles=part_cycles)
    return _SIMULATORS[key]


def _fit_protocol(name: str, first_cycle_only: bool) -> Protocol:
    protocol = load_protocol(name)
    if not first_cycle_only:
        return protocol
    return protocol.model_copy(update={"blocks": [protocol.blocks[0].model_copy(update={"cycles": 1})]})


def _solve_case(
    case: tuple,
    model: str,
    names: tuple[str, ...],
    values: dict[str, float],
    design_fields: tuple = (),
    strict: bool = True,
) -> dict:
    """Metrics of one (protocol, first-cycle-only, binder, pressure) case; ``names`` are
    input parameters, ``design_fields`` ((field, value), ...) structural changes. A solver
    failure raises (a fit must not see a partial run), or with ``strict=False`` gives no
    metrics (a prediction that could not be made: NaN, not a number from a partial run)."""
    protocol_name, first_only, binder, pressure = case
    protocol = _fit_protocol(protocol_name, first_only)
    design = _with_fields(protocol_design(protocol), dict(design_fields))  # the protocol's T and loading
    result = _simulator(protocol, design, model, names).solve(
        load_binder(binder), pressure_MPa=pressure, extra_inputs=values
    )
    if result.failure:
        if not strict:
            return {}
        raise RuntimeError(f"fit evaluation {case} failed: {result.failure}")
    return flatten(result.metrics)


def split_values(values: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Parameter-file values -> (PyBaMM input values, cell-design fields)."""
    inputs = {n: v for name, v in values.items() for n in pybamm_names(name)}
    return inputs, {name: v for name, v in values.items() if name.startswith(DESIGN_FIELDS)}


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
        self,
        names: list[str],
        targets: pd.DataFrame,
        model: ModelKind | str = ModelKind.SPMe,
        workers: int = 1,
        strict: bool = True,
    ):
        self.names, self.targets, self.model = tuple(names), targets, ModelKind(model).value
        self.strict = strict
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
        args = (self.model, self.names, values, tuple(sorted((design_fields or {}).items())), self.strict)
        if self.pool is None:
            solved = [_solve_case(c, *args) for c in unique]
        else:
            solved = list(self.pool.map(_solve_case, unique, *([a] * len(unique) for a in args)))
        metrics = dict(zip(unique, solved, strict=True))
        pairs = zip(self.cases, self.targets["metric"], strict=True)
        return np.array([metrics[c].get(m, np.nan) for c, m in pairs], dtype=float)

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
    covariance: np.ndarray | None = None  # of the log parameters, in the order of ``values``


def fit(
    parameters: list[FitParameter],
    targets: pd.DataFrame,
    model: ModelKind | str = ModelKind.SPMe,
    fixed: dict[str, float] | None = None,
    workers: int = 1,
    stage: str = "fit",
    log=None,
    max_evaluations: int | None = None,
) -> Fit:
    """Weighted least squares: residual = (model - paper) / tolerance for every target.

    ``fixed`` are values of other parameters (earlier stages), passed as inputs too.
    Uncertainties come from the Jacobian at the optimum, cov = s^2 (J^T J)^-1 with
    s^2 = 2 cost / (m - p) (s^2 = 1 if m <= p), in log parameters, so sqrt(diag) is a
    relative standard error; a value above 1 means the targets do not identify it.
    """
    start = time.perf_counter()
    fixed, fixed_fields = split_values(fixed or {})
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
            max_nfev=max_evaluations,
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
        covariance=covariance,
    )


def run_plan(
    plan: list[FitStage] | None = None,
    targets: pd.DataFrame | None = None,
    workers: int = 1,
    log=print,
    stages: list[str] | None = None,
) -> list[Fit]:
    """Every stage in order, each starting from the values the earlier stages found.

    ``stages`` refits only those; the others pass on their adopted values (the parameter
    files'), as when a change of the model touches only some stages' physics.
    """
    plan = load_fit_plan() if plan is None else plan
    targets = load_targets() if targets is None else targets
    names = [s.name for s in plan]
    unknown = sorted(set(stages or []) - set(names))
    if unknown:
        raise InputError(f"stage: unknown name {unknown[0]!r} (known: {', '.join(names)})")
    found: dict[str, float] = {}
    fits = []
    for stage in plan:
        if stages is not None and stage.name not in stages:
            found |= adopted_values([p.name for p in stage.parameters])
            log(f"stage {stage.name!r}: kept at its adopted values")
            continue
        log(f"stage {stage.name!r}: {len(stage.parameters)} parameters, targets {', '.join(stage.targets)}")
        result = fit(
            stage.parameters,
            select_targets(targets, stage.targets),
            stage.model,
            found,
            workers,
            stage.name,
            log,
            stage.max_evaluations,
        )
        found |= result.values
        fits.append(result)
        for name, value in result.values.items():
            log(f"  {name} = {value:.4g} (relative SD {result.relative_sd[name]:.2f})")
        log(f"  cost {result.cost:.3f}, {result.evaluations} evaluations, {result.elapsed_s:.0f} s")
    return fits


def write_fit(fits: list[Fit], plan: list[FitStage], out: Path) -> None:
    """``fit.yaml`` (values, SDs, cost per stage) and ``residuals.csv`` (every training target).

    Stages not refitted keep their entries (and residuals) from an earlier fit in ``out``.
    """
    out.mkdir(parents=True, exist_ok=True)
    stages = {s.name: s for s in plan}
    refitted = {f.stage for f in fits}
    earlier = yaml.safe_load((out / "fit.yaml").read_text())["stages"] if (out / "fit.yaml").is_file() else []
    kept = {e["stage"]: e for e in earlier if e["stage"] not in refitted and e["stage"] in stages}
    new = {
        f.stage: {
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
        | _covariance_entry(f)
        for f in fits
    }
    summary = [new.get(name) or kept[name] for name in stages if name in new or name in kept]
    (out / "fit.yaml").write_text(yaml.safe_dump({"stages": summary}, sort_keys=False, allow_unicode=True))
    cols = ["id", "source", "binder", "stack_pressure_MPa", "metric", "paper_value", "model_value", "residual"]
    residuals = [f.residuals[cols].assign(stage=f.stage) for f in fits]
    if kept and (out / "residuals.csv").is_file():
        old = pd.read_csv(out / "residuals.csv")
        residuals.append(old[old["stage"].isin(kept)])
    pd.concat(residuals).to_csv(out / "residuals.csv", index=False)


def _covariance_entry(f: Fit) -> dict:
    """fit.yaml's ``covariance`` (log parameters, rows in ``covariance_parameters`` order)."""
    if f.covariance is None:
        return {}
    matrix = [[float(f"{v:.6g}") for v in row] for row in np.asarray(f.covariance)]
    return {"covariance_parameters": list(f.values), "covariance": matrix}


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


def adopted_values(names: list[str], parameter_dir: Path | None = None) -> dict[str, float]:
    """The values the parameter files hold now (after ``fit --adopt``: the full fit's)."""
    entries = {}
    for path in sorted((parameter_dir or resource_dir("parameter_sets")).glob("*.yaml")):
        entries |= load_entries(path)
    missing = [name for name in names if name not in entries]
    if missing:
        raise InputError(f"parameter {missing[0]!r} is in no parameter file (a stale fit? rerun assb-sim fit)")
    return {name: float(entries[name].value) for name in names}


def evaluate_targets(
    targets: pd.DataFrame, values: dict[str, float], model: ModelKind | str = ModelKind.SPMe, workers: int = 1
) -> np.ndarray:
    """Model value of every target with the parameter-file ``values`` set (NaN where the
    solver could not finish the case: a prediction that failed, reported as such)."""
    inputs, fields = split_values(values)
    evaluate = TargetEvaluator(list(inputs), targets, model, workers, strict=False)
    try:
        return evaluate(inputs, fields)
    finally:
        evaluate.close()


# ---- cross-validation: refit without a fold's targets, predict them -------------------


class Fold(BaseModel):
    """Targets left out together (selectors as in fit.yaml, ``*`` for any field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    targets: list[str] = Field(min_length=1)
    why: str = ""


def _cross_validation_file(path: Path | None) -> dict:
    return yaml.safe_load((path or resource_dir("validation") / "cross_validation.yaml").read_text())


def load_folds(names: list[str] | None = None, path: Path | None = None) -> list[Fold]:
    """The folds of ``validation/cross_validation.yaml`` (those named, in file order)."""
    folds = [validate(Fold, f) for f in _cross_validation_file(path)["folds"]]
    unknown = sorted(set(names or []) - {f.name for f in folds})
    if unknown:
        raise InputError(f"fold: unknown name {unknown[0]!r} (known: {', '.join(f.name for f in folds)})")
    return [f for f in folds if names is None or f.name in names]


def load_spread(path: Path | None = None) -> dict[str, tuple[str, float]]:
    """The paper's cell-to-cell spread per metric: ``metric -> (relative|absolute, size)``."""
    raw = _cross_validation_file(path)["spread"]
    return {metric: next(iter(kind.items())) for metric, kind in raw.items()}


_KEY = ["id", "binder", "stack_pressure_MPa"]


def _without(targets: pd.DataFrame, held_out: pd.DataFrame) -> pd.DataFrame:
    held = set(map(tuple, held_out[_KEY].values))
    return targets[[tuple(k) not in held for k in targets[_KEY].values]].reset_index(drop=True)


def training_sets(
    plan: list[FitStage], targets: pd.DataFrame, held_out: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Each stage's targets, without the ``held_out`` rows."""
    held = targets.iloc[:0] if held_out is None else held_out
    return {s.name: _without(select_targets(targets, s.targets), held) for s in plan}


def held_out_targets(fold: Fold, plan: list[FitStage], targets: pd.DataFrame) -> pd.DataFrame:
    """The fold's targets that some stage trains on (a row no stage uses is a prediction
    anyway), with the first such stage (``stage``) and its model (``model``)."""
    try:
        chosen = select_targets(targets, fold.targets)
    except ValueError as err:
        raise InputError(f"fold {fold.name!r}: {err}") from None
    parts = [select_targets(targets, s.targets).assign(stage=s.name, model=s.model.value) for s in plan]
    trained = pd.concat(parts).drop_duplicates(_KEY)
    held = trained.merge(chosen[_KEY], on=_KEY).reset_index(drop=True)
    if held.empty:
        raise InputError(f"fold {fold.name!r}: holds out no target of the fit plan")
    return held


def _refit(
    fold: Fold,
    plan: list[FitStage],
    targets: pd.DataFrame,
    held: pd.DataFrame,
    refit: set[str],
    adopted: dict[str, float],
    workers: int,
    log,
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Parameter values without the fold's targets, and which stages were refitted,
    unidentified (no target left: the plan's initial value), or held at the adopted
    values though they trained on held-out targets (a partial cross-validation)."""
    full, training = training_sets(plan, targets), training_sets(plan, targets, held)
    values: dict[str, float] = {}
    status: dict[str, list[str]] = {"refitted": [], "unidentified": [], "held_at_adopted": []}
    upstream_changed = False
    for stage in plan:
        own = training[stage.name]
        if stage.name not in refit:
            values |= {p.name: adopted[p.name] for p in stage.parameters}
            if len(own) < len(full[stage.name]):
                status["held_at_adopted"].append(stage.name)
        elif own.empty:
            values |= {p.name: p.initial for p in stage.parameters}
            status["unidentified"].append(stage.name)
            upstream_changed = True
        elif len(own) == len(full[stage.name]) and not upstream_changed:
            values |= {p.name: adopted[p.name] for p in stage.parameters}  # the full fit never saw the fold
        else:
            log(f"  {fold.name}: refitting {stage.name!r} on {len(own)} of {len(full[stage.name])} targets")
            values |= fit(stage.parameters, own, stage.model, values, workers, f"{fold.name}/{stage.name}").values
            status["refitted"].append(stage.name)
            upstream_changed = True
    return values, status


def cross_validate(
    folds: list[Fold] | None = None,
    plan: list[FitStage] | None = None,
    targets: pd.DataFrame | None = None,
    stages: list[str] | None = None,
    workers: int = 1,
    log=print,
) -> pd.DataFrame:
    """Leave each fold out, refit, predict it: one row per held-out target and fold.

    A stage left without targets keeps the plan's ``initial`` values (flagged
    ``unidentified``): the full fit's values saw the held-out targets and would leak them.
    A stage whose targets and upstream stages are untouched keeps the adopted values (the
    full fit never saw the fold). ``stages`` refits only those (the 100-cycle stage costs
    ~10 min per refit); the others stay at the adopted values, which is a partial
    cross-validation, flagged per row (``partial``, ``held_at_adopted``). In-sample values
    are recomputed at the adopted values, so both columns come from the same model code.
    Per-fold parameter values are in ``result.attrs["values"]``.
    """
    folds = load_folds() if folds is None else folds
    plan = load_fit_plan() if plan is None else plan
    targets = load_targets() if targets is None else targets
    names = [s.name for s in plan]
    refit = set(names if stages is None else stages)
    if refit - set(names):
        raise InputError(f"stage: unknown name {sorted(refit - set(names))[0]!r} (known: {', '.join(names)})")
    adopted = adopted_values([p.name for s in plan for p in s.parameters])
    spread = load_spread()
    tables, fold_values = [], {}
    for fold in folds:
        held = held_out_targets(fold, plan, targets)
        log(f"fold {fold.name!r}: {len(held)} targets held out")
        values, status = _refit(fold, plan, targets, held, refit, adopted, workers, log)
        fold_values[fold.name] = values
        in_sample, out_of_sample = np.empty(len(held)), np.empty(len(held))
        for model, rows in held.groupby("model").groups.items():
            group = held.loc[rows]
            in_sample[rows] = evaluate_targets(group, adopted, model, workers)
            out_of_sample[rows] = evaluate_targets(group, values, model, workers)
        table = held.assign(fold=fold.name, in_sample=in_sample, out_of_sample=out_of_sample)
        tables.append(table.assign(**{k: ", ".join(v) for k, v in status.items()}))
    result = _errors(pd.concat(tables, ignore_index=True), spread).assign(partial=refit != set(names))
    result.attrs["values"] = fold_values
    return result


def _errors(table: pd.DataFrame, spread: dict[str, tuple[str, float]]) -> pd.DataFrame:
    """Residuals in tolerance units, errors, and whether each is within the paper's spread."""
    scale, paper = tolerance_scale(table), table["paper_value"].to_numpy(dtype=float)
    kinds = [spread.get(m, ("", np.nan)) for m in table["metric"]]
    allowed = np.array([s * (abs(p) if k == "relative" else 1) for (k, s), p in zip(kinds, paper, strict=True)])
    out = {"spread": allowed}
    for which in ("in_sample", "out_of_sample"):
        error = table[which].to_numpy(dtype=float) - paper
        out |= {
            f"{which}_residual": error / scale,
            f"{which}_error": error,
            f"{which}_relative_error": error / paper,
            f"{which}_within_spread": np.where(np.isnan(allowed), np.nan, np.abs(error) <= allowed),
        }
    return table.assign(**out)


def cross_validation_markdown(table: pd.DataFrame) -> str:
    """Out-of-sample error beside in-sample per target, and the share within the spread."""
    has_spread = table["spread"].notna()
    counts = {w: int(table.loc[has_spread, f"{w}_within_spread"].sum()) for w in ("in_sample", "out_of_sample")}
    lines = [
        f"Within the paper's cell-to-cell spread (capacities 6 %, ICE and retentions 5 points; "
        f"{int(has_spread.sum())} of {len(table)} held-out targets have one): "
        f"in-sample {counts['in_sample']}, out-of-sample {counts['out_of_sample']}.",
    ]
    if table[["in_sample", "out_of_sample"]].isna().any(axis=None):
        lines.append("`nan`: the solver could not finish that case with those parameters (a failed prediction).")
    if table["partial"].any():
        lines.append(
            "Partial cross-validation: stages not refitted stay at the adopted values "
            "(`held at adopted` below: they saw the held-out targets)."
        )
    lines += [
        "",
        "| fold | id | binder | P [MPa] | paper | in-sample | out-of-sample | error in / out | residual in / out "
        "| refitted | unidentified | held at adopted |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['fold']} | {r['id']} | {r['binder']} | {r['stack_pressure_MPa']:g} | {r['paper_value']:.4g} "
            f"| {r['in_sample']:.4g} | {r['out_of_sample']:.4g} "
            f"| {100 * r['in_sample_relative_error']:+.1f} % / {100 * r['out_of_sample_relative_error']:+.1f} % "
            f"| {r['in_sample_residual']:+.2f} / {r['out_of_sample_residual']:+.2f} "
            f"| {r['refitted']} | {r['unidentified']} | {r['held_at_adopted']} |"
        )
    return "\n".join(lines) + "\n"


def write_cross_validation(table: pd.DataFrame, out: Path) -> list[Path]:
    """``cross_validation.csv`` and ``cross_validation.md`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "cross_validation.csv", index=False)
    (out / "cross_validation.md").write_text("# Cross-validation\n\n" + cross_validation_markdown(table))
    return [out / "cross_validation.csv", out / "cross_validation.md"]


CROSS_VALIDATION_MARKERS = ("<!-- cross-validation -->", "<!-- end cross-validation -->")


def update_validation_doc(markdown: str, path: Path | None = None) -> Path:
    """Replace the text between the cross-validation markers of docs/validation.md."""
    path = path or REPO_DIR / "docs" / "validation.md"
    start, end = CROSS_VALIDATION_MARKERS
    text = path.read_text()
    if start not in text or end not in text:
        raise InputError(f"{path}: no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    path.write_text(f"{head}{start}\n{markdown}{end}{rest.split(end, 1)[1]}")
    return path


# ---- prediction bands: the fit's covariance, propagated linearly ----------------------


def load_covariance(path: Path | None = None) -> tuple[list[str], np.ndarray]:
    """Fitted parameters and their log-parameter covariance from a fit result (fit.yaml).

    Block-diagonal over stages (each stage was fitted with the earlier ones fixed); a
    parameter missing from a stage's ``covariance`` (older fit.yaml) gets its
    ``relative_sd`` squared on the diagonal.
    """
    raw = yaml.safe_load((path or resource_dir("validation") / "fit" / "fit.yaml").read_text())
    names, blocks = [], []
    for stage in raw["stages"]:
        own = list(stage["parameters"])
        block = np.diag([float(stage["parameters"][p]["relative_sd"]) ** 2 for p in own])
        index = {p: i for i, p in enumerate(stage.get("covariance_parameters", []))}
        for a, b in itertools.product(range(len(own)), repeat=2):
            if own[a] in index and own[b] in index:
                block[a, b] = stage["covariance"][index[own[a]]][index[own[b]]]
        names += own
        blocks.append(block)
    return names, block_diag(*blocks)


def prediction_band(
    protocol: str | Path | Protocol,
    binder: str | Path | Binder = "NBR-A",
    *,
    pressure_MPa: float | None = None,
    temperature_C: float | None = None,
    design: CellDesign | None = None,
    model: ModelKind | str = ModelKind.SPMe,
    cell: CellMode | str | None = None,
    fit_file: Path | None = None,
    step: float = 0.1,
    central: bool = False,
    part_cycles: int | None = None,
) -> dict[str, tuple[float, float]]:
    """Every numeric metric of a case as (value, SD) from the fit's parameter uncertainty.

    Linear propagation: J = d metric / d log(theta) by finite differences of ``step`` in
    log space (forward, or ``central``), var = J Sigma J^T with Sigma the fit's
    covariance (:func:`load_covariance`). It costs p + 1 runs (2p + 1 central) for p
    fitted parameters, where sampling the posterior (MCMC, e.g. PyBOP's samplers) needs
    thousands. The limit is linearity: near a threshold (the contact-loss cliff, a
    cut-off voltage) a metric is not linear over one SD, and the band is then only an
    order of magnitude; a metric that jumps within ``step`` gives a large SD as a warning.
    """
    protocol = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    binder = binder if isinstance(binder, Binder) else read_binder(binder)
    design = protocol_design(protocol, design, temperature_C=temperature_C, pressure_MPa=pressure_MPa)
    names, sigma = load_covariance(fit_file)
    theta = adopted_values(names)

    def metrics_at(values: dict[str, float]) -> dict[str, float]:
        inputs, fields = split_values(values)
        sim = _simulator(protocol, _with_fields(design, fields), ModelKind(model).value, tuple(inputs), part_cycles)
        result = sim.solve(binder, cell=cell, extra_inputs=inputs)
        if result.failure:
            raise RuntimeError(f"prediction band run failed: {result.failure}")
        numeric = {k: v for k, v in flatten(result.metrics).items() if isinstance(v, int | float)}
        return {k: float(v) for k, v in numeric.items() if not isinstance(v, bool)}

    base = metrics_at(theta)
    jacobian = np.zeros((len(base), len(names)))
    for j, name in enumerate(names):
        up = metrics_at(theta | {name: theta[name] * math.exp(step)})
        down = metrics_at(theta | {name: theta[name] * math.exp(-step)}) if central else base
        width = 2 * step if central else step
        jacobian[:, j] = [(up.get(k, np.nan) - down.get(k, np.nan)) / width for k in base]
    sd = np.sqrt(np.einsum("ij,jk,ik->i", jacobian, sigma, jacobian))
    return {k: (v, float(s)) for (k, v), s in zip(base.items(), sd, strict=True)}


def requirement_band(
    found: Requirement,
    binder: str | Path | Binder,
    *,
    pressure_MPa: float | None = None,
    protocol: str | None = None,
    model: ModelKind | str = ModelKind.SPMe,
) -> float | None:
    """SD of a requirement (least pressure or binder property) from the fit's uncertainty.

    Linear propagation through the threshold: sigma_x = sigma_metric(x*) / |d metric / dx|,
    the metric's band at the requirement (:func:`prediction_band`) over the slope across the
    bisection's final bracket. None when the target is not met within the range searched
    or is met already at its lower end (no slope to divide by).
    """
    if found.value is None or found.bracket is None or found.bracket[0] == found.bracket[1]:
        return None
    lo, hi = found.bracket
    seen = dict(found.evidence)
    slope = (seen[hi] - seen[lo]) / (hi - lo)
    binder = binder if isinstance(binder, Binder) else read_binder(binder)
    if found.axis == "pressure":
        pressure_MPa = found.value
    else:
        binder = binder.model_copy(update={f"{found.axis}_N_m": found.value})
    protocol = protocol or DEFAULT_PROTOCOL.get(found.metric, "formation")
    band = prediction_band(protocol, binder, pressure_MPa=pressure_MPa, model=model)
    return band[found.metric][1] / abs(slope) if slope else None
