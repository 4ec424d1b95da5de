"""Swelling: Li content -> volumetric strain, electrode thickness, strain history."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite

SHARPNESS = 2000.0  # sigmoid steepness of "strain above its history": e_max lags e by ~0.002


class Swelling(pybamm.BaseSubModel):
    """Volumetric strain from Li content, electrode thickness, and the strain history.

    Strain is linear in Li content (Obrovac 2007 for Si, graphite linearised, Ai 2020)::

        e_Si   = beta_Si x_Si                                         (connected Si)
        e_comp = sum_k beta_k (n_k + m_k) / (c_k,max L A) - e_0         (whole electrode)
        e_load = sum_k beta_k (1 - l_k / eps_k) n_k / (c_k,max L A) - e_0  (load-bearing network)
        dL_rev = (1 - phi) L e_comp,   dL_load = (1 - phi) L e_load
        de_max/dt = max(de/dt, 0) H(e - e_max)                         (strain history)

    The die confines the electrode laterally, so volume goes to thickness, less the share
    the pores (fraction phi) absorb. de_new/dt = de_max/dt is the rate at which a strain
    never reached before is imposed.
    """

    def __init__(self, param, options):
        super().__init__(param, domain="positive", options=options)
        cite("Obrovac2007", "Ai2020")

    def get_fundamental_variables(self):
        return {n.max_strain(s): pybamm.Variable(n.max_strain(s), scale=0.1) for s in (n.SI_STRAIN, n.COMPOSITE_STRAIN)}

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
            dx_dt = -variables[n.interfacial_current(phase)] / (F * eps * c_max)  # a j > 0 is delithiation
            # all Li, connected or trapped, keeps its particle swollen ...
            e_comp += beta * (n_k + m_k) / (c_max * L * A)
            # ... but only particles still bonded into the network push on the stack
            e_load += beta * (1 - loosened) * n_k / (c_max * L * A)
            de_comp += beta * eps * dx_dt
            e_0 += beta * phase_param.epsilon_s_av * phase_param.sto_init_av  # pristine strain
            if phase == n.SILICON:
                variables[n.SI_STRAIN] = beta * n_k / (eps * c_max * L * A)  # connected particles
                variables[n.rate(n.SI_STRAIN)] = beta * dx_dt
        variables[n.COMPOSITE_STRAIN] = e_comp - e_0
        variables[n.LOAD_BEARING_STRAIN] = e_load - e_0
        variables[n.rate(n.COMPOSITE_STRAIN)] = de_comp
        for strain in (n.SI_STRAIN, n.COMPOSITE_STRAIN):
            e, de = variables[strain], variables[n.rate(strain)]
            above = pybamm.sigmoid(variables[n.max_strain(strain)], e, SHARPNESS)
            variables[n.new_strain_rate(strain)] = pybamm.maximum(de, 0) * above
        variables[n.THICKNESS_REVERSIBLE] = (1 - pore) * L * variables[n.COMPOSITE_STRAIN]
        variables[n.THICKNESS_LOAD_BEARING] = (1 - pore) * L * variables[n.LOAD_BEARING_STRAIN]
        return variables

    def set_rhs(self, variables):
        self.rhs = {
            variables[n.max_strain(s)]: variables[n.new_strain_rate(s)] for s in (n.SI_STRAIN, n.COMPOSITE_STRAIN)
        }

    def set_initial_conditions(self, variables):
        # the pristine electrode holds ~1e-4 of its capacity: its strain is ~0
        self.initial_conditions = {
            variables[n.max_strain(s)]: pybamm.Scalar(0) for s in (n.SI_STRAIN, n.COMPOSITE_STRAIN)
        }
