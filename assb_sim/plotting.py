"""Figures of runs, sweeps and the validation report, in the paper's units and conventions.

No backend is chosen here: a notebook keeps its own; the CLI selects Agg.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .metrics import Col, Curve, Metric, metric_value
from .protocols import CellMode, Role
from .simulation import RunResult
from .targets import PREDICTED_BINDERS

if TYPE_CHECKING:
    from .validation import Validation


def default_cycles(result: RunResult) -> list[int]:
    """First, second and last completed cycle (the usual selection for voltage curves)."""
    n = len(result.cycles)
    return sorted({c for c in (1, 2, n) if 1 <= c <= n})


def plot_voltage_profiles(result: RunResult, cycles: list[int] | None = None, ax=None):
    """Voltage vs capacity (mAh per g of active material) for the chosen cycles.

    Lithiation and delithiation are drawn from 0 each, as the paper plots them; earlier
    cycles on top (dashed later ones), so the first-cycle loss stays visible.
    """
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    numbers = list(cycles or default_cycles(result))
    for rank, number in enumerate(numbers):
        plot_cycle_curve(
            ax, result.voltage_curves[number], label=f"cycle {number}", zorder=len(numbers) - rank, dashed=rank > 0
        )
    ax.set(xlabel="Capacity [mAh g$^{-1}$]", ylabel="Voltage vs Li/Li$^+$ [V]", ylim=(0, 2.05))
    ax.legend(frameon=False)
    ax.set_title(f"{result.binder.name}, {result.design.stack_pressure_MPa:g} MPa, {result.model.value}")
    return ax


def plot_cycle_curve(
    ax, curve: pd.DataFrame, label: str, color=None, delithiation_style: str = "-", zorder: float = 2, dashed=False
):
    """One cycle's voltage vs capacity, lithiation and delithiation each from 0."""
    q, v = curve[Curve.CAPACITY], curve[Curve.VOLTAGE]
    turn = q.idxmax()
    style = "--" if dashed else "-"
    (line,) = ax.plot(q[: turn + 1], v[: turn + 1], color=color, label=label, ls=style, zorder=zorder)
    ax.plot(
        q.max() - q[turn:], v[turn:], color=line.get_color(), ls="--" if dashed else delithiation_style, zorder=zorder
    )


def plot_capacity_vs_cycle(result: RunResult, axes=None):
    """Delithiation capacity (with graphite and Si shares) and coulombic efficiency."""
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(6, 5), sharex=True)
    df = result.cycles
    ax, ax_ce = axes
    ax.plot(df[Col.CYCLE], df[Col.DELITHIATION], "o-", ms=3, label="total")
    ax.plot(df[Col.CYCLE], df[Col.GRAPHITE_DELITHIATION], "s-", ms=2, label="graphite")
    ax.plot(df[Col.CYCLE], df[Col.SI_DELITHIATION], "^-", ms=2, label="Si")
    ax.set(ylabel="Delithiation capacity\n[mAh g$^{-1}$]")
    ax.legend(frameon=False, ncol=3)
    ax_ce.plot(df[Col.CYCLE], 100 * df[Col.CE], "o-", ms=3, color="k")
    ax_ce.set(xlabel="Cycle", ylabel="Coulombic efficiency [%]")
    return axes


def plot_first_lithiation(result: RunResult, axes=None):
    """Cycle 1 against cycle 2 where they differ: the lithiation's differential capacity
    (the c-Si two-phase plateau is a peak of cycle 1 only) and where in the first cycle the
    LPSCl decomposed (``first_cycle_decomposition_mAh_g``)."""
    axes = axes if axes is not None else plt.subplots(1, 2, figsize=(10, 3.8))[1]
    for number in (1, 2):
        curve = result.voltage_curves.get(number)
        if curve is None:
            continue
        lith = curve.iloc[: curve[Curve.CAPACITY].idxmax() + 1]
        lith = lith[lith[Curve.VOLTAGE].diff() < -1e-5]  # the sweep down, not the hold
        dq_dv = -np.gradient(lith[Curve.CAPACITY].to_numpy(), lith[Curve.VOLTAGE].to_numpy())
        axes[0].plot(lith[Curve.VOLTAGE], dq_dv, label=f"cycle {number} lithiation", ls="-" if number == 1 else "--")
    axes[0].set(xlabel="Voltage vs Li/Li$^+$ [V]", ylabel="dQ/dV [mAh g$^{-1}$ V$^{-1}$]", xlim=(0, 0.6), yscale="log")
    axes[0].set_ylim(bottom=10)
    axes[0].legend(frameon=False)
    windows = result.metrics.get(Metric.FIRST_DECOMPOSITION) or {}
    axes[1].bar(list(windows), list(windows.values()), color="tab:gray")
    axes[1].set(ylabel="Decomposition in cycle 1 [mAh g$^{-1}$]", xlabel="lithiation window / hold / delithiation")
    axes[1].tick_params(axis="x", labelrotation=20)
    return axes


def plot_voltammogram(result: RunResult, ax=None):
    """Current density vs voltage of every CV cycle (lithiation current positive)."""
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    cv = result.cycles[result.cycles[Col.ROLE] == Role.VOLTAMMETRY.value]
    for number in cv[Col.CYCLE]:
        curve = result.voltage_curves[number]
        ax.plot(curve[Curve.VOLTAGE], curve[Curve.CURRENT], label=f"cycle {number}")
    ax.set(xlabel="Voltage vs Li/Li$^+$ [V]", ylabel="Lithiation current [mA cm$^{-2}$]")
    ax.legend(frameon=False)
    return ax


def plot_pressure_trace(result: RunResult, ax=None):
    """Stack pressure vs time, lithiation steps shaded (the paper's monitoring plot)."""
    ax = ax or plt.subplots(figsize=(7, 3.5))[1]
    for curve in result.voltage_curves.values():
        ax.plot(curve[Curve.TIME], curve[Curve.PRESSURE], color="k", lw=1)
        lithiating = curve[Curve.CURRENT].to_numpy() > 0
        t = curve[Curve.TIME].to_numpy()
        ax.fill_between(
            t, 0, 1, where=lithiating, color="tab:blue", alpha=0.12, lw=0, transform=ax.get_xaxis_transform()
        )
    ax.set(xlabel="Time [h]", ylabel="Stack pressure [MPa]")
    ax.set_title(f"{result.binder.name}, {result.cell.value} cell (shaded: lithiation)")
    return ax


def plot_mechanics_vs_cycle(result: RunResult, axes=None):
    """Connected fractions, electrode thickness and, for a fixed-gap cell, the
    accumulated capacity-normalised pressure change per cycle."""
    fixed_gap = result.cell is CellMode.FIXED_GAP
    if axes is None:
        _, axes = plt.subplots(1, 3 if fixed_gap else 2, figsize=(11 if fixed_gap else 7.5, 3.3))
    df = result.cycles
    ax_f, ax_l = axes[:2]
    ax_f.plot(df[Col.CYCLE], df[Col.SI_CONNECTED], "o-", ms=3, label="Si")
    ax_f.plot(df[Col.CYCLE], df[Col.GRAPHITE_CONNECTED], "s-", ms=3, label="graphite")
    ax_f.set(xlabel="Cycle", ylabel="Connected fraction", ylim=(0, 1.05))
    ax_f.legend(frameon=False)
    ax_l.plot(df[Col.CYCLE], df[Col.THICKNESS], "o-", ms=3, color="tab:brown")
    ax_l.axhline(result.metrics[Metric.THICKNESS_INITIAL], color="0.6", ls="--", lw=1)
    ax_l.set(xlabel="Cycle", ylabel="Electrode thickness\n(end of cycle) [µm]")
    if not fixed_gap:
        return axes
    later = df[df[Col.CYCLE] > 1]
    ax_p = axes[2]
    ax_p.plot(later[Col.CYCLE], later[Col.DP_ACCUMULATED], "o-", ms=3, color="tab:red")
    ax_p.set(xlabel="Cycle", ylabel="Accumulated ΔP / Q\n[MPa per mAh cm$^{-2}$]")
    return axes


def save_run_figures(result: RunResult, out: Path) -> list[Path]:
    """Write the standard PNGs of a run into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    roles = set(result.cycles[Col.ROLE])
    figures = []
    if Role.VOLTAMMETRY.value in roles:
        figures.append(("voltammogram.png", lambda: plot_voltammogram(result)))
    if roles - {Role.VOLTAMMETRY.value}:
        figures.append(("voltage_profiles.png", lambda: plot_voltage_profiles(result)))
        figures.append(("capacity_vs_cycle.png", lambda: plot_capacity_vs_cycle(result)))
    figures.append(("mechanics_vs_cycle.png", lambda: plot_mechanics_vs_cycle(result)))
    if result.cell is CellMode.FIXED_GAP:
        figures.append(("pressure_trace.png", lambda: plot_pressure_trace(result)))
    paths = []
    for name, draw in figures:
        draw()
        paths.append(save_figure(plt.gcf(), out / name))
    return paths


def save_figure(fig, path: Path) -> Path:
    """Lay out, write (130 dpi) and close a figure."""
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


SWEEP_METRICS = {
    Metric.FIRST_DELITHIATION: "1st delithiation [mAh g$^{-1}$]",
    Metric.ICE: "Initial coulombic efficiency",
    Metric.CYCLE_RETENTION: "Capacity retention (cycling block)",
}


def plot_metric_vs_pressure(df: pd.DataFrame, metric: str, ax=None):
    """One line per binder (and other axis values): a sweep metric against stack pressure."""
    ax = ax or plt.subplots(figsize=(5, 3.8))[1]
    ok = df[df["status"] != "failed"].dropna(subset=[metric])
    others = [c for c in ("cohesion_N_m", "si_wt_pct", "loading_mg_cm2", "temperature_C", "c_rate", "cell") if c in ok]
    for label, group in ok.groupby(["binder", *others], dropna=False):
        name = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in np.atleast_1d(label))
        group = group.sort_values("pressure_MPa")
        ax.plot(group["pressure_MPa"], group[metric], "o-", ms=3, label=name)
    ax.set(xlabel="Stack pressure [MPa]", ylabel=SWEEP_METRICS.get(metric, metric))
    ax.legend(frameon=False, fontsize=7)
    return ax


def plot_design_map(df: pd.DataFrame, metric: str, ax=None):
    """Map of a metric over stack pressure x binder cohesion, one panel per binder swept
    (their other properties differ: never averaged), the paper's binders' cohesions marked
    and contours of the metric, so a required cohesion can be read at any pressure."""
    from .parameters import binder_names, load_binder

    ok = df[df["status"] != "failed"]
    groups = list(ok.groupby("binder", sort=False)) if "binder" in ok else [("", ok)]
    if ax is None:
        axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 4), squeeze=False)[1][0]
    else:
        axes = np.atleast_1d(ax)
    for axis, (binder, group) in zip(axes, groups, strict=True):
        grid = group.pivot(index="cohesion_N_m", columns="pressure_MPa", values=metric)
        x, y, z = grid.columns.to_numpy(), grid.index.to_numpy(), grid.to_numpy()
        mesh = axis.pcolormesh(x, y, z, shading="nearest", cmap="viridis")
        plt.colorbar(mesh, ax=axis, label=SWEEP_METRICS.get(metric, metric))
        if min(z.shape) > 1:
            lines = axis.contour(x, y, z, levels=6, colors="w", linewidths=0.6)
            axis.clabel(lines, fontsize=7, fmt="%.3g")
        for name in binder_names():
            cohesion = load_binder(name).cohesion_N_m
            if y.min() <= cohesion <= y.max():
                axis.axhline(cohesion, color="k", lw=0.6, ls=":")
                axis.text(x.min(), cohesion, f" {name}", color="k", va="bottom", fontsize=7)
        axis.set(xlabel="Stack pressure [MPa]", ylabel="Binder cohesion [N m$^{-1}$]", xscale="log")
        axis.set_title(f"{binder}: its adhesion and film conductivity" if binder else "", fontsize=8)
    return axes[0]


def save_sweep_figures(df: pd.DataFrame, out: Path) -> list[Path]:
    """Metric-vs-pressure plots, and pressure x cohesion maps when both were swept."""
    paths = []
    metrics = [m for m in SWEEP_METRICS if m in df and df[m].notna().any()]
    swept_cohesion = "cohesion_N_m" in df and df["cohesion_N_m"].nunique() > 1
    for metric in metrics:
        for kind, draw in (("vs_pressure", plot_metric_vs_pressure), ("map", plot_design_map)):
            if kind == "map" and not swept_cohesion:
                continue
            draw(df, metric)
            paths.append(save_figure(plt.gcf(), out / f"{metric}_{kind}.png"))
    return paths


# --- the validation report's figures --------------------------------------------------

BINDER_COLORS = {"NBR-A": "tab:blue", "NBR-T": "tab:orange", "NBR-X": "tab:green", "PB": "tab:gray"}


def save_validation_figures(validation: Validation, out: Path) -> list[Path]:
    """The paper's figures, model lines with the paper's numbers as points (no curve of
    the paper was digitized, so only its quoted numbers appear)."""
    figures = {
        "first_cycle_profiles.png": _figure_profiles,
        "capacity_shares.png": _figure_shares,
        "capacity_ice_vs_pressure.png": _figure_pressure,
        "rate_and_cycling.png": _figure_cycling,
        "fixed_gap_pressure.png": _figure_fixed_gap,
    }
    return [save_figure(draw(validation), out / name) for name, draw in figures.items()]


def _figure_profiles(validation: Validation):
    """Fig. 3a-c / 4a-b: first-cycle voltage profiles per binder at 48 and 16 MPa."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, pressure in zip(axes, (48, 16), strict=True):
        for (_, binder, _, _), result in validation.runs("formation", pressure).items():
            plot_cycle_curve(ax, result.voltage_curves[1], binder, BINDER_COLORS.get(binder), "--")
        ax.set(xlabel="Capacity [mAh g$^{-1}$]", title=f"1st cycle, {pressure} MPa (solid: lithiation)", ylim=(0, 2.05))
    axes[0].set(ylabel="Voltage vs Li/Li$^+$ [V]")
    axes[0].legend(frameon=False)
    return fig


def _figure_shares(validation: Validation):
    """Fig. 3d: graphite and Si shares of the first delithiation at 48 MPa, model vs paper,
    both read by voltage plateau (the model's curve split at PLATEAU_SPLIT_V)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    runs = validation.runs("formation", 48)
    table = validation.table
    for i, ((_, binder, _, _), result) in enumerate(runs.items()):
        gr = metric_value(result.metrics, Metric.FIRST_GRAPHITE_PLATEAU)
        si = metric_value(result.metrics, Metric.FIRST_SI_PLATEAU)
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
    ax.set(ylabel="1st delithiation [mAh g$^{-1}$]", title="48 MPa, both read at 0.25 V (hatched: paper)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def _figure_pressure(validation: Validation):
    """Fig. 4c: capacity and ICE vs stack pressure; NBR-X and PB dashed (predictions)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, metric, target in (
        (axes[0], Metric.FIRST_DELITHIATION, "p-cap-first"),
        (axes[1], Metric.ICE, "p-ice"),
    ):
        for binder, color in BINDER_COLORS.items():
            runs = {k[2]: r for k, r in validation.runs("formation").items() if k[1] == binder}
            pressures = sorted(runs)
            ls = "--" if binder in PREDICTED_BINDERS else "-"
            ax.plot(
                pressures, [metric_value(runs[p].metrics, metric) for p in pressures], ls, color=color, label=binder
            )
            paper = validation.table[(validation.table["id"] == target) & (validation.table["binder"] == binder)]
            ax.plot(paper["stack_pressure_MPa"], paper["paper_value"], "o", color=color)
        ax.set(xlabel="Stack pressure [MPa]", ylabel=metric.replace("_", " "))
    axes[0].legend(frameon=False, fontsize=8, title="lines: model, points: paper", title_fontsize=8)
    return fig


def _figure_cycling(validation: Validation):
    """Fig. 3e / 4e: rate test + 100 cycles, capacity and CE, at 48 and 16 MPa."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
    for col, pressure in enumerate((48, 16)):
        for (_, binder, _, _), result in validation.runs("paper", pressure).items():
            df = result.cycles
            ls = "--" if binder in PREDICTED_BINDERS else "-"
            color = BINDER_COLORS.get(binder)
            axes[0, col].plot(df[Col.CYCLE], df[Col.DELITHIATION], ls, color=color, label=binder)
            axes[1, col].plot(df[Col.CYCLE], 100 * df[Col.CE], ls, color=color)
        axes[0, col].set(title=f"{pressure} MPa", ylabel="Delithiation [mAh g$^{-1}$]")
        axes[1, col].set(xlabel="Cycle", ylabel="Coulombic efficiency [%]", ylim=(80, 101))
    axes[0, 0].legend(frameon=False)
    return fig


def _figure_fixed_gap(validation: Validation):
    """Fig. 5: fixed-gap pressure trace and accumulated capacity-normalised change."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    for (_, binder, _, _), result in validation.runs("pressure-monitor").items():
        color = BINDER_COLORS.get(binder)
        for i, curve in enumerate(result.voltage_curves.values()):
            axes[0].plot(curve[Curve.TIME], curve[Curve.PRESSURE], color=color, lw=1, label=binder if i == 0 else None)
        later = result.cycles[result.cycles[Col.CYCLE] > 1]
        axes[1].plot(later[Col.CYCLE], later[Col.DP_ACCUMULATED], "o-", color=color, label=binder)
    axes[0].set(xlabel="Time [h]", ylabel="Stack pressure [MPa]", title="Fixed gap, set 30 MPa, 17 °C")
    axes[1].set(xlabel="Cycle", ylabel="Accumulated ΔP / Q [MPa per mAh cm$^{-2}$]")
    axes[0].legend(frameon=False)
    return fig
