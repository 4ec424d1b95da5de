"""A long run solved a part at a time (``part_cycles``): the same results in bounded memory."""

import numpy as np
import pandas as pd
import pytest
from conftest import short_protocol

import assb_sim
from assb_sim.metrics import Col
from assb_sim.protocols import CellMode
from assb_sim.simulation import Simulator

NBR_A = assb_sim.load_binder("NBR-A")


def test_a_run_solved_in_parts_matches_the_whole(formation_spme):
    """Each part starts from the last state of the one before, as the next step of one
    run would: cycle table and curves agree within the solver's tolerance."""
    parts = Simulator(formation_spme.protocol, formation_spme.design, "SPMe", part_cycles=1).solve(NBR_A)
    whole = formation_spme
    assert parts.complete
    pd.testing.assert_frame_equal(parts.cycles, whole.cycles, check_exact=False, rtol=2e-4, atol=1e-9)
    assert parts.voltage_curves.keys() == whole.voltage_curves.keys() == {1, 2, 3}
    for k in whole.voltage_curves:  # each part's curve starts where the cycle did
        np.testing.assert_allclose(
            parts.voltage_curves[k].iloc[[0, -1]], whole.voltage_curves[k].iloc[[0, -1]], rtol=2e-4, atol=1e-6
        )
    # only the last part's solution is kept: the carried-over state and its one cycle
    assert len(parts.solution.cycles) == 2


def test_a_shorter_last_part_is_solved_with_a_model_of_its_own(formation_spme):
    """3 cycles in parts of 2: the first part and the 1-cycle last part, each from its own
    built simulation; the table runs on across them."""
    sim = Simulator(formation_spme.protocol, formation_spme.design, "SPMe", part_cycles=2)
    parts = sim.solve(NBR_A)
    assert len(sim._simulations) == 2
    assert list(parts.cycles[Col.CYCLE]) == [1, 2, 3]
    pd.testing.assert_frame_equal(parts.cycles, formation_spme.cycles, check_exact=False, rtol=2e-4, atol=1e-9)


def test_a_failure_in_a_later_part_is_placed_in_its_cycle():
    """A fixed-gap cell on a stiff fixture loses contact in cycle 3: solved a cycle at a
    time it stops at the same cycle and step, with the two finished cycles kept."""
    protocol = short_protocol({"role": "formation", "cycles": 3, "c_rate": 0.3})
    design = assb_sim.load_cell_design().model_copy(update={"stack_stiffness_MPa_per_um": 8.0})
    runs = [
        Simulator(protocol, design, "SPMe", part_cycles=size).solve(NBR_A, cell=CellMode.FIXED_GAP)
        for size in (None, 1)
    ]
    for result in runs:
        assert (result.failure.cycle, result.failure.step) == (3, 2)
        assert "Stack pressure fell to zero" in result.failure.reason
        assert list(result.cycles[Col.CYCLE]) == [1, 2]
    np.testing.assert_allclose(runs[1].cycles[Col.PRESSURE], runs[0].cycles[Col.PRESSURE], rtol=1e-4)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_part_cycles_must_be_a_positive_count(bad):
    protocol = short_protocol({"role": "formation", "cycles": 1, "c_rate": 0.3})
    with pytest.raises(assb_sim.InputError, match="part_cycles"):
        Simulator(protocol, assb_sim.load_cell_design(), "SPMe", part_cycles=bad)


@pytest.mark.slow
def test_a_thousand_cycles_complete_in_parts():
    """Formation and 1000 cycles at 0.3 C in parts of 50 (SPMe, NBR-A, 48 MPa) at 15 degC;
    at the paper's 60 degC the cell runs out of LPSCl first (docs/speed.md, "Long runs").
    The electrolyte is consumed a little every cycle and never all of it, the capacity
    fades every cycle, and the result keeps only the last part's solution."""
    protocol = short_protocol(
        {"role": "formation", "cycles": 3, "c_rate": 0.15}, {"role": "cycling", "cycles": 1000, "c_rate": 0.3}
    )
    design = assb_sim.load_cell_design().with_conditions(temperature_C=15, stack_pressure_MPa=48)
    result = Simulator(protocol, design, "SPMe", part_cycles=50).solve(NBR_A)
    assert result.complete, result.failure
    assert list(result.cycles[Col.CYCLE]) == list(range(1, 1004))
    consumed = result.cycles[Col.LPSCL_CONSUMED].to_numpy()
    assert (np.diff(consumed) > 0).all()
    assert consumed[-1] < 1
    cycling = result.cycles[Col.DELITHIATION].to_numpy()[3:]
    assert (np.diff(cycling) < 0).all()
    assert len(result.solution.cycles) == 1 + 3  # the last part (1003 = 20 x 50 + 3) after its starting state
