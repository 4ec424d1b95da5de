"""Confinement: how strongly stack pressure and binder hold the electrode's contacts."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import susceptibility


class Confinement(pybamm.BaseSubModel):
    """Confining stress and the contact-loss susceptibility it sets::

        sigma_c = P + C / l_b,     S = 1 / (1 + (sigma_c / sigma_ref)^n)

    C is the binder's measured SAICAS cohesion [N/m], l_b the bridging length over which
    its cohesive force per width holds a contact together: the binder acts as an extra
    confining stress. S scales every damage rate (contacts and voids).
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)

    def get_coupled_variables(self, variables):
        cohesion = pybamm.Parameter(n.BINDER_COHESION) / pybamm.Parameter(n.BRIDGING_LENGTH)
        sigma_c = variables[n.STACK_PRESSURE] + cohesion
        variables.update({n.CONFINING_STRESS: sigma_c, n.SUSCEPTIBILITY: susceptibility(sigma_c)})
        return variables
