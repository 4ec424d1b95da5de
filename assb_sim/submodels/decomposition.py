"""Reductive decomposition of LPSCl on one phase's particles: the interphase."""

from __future__ import annotations

import pybamm
from pybamm.models.submodels.interface.sei.base_sei import BaseModel as BaseSEI

from .. import names as n
from .laws import cite


class Decomposition(pybamm.sei.SEIGrowth):
    """PyBaMM's interstitial-diffusion-limited growth, bounded by the LPSCl inventory,
    with each particle keeping its own film when it disconnects::

        j_dec = theta j_0 exp(-F eta / RT) / L_film       (j_0 = D_int c_int F, Arrhenius)
        dc/dt = -a j_dec / (F z) - k c                    film on connected particles
        dP/dt = k z <c> V                                 film of disconnected particles [mol Li]
        n_dec = (<c> - c_0) z V + P                       all the Li the reaction took

    theta is the LPSCl left (:class:`LpsclInventory`): no reactant, no reaction. k is the
    phase's contact-loss rate (:class:`ContactLoss`): the film leaves with its particles,
    so the film thickness c V_film / a on the connected particles (a falls at the same
    rate k) does not jump when particles disconnect; PyBaMM alone would pile the film of
    the lost particles onto the survivors and stop their growth. The film's resistance is
    in series with charge transfer (:class:`InterphaseKinetics`).
    """

    def __init__(self, param, options, phase):
        super().__init__(param, "positive", options, phase=phase)
        cite("Wenzel2018", "Tan2019")

    def get_fundamental_variables(self):
        variables = super().get_fundamental_variables()
        pool = pybamm.Variable(n.disconnected_film_lithium(self.phase), scale=1e-6)
        lithium = variables[n.phase_decomposition_lithium(self.phase)] + pool
        variables.update(
            {
                n.disconnected_film_lithium(self.phase): pool,
                n.phase_decomposition_lithium(self.phase): lithium,
                n.phase_decomposition_capacity(self.phase): lithium * self.param.F / 3600,
            }
        )
        return variables

    def get_coupled_variables(self, variables):
        variables = super().get_coupled_variables(variables)
        Domain = self.domain.capitalize()
        j = variables[f"{Domain} electrode {self.reaction_name}interfacial current density [A.m-2]"]
        variables.update(self._get_standard_reaction_variables(j * variables[n.LPSCL_LEFT]))
        return BaseSEI.get_coupled_variables(self, variables)

    def set_rhs(self, variables):
        super().set_rhs(variables)
        ((c, rate),) = self.rhs.items()
        k = variables.get(n.contact_loss_rate(self.phase), pybamm.Scalar(0))  # 0 without mechanics
        V = self.param.p.L * self.param.A_cc
        self.rhs = {
            c: rate - k * c,
            variables[n.disconnected_film_lithium(self.phase)]: k * self.phase_param.z_sei * V * pybamm.x_average(c),
        }

    def set_initial_conditions(self, variables):
        super().set_initial_conditions(variables)
        self.initial_conditions[variables[n.disconnected_film_lithium(self.phase)]] = pybamm.Scalar(0)
