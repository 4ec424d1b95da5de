"""Model vs paper: every quantitative target of ``validation/targets.csv`` and the
qualitative checks the paper only states as trends, in one report.

Each target keeps the paper's ``id`` and ``source``; ``used_in_fit`` says whether a
parameter was fitted to it (everything else is a prediction).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from .parameters import load_binder, resource_dir
from .protocols import load_protocol
from .simulation import RunResult, Simulator, protocol_design
from .sweeps import flatten_metrics

CASE = ["protocol", "binder", "stack_pressure_MPa", "temperature_C"]


def load_targets(path: Path | None = None) -> pd.DataFrame:
    return pd.read_csv(path or resource_dir("validation") / "targets.csv")


@dataclass
class Validation:
    table: pd.DataFrame  # one row per target, with model value, errors and pass/fail
    checks: pd.DataFrame  # qualitative checks: name, statement, model evidence, passed
    results: dict[tuple, RunResult]

    @property
    def passed(self) -> bool:
        return bool(self.table["passed"].all() and self.checks["passed"].all())


def run_cases(cases: pd.DataFrame, model: str) -> dict[tuple, RunResult]:
    """Solve every (protocol, binder, pressure, temperature); one built model per protocol."""
    results = {}
    for (protocol_name, temperature), group in cases.groupby(["protocol", "temperature_C"]):
        protocol = load_protocol(protocol_name)
        sim = Simulator(protocol, protocol_design(protocol, temperature_C=float(temperature)), model)
        for _, case in group.iterrows():
            key = tuple(case[c] for c in CASE)
            binder = load_binder(case["binder"])
            results[key] = sim.solve(binder, pressure_MPa=float(case["stack_pressure_MPa"]), cell=protocol.cell)
    return results


def model_value(result: RunResult, metric: str) -> float | None:
    flat = flatten_metrics(result.metrics)
    if metric == "graphite_si_ratio":
        si = flat["first_si_delithiation_capacity_mAh_g"]
        return flat["first_graphite_delithiation_capacity_mAh_g"] / si if si else None
    value = flat.get(metric)
    return None if value is None else float(value)


def compare(targets: pd.DataFrame, results: dict[tuple, RunResult]) -> pd.DataFrame:
    rows = []
    for _, t in targets.iterrows():
        value = model_value(results[tuple(t[c] for c in CASE)], t["metric"])
        error = None if value is None else value - t["paper_value"]
        relative = None if error is None else error / t["paper_value"]
        measure = relative if t["tolerance_kind"] == "relative" else error
        rows.append(
            {
                **t.to_dict(),
                "model_value": value,
                "error": error,
                "relative_error": relative,
                "passed": measure is not None and abs(measure) <= t["tolerance"],
            }
        )
    return pd.DataFrame(rows)


def qualitative_checks(results: dict[tuple, RunResult], monitor: dict[str, RunResult]) -> pd.DataFrame:
    """The paper's trends that have no number to compare with."""

    def m(binder, pressure, metric="first_delithiation_capacity_mAh_g"):
        return model_value(results[("formation", binder, pressure, 60)], metric)

    ice = "initial_coulombic_efficiency"
    drift = {b: r.cycles["accumulated_pressure_change_MPa_per_mAh_cm2"].iloc[-1] for b, r in monitor.items()}
    first = {b: r.cycles["pressure_change_lithiation_MPa_per_mAh_cm2"].iloc[0] for b, r in monitor.items()}
    cyc = {b: r.cycles for b, r in monitor.items()}
    checks = [
        (
            "16 MPa hurts NBR-T more than NBR-A (capacity)",
            m("NBR-T", 16) < m("NBR-A", 16),
            f"NBR-A {m('NBR-A', 16):.0f}, NBR-T {m('NBR-T', 16):.0f} mAh/g",
        ),
        (
            "16 MPa hurts NBR-T more than NBR-A (ICE)",
            m("NBR-T", 16, ice) < m("NBR-A", 16, ice),
            f"NBR-A {m('NBR-A', 16, ice):.3f}, NBR-T {m('NBR-T', 16, ice):.3f}",
        ),
        (
            "80 MPa masks the binder: capacities within 2 %",
            abs(m("NBR-A", 80) - m("NBR-T", 80)) < 0.02 * m("NBR-A", 80),
            f"NBR-A {m('NBR-A', 80):.1f}, NBR-T {m('NBR-T', 80):.1f} mAh/g",
        ),
        (
            "Fixed gap: pressure falls on every lithiation",
            all((c["pressure_change_lithiation_MPa_per_mAh_cm2"] < 0).all() for c in cyc.values()),
            "all cycles",
        ),
        (
            "Fixed gap: pressure rises on every delithiation",
            all((c["pressure_change_delithiation_MPa_per_mAh_cm2"] > 0).all() for c in cyc.values()),
            "all cycles",
        ),
        (
            "Fixed gap: first-lithiation drop larger for NBR-T",
            first["NBR-T"] < first["NBR-A"],
            f"NBR-A {first['NBR-A']:.3f}, NBR-T {first['NBR-T']:.3f} MPa per mAh/cm2",
        ),
        (
            "Fixed gap: accumulated drift (cycles 2-5) downward for both",
            all(d < 0 for d in drift.values()),
            f"NBR-A {drift['NBR-A']:.4f}, NBR-T {drift['NBR-T']:.4f} MPa per mAh/cm2",
        ),
        (
            "Fixed gap: accumulated drift larger for NBR-T",
            drift["NBR-T"] < drift["NBR-A"],
            f"NBR-A {drift['NBR-A']:.4f}, NBR-T {drift['NBR-T']:.4f} MPa per mAh/cm2",
        ),
    ]
    return pd.DataFrame(checks, columns=["check", "passed", "model"])


def validate(model: str = "DFN", targets: pd.DataFrame | None = None) -> Validation:
    targets = load_targets() if targets is None else targets
    cases = targets[CASE].drop_duplicates()
    needed = pd.DataFrame([("formation", b, p, 60) for b in ("NBR-A", "NBR-T") for p in (16, 80)], columns=CASE)
    results = run_cases(pd.concat([cases, needed]).drop_duplicates(), model)
    monitor_protocol = load_protocol("pressure-monitor")
    monitor_cases = pd.DataFrame(
        [
            ("pressure-monitor", b, monitor_protocol.stack_pressure_MPa, monitor_protocol.temperature_C)
            for b in ("NBR-A", "NBR-T")
        ],
        columns=CASE,
    )
    monitor_results = run_cases(monitor_cases, model)
    monitor = {key[1]: r for key, r in monitor_results.items()}
    return Validation(compare(targets, results), qualitative_checks(results, monitor), results | monitor_results)


def write_report(validation: Validation, out: Path) -> Path:
    """``report.md`` (tables) and PNG figures in the paper's arrangement."""
    out.mkdir(parents=True, exist_ok=True)
    t = validation.table
    lines = [
        "# assb-sim vs Choi et al. 2025",
        "",
        f"{int(t['passed'].sum())} of {len(t)} quantitative targets within tolerance; "
        f"{int(validation.checks['passed'].sum())} of {len(validation.checks)} qualitative checks hold.",
        "`fit` = a parameter was fitted to this number; every other row is a prediction.",
        "",
        "| id | binder | P [MPa] | quantity | paper | model | error | tolerance | fit | pass |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in t.iterrows():
        missing = pd.isna(r["model_value"])
        model_text = "n/a" if missing else f"{r['model_value']:.4g}"
        err = "n/a" if missing else f"{r['error']:+.3g} ({100 * r['relative_error']:+.1f} %)"
        tol = f"{100 * r['tolerance']:.0f} %" if r["tolerance_kind"] == "relative" else f"{r['tolerance']:g}"
        paper = f"{r['paper_value']:g} {r['unit']}"
        verdict = "pass" if r["passed"] else "MISS"
        lines.append(
            f"| {r['id']} | {r['binder']} | {r['stack_pressure_MPa']:g} | {r['quantity']} | {paper} "
            f"| {model_text} | {err} | {tol} | {r['used_in_fit']} | {verdict} |"
        )
    lines += ["", "## Qualitative checks", "", "| check | model | holds |", "|---|---|---|"]
    for _, c in validation.checks.iterrows():
        lines.append(f"| {c['check']} | {c['model']} | {'yes' if c['passed'] else 'NO'} |")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    _figure_pressure(validation, out / "capacity_ice_vs_pressure.png")
    return out / "report.md"


def _figure_pressure(validation: Validation, path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, metric, ids in (
        (axes[0], "first_delithiation_capacity_mAh_g", ("p-cap-first",)),
        (axes[1], "initial_coulombic_efficiency", ("p-ice",)),
    ):
        for binder, color in (("NBR-A", "tab:blue"), ("NBR-T", "tab:orange")):
            keys = sorted(k for k in validation.results if k[0] == "formation" and k[1] == binder)
            ax.plot(
                [k[2] for k in keys],
                [model_value(validation.results[k], metric) for k in keys],
                "-",
                color=color,
                label=f"{binder} model",
            )
            paper = validation.table[(validation.table["id"].isin(ids)) & (validation.table["binder"] == binder)]
            ax.plot(paper["stack_pressure_MPa"], paper["paper_value"], "o", color=color, label=f"{binder} paper")
        ax.set(xlabel="Stack pressure [MPa]", ylabel=metric)
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
