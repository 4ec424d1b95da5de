"""The Li | LPSCl | graphite/Si half-cell model, built on PyBaMM.

Users choose a :class:`ModelKind`; the PyBaMM option strings stay in here. PyBaMM calls
the working electrode of a half cell "positive": every "Positive electrode ..." name
inside assb-sim means the graphite/Si electrode, "Primary" graphite and "Secondary" Si.
"""

from __future__ import annotations

import pybamm

from .schema import ModelKind

GRAPHITE = "primary"
SILICON = "secondary"

OPTIONS = {
    "working electrode": "positive",
    "particle phases": ("1", "2"),
    # Si lithiates and delithiates on different OCP branches; graphite has one
    "open-circuit potential": ("single", ("single", "current sigmoid")),
    # reductive LPSCl decomposition, parabolic growth: the first-cycle loss
    "SEI": ("none", "interstitial-diffusion limited"),
    "SEI film resistance": "none",
}

_MODELS = {ModelKind.DFN: pybamm.lithium_ion.DFN, ModelKind.SPMe: pybamm.lithium_ion.SPMe}


def half_cell_model(kind: ModelKind = ModelKind.DFN) -> pybamm.lithium_ion.BaseModel:
    """An unbuilt PyBaMM half-cell model of the graphite/Si electrode."""
    return _MODELS[ModelKind(kind)](OPTIONS, name=f"assb-sim {ModelKind(kind).value}")


def plain_composite_model(kind: ModelKind = ModelKind.DFN) -> pybamm.lithium_ion.BaseModel:
    """PyBaMM's own composite half cell with no side reaction: the benchmark reference."""
    options = {k: v for k, v in OPTIONS.items() if not k.startswith("SEI")}
    return _MODELS[ModelKind(kind)](options, name=f"plain PyBaMM {ModelKind(kind).value}")
