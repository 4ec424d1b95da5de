"""Stack pressure of a constant-pressure or fixed-gap cell, and the thickness changes it sees."""

from __future__ import annotations

import pybamm

from .. import names as n


class StackPressure(pybamm.BaseSubModel):
    """Thickness changes of the stack and the pressure they make in a fixed-gap cell::

        dL_Li  = -V_Li q / (F A)                    Li foil (4.85 um per mAh/cm2 stripped)
        dL_dec = v_dec n_dec / A                    decomposition products, per Li consumed
        dL_WE  = dL_rev + dL_dec + L_irr            electrode, as measured unloaded
        P      = P0 + s K (dL_load + dL_dec + dL_Li),   s = 0 constant pressure, 1 fixed gap

    Only the connected network pushes on the stack: disconnected particles
    swell into the voids around them, and voids do not push either.
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)

    def get_coupled_variables(self, variables):
        A, F = self.param.A_cc, self.param.F
        q = variables[n.DISCHARGE_CAPACITY] * 3600  # charge into the working electrode [C]
        dL_li = -pybamm.Parameter(n.LI_MOLAR_VOLUME) * q / (F * A)
        # read from the LPSCl left: one state, not every node's film
        dL_dec = pybamm.Parameter(n.DECOMPOSITION_VOLUME) * variables[n.DECOMPOSED_LITHIUM] / A
        dL_stack = variables[n.THICKNESS_LOAD_BEARING] + dL_dec + dL_li
        s, K = pybamm.Parameter(n.FIXED_GAP), pybamm.Parameter(n.STACK_STIFFNESS)
        variables.update(
            {
                n.STACK_PRESSURE: pybamm.Parameter(n.SET_PRESSURE) + s * K * dL_stack,
                n.THICKNESS_LI: dL_li,
                n.THICKNESS_DECOMPOSITION: dL_dec,
                n.THICKNESS_WE: variables[n.THICKNESS_REVERSIBLE] + dL_dec + variables[n.THICKNESS_IRREVERSIBLE],
            }
        )
        return variables

    def add_events_from(self, variables):
        self.events.append(
            pybamm.Event("Stack pressure fell to zero: the fixed-gap cell lost contact", variables[n.STACK_PRESSURE])
        )
