"""Parameter sweeps and the minimum-stack-pressure finder.

A sweep is the grid (product) of the listed values of each axis. Points that differ only
in PyBaMM input parameters (stack pressure, binder properties, cell mode) share one
built :class:`Simulator` per worker process; the other axes (Si share, loading,
temperature, C-rate) need their own. Every finished point is written to the store at
once (one Parquet file per point, named by a hash of its parameters), so an interrupted
sweep resumes where it stopped with nothing recomputed, duplicated or lost.

A store holds one spec: a sweep with another spec on it is refused unless asked to
extend it (axes merged), and a lock file keeps a second writer out while one runs. Local
workers die with the sweep's process (Linux), so a killed sweep leaves none running.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import itertools
import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import yaml
from pydantic import Field

from .binders import MEASURED, read_binder
from .metrics import Metric, check_metric, flatten
from .parameters import read_yaml
from .protocols import CellMode, GalvanostaticBlock, Protocol, load_protocol
from .schema import Binder, InputError, ModelKind, _Strict, validate, writable_dir
from .simulation import Simulator, interrupted, protocol_design, stop_on_sigint

# axes that only change PyBaMM input parameters: one built model serves them all
INPUT_AXES = ("binder", "pressure_MPa", *MEASURED, "cell")
# axes that change parameter values or the experiment: a model per combination
STRUCTURAL_AXES = ("si_wt_pct", "loading_mg_cm2", "temperature_C", "c_rate")
AXES = INPUT_AXES + STRUCTURAL_AXES

Values = Annotated[list[float], Field(min_length=1)]


class SweepSpec(_Strict):
    """What to sweep: a list of values per axis (None: the cell's or binder's own value)."""

    protocol: str = "formation"
    model: ModelKind = ModelKind.SPMe
    binder: list[str] = Field(default_factory=lambda: ["NBR-A"], min_length=1)
    pressure_MPa: Values = Field(default_factory=lambda: [48.0])
    cohesion_N_m: Values | None = None
    adhesion_N_m: Values | None = None
    peel_strength_N_m: Values | None = None
    film_conductivity_mS_cm: Values | None = None
    cell: list[CellMode] | None = None
    si_wt_pct: Values | None = None
    loading_mg_cm2: Values | None = None
    temperature_C: Values | None = None
    c_rate: Values | None = None

    def swept_axes(self) -> list[str]:
        """Axes with more than one value: the dimensions of the result."""
        return [a for a in AXES if getattr(self, a) is not None and len(getattr(self, a)) > 1]

    def points(self) -> list[dict[str, Any]]:
        """Every grid point, structural axes outermost so that a worker reuses its model."""
        axes = [a for a in (*STRUCTURAL_AXES, *INPUT_AXES) if getattr(self, a) is not None]
        grid = itertools.product(*(getattr(self, a) for a in axes))
        return [
            {a: (v.value if isinstance(v, CellMode) else v) for a, v in zip(axes, values, strict=True)}
            for values in grid
        ]


def parse_range(text: str, field_name: str) -> list[float]:
    """``START:STOP:N`` (linear), ``START:STOP:N:log`` (logarithmic) or ``a,b,c``."""
    try:
        if ":" not in text:
            return [float(v) for v in text.split(",")]
        parts = text.split(":")
        start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
        scale = parts[3] if len(parts) == 4 else "lin"
        if n < 1 or len(parts) > 4 or scale not in ("lin", "log"):
            raise ValueError
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise ValueError
            return [float(v) for v in np.geomspace(start, stop, n)]
        return [float(v) for v in np.linspace(start, stop, n)]
    except (ValueError, IndexError):
        raise InputError(f"{field_name}: cannot read range {text!r} (use START:STOP:N[:log] or a,b,c)") from None


def load_spec(path: Path) -> SweepSpec:
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping of sweep axes")
    return validate(SweepSpec, raw)


def point_id(point: dict[str, Any], spec: SweepSpec) -> str:
    """Stable name of a point: hash of the protocol, model and the point's values."""
    key = json.dumps({"protocol": spec.protocol, "model": spec.model.value, **point}, sort_keys=True)
    return hashlib.sha1(key.encode()).hexdigest()[:16]


# --- one point, in any worker process -------------------------------------------------

_SIMULATORS: dict[tuple, Simulator] = {}  # per process: structure -> built model


def _simulator(spec: SweepSpec, point: dict[str, Any]) -> Simulator:
    key = (spec.protocol, spec.model.value, *(point.get(a) for a in STRUCTURAL_AXES))
    if key not in _SIMULATORS:
        protocol = load_protocol(spec.protocol)
        if point.get("c_rate") is not None:
            protocol = _with_c_rate(protocol, point["c_rate"])
        design = protocol_design(
            protocol,
            temperature_C=point.get("temperature_C"),
            loading_mg_cm2=point.get("loading_mg_cm2"),
            si_wt_pct_of_active=point.get("si_wt_pct"),
        )
        _SIMULATORS[key] = Simulator(protocol, design, spec.model)
    return _SIMULATORS[key]


def _with_c_rate(protocol: Protocol, c_rate: float) -> Protocol:
    """Every galvanostatic block at ``c_rate`` (lithiation and delithiation)."""
    blocks = [
        b.model_copy(update={"c_rate": c_rate, "delithiation_c_rate": None}) if isinstance(b, GalvanostaticBlock) else b
        for b in protocol.blocks
    ]
    return protocol.model_copy(update={"blocks": blocks})


def _point_binder(point: dict[str, Any]) -> Binder:
    """The point's binder with its swept measured properties (validated)."""
    base = read_binder(point["binder"])
    overrides = {a: point[a] for a in MEASURED if a in point}
    return base if not overrides else validate(Binder, base.model_dump() | overrides)


def solve_point(spec_json: str, point: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """Solve one point; failures are returned as data, never raised."""
    spec = SweepSpec.model_validate_json(spec_json)
    pid = point_id(point, spec)
    row: dict[str, Any] = {"point_id": pid, **point, "status": "ok", "reason": "", "elapsed_s": 0.0}
    start = time.perf_counter()
    try:
        sim = _simulator(spec, point)
        binder = _point_binder(point)
        result = sim.solve(binder, pressure_MPa=point["pressure_MPa"], cell=point.get("cell"))
        row.update(flatten(result.metrics))
        if result.failure:
            row.update(status="partial", reason=str(result.failure))
        cycles = result.cycles.assign(point_id=pid)
    except Exception as err:  # a failed point is recorded, the sweep goes on
        row.update(status="failed", reason=f"{type(err).__name__}: {str(err).splitlines()[0][:300]}")
        cycles = pd.DataFrame({"point_id": []})
    row["elapsed_s"] = time.perf_counter() - start
    return row, cycles


# --- the store ---------------------------------------------------------------------------


class SweepStore:
    """A folder: ``spec.yaml``, ``points/<id>.parquet`` (metrics) and ``cycles/<id>.parquet``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        (self.root / "points").mkdir(parents=True, exist_ok=True)
        (self.root / "cycles").mkdir(exist_ok=True)

    def done(self) -> set[str]:
        return {p.stem for p in (self.root / "points").glob("*.parquet")}

    def write(self, row: dict[str, Any], cycles: pd.DataFrame) -> None:
        """Cycles first, the metrics row last and atomically: a row on disk means done."""
        pid = row["point_id"]
        _atomic_parquet(cycles, self.root / "cycles" / f"{pid}.parquet")
        _atomic_parquet(pd.DataFrame([row]), self.root / "points" / f"{pid}.parquet")

    def write_spec(self, spec: SweepSpec) -> None:
        tmp = self.root / "spec.yaml.tmp"
        tmp.write_text(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False))
        os.replace(tmp, self.root / "spec.yaml")


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold ``root/.lock`` (an advisory ``flock``) or refuse: one writer per store at a
    time, so two sweeps cannot interleave their specs and points."""
    import fcntl

    with open(root / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise InputError(
                f"out: {root} is in use by another sweep ({holder}); wait for it or use another --out"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            lock.seek(0)
            lock.truncate()
            fcntl.flock(lock, fcntl.LOCK_UN)


def merged_spec(stored: SweepSpec, spec: SweepSpec, root: Path, *, extend: bool) -> SweepSpec:
    """The spec to run on a store that already holds ``stored``.

    The same spec resumes. Another one is refused, since its points would be mixed with
    the stored ones and labelled by whichever spec.yaml was written last, unless
    ``extend``: then each axis's values are merged (same protocol, model and axes set).
    """
    if stored == spec:
        return spec
    a, b = stored.model_dump(mode="json"), spec.model_dump(mode="json")
    field = next(k for k in a if a[k] != b[k])
    if not extend:
        raise InputError(
            f"out: {root} holds a sweep with another spec ({field}: {a[field]} there, {b[field]} here); "
            "use another --out, or --extend to add these points to it"
        )
    fixed = ("protocol", "model", *(k for k in a if (a[k] is None) != (b[k] is None)))
    clash = next((k for k in fixed if a[k] != b[k]), None)
    if clash is not None:
        raise InputError(f"out: cannot extend {root}: {clash} is {a[clash]} there, {b[clash]} here")
    merged = {k: (a[k] + [v for v in b[k] if v not in a[k]]) if isinstance(a[k], list) else a[k] for k in a}
    return validate(SweepSpec, merged)


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def load_sweep(root: Path, as_xarray: bool = False):
    """All finished points of a sweep folder, one row each (metrics and parameters).

    ``as_xarray`` returns an :class:`xarray.Dataset` with one dimension per swept axis
    (read from the folder's ``spec.yaml``).
    """
    files = sorted((Path(root) / "points").glob("*.parquet"))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame()
    return to_xarray(df, load_spec(Path(root) / "spec.yaml")) if as_xarray else df


def load_sweep_cycles(root: Path) -> pd.DataFrame:
    """Per-cycle data of every finished point, with its ``point_id``."""
    files = sorted((Path(root) / "cycles").glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame()


def to_xarray(df: pd.DataFrame, spec: SweepSpec):
    """The sweep as an :class:`xarray.Dataset` with one dimension per swept axis."""
    dims = spec.swept_axes() or ["point_id"]
    numeric = df.select_dtypes(include="number").columns.difference(dims)
    return df.set_index(dims)[list(numeric)].to_xarray()


# --- running ------------------------------------------------------------------------------


@dataclass
class SweepProgress:
    total: int
    done: int = 0
    failed: int = 0
    skipped: int = 0
    callbacks: list[Callable[[SweepProgress], None]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed - self.skipped

    def record(self, row: dict[str, Any]) -> None:
        if row["status"] == "failed":
            self.failed += 1
        else:
            self.done += 1
        for callback in self.callbacks:
            callback(self)


def run_sweep(
    spec: SweepSpec,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    extend: bool = False,
    quiet: bool = False,
) -> pd.DataFrame:
    """Run (or resume) a sweep into ``out``; returns every finished point.

    ``workers``: local processes (default: all cores; 1 runs in this process).
    ``scheduler``: a Dask scheduler address (``tcp://host:port``) or ``"local"`` for a
    Dask ``LocalCluster`` with ``workers`` processes; None uses local processes.
    ``extend``: add this spec's points to a store holding another spec (else refused).
    ``quiet``: no PyBaMM warnings, in this process and the workers.
    """
    workers = process_count(workers)
    load_protocol(spec.protocol)  # unknown names stop here, before any work
    for point in spec.points():
        _point_binder(point)  # unknown binders and bad properties stop here too
    out = writable_dir(out, "out")
    with _locked(out):
        if (out / "spec.yaml").is_file():
            spec = merged_spec(load_spec(out / "spec.yaml"), spec, out, extend=extend)
        store = SweepStore(out)
        store.write_spec(spec)
        points = spec.points()
        done = store.done()
        todo = [p for p in points if point_id(p, spec) not in done]
        state = SweepProgress(total=len(points), skipped=len(points) - len(todo))
        bar = _progress_bar(state) if progress else None
        spec_json = spec.model_dump_json()
        try:
            with quieted(quiet):
                for row, cycles in _execute(spec_json, todo, workers, scheduler, quiet):
                    store.write(row, cycles)
                    state.record(row)
                    if bar:
                        bar.update(1)
                        bar.set_postfix(done=state.done + state.skipped, failed=state.failed, remaining=state.remaining)
        finally:
            if bar:
                bar.close()
    return load_sweep(out)


def silence_pybamm() -> None:
    """No PyBaMM warnings or log messages below errors (``--quiet``)."""
    import pybamm

    warnings.simplefilter("ignore")
    pybamm.set_logging_level("ERROR")


@contextlib.contextmanager
def quieted(quiet: bool = True) -> Iterator[None]:
    """Within: :func:`silence_pybamm` if ``quiet``; the warning filters and PyBaMM's log
    level are restored after."""
    if not quiet:
        yield
        return
    import pybamm

    level = pybamm.logger.level
    try:
        with warnings.catch_warnings():
            silence_pybamm()
            yield
    finally:
        pybamm.logger.setLevel(level)


def _worker_init(parent: int, quiet: bool) -> None:
    """A pool worker dies with the sweep's process: SIGKILL on the parent's death (Linux
    ``PR_SET_PDEATHSIG``; elsewhere the pool's own shutdown), so none is left orphaned."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if quiet:
        silence_pybamm()


def _progress_bar(state: SweepProgress):
    from tqdm import tqdm

    return tqdm(total=state.total, initial=state.skipped, unit="point", desc="sweep")


def _execute(
    spec_json: str, todo: list[dict], workers: int | None, scheduler: str | None, quiet: bool = False
) -> Iterable[tuple]:
    """Yield (row, cycles) of each point as it finishes, on the chosen engine."""
    if not todo:
        return
    if scheduler is not None:
        yield from _execute_dask(spec_json, todo, workers, scheduler)
        return
    if workers == 1:
        # Ctrl-C ends the point at its next step; that point is cut short, so it is not
        # stored (a re-run solves it) and the sweep stops as a KeyboardInterrupt
        with stop_on_sigint():
            for point in todo:
                solved = solve_point(spec_json, point)
                if interrupted():
                    raise KeyboardInterrupt
                yield solved
        return
    yield from in_processes(solve_point, [(spec_json, p) for p in todo], workers, quiet)


def process_count(workers: int | None) -> int:
    """``workers`` checked before any work, or every core when None."""
    if workers is not None and workers < 1:
        raise InputError(f"workers: must be at least 1 (got {workers})")
    return workers or os.cpu_count() or 1


def in_processes(function: Callable, calls: list[tuple], workers: int, quiet: bool = False) -> Iterable[Any]:
    """``function(*args)`` for every ``args`` of ``calls`` in ``workers`` local processes,
    yielded as each finishes. The workers die with this process, and on Ctrl-C or an error
    they are killed at once: what was yielded before is kept by the caller."""
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(os.getpid(), quiet)) as pool:
        futures = [pool.submit(function, *args) for args in calls]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:  # Ctrl-C or an error: stop now
            processes = list((pool._processes or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            # the pool's manager thread reports the workers killed below as broken: not news
            threading.excepthook = lambda args: None
            for process in processes:
                process.kill()
            raise


def _execute_dask(spec_json: str, todo: list[dict], workers: int, scheduler: str) -> Iterable[tuple]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(solve_point, spec_json, p, pure=False) for p in todo]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- minimum stack pressure ----------------------------------------------------------------

DEFAULT_PROTOCOL = {
    Metric.CYCLE_RETENTION: "paper",
    Metric.MEAN_CE: "paper",
    Metric.MEDIAN_CE: "paper",
    f"{Metric.RATE_RETENTION}_1.5C": "rate",
}


# the conditions a requirement can be searched over: pressure (log bisection, it acts over
# decades) or a measured binder property (linear bisection from 0)
REQUIREMENT_AXES = {"pressure": "MPa", "cohesion": "N/m", "adhesion": "N/m"}


@dataclass(frozen=True)
class Requirement:
    """The least stack pressure or binder property meeting a target, with the evaluations
    that bracket it (``evidence``: (value of the axis, metric))."""

    binder: str
    metric: str
    target: float
    axis: str
    value: float | None
    bracket: tuple[float, float] | None
    evidence: list[tuple[float, float]]
    message: str

    @property
    def unit(self) -> str:
        return REQUIREMENT_AXES[self.axis]


def min_requirement(
    binder: str | Path | Binder,
    metric: str,
    target: float,
    axis: str = "pressure",
    *,
    pressure_MPa: float | None = None,
    protocol: str | None = None,
    model: ModelKind | str = ModelKind.SPMe,
    low: float | None = None,
    high: float | None = None,
    rel_tol: float = 0.02,
    progress: bool = False,
) -> Requirement:
    """Bisect for the least ``axis`` value (pressure [MPa], cohesion or adhesion [N/m]) at
    which ``metric >= target``; a binder property is searched at ``pressure_MPa``.

    Relies on the metric rising along the axis, which the model's laws guarantee for
    capacity, ICE and retention (tested); every evaluation is returned as evidence so the
    monotonicity can be checked. Pressure is bisected in log (``high / low`` to 1 +
    ``rel_tol``), a binder property linearly (to ``rel_tol`` of the range). ``progress``:
    a line per evaluation on stderr (each is a whole run: minutes for the paper protocol).
    """
    if axis not in REQUIREMENT_AXES:
        raise InputError(f"axis: must be one of {', '.join(REQUIREMENT_AXES)} (got {axis!r})")
    check_metric(metric)
    log = axis == "pressure"
    low = (1.0 if log else 0.0) if low is None else low
    high = (200.0 if log else 1000.0) if high is None else high
    if not math.isfinite(target):
        raise InputError(f"target: must be a finite number (got {target!r})")
    floor_ok = low > 0 if log else low >= 0
    if not (math.isfinite(low) and math.isfinite(high) and floor_ok and low < high):
        need = "0 < low < high" if log else "0 <= low < high"
        raise InputError(f"low, high: need {need}, both finite (got {low:g}, {high:g})")
    if not 0 < rel_tol < 1:
        raise InputError(f"rel_tol: must be between 0 and 1 (got {rel_tol:g})")
    protocol_obj = load_protocol(protocol or DEFAULT_PROTOCOL.get(metric, "formation"))
    sim = Simulator(protocol_obj, protocol_design(protocol_obj, pressure_MPa=pressure_MPa), model)
    the_binder = binder if isinstance(binder, Binder) else read_binder(binder)
    unit = REQUIREMENT_AXES[axis]
    evidence: list[tuple[float, float]] = []

    def value(x: float) -> float:
        if log:
            solved = sim.solve(the_binder, pressure_MPa=x)
        else:
            solved = sim.solve(the_binder.model_copy(update={f"{axis}_N_m": x}))
        metrics = flatten(solved.metrics)
        if metrics.get(metric) is None and solved.complete:
            raise InputError(f"metric: {metric!r} is not produced by protocol {protocol_obj.name!r}")
        # a run stopped before the metric's cycle (e.g. contact lost) misses the target: NaN
        got = math.nan if metrics.get(metric) is None else float(metrics[metric])
        evidence.append((x, got))
        if progress:
            print(
                f"  run {len(evidence)}: {axis} {x:.4g} {unit}: {metric} = {got:.4g} ({solved.elapsed_s:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        return got

    def result(x, bracket, message):
        return Requirement(the_binder.name, metric, target, axis, x, bracket, sorted(evidence), message)

    if not value(high) >= target:  # NaN (no value) misses too
        return result(None, None, f"not reached even at {axis} {high:g} {unit}")
    if value(low) >= target:
        return result(low, (low, low), f"already met at the lowest {axis} tried, {low:g} {unit}")
    lo, hi = low, high
    while (hi / lo > 1 + rel_tol) if log else (hi - lo > rel_tol * (high - low)):
        mid = math.sqrt(lo * hi) if log else 0.5 * (lo + hi)
        if value(mid) >= target:
            hi = mid
        else:
            lo = mid
    return result(hi, (lo, hi), f"met at {axis} {hi:.4g} {unit}, not at {lo:.4g} {unit}")


def min_pressure(binder: str | Path | Binder, metric: str, target: float, **options) -> Requirement:
    """The lowest stack pressure at which ``metric >= target`` (:func:`min_requirement`)."""
    return min_requirement(binder, metric, target, "pressure", **options)
