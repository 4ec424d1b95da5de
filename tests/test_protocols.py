"""Protocols follow the paper's conventions exactly."""

import pybamm
import pytest

from assb_sim import load_protocol
from assb_sim.protocols import STEP_C_RATE, protocol_names


def _steps(protocol_name):
    return [c for b in load_protocol(protocol_name).blocks for c in b.experiment(ocv=1.5).cycles]


def test_all_shipped_protocols_load():
    assert set(protocol_names()) >= {"formation", "rate", "paper", "pressure-monitor", "cv"}
    for name in protocol_names():
        assert _steps(name)


def _value(step) -> float:
    return float(step.value.evaluate(inputs={STEP_C_RATE: step.c_rate}))


def test_lithiation_is_cccv_to_10mV_and_delithiation_cc_to_2V():
    (cccv, hold, delith) = _steps("formation")[0]
    assert isinstance(cccv, pybamm.step.CRate)
    # the C-rate is an input parameter (one built model for every rate), given per step
    assert _value(cccv) == pytest.approx(0.15)  # positive = PyBaMM discharge = lithiation here
    assert isinstance(cccv.termination[0], pybamm.step.VoltageTermination)
    assert cccv.termination[0].value == pytest.approx(0.01)
    assert isinstance(hold, pybamm.step.Voltage)
    assert hold.value == pytest.approx(0.01)
    # the CV step ends when the current has fallen to 10 % of the CC current
    assert isinstance(hold.termination[0], pybamm.step.CRateTermination)
    assert float(hold.termination[0].value.evaluate(inputs={STEP_C_RATE: hold.c_rate})) == pytest.approx(0.1 * 0.15)
    assert isinstance(delith, pybamm.step.CRate)
    assert _value(delith) == pytest.approx(-0.15)  # negative = delithiation
    assert delith.termination[0].value == pytest.approx(2.0)


@pytest.mark.parametrize(("name", "cycles"), [("formation", 3), ("rate", 15), ("paper", 115), ("cv", 2)])
def test_cycle_counts(name, cycles):
    assert load_protocol(name).n_cycles == cycles
    assert len(_steps(name)) == cycles


def test_rate_blocks_in_the_papers_order():
    rates = [b.c_rate for b in load_protocol("rate").blocks]
    assert rates == [0.15, 0.15, 0.3, 0.75, 1.5]


def test_pressure_monitor_fixes_its_conditions():
    p = load_protocol("pressure-monitor")
    assert (p.temperature_C, p.stack_pressure_MPa, p.loading_mg_cm2) == (17, 30, 1.8)


def test_cv_sweeps_at_the_scan_rate():
    (down, up), (down2, _) = _steps("cv")
    for step, span in ((down, 1.5 - 0.01), (up, 2.0 - 0.01), (down2, 2.0 - 0.01)):
        assert step.duration == pytest.approx(span / 0.2e-3)
