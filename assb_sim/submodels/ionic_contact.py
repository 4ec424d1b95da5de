"""Effective LPSCl conductivity of the composite electrode: binder coverage and pressure."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import cite, contact_factor


class IonicContact(pybamm.transport_efficiency.Bruggeman):
    """Bruggeman x binder coverage x pressure contact x percolation::

        kappa_eff = kappa eps_SE^b c_b phi(P0) T_perc,   phi(P) = sqrt(P / (P + P_c))

    eps_SE is the LPSCl left after decomposition (:class:`LpsclInventory`), c_b the measured
    conductivity ratio of an LPSCl:binder film to the pellet (large binder domains cover SE
    surface), T_perc the conductance left by voids (:class:`Percolation`; 1 without the
    mechanics). The separator is the measured pellet itself.
    """

    def __init__(self, param, options, percolation: bool = True):
        super().__init__(param, "Electrolyte", options=options)
        self.percolation = percolation
        cite("Bruggeman1935", "Constriction2025")

    def get_coupled_variables(self, variables):
        c_b = pybamm.Parameter(n.BINDER_COVERAGE)
        if self.percolation:
            c_b = c_b * variables[n.NETWORK_CONDUCTANCE]
        tor = {
            "separator": variables[n.SEPARATOR_POROSITY] ** self.param.s.b_e,
            "positive electrode": variables[n.ELECTROLYTE_FRACTION] ** self.param.p.b_e * c_b * contact_factor(),
        }
        variables.update(self._get_standard_transport_efficiency_variables(tor))
        return variables
