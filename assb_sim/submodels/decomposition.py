"""Reductive decomposition of LPSCl on one phase's particles: the interphase."""

from __future__ import annotations

import pybamm
from pybamm.models.submodels.interface.sei.base_sei import BaseModel as BaseSEI

from .. import names as n
from .laws import arrhenius, cite


class Decomposition(pybamm.sei.SEIGrowth):
    """PyBaMM's interstitial-diffusion-limited growth, switched on below LPSCl's reduction
    onset, bounded by the LPSCl inventory, each particle keeping its own film when it
    disconnects::

        c_int = c_0 exp(-alpha F dphi / RT) max(1 - exp(-F (U_on - dphi) / RT), 0)
        j_dec = theta A(T) F D c_int / L_film             transport through the film limits
        dc/dt = -a j_dec / (F z) - k c                    film on connected particles
        dP/dt = k z <c> V                                 film of disconnected particles [mol Li]
        n_dec = (<c> - c_0) z V + P                       all the Li the reaction took

    Li interstitials at the film's inner face are in equilibrium with the electrode
    (Boltzmann, alpha = 1), so the reaction runs where the film lets Li through; the second
    factor is the reaction's thermodynamic driving force: nothing above the onset U_on (LPSCl
    is stable there), full below ~U_on - 0.1 V. With the onset far above the window this is
    PyBaMM's law. theta is the LPSCl left (:class:`LpsclInventory`): no reactant, no
    reaction. A(T) is Arrhenius. k is the phase's contact-loss rate (:class:`ContactLoss`):
    the film leaves with its particles, so the film thickness c V_film / a on the connected
    particles (a falls at the same rate k) does not jump when particles disconnect; PyBaMM
    alone would pile the film of the lost particles onto the survivors and stop their growth.
    The film's resistance is in series with charge transfer (:class:`InterphaseKinetics`).

    ``mean_potential`` (the SPMe): the reaction runs at the electrode's mean surface
    potential difference, the leading order of the SPMe's expansion in the electrolyte's
    potential drop. The SPMe's local dphi(x) adds that drop to first order, for an
    electrolyte current it takes from a uniform reaction; with the LPSCl network's
    conductance cut it reached volts at the electrode's back, where exp(-F dphi / RT) made
    the decomposition run away far beyond the DFN's (docs/model.md).
    """

    def __init__(self, param, options, phase, mean_potential: bool = False):
        super().__init__(param, "positive", options, phase=phase)
        self.mean_potential = mean_potential
        cite("Wenzel2018", "Tan2019", "Zhu2015", "Schwietert2020")

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
        F, R, phase = self.param.F, self.param.R, self.phase_param
        T = variables["Positive electrode temperature [K]"]
        if self.mean_potential:
            mean = variables["X-averaged positive electrode surface potential difference [V]"]
            dphi = pybamm.PrimaryBroadcast(mean, "positive electrode")
        else:
            dphi = variables["Positive electrode surface potential difference [V]"]
        L = variables[f"Positive {self.reaction_name}thickness [m]"]
        U_on = pybamm.Parameter(n.phase_parameter(self.phase, n.DECOMPOSITION_ONSET))
        alpha = pybamm.Parameter(n.phase_parameter(self.phase, n.DECOMPOSITION_TRANSFER))
        drive = pybamm.maximum(1 - pybamm.exp(-F * (U_on - dphi) / (R * T)), 0)
        c_int = phase.c_li_0 * pybamm.exp(-alpha * F * dphi / (R * T)) * drive
        j = -variables[n.LPSCL_LEFT] * arrhenius(phase.E_sei, T) * F * phase.D_li * c_int / L
        variables.update(self._get_standard_reaction_variables(j))
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
