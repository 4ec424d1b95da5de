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
    """Current density vs voltage of every CV cycle (lithiation current positive).

    The y range leaves out the sweep's first instant (the pristine Si settling on its
    branch, docs/model.md), which would otherwise flatten every peak."""
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    cv = result.cycles[result.cycles[Col.ROLE] == Role.VOLTAMMETRY.value]
    shown = []
    for number in cv[Col.CYCLE]:
        curve = result.voltage_curves[number]
        ax.plot(curve[Curve.VOLTAGE], curve[Curve.CURRENT], label=f"cycle {number}")
        shown.append(curve[Curve.CURRENT].to_numpy()[len(curve) // 100 + 2 :])
    if shown:
        lo, hi = np.min(np.concatenate(shown)), np.max(np.concatenate(shown))
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
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
    """Lay out (unless the figure has its own layout engine), write (130 dpi) and close."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


SWEEP_METRICS = {
    Metric.FIRST_DELITHIATION: "1st delithiation [mAh g$^{-1}$]",
    Metric.ICE: "Initial coulombic efficiency",
    Metric.CYCLE_RETENTION: "Capacity retention (cycling block)",
}


# every sweep axis a figure can be drawn over, with its label in the paper's units
SWEEP_AXES = {
    "pressure_MPa": "Stack pressure [MPa]",
    "cohesion_N_m": "Binder cohesion [N m$^{-1}$]",
    "adhesion_N_m": "Binder adhesion [N m$^{-1}$]",
    "peel_strength_N_m": "Peel strength [N m$^{-1}$]",
    "film_conductivity_mS_cm": "Film conductivity [mS cm$^{-1}$]",
    "si_wt_pct": "Si share of active material [wt%]",
    "loading_mg_cm2": "Loading [mg cm$^{-2}$]",
    "temperature_C": "Temperature [°C]",
    "c_rate": "C-rate",
}
# a panel's title: value and unit of each axis it holds fixed
_PANEL_UNITS = {
    "pressure_MPa": " MPa",
    "cohesion_N_m": " N/m cohesion",
    "adhesion_N_m": " N/m adhesion",
    "peel_strength_N_m": " N/m peel",
    "film_conductivity_mS_cm": " mS/cm film",
    "si_wt_pct": " wt% Si",
    "loading_mg_cm2": " mg/cm2",
    "temperature_C": " °C",
    "c_rate": " C",
}


def swept_axes(df: pd.DataFrame) -> list[str]:
    """Numeric axes with more than one value, pressure first."""
    return [a for a in SWEEP_AXES if a in df and df[a].nunique() > 1]


def _pressure_ticks(axis, pressures) -> None:
    """Plain numbers at the pressures swept on a log axis (matplotlib's minor 3x10^1 labels
    run into each other)."""
    from matplotlib.ticker import NullLocator

    values = np.unique(pressures)
    shown = values if len(values) <= 8 else values[:: -(-len(values) // 8)]
    axis.set_xticks(shown, [f"{v:g}" for v in shown])
    axis.xaxis.set_minor_locator(NullLocator())


def _facets(df: pd.DataFrame, keys: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """One panel per combination of ``keys`` (binder, cell mode, axes not drawn otherwise),
    titled by it, so that no panel mixes or averages cells that differ."""
    if not keys:
        return [("", df)]
    panels = []
    for values, group in df.groupby(keys, sort=False):
        parts = [f"{v:g}{_PANEL_UNITS[k]}" if k in _PANEL_UNITS else str(v) for k, v in zip(keys, values, strict=True)]
        panels.append((", ".join(parts), group))
    return panels


def _panel_keys(df: pd.DataFrame, drawn: list[str]) -> list[str]:
    """Binder, cell and every swept axis not ``drawn`` (x, colour) become panels."""
    keys = [k for k in ("binder", "cell") if k in df and df[k].nunique() > 1]
    return keys + [a for a in swept_axes(df) if a not in drawn]


def plot_metric_vs_axis(df: pd.DataFrame, metric: str) -> plt.Figure:
    """A sweep metric against the swept axis (pressure if swept, else the first), one line
    per value of a second axis on a labelled colour scale, a panel per binder, cell mode
    or further axis: each line is one cell, never an average."""
    ok = df[df["status"] != "failed"].dropna(subset=[metric])
    axes_swept = swept_axes(ok)
    x = axes_swept[0] if axes_swept else "pressure_MPa"
    colour = next((a for a in axes_swept if a != x), None)
    panels = _facets(ok, _panel_keys(ok, [x, colour]))
    cols = min(len(panels), 4)
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols + 1, 3.4 * rows), squeeze=False, sharey=True, layout="constrained"
    )
    cmap = plt.get_cmap("viridis")
    if colour is not None:
        values = np.sort(ok[colour].unique())
        norm = plt.Normalize(values.min(), values.max())
    for axis, (title, group) in zip(axes.flat, panels, strict=False):
        lines = group.groupby(colour, sort=True) if colour else [(None, group)]
        for value, line in lines:
            line = line.sort_values(x)
            color = "k" if value is None else cmap(norm(value))
            axis.plot(line[x], line[metric], "o-", ms=3, color=color)
        logx = x == "pressure_MPa" and ok[x].max() >= 10 * ok[x].min()
        axis.set(xlabel=SWEEP_AXES[x], title=title, xscale="log" if logx else "linear")
        if logx:
            _pressure_ticks(axis, ok[x])
        axis.title.set_fontsize(8)
    for axis in axes[:, 0]:
        axis.set(ylabel=SWEEP_METRICS.get(metric, metric))
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    if colour is not None:
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, label=SWEEP_AXES[colour])
        bar.set_ticks(values if len(values) <= 8 else bar.get_ticks())
    return fig


def plot_design_map(df: pd.DataFrame, metric: str, ax=None):
    """Map of a metric over stack pressure x binder cohesion, one panel per binder (their
    other properties differ) and per value of any other swept axis: never averaged. The
    paper's binders' cohesions are marked and the metric contoured, so a required cohesion
    can be read at any pressure."""
    from .parameters import binder_names, load_binder

    ok = df[df["status"] != "failed"]
    keys = ["binder", *(k for k in _panel_keys(ok, ["pressure_MPa", "cohesion_N_m"]) if k != "binder")]
    groups = _facets(ok, [k for k in keys if k in ok])
    if ax is None:
        axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 4), squeeze=False)[1][0]
    else:
        axes = np.atleast_1d(ax)
    for axis, (title, group) in zip(axes, groups, strict=True):
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
        axis.set(xlabel=SWEEP_AXES["pressure_MPa"], ylabel=SWEEP_AXES["cohesion_N_m"], xscale="log")
        _pressure_ticks(axis, x)
        axis.set_title(f"{title}: its adhesion and film conductivity" if title else "", fontsize=8)
    return axes[0]


def save_sweep_figures(df: pd.DataFrame, out: Path) -> list[Path]:
    """The metrics against the swept axis (``<metric>_vs_pressure.png`` etc.), and
    pressure x cohesion maps when both were swept."""
    paths = []
    metrics = [m for m in SWEEP_METRICS if m in df and df[m].notna().any()]
    axes = swept_axes(df[df["status"] != "failed"])
    x = (axes[0] if axes else "pressure_MPa").split("_")[0]
    for metric in metrics:
        paths.append(save_figure(plot_metric_vs_axis(df, metric), out / f"{metric}_vs_{x}.png"))
        if {"pressure_MPa", "cohesion_N_m"} <= set(axes):
            plot_design_map(df, metric)
            paths.append(save_figure(plt.gcf(), out / f"{metric}_map.png"))
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


# the paper's points per binder: distinct marker and size, so equal values stay visible
PAPER_MARKERS = {"NBR-A": ("o", 7), "NBR-T": ("D", 4.5), "NBR-X": ("s", 6), "PB": ("^", 6)}


def _paper_points(ax, x, y, binder: str, color: str | None) -> None:
    """The paper's numbers for one binder: hollow, its own marker, drawn over the lines."""
    marker, size = PAPER_MARKERS.get(binder, ("o", 6))
    ax.plot(x, y, marker, ms=size, mfc="none", mew=1.4, color=color, zorder=5)


def _figure_pressure(validation: Validation):
    """Fig. 4c: capacity and ICE vs stack pressure; NBR-X and PB dashed (predictions)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, metric, target, label, scale in (
        (axes[0], Metric.FIRST_DELITHIATION, "p-cap-first", "1st delithiation capacity [mAh g$^{-1}$]", 1),
        (axes[1], Metric.ICE, "p-ice", "Initial coulombic efficiency [%]", 100),
    ):
        for binder, color in BINDER_COLORS.items():
            runs = {k[2]: r for k, r in validation.runs("formation").items() if k[1] == binder}
            pressures = sorted(runs)
            ls = "--" if binder in PREDICTED_BINDERS else "-"
            model = [scale * metric_value(runs[p].metrics, metric) for p in pressures]
            ax.plot(pressures, model, ls, color=color, label=binder)
            paper = validation.table[(validation.table["id"] == target) & (validation.table["binder"] == binder)]
            _paper_points(ax, paper["stack_pressure_MPa"], scale * paper["paper_value"], binder, color)
        ax.set(xlabel="Stack pressure [MPa]", ylabel=label)
    axes[0].legend(frameon=False, fontsize=8, title="lines: model, hollow: paper", title_fontsize=8)
    return fig


def _figure_cycling(validation: Validation):
    """Fig. 3e / 4e: rate test + 100 cycles, capacity and CE, at 48 and 16 MPa, with the
    paper's numbers: its retentions placed on the model's own reference capacity (the
    0.15 C rate block, the first 0.3 C cycle), its mean CE over the cycling block. The CE
    axis shows every cycle (first-cycle CE and the recovery cycle after 1.5 C included)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True, layout="constrained")
    table = validation.table
    for col, pressure in enumerate((48, 16)):
        for (_, binder, _, _), result in validation.runs("paper", pressure).items():
            df = result.cycles
            ls = "--" if binder in PREDICTED_BINDERS else "-"
            color = BINDER_COLORS.get(binder)
            axes[0, col].plot(df[Col.CYCLE], df[Col.DELITHIATION], ls, color=color, label=binder)
            axes[1, col].plot(df[Col.CYCLE], 100 * df[Col.CE], ls, color=color, lw=1)
            quoted = (f"{Metric.RATE_RETENTION}_1.5C", Metric.CYCLE_RETENTION, Metric.MEAN_CE)
            paper = table[
                (table["binder"] == binder) & (table["stack_pressure_MPa"] == pressure) & table["metric"].isin(quoted)
            ]
            paper = paper.drop_duplicates("metric").set_index("metric")["paper_value"]
            rate, cycling = df[df[Col.ROLE] == Role.RATE.value], df[df[Col.ROLE] == Role.CYCLING.value]
            points = []
            if f"{Metric.RATE_RETENTION}_1.5C" in paper and not rate.empty:
                reference = rate[rate[Col.C_RATE] == rate[Col.C_RATE].iloc[0]][Col.DELITHIATION].mean()
                fast = rate[rate[Col.C_RATE] == rate[Col.C_RATE].max()][Col.CYCLE]
                points.append((fast.mean(), paper[f"{Metric.RATE_RETENTION}_1.5C"] * reference))
            if Metric.CYCLE_RETENTION in paper and not cycling.empty:
                first = cycling[Col.DELITHIATION].iloc[0]
                points.append((cycling[Col.CYCLE].iloc[-1], paper[Metric.CYCLE_RETENTION] * first))
            if points:
                _paper_points(axes[0, col], *zip(*points, strict=True), binder, color)
            if Metric.MEAN_CE in paper and not cycling.empty:
                span = cycling[Col.CYCLE].iloc[[0, -1]]
                axes[1, col].plot(span, [100 * paper[Metric.MEAN_CE]] * 2, ":", color=color, lw=2)
        axes[0, col].set(title=f"{pressure} MPa", ylabel="Delithiation [mAh g$^{-1}$]")
        axes[1, col].set(xlabel="Cycle", ylabel="Coulombic efficiency [%]")
        axes[1, col].axhline(100, color="0.6", lw=0.5)
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    axes[1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, _ = axes[0, 0].get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="o", ls="", mfc="none", color="k", label="paper: retention × model's reference"),
        Line2D([], [], ls=":", lw=2, color="k", label="paper: mean CE over 100 cycles"),
    ]
    fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False, fontsize=8)
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
