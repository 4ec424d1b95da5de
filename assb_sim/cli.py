"""``assb-sim`` command line: run protocols, list what is available.

Bad input exits 2 with one line naming the field and value; a solver failure exits 1
after writing the partial results it flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .parameters import binder_names, load_cell_design, resource_dir
from .protocols import CellMode, protocol_names
from .schema import InputError, ModelKind

EXIT_BAD_INPUT = 2
EXIT_SOLVER_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block
        self.exit(EXIT_BAD_INPUT, f"assb-sim: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="assb-sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate a protocol on the graphite/Si half cell")
    run.add_argument("protocol", help=f"protocol name ({', '.join(protocol_names())}) or YAML file")
    run.add_argument("--binder", default="NBR-A", help="binder name or YAML file (default NBR-A)")
    run.add_argument("--pressure", type=float, metavar="MPA", help="stack pressure [MPa]")
    run.add_argument("--temperature", type=float, metavar="C", help="temperature [degC]")
    run.add_argument("--model", default="DFN", choices=[m.value for m in ModelKind], help="DFN or SPMe")
    run.add_argument(
        "--cell",
        choices=[c.value for c in CellMode],
        help="cell mode (default: the protocol's, else constant-pressure)",
    )
    run.add_argument("--design", type=Path, metavar="FILE", help="cell design YAML (default: the paper's)")
    run.add_argument("--out", type=Path, metavar="DIR", help="write metrics.json, cycles.csv and PNGs")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("list", help="list protocols, binders and parameter sets")
    return parser


def _list() -> None:
    print("protocols:      " + ", ".join(protocol_names()))
    print("binders:        " + ", ".join(binder_names()))
    sets = sorted(p.name for p in resource_dir("parameter_sets").glob("*.yaml"))
    print("parameter sets: " + ", ".join(sets))


def _run(args: argparse.Namespace) -> int:
    import pybamm

    from .simulation import run

    design = load_cell_design(args.design) if args.design else None
    try:
        result = run(
            args.protocol,
            binder=args.binder,
            design=design,
            pressure_MPa=args.pressure,
            temperature_C=args.temperature,
            model=args.model,
            cell=args.cell,
            progress=not args.quiet,
        )
    except pybamm.SolverError as err:
        print(f"assb-sim: solver failed: {err}", file=sys.stderr)
        return EXIT_SOLVER_FAILURE
    m = result.metrics
    summary = {k: m[k] for k in ("first_delithiation_capacity_mAh_g", "initial_coulombic_efficiency")}
    print(
        f"{result.protocol.name}: {m['cycles_completed']}/{m['cycles_planned']} cycles in "
        f"{result.elapsed_s:.1f} s; " + ", ".join(f"{k} = {_fmt(v)}" for k, v in summary.items())
    )
    if args.out:
        _write(result, args.out)
        print(f"results in {args.out}/")
    if result.failure:
        print(f"assb-sim: partial result, {result.failure}", file=sys.stderr)
        return EXIT_SOLVER_FAILURE
    return 0


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def _write(result, out: Path) -> None:
    from .plotting import save_run_figures

    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(result.metrics, indent=2) + "\n")
    result.cycles.to_csv(out / "cycles.csv", index=False)
    save_run_figures(result, out)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _list()
            return 0
        return _run(args)
    except InputError as err:
        print(f"assb-sim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
