"""Charge transfer of one active phase through its decomposition film."""

from __future__ import annotations

import pybamm

from .. import names as n
from .amorphisation import amorphous


class InterphaseKinetics(pybamm.kinetics.SymmetricButlerVolmer):
    """Butler-Volmer kinetics with the decomposition film's resistance in series::

        j0_eff = c_e j0 / (1 + F j0 L_film rho_film / (R T))

    the charge-transfer resistance R T / (F j0) and the film's L_film rho_film add up: the
    linearised series resistance, exact at small overpotential (the film's is ohmic). On Si,
    j0 is that of the amorphous share at its own stoichiometry (:class:`Amorphisation`). c_e
    is the electrode's electronic contact with its current collector (:class:`Delamination`;
    1 without the mechanics): like the pressure contact factor on j0, a contact lost in
    area is charge transfer lost in area.
    Explicit in the film thickness, so the model stays well conditioned when a phase's
    connected surface tends to zero; PyBaMM's "distributed" film resistance adds an
    algebraic j = (a j) / a that does not.
    """

    def __init__(self, param, options, phase, collector_contact: bool = True):
        super().__init__(param, "positive", "lithium-ion main", options, phase)
        self.collector_contact = collector_contact

    def _get_exchange_current_density(self, variables):
        if self.phase == n.SILICON:  # Li enters the amorphous share only (Amorphisation)
            key = f"Positive {self.phase_name}particle surface concentration [mol.m-3]"
            variables = {**variables, key: amorphous(variables[key], variables)}
        j0 = super()._get_exchange_current_density(variables)
        averaged = "positive electrode" not in j0.domains["primary"]
        prefix = "X-averaged positive" if averaged else "Positive"
        film = variables[f"{prefix} {self.phase_name}SEI thickness [m]"]
        T = variables[f"{prefix} electrode temperature [K]"]
        rho = pybamm.Parameter(n.phase_parameter(self.phase, n.FILM_RESISTIVITY))
        # 1 / j0_eff = 1 / j0 + F L rho / (R T): j0 appears once in the expression tree
        j0_eff = 1 / (1 / j0 + self.param.F * film * rho / (self.param.R * T))
        return j0_eff * variables[n.COLLECTOR_CONTACT] if self.collector_contact else j0_eff
