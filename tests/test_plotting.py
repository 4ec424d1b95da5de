"""Sweep figures take their form from what was swept: x is pressure if swept, else the
swept axis; a second axis is a labelled colour scale; binders, cell modes and further
axes are panels, so no line or map cell mixes or averages different cells."""

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest

from assb_sim.metrics import Metric
from assb_sim.plotting import plot_design_map, plot_metric_vs_axis, save_sweep_figures

matplotlib.use("Agg")


def _grid(**axes) -> pd.DataFrame:
    """A sweep table with a metric that depends on every axis (distinct everywhere)."""
    rows = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    df = pd.DataFrame(rows).assign(status="done")
    numeric = df.select_dtypes("number")
    df[Metric.ICE] = 0.5 + 0.001 * numeric.rank(method="dense").sum(axis=1) + np.arange(len(df)) * 1e-6
    return df


def _lines(ax) -> list:
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 1]


def test_binders_are_panels_and_a_second_axis_a_labelled_colour_scale():
    cohesions = np.linspace(0, 300, 21)  # 21 lines once cycled through 10 colours with a legend
    df = _grid(binder=["NBR-A", "NBR-T"], pressure_MPa=[8, 16, 48], cohesion_N_m=cohesions)
    fig = plot_metric_vs_axis(df, Metric.ICE)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert [ax.get_title() for ax in panels] == ["NBR-A", "NBR-T"]
    assert all(ax.get_legend() is None for ax in panels)
    assert all(len(_lines(ax)) == 21 for ax in panels)
    colours = {tuple(line.get_color()) for line in _lines(panels[0])}
    assert len(colours) == 21  # one colour per cohesion on a continuous scale
    bar = next(ax for ax in fig.axes if ax.get_label() == "<colorbar>")
    assert "cohesion" in bar.get_ylabel()
    assert panels[0].get_xlabel() == "Stack pressure [MPa]"


def test_a_sweep_without_pressure_is_drawn_against_its_own_axis(tmp_path):
    df = _grid(si_wt_pct=[5.0, 10.0, 20.0, 30.0])
    fig = plot_metric_vs_axis(df, Metric.ICE)
    (ax,) = fig.axes
    assert ax.get_xlabel().startswith("Si share")
    assert list(_lines(ax)[0].get_xdata()) == [5.0, 10.0, 20.0, 30.0]
    names = [p.name for p in save_sweep_figures(df, tmp_path)]
    assert names == ["initial_coulombic_efficiency_vs_si.png"]


def test_design_map_never_averages_over_another_swept_axis():
    df = _grid(binder=["NBR-A"], pressure_MPa=[8, 16, 48], cohesion_N_m=[0.0, 150.0, 300.0], loading_mg_cm2=[3.1, 6])
    plot_design_map(df, Metric.ICE)
    fig = matplotlib.pyplot.gcf()
    meshes = [ax for ax in fig.axes if ax.collections and ax.get_label() != "<colorbar>"]
    assert [ax.get_title().split(":")[0] for ax in meshes] == ["NBR-A, 3.1 mg/cm2", "NBR-A, 6 mg/cm2"]
    for ax, loading in zip(meshes, (3.1, 6), strict=True):
        shown = np.sort(ax.collections[0].get_array().ravel())
        expected = np.sort(df.loc[df["loading_mg_cm2"] == loading, Metric.ICE].to_numpy())
        assert list(shown) == pytest.approx(list(expected))
