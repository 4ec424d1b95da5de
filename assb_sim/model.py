"""The Li | LPSCl | graphite/Si half-cell model, built on PyBaMM.

Users choose a :class:`ModelKind`; the PyBaMM option strings stay in here. PyBaMM calls
the working electrode of a half cell "positive": every "Positive electrode ..." name
inside assb-sim means the graphite/Si electrode, "Primary" graphite and "Secondary" Si.
"""

from __future__ import annotations

import pybamm

from .names import PHASES
from .schema import ModelKind
from .submodels import (
    Amorphisation,
    AmorphousSiliconOcp,
    ContactLoss,
    Debonding,
    Decomposition,
    Delamination,
    InterphaseKinetics,
    IonicContact,
    IrreversibleUptake,
    LpsclInventory,
    Percolation,
    StackPressure,
    Swelling,
    TotalWithUptake,
    VoidGrowth,
)

OPTIONS = {
    "working electrode": "positive",
    "particle phases": ("1", "2"),
    # Si lithiates and delithiates on different OCP branches; graphite has one
    "open-circuit potential": ("single", ("single", "current sigmoid")),
    # reductive LPSCl decomposition, parabolic growth
    "SEI": ("none", "interstitial-diffusion limited"),
    "SEI film resistance": "none",  # in InterphaseKinetics instead
}

_MODELS = {ModelKind.DFN: pybamm.lithium_ion.DFN, ModelKind.SPMe: pybamm.lithium_ion.SPMe}


def half_cell_model(kind: ModelKind = ModelKind.DFN, mechanics: bool = True) -> pybamm.lithium_ion.BaseModel:
    """The PyBaMM half-cell model of the graphite/Si electrode, built (not discretised).

    LPSCl decomposition (bounded by the electrode's LPSCl, its film following its
    particles, its resistance in series with charge transfer) replaces PyBaMM's SEI growth
    and kinetics on each phase; the Si powder's irreversible uptake (oxide, trapping)
    takes its extra-reaction slot; the pristine Si is crystalline and turns amorphous
    through a two-phase front on its first lithiation. With ``mechanics`` the
    electrochemo-mechanical submodels are attached too: swelling, contact loss of each
    phase (replacing PyBaMM's constant active material), debonding of particles and of the
    collector interface, voids and the LPSCl network's percolation, and the stack pressure.
    """
    kind = ModelKind(kind)
    model = _MODELS[kind](OPTIONS, name=f"assb-sim {kind.value}", build=False)
    param, options = model.param, model.options
    # single-ion conductor (transference number 1): the Li+ concentration is the lattice's
    model.submodels["electrolyte diffusion"] = pybamm.electrolyte_diffusion.ConstantConcentration(param, options)
    model.submodels["electrolyte transport efficiency"] = IonicContact(param, options, percolation=mechanics)
    model.submodels["LPSCl inventory"] = LpsclInventory(param, options)
    for phase in PHASES:
        model.submodels[f"positive {phase} sei"] = Decomposition(param, options, phase)
        model.submodels[f"positive {phase} interface"] = InterphaseKinetics(param, options, phase, mechanics)
    model.submodels["Si amorphisation"] = Amorphisation(param, options)
    model.submodels["positive secondary open-circuit potential"] = AmorphousSiliconOcp(param, options)
    model.submodels["positive secondary lithium plating"] = IrreversibleUptake(param, options)
    model.submodels["positive total lithium plating"] = TotalWithUptake(param, options)
    if mechanics:
        for phase in PHASES:
            # the mechanics acts on the electrode as a whole: one connected fraction per phase
            model.submodels[f"positive {phase} active material"] = ContactLoss(param, options, phase)
        model.submodels["swelling"] = Swelling(param, options)
        model.submodels["debonding"] = Debonding(param, options)
        model.submodels["delamination"] = Delamination(param, options)
        model.submodels["void growth"] = VoidGrowth(param, options)
        model.submodels["percolation"] = Percolation(param, options)
        model.submodels["stack pressure"] = StackPressure(param, options)
    model.build_model()
    return model


def plain_composite_model(kind: ModelKind = ModelKind.DFN, side_reaction: bool = False) -> pybamm.lithium_ion.BaseModel:
    """PyBaMM's own composite half cell, unmodified: the reference for limits and speed."""
    options = OPTIONS if side_reaction else {k: v for k, v in OPTIONS.items() if not k.startswith("SEI")}
    return _MODELS[ModelKind(kind)](options, name=f"plain PyBaMM {ModelKind(kind).value}")
