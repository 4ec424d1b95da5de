"""The Si powder's irreversible first-lithiation uptake: its oxide and its trap sites."""

from __future__ import annotations

import pybamm
from pybamm.models.submodels.interface.lithium_plating.base_plating import BasePlating

from .. import names as n
from .laws import cite, mean_current


class IrreversibleUptake(BasePlating):
    """A finite Li sink on the Si phase, filled as Si lithiates::

        j_up  = (c_max - c_up) / c_fill min(<j_Si>, 0)     (<j_Si> < 0: Si lithiating on average)
        dN/dt = -<a_Si j_up> L A / F,   c_up = N / (L A)

    c_max holds the Li the native oxide shell takes (2 Li per SiO2, amorphous SiO2 ->
    Li4SiO4 + Si) and the Li trapped in a-Si that does not come back at 2 V (a share f_t
    of what Si takes); the sink fills by 1 - 1/e while Si takes c_fill (a third of its
    reversible capacity; see ``parameters.CellGeometry``), and takes nothing when there is
    no oxide and no trapping (c_max = 0). The Li goes from the electrolyte to the sink, not
    into the Si particles, so the Si phase keeps its reversible capacity, and the sink
    never holds more than c_max. It sits in PyBaMM's extra-reaction slot of the Si phase
    (its "lithium plating").

    <j_Si> is an algebraic state: as PyBaMM's average over every node it would make each
    node's equations depend on every other's (a dense Jacobian block).
    """

    def __init__(self, param, options):
        super().__init__(param, "positive", options=options, phase=n.SILICON)
        cite("Ban2012", "Lindgren2019")

    def get_fundamental_variables(self):
        N = pybamm.Variable(n.UPTAKE_STATE, scale=1e-6)
        c = N / (self.param.p.L * self.param.A_cc)
        field = pybamm.FullBroadcast(c, "positive electrode", "current collector")
        zero = pybamm.FullBroadcast(pybamm.Scalar(0), "positive electrode", "current collector")
        r = pybamm.Parameter(n.phase_parameter(n.SILICON, "Positive particle radius [m]"))
        one_c = self.param.F * self.phase_param.c_max * r / (3 * 3600)  # a particle's 1 C current density
        variables = {
            n.UPTAKE_STATE: N,
            n.SI_MEAN_CURRENT: mean_current(n.SI_MEAN_CURRENT, one_c),
        }
        variables.update(self._get_standard_concentration_variables(field, zero))
        variables.update(self._get_standard_overpotential_variables(zero))
        return variables

    def get_coupled_variables(self, variables):
        # the electrode-averaged Si current: the SPMe's Si particles share one concentration
        j_si = variables[n.SI_MEAN_CURRENT]
        room = pybamm.Parameter(n.UPTAKE_CAPACITY) - variables[n.UPTAKE_STATE] / (self.param.p.L * self.param.A_cc)
        j_up_av = room / pybamm.Parameter(n.UPTAKE_SCALE) * pybamm.minimum(j_si, 0)
        j_up = pybamm.PrimaryBroadcast(j_up_av, "positive electrode")
        variables.update(self._get_standard_reaction_variables(j_up))
        variables[n.UPTAKE_CURRENT] = j_up
        return super().get_coupled_variables(variables)

    def set_rhs(self, variables):
        a = variables[f"Positive electrode {self.phase_name}surface area to volume ratio [m-1]"]
        j_up = variables[f"Positive electrode {self.phase_name}lithium plating interfacial current density [A.m-2]"]
        L, A = self.param.p.L, self.param.A_cc
        self.rhs = {variables[n.UPTAKE_STATE]: -pybamm.x_average(a * j_up) * L * A / self.param.F}

    def set_algebraic(self, variables):
        j_si = variables[n.SI_MEAN_CURRENT]
        self.algebraic = {j_si: j_si - variables[n.SI_AVERAGED_CURRENT]}  # PyBaMM divides by the scale

    def set_initial_conditions(self, variables):
        self.initial_conditions = {
            variables[n.UPTAKE_STATE]: pybamm.Scalar(0),
            variables[n.SI_MEAN_CURRENT]: pybamm.Scalar(0),
        }


class TotalWithUptake(pybamm.lithium_plating.TotalLithiumPlating):
    """PyBaMM's sum of the phases' extra reactions, taken only once the uptake current
    exists (PyBaMM would otherwise sum the placeholders it finds first)."""

    def __init__(self, param, options):
        super().__init__(param, "positive", options=options)

    def get_coupled_variables(self, variables):
        variables[n.UPTAKE_CURRENT]
        return super().get_coupled_variables(variables)
