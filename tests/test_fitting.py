"""The fit objective recovers known parameters (twin experiment); the plan and the
adoption into the parameter files are consistent."""

import shutil

import pandas as pd
import pytest
import yaml

from assb_sim import names as n
from assb_sim.fitting import (
    FitParameter,
    TargetEvaluator,
    adopt,
    fit,
    load_fit_plan,
    pybamm_names,
)
from assb_sim.metrics import Metric
from assb_sim.parameters import load_entries, parameter_values, resource_dir
from assb_sim.schema import InputError, validate
from assb_sim.targets import load_targets, select_targets, used_in_fit


def _twin_targets(true: dict[str, float]) -> pd.DataFrame:
    rows = [
        {
            "id": f"twin-{b}-{p}-{m}",
            "protocol": "formation",
            "binder": b,
            "stack_pressure_MPa": p,
            "metric": m,
            "tolerance": 0.01,
            "tolerance_kind": "relative",
            "paper_value": 1.0,
        }
        for b in ("NBR-A", "NBR-T")
        for p in (16, 30)
        for m in (Metric.FIRST_DELITHIATION, Metric.ICE)
    ]
    targets = pd.DataFrame(rows)
    names = [n for name in true for n in pybamm_names(name)]
    values = {n: v for name, v in true.items() for n in pybamm_names(name)}
    targets["paper_value"] = TargetEvaluator(names, targets)(values)
    return targets


def test_least_squares_fit_recovers_known_parameters():
    """Targets simulated with known contact-loss and decomposition parameters; the fit
    starts 60 % away and must land on them, with small uncertainties."""
    true = {
        n.OPENING_LENGTH: 1e-6,
        n.DEBONDING_MODULUS: 4e9,
        "Each phase: SEI lithium interstitial diffusivity [m2.s-1]": 6e-18,
    }
    targets = _twin_targets(true)
    start = [FitParameter(name=n, initial=v * 1.6, lower=v / 20, upper=v * 20) for n, v in true.items()]
    result = fit(start, targets, workers=2)
    for name, value in true.items():
        assert result.values[name] == pytest.approx(value, rel=0.02), name
    assert abs(result.residuals["residual"]).max() < 0.1  # xtol 1e-4 in log parameters: < 0.1 % here


def test_plan_targets_exist_and_mark_used_in_fit():
    plan = load_fit_plan()
    targets = load_targets()
    for stage in plan:
        assert len(select_targets(targets, stage.targets)) >= len(stage.parameters), stage.name
    used = used_in_fit(targets, [selector for stage in plan for selector in stage.targets])
    assert used.any()
    assert not used.all()
    assert not used[targets["id"].isin(["ec-cap-first", "cv-current-loss", "p-mean-ce"])].any()
    with pytest.raises(ValueError, match="matches no row"):
        select_targets(targets, ["no-such-target"])


def test_every_fit_parameter_is_a_model_parameter_with_fitted_provenance():
    values = parameter_values(validate_design())
    for stage in load_fit_plan():
        for p in stage.parameters:
            for name in p.pybamm_names:
                assert name in values, name
    entries = {}
    for path in resource_dir("parameter_sets").glob("*.yaml"):
        entries |= load_entries(path)
    for stage in load_fit_plan():
        for p in stage.parameters:
            assert entries[p.name].provenance == "fitted", p.name
            assert p.lower <= entries[p.name].value <= p.upper, p.name


def validate_design():
    from assb_sim.parameters import load_cell_design

    return load_cell_design()


def test_adopt_rewrites_only_the_fitted_entries(tmp_path):
    from assb_sim.fitting import Fit, FitStage

    shutil.copytree(resource_dir("parameter_sets"), tmp_path, dirs_exist_ok=True)
    name = n.DEBONDING_MODULUS
    stage = FitStage(
        name="s", targets=["p-ice"], parameters=[FitParameter(name=name, initial=1e7, lower=1e6, upper=1e9)]
    )
    result = Fit("s", {name: 1.234567e7}, {name: 0.1}, pd.DataFrame(), 0.0, 1, 0.0)
    before = (tmp_path / "mechanics.yaml").read_text()
    adopt([result], [stage], tmp_path)
    after = (tmp_path / "mechanics.yaml").read_text()
    entry = yaml.safe_load(after)[name]
    assert entry["value"] == pytest.approx(1.235e7)
    assert entry["provenance"] == "fitted"
    assert "relative SD 0.10" in entry["source"]
    untouched = [line for line in before.splitlines() if name not in line]
    assert len(after.splitlines()) <= len(before.splitlines())
    assert sum(line in after.splitlines() for line in untouched) >= len(untouched) - 3


def test_bad_fit_parameter_is_a_one_line_error():
    with pytest.raises(InputError, match="initial"):
        validate(FitParameter, {"name": "x", "initial": 5, "lower": 1, "upper": 2})


def test_a_misspelt_fit_parameter_fails_loudly():
    from assb_sim.fitting import _solve_case

    misspelt = "Contact-loss referense stress [Pa]"
    with pytest.raises(KeyError, match="referense"):
        _solve_case(("formation", True, "NBR-A", 48.0), "SPMe", (misspelt,), {misspelt: 8e7})
