"""Swelling: Li content -> volumetric strain of each phase, of the composite, and thickness."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite


class Swelling(pybamm.BaseSubModel):
    """Volumetric strain from Li content, and the electrode thickness it gives.

    Strain is linear in Li content (Obrovac 2007 for Si, graphite linearised, Ai 2020)::

        e_k    = beta_k x_k                                             (connected particles of k)
        e_comp = sum_k beta_k (n_k + m_k) / (c_k,max L A) - e_0           (whole electrode)
        e_load = sum_k beta_k (1 - l_k / eps_k) n_k / (c_k,max L A) - e_0  (load-bearing network)
        dL_rev = (1 - phi) L e_comp,   dL_load = (1 - phi) L e_load

    The die confines the electrode laterally, so volume goes to thickness, less the share
    the pores (fraction phi) absorb.
    """

    def __init__(self, param, options):
        super().__init__(param, domain="positive", options=options)
        cite("Obrovac2007", "Ai2020")

    def get_coupled_variables(self, variables):
        p = self.param
        L, A, F = p.p.L, p.A_cc, p.F
        pore = pybamm.Parameter(n.PORE_FRACTION)
        e_comp, e_load, de_comp, e_0 = 0, 0, 0, 0
        for phase in n.PHASES:
            phase_param = p.p.prim if phase == n.GRAPHITE else p.p.sec
            beta = pybamm.Parameter(n.full_lithiation_strain(phase))
            c_max = pybamm.Parameter(n.phase_parameter(phase, n.MAX_CONCENTRATION))
            eps = variables[n.active_fraction(phase)]
            n_k = variables[n.connected_lithium(phase)]
            m_k = variables[n.trapped_lithium(phase)]
            loosened = variables[n.loosened_volume(phase)] / eps  # share of connected volume
            dx_dt = -variables[n.phase_current(phase)] / (F * eps * c_max)  # a j > 0 is delithiation
            # all Li, connected or trapped, keeps its particle swollen ...
            e_comp += beta * (n_k + m_k) / (c_max * L * A)
            # ... but only particles still bonded into the network push on the stack
            e_load += beta * (1 - loosened) * n_k / (c_max * L * A)
            de_comp += beta * eps * dx_dt
            e_0 += beta * phase_param.epsilon_s_av * phase_param.sto_init_av  # pristine strain
            variables[n.PHASE_STRAIN[phase]] = beta * n_k / (eps * c_max * L * A)  # connected particles
            variables[n.rate(n.PHASE_STRAIN[phase])] = beta * dx_dt
        variables[n.COMPOSITE_STRAIN] = e_comp - e_0
        variables[n.LOAD_BEARING_STRAIN] = e_load - e_0
        variables[n.rate(n.COMPOSITE_STRAIN)] = de_comp
        variables[n.THICKNESS_REVERSIBLE] = (1 - pore) * L * variables[n.COMPOSITE_STRAIN]
        variables[n.THICKNESS_LOAD_BEARING] = (1 - pore) * L * variables[n.LOAD_BEARING_STRAIN]
        return variables
