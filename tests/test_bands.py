"""Prediction bands: the fit keeps its covariance, fit.yaml stores it, and it propagates
linearly to any metric (SD > 0 with a finite covariance, exactly 0 with none)."""

import numpy as np
import pandas as pd
import pytest
import yaml
from test_crossval import _first_cycle_case, _plan

from assb_sim.fitting import Fit, _fit_protocol, fit, load_covariance, prediction_band, write_fit
from assb_sim.metrics import Metric
from assb_sim.targets import load_targets, select_targets


def _fit_file(tmp_path, name: str, stage: dict) -> object:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump({"stages": [{"stage": "s", "parameters": {name: stage.pop("entry")}, **stage}]}))
    return path


def test_fit_keeps_the_log_covariance_and_write_fit_stores_it(tmp_path):
    parameter, keys, model = _first_cycle_case()
    plan = _plan(parameter, keys, model)
    result = fit(plan[0].parameters, select_targets(load_targets(), keys), model, stage="one")
    assert result.covariance.shape == (1, 1)
    assert np.sqrt(result.covariance[0, 0]) == pytest.approx(result.relative_sd[parameter.name])
    write_fit([result], plan, tmp_path)
    names, sigma = load_covariance(tmp_path / "fit.yaml")
    assert names == [parameter.name]
    assert sigma[0, 0] == pytest.approx(result.covariance[0, 0], rel=1e-5)


def test_covariance_is_block_diagonal_over_stages_with_the_relative_sd_fallback(tmp_path):
    stages = [
        {
            "stage": "a",
            "parameters": {"x": {"value": 1, "relative_sd": 0.5}, "y": {"value": 1, "relative_sd": 0.2}},
            "covariance_parameters": ["x", "y"],
            "covariance": [[0.25, 0.05], [0.05, 0.04]],
        },
        {"stage": "b", "parameters": {"z": {"value": 1, "relative_sd": 0.3}}},  # an older fit.yaml
    ]
    path = tmp_path / "fit.yaml"
    path.write_text(yaml.safe_dump({"stages": stages}))
    names, sigma = load_covariance(path)
    assert names == ["x", "y", "z"]
    assert sigma == pytest.approx(np.array([[0.25, 0.05, 0], [0.05, 0.04, 0], [0, 0, 0.09]]))
    parameter, keys, model = _first_cycle_case()
    residuals = select_targets(load_targets(), keys).assign(model_value=0.0, residual=0.0)
    old = Fit("one", {parameter.name: 1.0}, {parameter.name: 0.1}, residuals, 0.0, 1, 0.0)  # no covariance
    write_fit([old], _plan(parameter, keys, model), tmp_path)
    assert "covariance" not in (tmp_path / "fit.yaml").read_text()
    assert load_covariance(tmp_path / "fit.yaml")[1] == pytest.approx(np.array([[0.01]]))


def test_band_is_positive_with_covariance_zero_without_and_falls_back_to_relative_sd(tmp_path):
    parameter, _, model = _first_cycle_case()
    one_cycle = _fit_protocol("formation", True)

    def band(stage: dict) -> dict:
        return prediction_band(
            one_cycle, "NBR-T", pressure_MPa=16, model=model, fit_file=_fit_file(tmp_path, parameter.name, stage)
        )

    finite = band(
        {"entry": {"value": 1, "relative_sd": 0.1}, "covariance_parameters": [parameter.name], "covariance": [[0.01]]}
    )
    zero = band(
        {"entry": {"value": 1, "relative_sd": 0.1}, "covariance_parameters": [parameter.name], "covariance": [[0.0]]}
    )
    fallback = band({"entry": {"value": 1, "relative_sd": 0.1}})
    assert max(finite[m][1] for m in (Metric.FIRST_DELITHIATION, Metric.ICE)) > 0
    assert all(sd == 0 for _, sd in zero.values())
    for metric, (value, sd) in finite.items():
        assert zero[metric][0] == value  # the same run at the adopted values
        assert fallback[metric][1] == pytest.approx(sd, rel=1e-9, nan_ok=True), metric


def test_report_shows_sd_beside_the_predictions_that_have_one():
    from types import SimpleNamespace

    from assb_sim.validation import Validation, _markdown, prediction_cases, predictions

    def run(capacity: float, ice: float):
        return SimpleNamespace(metrics={Metric.FIRST_DELITHIATION: capacity, Metric.ICE: ice})

    results = {("formation", "NBR-A", 16, 60): run(480.0, 0.75), ("formation", "PB", 16, 60): run(300.0, 0.4)}
    validation = Validation(pd.DataFrame(), pd.DataFrame(), results)
    assert prediction_cases(validation) == [("formation", "PB", 16, 60)]
    validation.bands = {("formation", "PB", 16, 60): {Metric.ICE: (0.4, 0.02)}}
    text = _markdown(predictions(validation), predictions(validation, "sd"))
    assert "0.4 ± 0.02" in text
    assert text.count("±") == 1
