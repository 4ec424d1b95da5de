"""Delamination of the electrode from its Ni current collector: adhesion's failure mode."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite, contact_factor, ratchet, toughness, weibull_hazard


class Delamination(pybamm.BaseSubModel):
    """A swelling electrode layer on a collector that does not swell (Hutchinson & Suo 1992)::

        mu_ip = (1 + e_comp)^(1/3) - 1                        in-plane misfit with the Ni foil
        sigma = sigma_f tanh(E mu_ip / sigma_f)               in-plane stress, capped by flow
        G_a   = Z sigma^2 L / E                               steady-state delamination, Z = 1/2
        H_a   = (G_a / Gamma_a)^m,   Gamma_a = A + P delta,   d = 1 - exp(-H_a,max)
        c_e   = 1 - (1 - phi(P)) d                            electronic contact with the collector

    A is the binder's measured SAICAS adhesion at the electrode/Ni interface. The composite
    cannot hold more in-plane stress than its flow stress, so G_a stays ~5 J/m2 however
    much Si swells: far below the NBR binders' 197-245 J/m2, and below the P delta the
    stack pressure adds above a few MPa. A delaminated area keeps its electronic contact
    only by pressure, with the share phi(P) of :func:`contact_factor`; the contact c_e
    scales the charge transfer of both phases (:class:`InterphaseKinetics`), as the
    pressure contact factor does: a delaminated electrode still touches its foil, through
    fewer contacts, so it loses rate and some capacity at the cut-offs, not whole particles. This is the failure
    mode of a layer free to move in-plane on its foil (a pouch or low-pressure cell); in
    the paper's die, which holds electrode and foil alike, the in-plane misfit is smaller
    still, so the law's G_a is an upper bound there. The 180 degree peel strength is not
    used: it is an apparent toughness too, including the peeled arm's bending and the
    rubber's viscoelastic losses (Kendall 1975); SAICAS adhesion measures the same
    interface with less of them.
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)
        cite("Hutchinson1992", "Kendall1975")

    def get_fundamental_variables(self):
        # the contact follows from the state alone: the kinetics needs it before the strains
        # a sound cell's hazard is ~3e-7 and only ratchets up: at a scale of 0.1 its absolute
        # tolerance (1e-9) let it drift by 1.5e-7 over a 5 h CV hold with its rate at zero
        H_max = pybamm.Variable(n.DELAMINATION_HAZARD, scale=1e-4)
        d = 1 - pybamm.exp(-H_max)
        exposed = 1 - contact_factor()  # share of a delaminated area that loses contact
        return {n.DELAMINATION_HAZARD: H_max, n.DELAMINATED: d, n.COLLECTOR_CONTACT: 1 - exposed * d}

    def get_coupled_variables(self, variables):
        E, sigma_f = pybamm.Parameter(n.ELECTRODE_MODULUS), pybamm.Parameter(n.ELECTRODE_FLOW_STRESS)
        misfit = (1 + variables[n.COMPOSITE_STRAIN]) ** (1 / 3) - 1
        sigma = sigma_f * pybamm.tanh(E * misfit / sigma_f)
        G = pybamm.Parameter(n.DELAMINATION_FACTOR) * sigma**2 * self.param.p.L / E
        Gamma = toughness(
            pybamm.Parameter(n.BINDER_ADHESION), pybamm.Parameter(n.COMPOSITE_ADHESION), variables[n.STACK_PRESSURE]
        )
        variables.update(
            {
                n.DELAMINATION_ENERGY: G,
                n.ADHESIVE_TOUGHNESS: Gamma,
                n.rate(n.DELAMINATION_HAZARD): ratchet(weibull_hazard(G, Gamma), variables[n.DELAMINATION_HAZARD]),
            }
        )
        return variables

    def set_rhs(self, variables):
        H_max = variables[n.DELAMINATION_HAZARD]
        self.rhs = {H_max: variables[n.rate(n.DELAMINATION_HAZARD)]}

    def set_initial_conditions(self, variables):
        self.initial_conditions = {variables[n.DELAMINATION_HAZARD]: pybamm.Scalar(0)}
