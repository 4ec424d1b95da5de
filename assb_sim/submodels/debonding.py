"""Debonding of particles from the binder-bridged network: energy against toughness."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite, ratchet, toughness, weibull_hazard


class Debonding(pybamm.BaseSubModel):
    """Energy released by a swelling particle against the effective toughness that holds it::

        eps_k = (1 + e_k)^(1/3) - 1,   e_t = (1 - phi) e_comp    particle's own / matrix's strain
        mu_k^2 = (2 eps_k^2 + (eps_k - e_t)^2) / 3                misfit: isotropic vs uniaxial
        G_k   = E_d R_k mu_k^2                                    energy release rate [J/m2]
        Gamma = C + P delta                                  cohesion + work of stack pressure
        H_k   = (G_k / Gamma)^m,     dH_k,max/dt = max(H_k - H_k,max, 0) / tau

    A particle swelling (or shrinking) against the composite around it stores elastic
    energy ~ E mu^2 R per unit interface area (Hu, Zhao & Suo 2010; Eshelby: G = 0.48 E
    mu^2 R for equal moduli), released if its interface opens. The die holds the
    electrode laterally, so the matrix around a particle strains only through the
    thickness (e_t, the electrode's own swelling) while the particle swells alike in
    every direction: mu^2 is the mean square of the principal misfits. C is the binder's measured
    SAICAS cohesion (a force per width is an energy per area), delta the opening over
    which the stack pressure P works against the separation. Interface strengths scatter
    (contact size, binder coverage): with a Weibull modulus m, the share of a phase's
    interfaces failed at G is 1 - exp(-(G/Gamma)^m), so the response to pressure and
    cohesion is gradual. Graphite (R = 8 um, misfit ~4-6 %) and Si clusters (R ~0.3 um,
    misfit ~29 %) differ only by size and strain: no per-phase coefficients. H_max is the
    worst state seen (damage does not heal); tau a short lag of the ratchet.
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)
        cite("Hu2010", "Weibull1939")

    def get_fundamental_variables(self):
        return {n.max_hazard(p): pybamm.Variable(n.max_hazard(p), scale=0.1) for p in n.PHASES}

    def get_coupled_variables(self, variables):
        Gamma = toughness(pybamm.Parameter(n.BINDER_COHESION), variables[n.STACK_PRESSURE])
        E_d = pybamm.Parameter(n.DEBONDING_MODULUS)
        matrix = variables[n.THICKNESS_REVERSIBLE] / self.param.p.L  # uniaxial: the die holds it laterally
        radius = {
            n.GRAPHITE: pybamm.Parameter(n.phase_parameter(n.GRAPHITE, "Positive particle radius [m]")),
            n.SILICON: pybamm.Parameter(n.SI_CLUSTER_RADIUS),
        }
        variables[n.COHESIVE_TOUGHNESS] = Gamma
        for phase in n.PHASES:
            own = (1 + variables[n.PHASE_STRAIN[phase]]) ** (1 / 3) - 1
            misfit_sq = (2 * own**2 + (own - matrix) ** 2) / 3
            G = E_d * radius[phase] * misfit_sq
            variables[n.misfit_strain(phase)] = pybamm.sqrt(misfit_sq)
            variables[n.energy_ratio(phase)] = G / Gamma
            variables[n.hazard(phase)] = H = weibull_hazard(G, Gamma)
            variables[n.rate(n.max_hazard(phase))] = ratchet(H, variables[n.max_hazard(phase)])
        return variables

    def set_rhs(self, variables):
        self.rhs = {variables[n.max_hazard(p)]: variables[n.rate(n.max_hazard(p))] for p in n.PHASES}

    def set_initial_conditions(self, variables):
        self.initial_conditions = {variables[n.max_hazard(p)]: pybamm.Scalar(0) for p in n.PHASES}
