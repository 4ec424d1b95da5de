"""``assb-sim`` command line: run protocols, list what is available.

Bad input exits 2 with one line naming the field and value; a solver failure exits 1
after writing the partial results it flags; Ctrl-C exits 130, a run keeping its finished
cycles as a partial result.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .metrics import Col, Metric, flatten
from .parameters import binder_names, load_cell_design, resource_dir
from .protocols import CellMode, protocol_names
from .schema import InputError, ModelKind, validate, writable_dir
from .sweeps import REQUIREMENT_AXES

EXIT_BAD_INPUT = 2
EXIT_SOLVER_FAILURE = 1
EXIT_NOT_REACHED = 3  # min-pressure/-cohesion/-adhesion: the target is not met within the range tried
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class _Parser(argparse.ArgumentParser):
    def __init__(self, **kwargs):
        super().__init__(formatter_class=_DefaultsShown, **kwargs)

    def error(self, message: str):  # one line, no usage block
        self.exit(EXIT_BAD_INPUT, f"assb-sim: error: {message}\n")


class _DefaultsShown(argparse.HelpFormatter):
    """``--help`` says every default: a given one, or what None and a flag mean."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_ = action.help or ""
        if "default" in help_ or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return help_
        return f"{help_} (default: %(default)s)"


def _model_kind(text: str) -> str:
    """DFN or SPMe, in any letter case."""
    for kind in ModelKind:
        if kind.value.lower() == text.lower():
            return kind.value
    raise argparse.ArgumentTypeError(f"{text!r} (choose DFN or SPMe)")


def _cycle_count(text: str) -> int:
    """A whole number of cycles, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} (a whole number of cycles, at least 1)")
    return value


# a binder from its measurements: option -> Binder field (assb_sim.binders.MEASURED)
_BINDER_OPTIONS = {
    "cohesion": ("cohesion_N_m", "N_PER_M", "SAICAS cohesion [N/m]"),
    "adhesion": ("adhesion_N_m", "N_PER_M", "SAICAS adhesion [N/m]"),
    "peel": ("peel_strength_N_m", "N_PER_M", "180-degree peel strength [N/m] (recorded; the model uses SAICAS values)"),
    "film_conductivity": ("film_conductivity_mS_cm", "MS_CM", "LPSCl:binder film conductivity [mS/cm]"),
}


def _add_binder_options(parser: argparse.ArgumentParser) -> None:
    """``--binder`` and the measured properties that make a new binder without a file."""
    parser.add_argument(
        "--binder", default="NBR-A", help="binder name or YAML file (plain values allowed; default NBR-A)"
    )
    for option, (_, metavar, help_) in _BINDER_OPTIONS.items():
        parser.add_argument(
            f"--{option.replace('_', '-')}",
            type=float,
            metavar=metavar,
            help=f"{help_}: a new binder, the properties not given being --binder's",
        )


def _binder(args: argparse.Namespace):
    """The named binder, or a new one from the measured properties given."""
    from .binders import custom_binder

    given = {field: getattr(args, option) for option, (field, _, _) in _BINDER_OPTIONS.items()}
    if all(v is None for v in given.values()):
        return args.binder
    binder = custom_binder(given, base=args.binder)
    print(f"binder 'custom': {binder.description}")
    return binder


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="assb-sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cells, models = [c.value for c in CellMode], [m.value for m in ModelKind]
    run = sub.add_parser("run", help="simulate a protocol on the graphite/Si half cell")
    run.add_argument("protocol", help=f"protocol name ({', '.join(protocol_names())}) or YAML file")
    _add_binder_options(run)
    paper = load_cell_design()
    run.add_argument(
        "--pressure",
        type=float,
        metavar="MPA",
        help=f"stack pressure [MPa] (default: the protocol's, else the paper's {paper.stack_pressure_MPa:g})",
    )
    run.add_argument(
        "--temperature",
        type=float,
        metavar="C",
        help=f"temperature [degC] (default: the protocol's, else the paper's {paper.temperature_C:g})",
    )
    run.add_argument("--model", default="DFN", type=_model_kind, choices=models, help="DFN or SPMe")
    run.add_argument(
        "--cell",
        choices=[c.value for c in CellMode],
        help="cell mode (default: the protocol's, else constant-pressure)",
    )
    run.add_argument(
        "--design", type=Path, metavar="FILE", help="cell YAML holding what differs from the paper's cell (default: it)"
    )
    run.add_argument(
        "--out", type=Path, metavar="DIR", help="write metrics.json, run.json, cycles.csv, figures (default: none)"
    )
    run.add_argument(
        "--part-cycles",
        type=_cycle_count,
        metavar="N",
        help="solve N cycles at a time, keeping only their table rows and curves: bounded memory for long runs",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar, no PyBaMM warnings")
    run.add_argument("--band", action="store_true", help="add <metric>_sd from the fit's covariance (p + 1 more runs)")
    sub.add_parser("list", help="list protocols, binders and parameter sets")

    sweep = sub.add_parser("sweep", help="grid of runs over pressure, binder properties and cell design; resumable")
    sweep.add_argument("protocol", nargs="?", help="protocol name or YAML file (or in --spec; default formation)")
    sweep.add_argument("--spec", type=Path, metavar="FILE", help="sweep spec YAML (command-line axes override it)")
    sweep.add_argument("--binder", nargs="+", metavar="NAME", help="binders (names or YAML files; default NBR-A)")
    electrode, otherwise = paper.electrode, "the protocol's, else the paper's"
    for flag, help_, default in (
        ("--pressure", "stack pressure [MPa]", f"{paper.stack_pressure_MPa:g}"),
        ("--cohesion", "binder cohesion [N/m] (overrides the binder's)", "the binder's"),
        ("--adhesion", "binder adhesion [N/m]", "the binder's"),
        ("--peel", "binder peel strength [N/m]", "the binder's"),
        ("--film-conductivity", "LPSCl:binder film conductivity [mS/cm]", "the binder's"),
        ("--si-share", "Si share of the active material [wt%%]", f"the paper's {electrode.si_wt_pct_of_active:g}"),
        ("--loading", "active-material loading [mg/cm2]", f"{otherwise} {electrode.loading_mg_cm2:g}"),
        ("--temperature", "temperature [degC]", f"{otherwise} {paper.temperature_C:g}"),
        ("--c-rate", "C-rate of every galvanostatic block", "the protocol's"),
    ):
        sweep.add_argument(flag, metavar="RANGE", help=f"{help_}: START:STOP:N[:log] or a,b,c (default: {default})")
    sweep.add_argument("--cell", nargs="+", choices=cells, help="cell modes (default: the protocol's)")
    sweep.add_argument("--model", type=_model_kind, choices=models, help="DFN or SPMe (default SPMe)")
    sweep.add_argument("--workers", type=int, metavar="N", help="parallel processes (default: all cores)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler tcp://host:port, or 'local'")
    sweep.add_argument("--out", type=Path, required=True, metavar="DIR", help="results store (re-run to resume)")
    sweep.add_argument(
        "--extend", action="store_true", help="add these points to a store holding another spec (axes merged)"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar, no PyBaMM warnings")

    val = sub.add_parser(
        "validate", help="model vs the paper's numbers: report.md and figures; exit 1 on a miss not listed as known"
    )
    val.add_argument("--out", type=Path, default=Path("out/validation"), metavar="DIR", help="report folder")
    val.add_argument("--model", default="DFN", type=_model_kind, choices=models, help="DFN or SPMe")
    val.add_argument("--strict", action="store_true", help="exit 1 on any miss, known or not")
    val.add_argument("--bands", action="store_true", help="± SD of the NBR-X/PB predictions (SPMe sensitivities; slow)")
    val.add_argument("--workers", type=int, default=None, metavar="N", help="parallel processes (default: all cores)")
    val.add_argument("--quiet", action="store_true", help="no progress bar")

    rep = sub.add_parser("reproduce", help="regenerate every figure and table of the validation report")
    rep.add_argument("--out", type=Path, required=True, metavar="DIR", help="report folder")
    rep.add_argument("--model", default="DFN", type=_model_kind, choices=models, help="DFN or SPMe")
    rep.add_argument("--workers", type=int, default=None, metavar="N", help="parallel processes (default: all cores)")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")

    fit = sub.add_parser("fit", help="fit the shared parameters to the paper (validation/fit.yaml)")
    fit.add_argument("--out", type=Path, default=Path("out/fit"), metavar="DIR", help="fit.yaml + residuals.csv")
    fit.add_argument("--workers", type=int, default=2, metavar="N", help="parallel processes (default 2)")
    fit.add_argument("--adopt", action="store_true", help="write the fitted values into parameter_sets/*.yaml")
    fit.add_argument(
        "--stages", nargs="+", metavar="NAME", help="refit only these stages; the others keep their adopted values"
    )

    cv = sub.add_parser("cross-validate", help="refit without each fold's targets, predict them out of sample")
    cv.add_argument("--folds", nargs="+", metavar="NAME", help="folds of validation/cross_validation.yaml (all)")
    cv.add_argument(
        "--stages", nargs="*", metavar="NAME", help="refit only these stages; the others stay adopted (partial)"
    )
    cv.add_argument("--workers", type=int, default=2, metavar="N", help="parallel processes (default 2)")
    cv.add_argument("--out", type=Path, default=Path("out/cross-validation"), metavar="DIR", help="CSV + markdown")
    cv.add_argument("--update-docs", action="store_true", help="write the table into docs/validation.md")

    for axis, unit in REQUIREMENT_AXES.items():
        what = "stack pressure" if axis == "pressure" else f"binder {axis} (SAICAS)"
        req = sub.add_parser(f"min-{axis}", help=f"least {what} at which a metric meets a target")
        _add_binder_options(req)
        req.add_argument(
            "--metric",
            default=Metric.FIRST_DELITHIATION,
            help="metrics.json key, e.g. initial_coulombic_efficiency, rate_retention_1.5C, cycle_retention "
            "(the 115-cycle paper protocol); default %(default)s",
        )
        req.add_argument("--target", type=float, required=True, help="value the metric must reach")
        req.add_argument("--protocol", help="protocol (default: one that produces the metric)")
        req.add_argument("--model", default="SPMe", type=_model_kind, choices=models, help="DFN or SPMe")
        if axis != "pressure":
            req.add_argument("--pressure", type=float, metavar="MPA", help="stack pressure (default: the protocol's)")
        low, high = (1.0, 200.0) if axis == "pressure" else (0.0, 1000.0)
        req.add_argument("--low", type=float, default=low, metavar=unit, help=f"lowest {axis} tried (default {low:g})")
        req.add_argument(
            "--high", type=float, default=high, metavar=unit, help=f"highest {axis} tried (default {high:g})"
        )
        req.add_argument(
            "--tol", type=float, default=0.02, help="bracket width: relative for pressure, share of the range otherwise"
        )
        req.add_argument(
            "--band", action="store_true", help="SD of the answer from the fit's covariance (p + 1 more runs)"
        )
        req.add_argument("--quiet", action="store_true", help="no line per evaluation while searching")
    for command in sub.choices.values():
        if command.prog.split()[-1] != "list":
            command.add_argument(
                "--compile",
                action="store_true",
                help="compile the solver's functions to machine code: 14-35%% less solve time after "
                "~8 s per step model, once per machine and cell (docs/speed.md)",
            )
    return parser


_SWEEP_AXES = {
    "pressure": "pressure_MPa",
    "cohesion": "cohesion_N_m",
    "adhesion": "adhesion_N_m",
    "peel": "peel_strength_N_m",
    "film_conductivity": "film_conductivity_mS_cm",
    "si_share": "si_wt_pct",
    "loading": "loading_mg_cm2",
    "temperature": "temperature_C",
    "c_rate": "c_rate",
}


def _sweep(args: argparse.Namespace) -> int:
    from .plotting import save_sweep_figures
    from .sweeps import SweepSpec, load_spec, parse_range, run_sweep

    data = load_spec(args.spec).model_dump() if args.spec else {}
    if args.protocol:
        data["protocol"] = args.protocol
    for option, axis in _SWEEP_AXES.items():
        text = getattr(args, option)
        if text is not None:
            data[axis] = parse_range(text, f"--{option.replace('_', '-')}")
    for option, axis in (("binder", "binder"), ("cell", "cell"), ("model", "model")):
        if getattr(args, option) is not None:
            data[axis] = getattr(args, option)
    spec = validate(SweepSpec, data)
    if any(getattr(args, option) is not None for option in _BINDER_OPTIONS):
        print(f"binder properties not given are those of {', '.join(spec.binder)}")
    df = run_sweep(
        spec,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
        extend=args.extend,
        quiet=args.quiet,
    )
    failed = int((df["status"] == "failed").sum())
    print(
        f"{len(df)} points in {args.out}/ ({failed} failed); figures: "
        + ", ".join(p.name for p in save_sweep_figures(df, args.out))
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .fitting import prediction_band
    from .validation import prediction_cases, validate, write_report

    result = validate(model=args.model, progress=not args.quiet, workers=args.workers)
    if getattr(args, "bands", False):  # the fit's model (SPMe) for the sensitivities: p + 1 runs per case
        result.bands = {
            (protocol, binder, p, t): prediction_band(protocol, binder, pressure_MPa=float(p), temperature_C=float(t))
            for protocol, binder, p, t in prediction_cases(result)
        }
    report = write_report(result, args.out)
    t = result.table
    print(
        f"{int(t['passed'].sum())}/{len(t)} targets within tolerance, "
        f"{int(result.checks['passed'].sum())}/{len(result.checks)} qualitative checks hold; "
        f"unexpected misses: {', '.join(result.unexpected) or 'none'}: {report}"
    )
    if args.command == "reproduce":
        return 0
    return 0 if (result.strictly_passed if args.strict else result.passed) else EXIT_SOLVER_FAILURE


def _fit(args: argparse.Namespace) -> int:
    from .fitting import adopt, load_fit_plan, run_plan, write_fit

    plan = load_fit_plan()
    fits = run_plan(plan, workers=args.workers, stages=args.stages)
    write_fit(fits, plan, args.out)
    print(f"fit written to {args.out}/ (fit.yaml, residuals.csv)")
    if args.adopt:
        for line in adopt(fits, plan):
            print(f"adopted {line}")
    return 0


def _cross_validate(args: argparse.Namespace) -> int:
    from .fitting import (
        cross_validate,
        cross_validation_markdown,
        load_folds,
        update_validation_doc,
        write_cross_validation,
    )

    table = cross_validate(load_folds(args.folds), stages=args.stages, workers=args.workers)
    written = write_cross_validation(table, args.out)
    print(cross_validation_markdown(table).splitlines()[0])
    if args.update_docs:
        written.append(update_validation_doc(cross_validation_markdown(table)))
    print("written: " + ", ".join(str(p) for p in written))
    return 0


def _requirement(args: argparse.Namespace) -> int:
    from .fitting import requirement_band
    from .sweeps import DEFAULT_PROTOCOL, min_requirement

    axis = args.command.removeprefix("min-")
    if getattr(args, axis, None) is not None:
        raise InputError(f"--{axis}: is what min-{axis} searches for; give the other properties only")
    binder, pressure = _binder(args), getattr(args, "pressure", None)
    protocol = args.protocol or DEFAULT_PROTOCOL.get(args.metric, "formation")
    at = "the protocol's pressure" if pressure is None else f"{pressure:g} MPa"
    where = "" if axis == "pressure" else f", at {at}"
    span = f"[{args.low:g}, {args.high:g}] {REQUIREMENT_AXES[axis]}"
    print(f"searching {axis} in {span}: {protocol} protocol, {args.model}{where}")
    found = min_requirement(
        binder,
        args.metric,
        args.target,
        axis,
        pressure_MPa=pressure,
        protocol=protocol,
        model=args.model,
        low=args.low,
        high=args.high,
        rel_tol=args.tol,
        progress=not args.quiet,
    )
    print(f"{found.binder}: {found.metric} >= {found.target:g}: {found.message}")
    for x, value in found.evidence:
        mark = "meets" if value >= found.target else "misses"
        print(f"  {x:8.3f} {found.unit}  {found.metric} = {value:.4f}  ({mark})")
    if args.band and found.value is not None:
        try:
            sd = requirement_band(found, binder, pressure_MPa=pressure, protocol=protocol, model=args.model)
        except (InputError, RuntimeError) as err:
            print(f"assb-sim: no band: {err}", file=sys.stderr)
            return EXIT_SOLVER_FAILURE
        band = "no band (met at the lower end of the range)" if sd is None else f"± {sd:.3g} {found.unit} (1 SD)"
        print(f"{axis} needed: {found.value:.4g} {found.unit} {band}")
    return 0 if found.value is not None else EXIT_NOT_REACHED


def _list() -> None:
    print("protocols:      " + ", ".join(protocol_names()))
    print("binders:        " + ", ".join(binder_names()))
    sets = sorted(p.name for p in resource_dir("parameter_sets").glob("*.yaml"))
    print("parameter sets: " + ", ".join(sets))
    print(
        "models:         DFN (default of run, validate) resolves depth and particle radius; SPMe (default of "
        "sweep, min-*) is 2-3x faster. For the paper's thin electrode (3.1 mg/cm2, 60 degC) they agree to 3-4 "
        "significant figures; for thick or cold electrodes and high rates use the DFN (numbers: docs/model.md, "
        "section 6)"
    )


def _run(args: argparse.Namespace) -> int:
    import pybamm

    from .fitting import prediction_band
    from .simulation import INTERRUPTED, run, stop_on_sigint
    from .sweeps import quieted

    design = load_cell_design(args.design) if args.design else None
    case = {
        "binder": _binder(args),
        "design": design,
        "pressure_MPa": args.pressure,
        "temperature_C": args.temperature,
        "cell": args.cell,
        "part_cycles": args.part_cycles,
    }
    with stop_on_sigint(), quieted(args.quiet):
        try:
            result = run(args.protocol, model=args.model, progress=not args.quiet, **case)
        except pybamm.SolverError as err:
            if INTERRUPTED in str(err):
                print("assb-sim: interrupted before the first step finished; nothing written", file=sys.stderr)
                return EXIT_INTERRUPTED
            print(f"assb-sim: solver failed: {err}", file=sys.stderr)
            return EXIT_SOLVER_FAILURE
    stopped = result.failure is not None and result.failure.reason == INTERRUPTED
    for name, (given, used) in result.overridden.items():
        print(f"note: protocol {result.protocol.name!r} sets {name} = {used:g} (the design given: {given:g})")
    band, no_band = {}, None
    if args.band and not stopped:
        try:
            band = prediction_band(args.protocol, model=args.model, **case)
        except (InputError, RuntimeError) as err:  # the run's own results are still written
            no_band = f"assb-sim: no band: {err}"
    m = result.metrics
    m |= {f"{k}_sd": sd for k, (_, sd) in band.items()}
    print(
        f"{result.protocol.name} ({result.model.value}, {result.cell.value}, {result.binder.name}, "
        f"{result.design.stack_pressure_MPa:g} MPa, {result.design.temperature_C:g} degC): "
        f"{m[Metric.CYCLES_COMPLETED]}/{m[Metric.CYCLES_PLANNED]} cycles in {result.elapsed_s:.1f} s"
    )
    flat = flatten(m)
    for key in headline(m):
        print(f"  {key} = {_fmt(flat[key], flat.get(f'{key}_sd'))}")
    if m[Metric.CV_TIME_LIMITED]:
        print(
            f"note: {m[Metric.CV_TIME_LIMITED]} CV hold(s) ended on the time limit before the current cut-off "
            f"(column {Col.CV_TIME_LIMITED} of cycles.csv)"
        )
    if args.out:
        write_run(result, args.out)
        print(f"results in {args.out}/")
    else:
        print("nothing saved: --out DIR writes metrics.json (every metric), cycles.csv and the figures")
    if stopped:
        print(f"assb-sim: interrupted; {m[Metric.CYCLES_COMPLETED]} finished cycle(s) kept as a partial result")
        return EXIT_INTERRUPTED
    if result.failure:
        print(f"assb-sim: partial result, {result.failure}", file=sys.stderr)
        return EXIT_SOLVER_FAILURE
    if no_band:
        print(no_band, file=sys.stderr)
        return EXIT_SOLVER_FAILURE
    return 0


def headline(metrics: dict) -> list[str]:
    """The flat metric keys a protocol was run to measure, those it produced: first cycle,
    rate retention per C-rate, cycling retention and CE, the CV lithiation-current loss,
    and for a fixed-gap cell the pressure it ends at and its drift."""
    keys = [
        Metric.FIRST_DELITHIATION,
        Metric.ICE,
        *(f"{Metric.RATE_RETENTION}_{c}" for c in (metrics.get(Metric.RATE_RETENTION) or {})),
        Metric.CYCLE_RETENTION,
        Metric.MEAN_CE,
        Metric.MEDIAN_CE,
        Metric.CV_FIRST,
        Metric.CV_SECOND,
        Metric.CV_LOSS,
    ]
    if metrics.get("cell") == CellMode.FIXED_GAP.value:
        keys += [Metric.PRESSURE_FINAL, Metric.FIRST_DP_LITHIATION, Metric.DP_ACCUMULATED]
    flat = flatten(metrics)
    return [k for k in keys if flat.get(k) is not None]


def _fmt(v, sd: float | None = None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.4g}" if sd is None else f"{v:.4g} ± {sd:.2g}"


_STAGING = ".assb-sim-partial-"  # a run being written; left only by a kill


def write_run(result, out: Path) -> list[str]:
    """Write a run's files into ``out`` so that it never mixes two runs.

    Everything is written into a staging folder first. Then the previous run's files go,
    its ``metrics.json`` first, and the new ones move in with ``metrics.json`` last: at
    any moment a kill leaves either the old run, or files without ``metrics.json``, or
    the new run. ``metrics.json`` and ``run.json`` carry the run's ``run_id``; ``run.json``
    lists the run's files, so that the next run removes exactly those.
    """
    from . import __version__
    from .plotting import save_run_figures

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(f"{_STAGING}*"):  # a killed write's staging folder
        shutil.rmtree(stale, ignore_errors=True)
    run_id = uuid.uuid4().hex[:12]
    stage = Path(tempfile.mkdtemp(prefix=_STAGING, dir=out))
    metrics = {"run_id": run_id, **result.metrics}
    (stage / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    result.cycles.to_csv(stage / "cycles.csv", index=False)
    save_run_figures(result, stage)
    files = [*sorted(p.name for p in stage.iterdir()), "run.json"]
    # what was run: a custom binder's measured properties, the cell and its conditions
    case = {
        "run_id": run_id,
        "assb_sim_version": __version__,
        "protocol": result.protocol.name,
        "model": result.model.value,
        "cell": result.cell.value,
        "binder": result.binder.model_dump(),
        "design": result.design.model_dump(),
        "files": files,
    }
    (stage / "run.json").write_text(json.dumps(case, indent=2) + "\n")
    for name in ["metrics.json", *_previous_files(out)]:
        (out / name).unlink(missing_ok=True)
    for name in sorted(files, key=lambda f: f == "metrics.json"):
        os.replace(stage / name, out / name)
    stage.rmdir()
    return files


def _previous_files(out: Path) -> list[str]:
    """The files of the run ``out`` holds: its manifest, else (a run of an earlier version,
    without one) the names a run writes; none if ``out`` holds no run."""
    if not (out / "run.json").is_file():
        return []
    try:
        listed = json.loads((out / "run.json").read_text()).get("files")
    except (OSError, ValueError, AttributeError):
        listed = None
    if isinstance(listed, list):
        return [Path(str(f)).name for f in listed]
    return ["run.json", "cycles.csv", *(p.name for p in out.glob("*.png"))]


@contextmanager
def _compiling(requested: bool) -> Iterator[None]:
    """Within: every solver compiles (``ASSB_SIM_COMPILE``, read in this process and
    inherited by its workers) if ``requested``."""
    from .simulation import COMPILE_ENV

    before = os.environ.get(COMPILE_ENV)
    if requested:
        os.environ[COMPILE_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(COMPILE_ENV, None)
        else:
            os.environ[COMPILE_ENV] = before


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")  # the CLI writes figures to files, never to a display
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _list()
            return 0
        if args.command != "sweep" and getattr(args, "out", None) is not None:
            writable_dir(args.out)  # before solving: a bad --out must not cost a whole simulation
        commands = {
            "run": _run,
            "sweep": _sweep,
            **{f"min-{axis}": _requirement for axis in REQUIREMENT_AXES},
            "validate": _validate,
            "reproduce": _validate,
            "fit": _fit,
            "cross-validate": _cross_validate,
        }
        with _compiling(getattr(args, "compile", False)):
            return commands[args.command](args)
    except InputError as err:
        print(f"assb-sim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # a second Ctrl-C in a run, or one in a sweep (its points are stored)
        what = "re-run to resume" if args.command == "sweep" else "nothing more written"
        print(f"assb-sim: interrupted; {what}", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
