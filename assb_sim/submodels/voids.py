"""Voids and cracks: the irreversible thickening of the electrode."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import smooth_abs


class VoidGrowth(pybamm.BaseSubModel):
    """Irreversible thickening opened by the composite strain::

        dL_irr/dt = L S [a_v de_new/dt + b_v |de/dt|] (1 - L_irr / (f_max L))

    with the composite strain as driver and the contact-loss susceptibility S as
    resistance (one law for contacts and voids), so a weak binder thickens more; the
    void share saturates at f_max of the pristine thickness.
    """

    def __init__(self, param, options):
        super().__init__(param, domain="positive", options=options)

    def get_fundamental_variables(self):
        return {n.THICKNESS_IRREVERSIBLE: pybamm.Variable(n.THICKNESS_IRREVERSIBLE, scale=1e-6)}

    def set_rhs(self, variables):
        a = pybamm.Parameter(n.VOID_NEW_STRAIN)
        b = pybamm.Parameter(n.VOID_CYCLED_STRAIN)
        driver = a * variables[n.new_strain_rate(n.COMPOSITE_STRAIN)] + b * smooth_abs(
            variables[n.rate(n.COMPOSITE_STRAIN)]
        )
        L, L_irr = self.param.p.L, variables[n.THICKNESS_IRREVERSIBLE]
        room = 1 - L_irr / (pybamm.Parameter(n.MAX_VOID_THICKENING) * L)  # voids saturate
        self.rhs = {L_irr: L * variables[n.SUSCEPTIBILITY] * driver * room}

    def set_initial_conditions(self, variables):
        self.initial_conditions = {variables[n.THICKNESS_IRREVERSIBLE]: pybamm.Scalar(0)}
