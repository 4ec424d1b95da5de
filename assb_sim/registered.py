"""Parameter sets registered with PyBaMM (entry point group ``pybamm_parameter_sets``).

``pybamm.ParameterValues("Choi2025_NBR-A")`` gives the paper's cell with that binder at
48 MPa in a constant-pressure cell, every input parameter filled in, ready for
:func:`assb_sim.model.half_cell_model`. Provenance of every value: ``parameter_sets/``.
NBR-X and PB have no fitted electrochemistry of their own: their sets are predictions
from their measured mechanics through the same law.
"""

from __future__ import annotations

from .parameters import inputs, load_binder, load_cell_design, parameter_values


def _set(binder: str) -> dict:
    design = load_cell_design()
    values = dict(parameter_values(design).items())
    values.update(inputs(design, load_binder(binder)))
    values["citations"] = ["Choi2025", "Chen2020", "Ai2022", "OKane2022", "Sulzer2021"]
    return values


def choi2025_nbr_a() -> dict:
    """Graphite/Si | LPSCl | Li half cell, NBR cast from anisole, 48 MPa (Choi et al. 2025)."""
    return _set("NBR-A")


def choi2025_nbr_t() -> dict:
    """Graphite/Si | LPSCl | Li half cell, NBR cast from toluene, 48 MPa (Choi et al. 2025)."""
    return _set("NBR-T")


def choi2025_nbr_x() -> dict:
    """Graphite/Si | LPSCl | Li half cell, NBR cast from p-xylene, 48 MPa: a prediction."""
    return _set("NBR-X")


def choi2025_pb() -> dict:
    """Graphite/Si | LPSCl | Li half cell, polybutadiene control binder, 48 MPa: a prediction."""
    return _set("PB")
