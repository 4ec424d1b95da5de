"""Contact loss of one active phase and the Li its disconnected particles trap."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import mean_current, smooth_abs

STRAIN_FLOOR = 1e-3  # below this the electrode has not expanded yet: no contraction share


class ContactLoss(pybamm.active_material.LossActiveMaterial):
    """Loss of electronic/ionic contact of one phase (graphite or Si), whole particles at a time.

    Debonding (:class:`Debonding`) *loosens* a share of the phase's tight volume as its
    hazard H_max grows (volume fraction l): after reaching H, 1 - exp(-H) of it is
    loosened. A loosened particle separates as soon as the phase starts to shrink back,
    holding the Li it had at its largest expansion: the release runs over a contraction
    of f_rel of the strain, so a released particle has given back only ~f_rel of its Li.
    Cycling wears contacts in proportion to the same hazard (a Paris-type cyclic
    degradation, b shared by both phases; b_0 is Si's isolation by its growing interphase,
    which no pressure or binder prevents). Voids that cut the LPSCl network
    (:class:`Percolation`) take both phases alike::

        dl/dt   = dH_max/dt (eps - l) - l r - (f + k_perc) l,   r = max(-de/dt, 0) / (f_rel max(e, e_floor))
        deps/dt = -l r - (f + k_perc) eps = -k eps,             f = (b H + b_0) |de/dt|
        dn/dt   = -<a j> L A / F - k n,                        dm/dt = k n

    so 0 <= l <= eps always. e is the strain whose cycling wears the phase's contacts (Si:
    its own; graphite: the composite's). Material cut off keeps its Li m (PyBaMM's "loss
    of lithium due to loss of active material"), which lowers the coulombic efficiency.
    The loss is uniform through the electrode, so the connected Li n is one state, and
    so is <a j>, the phase's mean current (algebraic): PyBaMM's bookkeeping without making
    every mechanics equation, and through k every node's, depend on every particle node
    (a dense Jacobian block that made each step several times dearer).
    """

    def __init__(self, param, options, phase):
        super().__init__(param, "positive", options, x_average=True, phase=phase)

    def get_fundamental_variables(self):
        variables = super().get_fundamental_variables()
        pp = self.phase_param
        loosened, lithium = n.loosened_volume(self.phase), n.connected_lithium(self.phase)
        variables[loosened] = pybamm.Variable(loosened, scale=pp.epsilon_s_av)
        capacity = pp.epsilon_s_av * pp.c_max * self.domain_param.L * self.param.A_cc
        variables[lithium] = pybamm.Variable(lithium, scale=capacity)
        current = n.phase_current(self.phase)
        variables[current] = mean_current(current, self.param.F * pp.epsilon_s_av * pp.c_max / 3600)
        return variables

    def get_coupled_variables(self, variables):
        phase, strain = self.phase, n.DRIVING_STRAIN[self.phase]
        b = pybamm.Parameter(n.CONTACT_FATIGUE)
        b_0 = pybamm.Parameter(n.intrinsic_fatigue(phase))
        de = variables[n.rate(strain)]
        f_rel = pybamm.Parameter(n.RELEASE_CONTRACTION)
        contraction = pybamm.maximum(-de, 0) / (f_rel * pybamm.maximum(variables[strain], STRAIN_FLOOR))
        loose = variables[n.loosened_volume(phase)]
        eps = variables[n.active_fraction(phase)]
        release = loose * contraction
        # wears tight and loosened contacts alike; so do the network losses
        fatigue = b * variables[n.hazard(phase)] * smooth_abs(de)
        wear = fatigue + b_0 * smooth_abs(de) + variables[n.PERCOLATION_LOSS_RATE]
        k = release / eps + wear
        variables[n.debonding_rate(phase)] = release + fatigue * eps  # volume debonded [s-1]
        variables.update(self._get_standard_active_material_change_variables(-eps * k))
        new_loosening = variables[n.rate(n.max_hazard(phase))] * (eps - loose)
        variables[n.rate(n.loosened_volume(phase))] = new_loosening - release - wear * loose
        variables[n.contact_loss_rate(phase)] = k
        variables[f"{n.PHASE_LABEL[phase]} loosened contact fraction"] = loose / eps
        variables[n.connected_fraction(phase)] = eps / self.phase_param.epsilon_s_av
        return variables

    def set_rhs(self, variables):
        phase = self.phase
        eps = variables[n.active_fraction(phase)]
        k, n_k = variables[n.contact_loss_rate(phase)], variables[n.connected_lithium(phase)]
        a_j = variables[n.phase_current(phase)]
        self.rhs = {
            eps: -eps * k,
            variables[n.loosened_volume(phase)]: variables[n.rate(n.loosened_volume(phase))],
            n_k: -a_j * self.domain_param.L * self.param.A_cc / self.param.F - k * n_k,
            variables[n.trapped_lithium(phase)]: k * n_k,
        }

    def set_algebraic(self, variables):
        current = variables[n.phase_current(self.phase)]
        # PyBaMM divides an equation by its state's scale itself
        self.algebraic = {current: current - variables[n.interfacial_current(self.phase)]}

    def set_initial_conditions(self, variables):
        super().set_initial_conditions(variables)
        pp = self.phase_param
        n0 = pp.epsilon_s_av * pp.c_init_av * self.domain_param.L * self.param.A_cc
        self.initial_conditions[variables[n.loosened_volume(self.phase)]] = pybamm.Scalar(0)
        self.initial_conditions[variables[n.connected_lithium(self.phase)]] = n0
        self.initial_conditions[variables[n.phase_current(self.phase)]] = pybamm.Scalar(0)
