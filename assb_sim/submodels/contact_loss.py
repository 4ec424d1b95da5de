"""Contact loss of one active phase and the Li its disconnected particles trap."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import smooth_abs


class ContactLoss(pybamm.active_material.LossActiveMaterial):
    """Loss of electronic/ionic contact of one phase (graphite or Si), whole particles at a time.

    Expanding beyond its largest strain so far breaks a share of a phase's contacts; cycling
    wears them (fatigue; b_0, the confinement-independent part, is Si's isolation by its
    growing interphase, which no pressure or binder prevents)::

        k       = a S de_new/dt + (b S + b_0) |de/dt|
        deps/dt = -k eps
        dn/dt   = -<a j> L A / F - k n,      dm/dt = k n

    S is the contact-loss susceptibility (:class:`Confinement`), e the phase's driving strain
    (Si: its own; graphite: the composite's). A particle that loses contact keeps the Li it
    holds at that moment (n / eps per volume) and takes no further part in cycling: it
    cannot give back Li it was cut off with. That Li m is PyBaMM's "loss of lithium due to
    loss of active material"; it lowers the coulombic efficiency. The loss is uniform
    through the electrode, so the connected Li n is one state: PyBaMM's bookkeeping without
    making every mechanics equation depend on every particle node.
    """

    def __init__(self, param, options, phase):
        super().__init__(param, "positive", options, x_average=True, phase=phase)

    def get_fundamental_variables(self):
        variables = super().get_fundamental_variables()
        pp = self.phase_param
        lithium = n.connected_lithium(self.phase)
        capacity = pp.epsilon_s_av * pp.c_max * self.domain_param.L * self.param.A_cc
        variables[lithium] = pybamm.Variable(lithium, scale=capacity)
        return variables

    def get_coupled_variables(self, variables):
        phase, strain = self.phase, n.DRIVING_STRAIN[self.phase]
        a = pybamm.Parameter(n.contact_loss_new_strain(phase))
        b = pybamm.Parameter(n.contact_fatigue(phase))
        b_0 = pybamm.Parameter(n.intrinsic_fatigue(phase))
        S, de = variables[n.SUSCEPTIBILITY], variables[n.rate(strain)]
        k = a * S * variables[n.new_strain_rate(strain)] + (b * S + b_0) * smooth_abs(de)
        eps = variables[n.active_fraction(phase)]
        variables.update(self._get_standard_active_material_change_variables(-eps * k))
        variables[n.contact_loss_rate(phase)] = k
        variables[n.connected_fraction(phase)] = eps / self.phase_param.epsilon_s_av
        return variables

    def set_rhs(self, variables):
        phase = self.phase
        eps = variables[n.active_fraction(phase)]
        k, n_k = variables[n.contact_loss_rate(phase)], variables[n.connected_lithium(phase)]
        a_j = variables[n.interfacial_current(phase)]
        self.rhs = {
            eps: -eps * k,
            n_k: -a_j * self.domain_param.L * self.param.A_cc / self.param.F - k * n_k,
            variables[n.trapped_lithium(phase)]: k * n_k,
        }

    def set_initial_conditions(self, variables):
        super().set_initial_conditions(variables)
        pp = self.phase_param
        n0 = pp.epsilon_s_av * pp.c_init_av * self.domain_param.L * self.param.A_cc
        self.initial_conditions[variables[n.connected_lithium(self.phase)]] = n0
