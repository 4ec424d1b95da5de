"""Validation data keep the paper's ids and values; the comparison flags misses."""

import pandas as pd
import pytest

from assb_sim import names as n
from assb_sim.parameters import resource_dir
from assb_sim.targets import CASE, load_known_misses, load_targets, target_key
from assb_sim.validation import compare, run_cases


def test_every_target_is_a_number_of_the_paper():
    """The paper's numbers as they stand in targets.csv (load_targets then turns rows with
    ``relative_to`` into changes from that reference, tested below)."""
    targets = pd.read_csv(resource_dir("validation") / "targets.csv")
    reported = pd.read_csv(resource_dir("validation") / "reported_values.csv")
    merged = targets.merge(reported, on=["id", "binder", "stack_pressure_MPa"], suffixes=("", "_paper"))
    assert len(merged) == len(targets)  # every target traces to one reported value
    percent = merged["unit_paper"] == "%"
    expected = merged["value"].where(~percent, merged["value"] / 100)
    assert merged["paper_value"].to_numpy() == pytest.approx(expected.to_numpy())
    assert (merged["source"] == merged["source_paper"]).all()
    assert load_targets()["used_in_fit"].dtype == bool


def test_thickness_is_compared_as_the_change_from_each_binders_pristine_electrode():
    targets = load_targets().set_index(["id", "binder"])
    assert targets.loc[("el-thickness-cycled", "NBR-A"), "paper_value"] == pytest.approx(27 / 22 - 1)
    assert targets.loc[("el-thickness-cycled", "NBR-T"), "paper_value"] == pytest.approx(36 / 25 - 1)


def test_known_misses_name_existing_targets_or_checks():
    keys = {target_key(t) for _, t in load_targets().iterrows()}
    for key, reason in load_known_misses().items():
        assert key in keys or key.startswith("check: "), key
        assert len(reason) > 40, key  # a physical reason, not a label


def test_compare_passes_and_misses():
    targets = load_targets()
    subset = targets[(targets["binder"] == "NBR-A") & (targets["stack_pressure_MPa"] == 80)].copy()
    wrong = subset.iloc[[0]].assign(paper_value=600.0, id="synthetic-miss")
    cases = pd.concat([subset, wrong])
    table = compare(cases, run_cases(cases[CASE].drop_duplicates(), "SPMe")).set_index("id")
    assert table.loc["p-ice", "passed"]
    assert table.loc["p-cap-first", "passed"]
    assert not table.loc["synthetic-miss", "passed"]
    assert table.loc["synthetic-miss", "error"] < -90


@pytest.mark.parametrize(("name", "cohesion"), [("Choi2025_NBR-A", 187), ("Choi2025_NBR-T", 93), ("Choi2025_PB", 54)])
def test_parameter_sets_load_through_pybamm(name, cohesion):
    import pybamm

    values = pybamm.ParameterValues(name)
    assert values[n.BINDER_COHESION] == cohesion
    assert values[n.SET_PRESSURE] == 48e6
    assert values[n.FIXED_GAP] == 0


@pytest.mark.slow
def test_validate_meets_every_target_not_listed_as_a_known_miss(tmp_path):
    """`assb-sim validate` (DFN, every case) as CI runs it: the report and its figures are
    written and no target or check misses unless validation/known_misses.yaml says why."""
    from assb_sim.cli import main

    assert main(["validate", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    assert "unexpected misses: none" in report
    for figure in ("first_cycle_profiles", "capacity_shares", "capacity_ice_vs_pressure", "rate_and_cycling"):
        assert (tmp_path / f"{figure}.png").stat().st_size > 10_000, figure


def test_report_gives_the_papers_mean_ce_with_the_median_beside(tmp_path):
    """The first 0.3 C cycle after the 1.5 C block returns stranded charge (CE > 1) and
    lifts the mean; the report names the paper's statistic and shows the median."""
    import numpy as np

    import assb_sim
    from assb_sim.metrics import Col, Metric
    from assb_sim.validation import Validation, _ce_statistics

    short = tmp_path / "paper-short.yaml"
    short.write_text(
        "name: paper-short\nblocks:\n  - {role: formation, cycles: 1, c_rate: 0.15}\n"
        "  - {role: rate, cycles: 1, c_rate: 1.5}\n  - {role: cycling, cycles: 3, c_rate: 0.3}\n"
    )
    result = assb_sim.run(str(short), model="SPMe", binder="NBR-T", pressure_MPa=16)
    ce = result.cycles.loc[result.cycles[Col.ROLE] == "cycling", Col.CE].to_numpy()
    assert ce[0] > 1 > np.median(ce)  # the recovery cycle
    assert result.metrics[Metric.MEDIAN_CE] == pytest.approx(np.median(ce))
    assert result.metrics[Metric.MEAN_CE] > result.metrics[Metric.MEDIAN_CE]
    validation = Validation(pd.DataFrame(), pd.DataFrame(), {("paper", "NBR-T", 16, 60): result})
    text = "\n".join(_ce_statistics(validation))
    assert "mean CE (paper's statistic) | median CE" in text
    row = f"| NBR-T | 16 | {np.mean(ce):.4f} | {np.median(ce):.4f} | {ce.max():.3f} (3) |"
    assert row in text

    # the figure: the paper's retentions as points, every cycle's CE inside the axis
    from assb_sim.plotting import _figure_cycling

    validation.table = load_targets()
    fig = _figure_cycling(validation)
    capacity, ce_axis = fig.axes[1], fig.axes[3]  # the 16 MPa column
    hollow = [line for line in capacity.get_lines() if line.get_marker() == "D" and line.get_mfc() == "none"]
    assert len(hollow) == 1
    assert len(hollow[0].get_xdata()) == 2  # 1.5 C retention and 100-cycle retention
    low, high = ce_axis.get_ylim()
    all_ce = 100 * result.cycles[Col.CE]
    assert low < all_ce.min() < all_ce.max() < high  # first cycle and the recovery cycle shown


def test_capacity_ice_figure_has_units_and_keeps_equal_paper_points_apart():
    from assb_sim.plotting import _figure_pressure
    from assb_sim.validation import Validation

    fig = _figure_pressure(Validation(load_targets(), pd.DataFrame(), {}))
    capacity, ice = fig.axes
    assert capacity.get_ylabel() == "1st delithiation capacity [mAh g$^{-1}$]"
    assert ice.get_ylabel() == "Initial coulombic efficiency [%]"
    at_80 = [
        (line.get_marker(), line.get_markersize())
        for line in ice.get_lines()
        if 80 in list(line.get_xdata()) and line.get_mfc() == "none"
    ]
    assert len(at_80) == 2  # NBR-A and NBR-T both quote 77 % at 80 MPa
    assert at_80[0] != at_80[1]


def test_a_protocol_that_begins_another_is_read_from_its_run(formation_spme):
    """Formation begins the rate test: run_cases solves the rate test only (in a worker
    process) and reads formation from its first cycles, as it came out alone."""
    cases = pd.DataFrame([("rate", "NBR-A", 48, 60), ("formation", "NBR-A", 48, 60)], columns=CASE)
    results = run_cases(cases, "SPMe", workers=2)
    read = results[("formation", "NBR-A", 48, 60)]
    assert read.protocol.name == "formation"
    assert len(read.cycles) == 3
    assert read.cycles.equals(results[("rate", "NBR-A", 48, 60)].cycles.iloc[:3])
    for key, value in formation_spme.metrics.items():
        if isinstance(value, float):
            assert read.metrics[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
