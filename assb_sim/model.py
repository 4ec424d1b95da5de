"""The Li | LPSCl | graphite/Si half-cell model, built on PyBaMM.

Users choose a :class:`ModelKind`; the PyBaMM option strings stay in here. PyBaMM calls
the working electrode of a half cell "positive": every "Positive electrode ..." name
inside assb-sim means the graphite/Si electrode, "Primary" graphite and "Secondary" Si.
"""

from __future__ import annotations

import casadi
import numpy as np
import pybamm

from .names import ELECTROLYTE_DROP, PHASES
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

# A node state enters at most 10 equations (DFN; 7 in the SPMe), an electrode-wide one (a
# connected fraction, the LPSCl left, a mean current) 21 or more: the threshold is between.
ELECTRODE_WIDE_COLUMN = 20


def jacobian_by_column_groups(expression: casadi.MX, y: casadi.MX) -> casadi.MX:
    """The Jacobian of ``expression`` w.r.t. ``y``, the electrode-wide states' columns apart.

    CasADi builds a Jacobian from directional derivatives, one per group of columns no
    equation shares (or, in reverse, of rows). The electrode-wide sums' equations (dense
    rows) and the states entering every node (dense columns) together defeat both
    groupings (109 directions for the DFN); differentiated apart, the wide columns take one
    direction each and the node states group as in plain PyBaMM. Same values and sparsity
    as ``casadi.jacobian``; ~10 % less solve time (docs/speed.md).
    """
    count = np.diff(np.array(casadi.jacobian_sparsity(expression, y).colind()))
    wide = np.flatnonzero(count > ELECTRODE_WIDE_COLUMN).tolist()
    local = np.flatnonzero(count <= ELECTRODE_WIDE_COLUMN).tolist()
    if not wide or not local:
        return casadi.jacobian(expression, y)
    y_local, y_wide = casadi.MX.sym("y_local", len(local)), casadi.MX.sym("y_wide", len(wide))
    size = y.shape[0]
    order = casadi.DM(casadi.Sparsity.triplet(size, size, local + wide, list(range(size))), 1.0)  # y = P [local; wide]
    split = casadi.substitute(expression, y, casadi.mtimes(order, casadi.vertcat(y_local, y_wide)))
    jac = casadi.mtimes(casadi.horzcat(casadi.jacobian(split, y_local), casadi.jacobian(split, y_wide)), order.T)
    return casadi.substitute(jac, casadi.vertcat(y_local, y_wide), casadi.vertcat(y[local], y[wide]))


class _ColumnGroups:
    """PyBaMM lets a model build its own Jacobian; the coupled model's is cheaper by
    :func:`jacobian_by_column_groups`."""

    def build_casadi_jacobian(self, expression, y):
        if self.switching_control_variables or expression.shape[0] != self.len_rhs_and_alg:
            return super().build_casadi_jacobian(expression, y)
        return jacobian_by_column_groups(expression, y)


class _DFN(_ColumnGroups, pybamm.lithium_ion.DFN):
    pass


class _SPMe(_ColumnGroups, pybamm.lithium_ion.SPMe):
    pass


_COUPLED = {ModelKind.DFN: _DFN, ModelKind.SPMe: _SPMe}


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
    model = _COUPLED[kind](OPTIONS, name=f"assb-sim {kind.value}", build=False)
    param, options = model.param, model.options
    # single-ion conductor (transference number 1): the Li+ concentration is the lattice's
    # (ConstantConcentration gives eps_0 c_0 / eps: constant while PyBaMM's porosity is)
    model.submodels["electrolyte diffusion"] = pybamm.electrolyte_diffusion.ConstantConcentration(param, options)
    model.submodels["electrolyte transport efficiency"] = IonicContact(param, options, percolation=mechanics)
    model.submodels["LPSCl inventory"] = LpsclInventory(param, options)
    for phase in PHASES:
        model.submodels[f"positive {phase} sei"] = Decomposition(param, options, phase, kind == ModelKind.SPMe)
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
    # what the SPMe expands in, read where each step begins and ends (metrics.Col.ELECTROLYTE_DROP)
    phi_e = model.variables["Positive electrolyte potential [V]"]
    model.variables[ELECTROLYTE_DROP] = pybamm.boundary_value(phi_e, "left") - pybamm.boundary_value(phi_e, "right")
    return model


def plain_composite_model(kind: ModelKind = ModelKind.DFN, side_reaction: bool = False) -> pybamm.lithium_ion.BaseModel:
    """PyBaMM's own composite half cell, unmodified: the reference for limits and speed."""
    options = OPTIONS if side_reaction else {k: v for k, v in OPTIONS.items() if not k.startswith("SEI")}
    return _MODELS[ModelKind(kind)](options, name=f"plain PyBaMM {ModelKind(kind).value}")
