"""The first-cycle-loss fit recovers a known parameter (twin experiment)."""

import pytest

from assb_sim.fitting import fit_interphase_diffusivity, initial_coulombic_efficiency
from assb_sim.parameters import load_cell_design
from assb_sim.schema import ModelKind


def test_ice_falls_monotonically_with_interphase_transport():
    design = load_cell_design()
    ices = [initial_coulombic_efficiency(d, design, ModelKind.SPMe) for d in (1e-19, 3e-18, 1.5e-17)]
    assert ices[0] > ices[1] > ices[2]


def test_fit_recovers_a_known_diffusivity():
    true_d = 4.0e-18
    target = initial_coulombic_efficiency(true_d, load_cell_design(), ModelKind.SPMe)
    fit = fit_interphase_diffusivity(target=target, model=ModelKind.SPMe)
    assert fit.value == pytest.approx(true_d, rel=0.01)
    assert fit.achieved == pytest.approx(target, abs=1e-4)


def test_least_squares_fit_recovers_known_damage_parameters():
    """Twin experiment: targets simulated with known parameters, fit from elsewhere."""
    import pandas as pd

    from assb_sim.fitting import DAMAGE, FitParameter, fit, target_evaluator

    true = {"Si contact loosening per unit new strain": 3.0, "Contact-loss reference stress [Pa]": 2.5e7}
    rows = [
        {
            "id": f"twin-{b}-{p}-{m}",
            "protocol": "formation",
            "binder": b,
            "stack_pressure_MPa": p,
            "temperature_C": 60,
            "metric": m,
            "tolerance": 0.01,
            "tolerance_kind": "relative",
            "paper_value": 1.0,
        }
        for b in ("NBR-A", "NBR-T")
        for p in (16, 30)
        for m in ("first_delithiation_capacity_mAh_g", "initial_coulombic_efficiency")
    ]
    targets = pd.DataFrame(rows)
    targets["paper_value"] = target_evaluator(list(true), targets)(true)
    start = tuple(FitParameter(d.name, true[d.name] * 1.6, d.lower, d.upper) for d in DAMAGE[:2])
    result = fit(start, targets)
    for name, value in true.items():
        assert result.values[name] == pytest.approx(value, rel=0.02), name
    assert abs(result.residuals["residual"]).max() < 0.05
