"""Debonding of particles from the binder-bridged network: energy against toughness."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite, ratchet, toughness, weibull_hazard


class Debonding(pybamm.BaseSubModel):
    """Energy a swelling particle stores against the toughness that holds it in the network::

        eps_k = (1 + e_k)^(1/3) - 1,   e_t = (1 - phi) e_comp    particle's own / matrix's strain
        mu_k^2 = (2 eps_k^2 + (eps_k - e_t)^2) / 3                misfit: isotropic vs uniaxial
        G_k   = E_d R_k mu_k^2                                    energy release rate [J/m2]
        Gamma = C + P delta                                       cohesion + work of stack pressure
        H_k   = (G_k / Gamma)^m,     dH_k,max/dt = max(H_k - H_k,max, 0) / tau

    A particle of radius R swelling with a misfit mu against the composite around it
    stores elastic energy ~ E mu^2 R per unit interface area (Hu, Zhao & Suo 2010; 0.48 E
    mu^2 R for a misfit sphere in a matrix of equal modulus). While it swells its interface
    is compressed and it pushes the network apart; when it shrinks back the interface is
    pulled open, and the energy of the largest misfit reached is what that opening
    releases: so damage follows the largest hazard seen (H_max), and a loosened particle
    separates on contraction (:class:`ContactLoss`). The die holds the electrode
    laterally: the matrix strains only through the thickness (e_t) while the particle
    swells alike in every direction, and mu^2 is the mean square of the principal misfits
    (normal and shear). E_d is an effective scale, fitted: it absorbs the geometry factor
    and the plastic flow of LixSi and LPSCl, which caps the stored energy below the elastic
    estimate. C is the binder's measured SAICAS cohesion (a force per width is an energy
    per area), delta the opening over which stack pressure P works against the separation.
    Interface strengths scatter (contact size, binder coverage): with a Weibull modulus m
    the share of a phase's interfaces failed is 1 - exp(-H_max), so the response to
    pressure and cohesion is gradual. Graphite (R = 8 um, misfit ~5 %, mostly the
    matrix's) and Si agglomerates (R fitted, misfit ~29 %) differ by size and strain only.
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)
        cite("Hu2010", "Weibull1939")

    def get_fundamental_variables(self):
        return {n.max_hazard(p): pybamm.Variable(n.max_hazard(p), scale=0.1) for p in n.PHASES}

    def get_coupled_variables(self, variables):
        Gamma = toughness(
            pybamm.Parameter(n.BINDER_COHESION), pybamm.Parameter(n.COMPOSITE_COHESION), variables[n.STACK_PRESSURE]
        )
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
