"""Irreversible thickening: voids around debonded particles, and Si turning spongy."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite, smooth_abs


class VoidGrowth(pybamm.BaseSubModel):
    """Two irreversible thickenings, one per cause::

        dD/dt      = sum_k (l_k r_k + f_k eps_k) / sum_k eps_k,0      debonded share (released + worn)
        dL_v/dt    = L b_v D |de_comp/dt| (1 - L_v / (f_max L))      voids around debonded particles
        dL_sp/dt   = L b_sp eps_Si |de_Si/dt| (1 - L_sp / (f_max L))  Si sponge
        L_irr      = L_v + L_sp

    Voids open where particles have debonded: each swelling cycle pushes the network
    apart around them and it does not close again, so void growth follows the share of
    the active volume debonded so far (released after loosening, or worn off; not the
    Si isolated by its interphase nor the regions percolation cut off, which leave no gap). Cycled
    nano-Si turns into a porous sponge (Wetjen et al. 2018) that thickens the electrode
    however well it is bonded; that porosity lies inside the Si clusters, so it does not
    dilute the LPSCl network (:class:`Percolation` sees only L_v).
    """

    def __init__(self, param, options):
        super().__init__(param, domain="positive", options=options)
        cite("Wetjen2018")

    def get_fundamental_variables(self):
        variables = {name: pybamm.Variable(name, scale=1e-6) for name in (n.THICKNESS_VOIDS, n.THICKNESS_SPONGE)}
        variables[n.DEBONDED_SHARE] = pybamm.Variable(n.DEBONDED_SHARE, scale=0.1)
        return variables

    def get_coupled_variables(self, variables):
        variables[n.THICKNESS_IRREVERSIBLE] = variables[n.THICKNESS_VOIDS] + variables[n.THICKNESS_SPONGE]
        return variables

    def set_rhs(self, variables):
        L, f_max = self.param.p.L, pybamm.Parameter(n.MAX_VOID_THICKENING)
        L_v, L_sp = variables[n.THICKNESS_VOIDS], variables[n.THICKNESS_SPONGE]
        pristine = sum((self.param.p.prim if p == n.GRAPHITE else self.param.p.sec).epsilon_s_av for p in n.PHASES)
        debonding = sum(variables[n.debonding_rate(p)] for p in n.PHASES) / pristine
        voids = pybamm.Parameter(n.VOID_CYCLED_STRAIN) * variables[n.DEBONDED_SHARE]
        voids = voids * smooth_abs(variables[n.rate(n.COMPOSITE_STRAIN)])
        sponge = pybamm.Parameter(n.SPONGE_GROWTH) * variables[n.active_fraction(n.SILICON)]
        sponge = sponge * smooth_abs(variables[n.rate(n.SI_STRAIN)])
        self.rhs = {
            L_v: L * voids * (1 - L_v / (f_max * L)),
            L_sp: L * sponge * (1 - L_sp / (f_max * L)),
            variables[n.DEBONDED_SHARE]: debonding,
        }

    def set_initial_conditions(self, variables):
        names = (n.THICKNESS_VOIDS, n.THICKNESS_SPONGE, n.DEBONDED_SHARE)
        self.initial_conditions = {variables[name]: pybamm.Scalar(0) for name in names}
