"""The speed work changes how the model is solved, not what it gives.

``tests/data/reference_metrics.json`` holds the metrics of the model as it was before
(commit b478faf; the graphite/Si plateau split as it is now) for formation (SPMe, DFN), the
fixed-gap pressure-monitor cell and the 115-cycle paper protocol (SPMe), NBR-A; the paper
protocol's re-recorded when the SPMe's decomposition took the mean potential (its LPSCl
consumed moved by 2.5e-3 relative at cycle 115; the others within RTOL, kept). A
reformulation that keeps the physics (an algebraic state for a sum, other solver options)
must reproduce them within solver tolerance. A change of physics changes them on purpose:
then write a new reference with ``python tests/test_speed.py`` and say why in the commit.
"""

import json
import sys
from pathlib import Path

import pytest

import assb_sim

REFERENCE = Path(__file__).parent / "data" / "reference_metrics.json"
RTOL = 2e-4  # accumulated over a cycle's steps at the solver's rtol of 1e-6
# a quantity that is ~0 is compared in absolute terms: the delaminated fraction of a sound
# cell (3e-7, 4e-8 fixed-gap) is a ratchet state whose tolerance resolves 1e-12 (its scale)
ATOL = 1e-9


def _numbers(metrics: dict) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}


CASES = {"formation SPMe": ("formation", "SPMe"), "formation DFN": ("formation", "DFN")}
CASES |= {"pressure-monitor SPMe": ("pressure-monitor", "SPMe"), "paper SPMe": ("paper", "SPMe")}


def _check(case: str, metrics: dict) -> None:
    reference = json.loads(REFERENCE.read_text())[case]
    now = _numbers(metrics)
    assert set(reference) <= set(now)
    for key, value in reference.items():
        assert now[key] == pytest.approx(value, rel=RTOL, abs=ATOL), key


@pytest.mark.parametrize("model", ["SPMe", "DFN"])
def test_formation_metrics_are_those_of_the_model_before_the_speed_work(model, formation_spme, formation_dfn):
    _check(f"formation {model}", {"SPMe": formation_spme, "DFN": formation_dfn}[model].metrics)


def test_a_fixed_gap_cell_gives_what_it_gave_before_the_speed_work():
    """The stack pressure reads the decomposition products from the LPSCl left now."""
    _check("pressure-monitor SPMe", assb_sim.run("pressure-monitor", model="SPMe").metrics)


@pytest.mark.slow
def test_a_hundred_cycles_give_what_they_gave_before_the_speed_work():
    """States read from other states (the Si mean stoichiometry from the connected Li) may
    drift apart step by step over many cycles: they must not."""
    _check("paper SPMe", assb_sim.run("paper", model="SPMe").metrics)


def test_the_jacobian_by_column_groups_is_casadis():
    """The coupled model's own Jacobian (electrode-wide states' columns apart) has the
    values and sparsity of CasADi's, at a state the run reached."""
    import casadi
    import numpy as np

    from assb_sim.simulation import Simulator, protocol_design

    protocol = assb_sim.load_protocol("formation")
    sim = Simulator(protocol, protocol_design(protocol), "SPMe")
    result = sim.solve(assb_sim.load_binder("NBR-A"))
    (simulation,) = sim._simulations.values()
    state = result.solution.last_state
    model = next(m for m in simulation.steps_to_built_models.values() if m.len_rhs_and_alg == state.all_ys[0].shape[0])
    residual = model.rhs_algebraic_eval
    t, y, p = residual.mx_in()
    plain = casadi.Function("plain", [t, y, p], [casadi.jacobian(residual(t, y, p), y)])
    inputs = np.concatenate([np.ravel(v) for v in state.all_inputs[0].values()])
    args = (state.t[-1], state.all_ys[0][:, -1], inputs)
    ours, theirs = model.jac_rhs_algebraic_eval(*args), plain(*args)
    assert ours.sparsity() == theirs.sparsity()
    assert np.isfinite(ours.full()).all()
    assert model.jac_rhs_algebraic_eval.n_instructions() != plain.n_instructions()  # the grouped one is in use
    np.testing.assert_allclose(ours.full(), theirs.full(), rtol=1e-12, atol=1e-12)


def test_compiled_functions_give_what_the_virtual_machine_gives(tmp_path, monkeypatch, recwarn):
    """``compiled`` runs the step models' residual, Jacobian, events and stored variables
    as machine code (one library per step model, in PyBaMM's cache): same equations, so
    the same metrics (here to the last digit: -O1 reorders no floating-point operation).
    A long run in parts compiles nothing more: the variables of each part's starting
    state are evaluated by CasADi, not compiled at PyBaMM's -O3 one by one."""
    monkeypatch.setenv("PYBAMM_CASADI_AOT_CACHE", str(tmp_path))  # cold: the compiler runs
    interpreted = assb_sim.run("formation", model="SPMe", compiled=False)
    compiled = assb_sim.run("formation", model="SPMe", compiled=True)
    in_parts = assb_sim.run("formation", model="SPMe", compiled=True, part_cycles=1)
    assert not [w for w in recwarn if "C compiler failed" in str(w.message)]
    assert len(list(tmp_path.glob("*.so"))) == 3  # lithiation, CV hold, delithiation
    assert _numbers(compiled.metrics) == pytest.approx(_numbers(interpreted.metrics), rel=1e-9, abs=1e-15)
    # a run in parts restarts the integrator at each part (tests/test_long_runs.py)
    assert _numbers(in_parts.metrics) == pytest.approx(_numbers(interpreted.metrics), rel=RTOL, abs=ATOL)


if __name__ == "__main__":
    runs = {case: _numbers(assb_sim.run(protocol, model=model).metrics) for case, (protocol, model) in CASES.items()}
    REFERENCE.write_text(json.dumps(runs, indent=1) + "\n")
    print(f"written {REFERENCE}", file=sys.stderr)
