"""Figures of a run, in the paper's units and conventions."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .protocols import CellMode, Role
from .simulation import RunResult


def default_cycles(result: RunResult) -> list[int]:
    """First, second and last completed cycle (the usual selection for voltage curves)."""
    n = len(result.cycles)
    return sorted({c for c in (1, 2, n) if 1 <= c <= n})


def plot_voltage_profiles(result: RunResult, cycles: list[int] | None = None, ax=None):
    """Voltage vs capacity (mAh per g of active material) for the chosen cycles.

    Lithiation and delithiation are drawn from 0 each, as the paper plots them.
    """
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    for number in cycles or default_cycles(result):
        plot_cycle_curve(ax, result.voltage_curves[number], label=f"cycle {number}")
    ax.set(xlabel="Capacity [mAh g$^{-1}$]", ylabel="Voltage vs Li/Li$^+$ [V]", ylim=(0, 2.05))
    ax.legend(frameon=False)
    ax.set_title(f"{result.binder.name}, {result.design.stack_pressure_MPa:g} MPa, {result.model.value}")
    return ax


def plot_cycle_curve(ax, curve: pd.DataFrame, label: str, color=None, delithiation_style: str = "-"):
    """One cycle's voltage vs capacity, lithiation and delithiation each from 0."""
    q, v = curve["capacity_mAh_g"], curve["voltage_V"]
    turn = q.idxmax()
    (line,) = ax.plot(q[: turn + 1], v[: turn + 1], color=color, label=label)
    ax.plot(q.max() - q[turn:], v[turn:], color=line.get_color(), ls=delithiation_style)


def plot_capacity_vs_cycle(result: RunResult, axes=None):
    """Delithiation capacity (with graphite and Si shares) and coulombic efficiency."""
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(6, 5), sharex=True)
    df = result.cycles
    ax, ax_ce = axes
    ax.plot(df["cycle"], df["delithiation_capacity_mAh_g"], "o-", ms=3, label="total")
    ax.plot(df["cycle"], df["graphite_delithiation_mAh_g"], "s-", ms=2, label="graphite")
    ax.plot(df["cycle"], df["si_delithiation_mAh_g"], "^-", ms=2, label="Si")
    ax.set(ylabel="Delithiation capacity\n[mAh g$^{-1}$]")
    ax.legend(frameon=False, ncol=3)
    ax_ce.plot(df["cycle"], 100 * df["coulombic_efficiency"], "o-", ms=3, color="k")
    ax_ce.set(xlabel="Cycle", ylabel="Coulombic efficiency [%]")
    return axes


def plot_voltammogram(result: RunResult, ax=None):
    """Current density vs voltage of every CV cycle (lithiation current positive)."""
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    cv = result.cycles[result.cycles["role"] == Role.VOLTAMMETRY.value]
    for number in cv["cycle"]:
        curve = result.voltage_curves[number]
        ax.plot(curve["voltage_V"], curve["current_mA_cm2"], label=f"cycle {number}")
    ax.set(xlabel="Voltage vs Li/Li$^+$ [V]", ylabel="Lithiation current [mA cm$^{-2}$]")
    ax.legend(frameon=False)
    return ax


def plot_pressure_trace(result: RunResult, ax=None):
    """Stack pressure vs time, lithiation steps shaded (the paper's monitoring plot)."""
    ax = ax or plt.subplots(figsize=(7, 3.5))[1]
    for curve in result.voltage_curves.values():
        ax.plot(curve["time_h"], curve["stack_pressure_MPa"], color="k", lw=1)
        lithiating = curve["current_mA_cm2"].to_numpy() > 0
        t = curve["time_h"].to_numpy()
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
    ax_f.plot(df["cycle"], df["si_connected_fraction"], "o-", ms=3, label="Si")
    ax_f.plot(df["cycle"], df["graphite_connected_fraction"], "s-", ms=3, label="graphite")
    ax_f.set(xlabel="Cycle", ylabel="Connected fraction", ylim=(0, 1.05))
    ax_f.legend(frameon=False)
    ax_l.plot(df["cycle"], df["electrode_thickness_um"], "o-", ms=3, color="tab:brown")
    ax_l.axhline(result.metrics["electrode_thickness_initial_um"], color="0.6", ls="--", lw=1)
    ax_l.set(xlabel="Cycle", ylabel="Electrode thickness\n(end of cycle) [µm]")
    if not fixed_gap:
        return axes
    later = df[df["cycle"] > 1]
    ax_p = axes[2]
    ax_p.plot(later["cycle"], later["accumulated_pressure_change_MPa_per_mAh_cm2"], "o-", ms=3, color="tab:red")
    ax_p.set(xlabel="Cycle", ylabel="Accumulated ΔP / Q\n[MPa per mAh cm$^{-2}$]")
    return axes


def save_run_figures(result: RunResult, out: Path) -> list[Path]:
    """Write the standard PNGs of a run into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    roles = set(result.cycles["role"])
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
        fig = plt.gcf()
        fig.tight_layout()
        fig.savefig(out / name, dpi=130)
        plt.close(fig)
        paths.append(out / name)
    return paths


SWEEP_METRICS = {
    "first_delithiation_capacity_mAh_g": "1st delithiation [mAh g$^{-1}$]",
    "initial_coulombic_efficiency": "Initial coulombic efficiency",
    "cycle_retention": "Capacity retention (cycling block)",
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
    """Map of a metric over stack pressure x binder cohesion, the paper's binders marked."""
    from .parameters import binder_names, load_binder

    ax = ax or plt.subplots(figsize=(5.5, 4))[1]
    ok = df[df["status"] != "failed"]
    grid = ok.pivot_table(index="cohesion_N_m", columns="pressure_MPa", values=metric)
    mesh = ax.pcolormesh(grid.columns, grid.index, grid.to_numpy(), shading="nearest", cmap="viridis")
    plt.colorbar(mesh, ax=ax, label=SWEEP_METRICS.get(metric, metric))
    for name in binder_names():
        cohesion = load_binder(name).cohesion_N_m
        ax.axhline(cohesion, color="w", lw=0.8, ls="--")
        ax.text(grid.columns.min(), cohesion, f" {name}", color="w", va="bottom", fontsize=8)
    ax.set(xlabel="Stack pressure [MPa]", ylabel="Binder cohesion [N m$^{-1}$]")
    return ax


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
            fig = plt.gcf()
            fig.tight_layout()
            path = out / f"{metric}_{kind}.png"
            fig.savefig(path, dpi=130)
            plt.close(fig)
            paths.append(path)
    return paths
