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
import yaml

from .fitting import FIRST_CYCLE_METRICS, tolerance_scale, used_in_fit
from .parameters import load_binder, resource_dir
from .plotting import plot_cycle_curve
from .protocols import load_protocol
from .simulation import RunResult, Simulator, protocol_design
from .sweeps import flatten_metrics

CASE = ["protocol", "binder", "stack_pressure_MPa", "temperature_C"]


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """The paper's numbers with their case, metric and tolerance; ``used_in_fit`` comes
    from the fit plan (``validation/fit.yaml``) and ``known_miss`` from
    ``validation/known_misses.yaml``, so each fact lives in one file."""
    targets = pd.read_csv(path or resource_dir("validation") / "targets.csv")
    misses = load_known_misses()
    return targets.assign(
        used_in_fit=used_in_fit(targets),
        known_miss=[misses.get(target_key(t), "") for _, t in targets.iterrows()],
    )


def target_key(target: pd.Series) -> str:
    return f"{target['id']}:{target['binder']}:{target['stack_pressure_MPa']:g}"


def load_known_misses() -> dict[str, str]:
    """Targets (``id:binder:pressure``) and checks (``check: statement``) the model is
    known to miss -> the physical reason."""
    raw = yaml.safe_load((resource_dir("validation") / "known_misses.yaml").read_text()) or {}
    return {str(k): " ".join(str(v).split()) for k, v in raw.items()}


@dataclass
class Validation:
    table: pd.DataFrame  # one row per target, with model value, errors and pass/fail
    checks: pd.DataFrame  # qualitative checks: name, statement, model evidence, passed
    results: dict[tuple, RunResult]
    model: str = "DFN"

    @property
    def unexpected(self) -> list[str]:
        """Targets and checks outside tolerance that are not declared known misses."""
        t, c = self.table, self.checks
        return [target_key(r) for _, r in t[~t["passed"] & (t["known_miss"] == "")].iterrows()] + list(
            c.loc[~c["passed"] & (c["known_miss"] == ""), "check"]
        )

    @property
    def passed(self) -> bool:
        return not self.unexpected

    @property
    def strictly_passed(self) -> bool:
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
    value = flatten_metrics(result.metrics).get(metric)
    return None if value is None else float(value)


def compare(targets: pd.DataFrame, results: dict[tuple, RunResult]) -> pd.DataFrame:
    rows = []
    for (_, t), scale in zip(targets.iterrows(), tolerance_scale(targets), strict=True):
        value = model_value(results[tuple(t[c] for c in CASE)], t["metric"])
        error = None if value is None else value - t["paper_value"]
        relative = None if error is None else error / t["paper_value"]
        rows.append(
            {
                **t.to_dict(),
                "model_value": value,
                "error": error,
                "relative_error": relative,
                "passed": error is not None and abs(error) <= scale,
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
    misses = load_known_misses()
    table = pd.DataFrame(checks, columns=["check", "passed", "model"])
    return table.assign(known_miss=[misses.get(f"check: {c}", "") for c in table["check"]])


PREDICTED_BINDERS = ("NBR-X", "PB")  # no electrochemical number of the paper was used for them


def validate(model: str = "DFN", targets: pd.DataFrame | None = None) -> Validation:
    """Solve every target's case, the pressure series and the binders without targets
    (NBR-X, PB: predictions from their measured mechanics), and the fixed-gap cell."""
    targets = load_targets() if targets is None else targets
    cases = targets[CASE].drop_duplicates()
    binders = ("NBR-A", "NBR-T", *PREDICTED_BINDERS)
    needed = pd.DataFrame(
        [("formation", b, p, 60) for b in binders for p in PRESSURE_SERIES_MPA]
        + [("paper", b, p, 60) for b in PREDICTED_BINDERS for p in (16, 48)],
        columns=CASE,
    )
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
    return Validation(compare(targets, results), qualitative_checks(results, monitor), results | monitor_results, model)


PRESSURE_SERIES_MPA = (8, 16, 30, 48, 80)
PREDICTION_METRICS = {
    "first_delithiation_capacity_mAh_g": "1st delithiation [mAh/g]",
    "initial_coulombic_efficiency": "ICE",
    "cycle_retention": "retention (100 cycles)",
    "mean_coulombic_efficiency_cycling": "mean CE",
    "electrode_thickness_final_um": "thickness after cycling [um]",
}


def predictions(validation: Validation) -> pd.DataFrame:
    """Model numbers for the binders the fit never saw (NBR-X, PB), beside NBR-A/T."""
    rows = []
    for (protocol, binder, pressure, _), result in validation.results.items():
        if protocol not in ("formation", "paper") or pressure not in (16, 48):
            continue
        for metric, label in PREDICTION_METRICS.items():
            value = model_value(result, metric)
            if value is not None and (protocol == "paper") == (metric not in FIRST_CYCLE_METRICS):
                rows.append({"binder": binder, "stack_pressure_MPa": pressure, "quantity": label, "model": value})
    table = pd.DataFrame(rows).pivot_table(index=["quantity", "stack_pressure_MPa"], columns="binder", values="model")
    return table.reindex(columns=[b for b in ("NBR-A", "NBR-T", *PREDICTED_BINDERS) if b in table.columns])


def write_report(validation: Validation, out: Path) -> Path:
    """``report.md`` (tables) and PNG figures in the paper's arrangement."""
    out.mkdir(parents=True, exist_ok=True)
    t, c = validation.table, validation.checks
    known = int((~t["passed"] & (t["known_miss"] != "")).sum()) + int((~c["passed"] & (c["known_miss"] != "")).sum())
    lines = [
        f"# assb-sim vs Choi et al. 2025 ({validation.model})",
        "",
        f"{int(t['passed'].sum())} of {len(t)} quantitative targets within tolerance "
        f"({int((t['passed'] & ~t['used_in_fit']).sum())} of {int((~t['used_in_fit']).sum())} predictions, "
        f"{int((t['passed'] & t['used_in_fit']).sum())} of {int(t['used_in_fit'].sum())} fitted); "
        f"{int(c['passed'].sum())} of {len(c)} qualitative checks hold. "
        f"{known} misses are known (reasons below); unexpected misses: {', '.join(validation.unexpected) or 'none'}.",
        "`fit` = a parameter was fitted to this number (validation/fit.yaml); every other row is a prediction.",
        "",
        "| id | binder | P [MPa] | quantity | paper | model | error | tolerance | fit | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in t.iterrows():
        missing = pd.isna(r["model_value"])
        model_text = "n/a" if missing else f"{r['model_value']:.4g}"
        err = "n/a" if missing else f"{r['error']:+.3g} ({100 * r['relative_error']:+.1f} %)"
        tol = f"{100 * r['tolerance']:.0f} %" if r["tolerance_kind"] == "relative" else f"{r['tolerance']:g}"
        paper = f"{r['paper_value']:g} {r['unit']}"
        lines.append(
            f"| {r['id']} | {r['binder']} | {r['stack_pressure_MPa']:g} | {r['quantity']} | {paper} "
            f"| {model_text} | {err} | {tol} | {'fit' if r['used_in_fit'] else ''} | {_verdict(r)} |"
        )
    lines += ["", "## Qualitative checks (trends the paper states without a number)", ""]
    lines += ["| check | model | result |", "|---|---|---|"]
    for _, r in c.iterrows():
        lines.append(f"| {r['check']} | {r['model']} | {_verdict(r)} |")
    lines += ["", "## Known misses and their physical reasons", ""]
    lines += [f"- `{key}`: {reason}" for key, reason in load_known_misses().items()]
    lines += ["", "## Predictions for binders without electrochemical targets (NBR-X, PB)", ""]
    lines += [_markdown(predictions(validation)), ""]
    figures = save_report_figures(validation, out)
    lines += ["## Figures", ""] + [f"![{p.stem}]({p.name})" for p in figures]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return out / "report.md"


def _verdict(row: pd.Series) -> str:
    if row["passed"]:
        return "pass" if not row["known_miss"] else "pass (listed as known miss)"
    return "MISS (known)" if row["known_miss"] else "MISS"


def _markdown(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| quantity | P [MPa] | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for (quantity, pressure), row in table.iterrows():
        lines.append(f"| {quantity} | {pressure:g} | " + " | ".join(f"{v:.4g}" for v in row) + " |")
    return "\n".join(lines)


BINDER_COLORS = {"NBR-A": "tab:blue", "NBR-T": "tab:orange", "NBR-X": "tab:green", "PB": "tab:gray"}


def save_report_figures(validation: Validation, out: Path) -> list[Path]:
    """The paper's figures, model lines with the paper's numbers as points (no curve of
    the paper was digitized, so only its quoted numbers appear)."""
    figures = {
        "first_cycle_profiles.png": _figure_profiles,
        "capacity_shares.png": _figure_shares,
        "capacity_ice_vs_pressure.png": _figure_pressure,
        "rate_and_cycling.png": _figure_cycling,
        "fixed_gap_pressure.png": _figure_fixed_gap,
    }
    paths = []
    for name, draw in figures.items():
        fig = draw(validation)
        fig.tight_layout()
        fig.savefig(out / name, dpi=130)
        plt.close(fig)
        paths.append(out / name)
    return paths


def _runs(validation: Validation, protocol: str, pressure: float | None = None) -> dict[tuple, RunResult]:
    return {
        k: r
        for k, r in sorted(validation.results.items(), key=lambda kv: (kv[0][1], kv[0][2]))
        if k[0] == protocol and (pressure is None or k[2] == pressure)
    }


def _figure_profiles(validation: Validation):
    """Fig. 3a-c / 4a-b: first-cycle voltage profiles per binder at 48 and 16 MPa."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, pressure in zip(axes, (48, 16), strict=True):
        for (_, binder, _, _), result in _runs(validation, "formation", pressure).items():
            plot_cycle_curve(ax, result.voltage_curves[1], binder, BINDER_COLORS.get(binder), "--")
        ax.set(xlabel="Capacity [mAh g$^{-1}$]", title=f"1st cycle, {pressure} MPa (solid: lithiation)", ylim=(0, 2.05))
    axes[0].set(ylabel="Voltage vs Li/Li$^+$ [V]")
    axes[0].legend(frameon=False)
    return fig


def _figure_shares(validation: Validation):
    """Fig. 3d: graphite and Si shares of the first delithiation at 48 MPa, model vs paper."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    runs = _runs(validation, "formation", 48)
    table = validation.table
    for i, ((_, binder, _, _), result) in enumerate(runs.items()):
        gr = model_value(result, "first_graphite_delithiation_capacity_mAh_g")
        si = model_value(result, "first_si_delithiation_capacity_mAh_g")
        ax.bar(i - 0.2, gr, 0.38, color="0.45", label="graphite (model)" if i == 0 else None)
        ax.bar(i - 0.2, si, 0.38, bottom=gr, color="tab:red", label="Si (model)" if i == 0 else None)
        paper = table[(table["binder"] == binder) & (table["stack_pressure_MPa"] == 48)].set_index("id")["paper_value"]
        if {"ec-cap-graphite", "ec-cap-si"} <= set(paper.index):
            ax.bar(i + 0.2, paper["ec-cap-graphite"], 0.38, color="0.45", hatch="//", alpha=0.5)
            ax.bar(
                i + 0.2,
                paper["ec-cap-si"],
                0.38,
                bottom=paper["ec-cap-graphite"],
                color="tab:red",
                hatch="//",
                alpha=0.5,
            )
    ax.set_xticks(range(len(runs)), [f"{k[1]}\nmodel | paper" for k in runs])
    ax.set(ylabel="1st delithiation [mAh g$^{-1}$]", title="48 MPa (hatched: paper, plateau reading)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def _figure_pressure(validation: Validation):
    """Fig. 4c: capacity and ICE vs stack pressure; NBR-X and PB dashed (predictions)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, metric, target in (
        (axes[0], "first_delithiation_capacity_mAh_g", "p-cap-first"),
        (axes[1], "initial_coulombic_efficiency", "p-ice"),
    ):
        for binder, color in BINDER_COLORS.items():
            runs = {k[2]: r for k, r in _runs(validation, "formation").items() if k[1] == binder}
            pressures = sorted(runs)
            ls = "--" if binder in PREDICTED_BINDERS else "-"
            ax.plot(pressures, [model_value(runs[p], metric) for p in pressures], ls, color=color, label=binder)
            paper = validation.table[(validation.table["id"] == target) & (validation.table["binder"] == binder)]
            ax.plot(paper["stack_pressure_MPa"], paper["paper_value"], "o", color=color)
        ax.set(xlabel="Stack pressure [MPa]", ylabel=metric.replace("_", " "))
    axes[0].legend(frameon=False, fontsize=8, title="lines: model, points: paper", title_fontsize=8)
    return fig


def _figure_cycling(validation: Validation):
    """Fig. 3e / 4e: rate test + 100 cycles, capacity and CE, at 48 and 16 MPa."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
    for col, pressure in enumerate((48, 16)):
        for (_, binder, _, _), result in _runs(validation, "paper", pressure).items():
            df = result.cycles
            ls = "--" if binder in PREDICTED_BINDERS else "-"
            color = BINDER_COLORS.get(binder)
            axes[0, col].plot(df["cycle"], df["delithiation_capacity_mAh_g"], ls, color=color, label=binder)
            axes[1, col].plot(df["cycle"], 100 * df["coulombic_efficiency"], ls, color=color)
        axes[0, col].set(title=f"{pressure} MPa", ylabel="Delithiation [mAh g$^{-1}$]")
        axes[1, col].set(xlabel="Cycle", ylabel="Coulombic efficiency [%]", ylim=(80, 101))
    axes[0, 0].legend(frameon=False)
    return fig


def _figure_fixed_gap(validation: Validation):
    """Fig. 5: fixed-gap pressure trace and accumulated capacity-normalised change."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    for (_, binder, _, _), result in _runs(validation, "pressure-monitor").items():
        color = BINDER_COLORS.get(binder)
        for i, curve in enumerate(result.voltage_curves.values()):
            axes[0].plot(
                curve["time_h"], curve["stack_pressure_MPa"], color=color, lw=1, label=binder if i == 0 else None
            )
        later = result.cycles[result.cycles["cycle"] > 1]
        axes[1].plot(
            later["cycle"], later["accumulated_pressure_change_MPa_per_mAh_cm2"], "o-", color=color, label=binder
        )
    axes[0].set(xlabel="Time [h]", ylabel="Stack pressure [MPa]", title="Fixed gap, set 30 MPa, 17 °C")
    axes[1].set(xlabel="Cycle", ylabel="Accumulated ΔP / Q [MPa per mAh cm$^{-2}$]")
    axes[0].legend(frameon=False)
    return fig
