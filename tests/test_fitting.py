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
