"""The speed work changes how the model is solved, not what it gives.

``tests/data/reference_metrics.json`` holds the formation metrics (NBR-A, 48 MPa) of the
model as it was before (commit b478faf; the graphite/Si plateau split as it is now). A
reformulation that keeps the physics (an algebraic state for a sum, other solver options)
must reproduce them within solver tolerance. A change of physics changes them on purpose:
then write a new reference with ``python tests/test_speed.py`` and say why in the commit.
"""

import json
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "data" / "reference_metrics.json"
RTOL = 2e-4  # accumulated over a cycle's steps at the solver's rtol of 1e-6


def _numbers(metrics: dict) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}


@pytest.mark.parametrize("model", ["SPMe", "DFN"])
def test_metrics_are_those_of_the_model_before_the_speed_work(model, formation_spme, formation_dfn):
    result = {"SPMe": formation_spme, "DFN": formation_dfn}[model]
    reference = json.loads(REFERENCE.read_text())[f"formation {model}"]
    now = _numbers(result.metrics)
    assert set(reference) <= set(now)
    for key, value in reference.items():
        assert now[key] == pytest.approx(value, rel=RTOL, abs=1e-9), key


if __name__ == "__main__":
    import assb_sim

    runs = {f"formation {m}": _numbers(assb_sim.run("formation", model=m).metrics) for m in ("SPMe", "DFN")}
    REFERENCE.write_text(json.dumps(runs, indent=1) + "\n")
    print(f"written {REFERENCE}", file=sys.stderr)
