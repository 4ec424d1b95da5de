"""The electrode's LPSCl: what the decomposition has consumed and what is left."""

from __future__ import annotations

import pybamm

from .. import names as n


class LpsclInventory(pybamm.BaseSubModel):
    """The LPSCl of the electrode, consumed by its reductive decomposition::

        N_0   = eps_SE,0 L A / V_LPSCl           LPSCl in the pristine electrode [mol]
        theta = 1 - n_dec / (z N_0)               share left (z = 8 Li per formula unit; an algebraic state)
        eps_SE = eps_SE,0 theta                   LPSCl volume fraction

    n_dec is all the Li the decomposition took, on connected and disconnected particles.
    Only the electrode's LPSCl takes part: the separator touches active particles only at
    its face, a ~1/100 of their surface. The products replace the LPSCl they came from
    (their net volume is in :class:`StackPressure`); the ionic path (:class:`IonicContact`)
    and the reaction rate (:class:`Decomposition`) follow theta, so the reaction slows as
    its reactant runs out and can never take more than the electrode holds.

    theta is an algebraic state: it sums the film of every node, and held as an
    expression it would couple every node's equations to every other's (a dense Jacobian
    block, several times the cost of a step); as a state it is one column.
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)

    def get_fundamental_variables(self):
        return {n.LPSCL_LEFT: pybamm.Variable(n.LPSCL_LEFT, domain="current collector")}

    def get_coupled_variables(self, variables):
        eps_0 = pybamm.Parameter(n.ELECTRODE_POROSITY)
        z = pybamm.Parameter(n.phase_parameter(n.GRAPHITE, n.SEI_LI_PER_FORMULA))
        N_0 = eps_0 * self.param.p.L * self.param.A_cc / pybamm.Parameter(n.LPSCL_MOLAR_VOLUME)
        theta = variables[n.LPSCL_LEFT]
        variables.update(
            {
                n.LPSCL_INITIAL: N_0,
                n.LPSCL_CONSUMED: N_0 * (1 - theta),
                n.DECOMPOSED_LITHIUM: z * N_0 * (1 - theta),
                n.ELECTROLYTE_FRACTION: variables[n.ELECTRODE_POROSITY] * theta,
            }
        )
        return variables

    def set_algebraic(self, variables):
        z = pybamm.Parameter(n.phase_parameter(n.GRAPHITE, n.SEI_LI_PER_FORMULA))
        n_dec = sum(variables[n.phase_decomposition_lithium(p)] for p in n.PHASES)
        theta = variables[n.LPSCL_LEFT]
        self.algebraic = {theta: theta - (1 - n_dec / (z * variables[n.LPSCL_INITIAL]))}

    def set_initial_conditions(self, variables):
        self.initial_conditions = {variables[n.LPSCL_LEFT]: pybamm.Scalar(1)}
