"""Percolation of the LPSCl network that voids dilute: connectivity and conductivity."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite, ratchet

GAP_FLOOR = 1e-6  # eps' - eps_c is kept above this: A is then < 1 %, the network as good as cut


class Percolation(pybamm.BaseSubModel):
    """Voids dilute the LPSCl network towards its percolation threshold::

        L_v'   = L_v P_v / (P_v + P)                              voids left open under load
        eps'   = eps_SE,0 L / (L + L_v')                          void-diluted LPSCl fraction
        A      = ((eps' - eps_c) / (eps_SE,0 - eps_c))^beta         accessible share of the network
        dchi/dt = -max(chi - A, 0) / tau,   k_perc = max(chi - A, 0) / (tau chi)
        T_perc = ((eps' - eps_c) / (eps_SE,0 - eps_c))^t L / (L + L_v' + L_sp)   conductance

    The voids are measured unloaded (post-mortem thickness); under the stack pressure P
    they are partly pressed shut, the more so the higher P (closure pressure P_v, fitted).
    The share of the network still connected to the separator falls as the
    percolation order parameter P_inf ~ (eps - eps_c)^beta (beta = 0.41 in 3D; Stauffer &
    Aharony 1994), the conductivity as (eps - eps_c)^t (t = 2.0; Kirkpatrick 1973) over
    a path made longer by all the irreversible thickening (voids and Si sponge). Particles
    in a region the network no longer reaches are cut off, graphite and Si alike (chi,
    irreversible: voids do not close); this is how severe damage removes whole regions.
    Only the void thickening dilutes the network (the Si sponge's pores are inside the Si
    clusters); LPSCl consumed by decomposition leaves its products in place and enters
    through eps_SE in :class:`IonicContact`.
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)
        cite("ScherZallen1970", "Kirkpatrick1973", "Stauffer1994")

    def get_fundamental_variables(self):
        return {n.NETWORK_CONNECTED: pybamm.Variable(n.NETWORK_CONNECTED, bounds=(0, 1))}

    def get_coupled_variables(self, variables):
        L = self.param.p.L
        eps_0, eps_c = pybamm.Parameter(n.ELECTRODE_POROSITY), pybamm.Parameter(n.PERCOLATION_THRESHOLD)
        # the set pressure: the fixed-gap swing (~1 MPa of 30) is far below P_v
        P, P_v = pybamm.Parameter(n.SET_PRESSURE), pybamm.Parameter(n.VOID_CLOSURE_PRESSURE)
        open_voids = variables[n.THICKNESS_VOIDS] * P_v / (P_v + P)
        eps = eps_0 * L / (L + open_voids)
        distance = pybamm.maximum(eps - eps_c, GAP_FLOOR) / (eps_0 - eps_c)
        accessible = distance ** pybamm.Parameter(n.ACCESSIBILITY_EXPONENT)
        chi = variables[n.NETWORK_CONNECTED]
        cut = ratchet(-accessible, -chi)  # chi follows the smallest reach so far, down only
        variables.update(
            {
                n.DILUTED_ELECTROLYTE_FRACTION: eps,
                n.NETWORK_ACCESSIBLE: accessible,
                n.rate(n.NETWORK_CONNECTED): -cut,
                n.PERCOLATION_LOSS_RATE: cut / chi,
                n.NETWORK_CONDUCTANCE: distance ** pybamm.Parameter(n.CONDUCTIVITY_EXPONENT)
                * L
                / (L + open_voids + variables[n.THICKNESS_SPONGE]),
            }
        )
        return variables

    def set_rhs(self, variables):
        chi = variables[n.NETWORK_CONNECTED]
        self.rhs = {chi: variables[n.rate(n.NETWORK_CONNECTED)]}

    def set_initial_conditions(self, variables):
        self.initial_conditions = {variables[n.NETWORK_CONNECTED]: pybamm.Scalar(1)}
