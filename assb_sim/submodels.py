"""Electrochemo-mechanical submodels of the graphite/Si | LPSCl electrode.

One physical process per class, in the PyBaMM way (equations in docs/mechanics.md):

- :class:`Swelling`: Li content -> volumetric strain of Si and of the composite, the
  electrode's reversible thickness change, and the strain history (largest strain so far).
- :class:`ContactLoss`: each phase's connected volume fraction falls with the strain it
  experiences, resisted by the confining stress (stack pressure + binder cohesion); Li in
  material that disconnects is trapped (PyBaMM's loss-of-active-material bookkeeping).
- :class:`VoidGrowth`: the same driver and resistance open voids and cracks, the
  irreversible thickening of the electrode.
- :class:`StackPressure`: Li foil and decomposition-product thickness changes, and the stack
  pressure of a constant-pressure cell (P = P0) or a fixed-gap cell (P = P0 + K dL).

All quantities are x-averaged: the mechanics acts on the electrode as a whole. Inside,
"positive" is PyBaMM's name for the graphite/Si working electrode of the half cell.
"""

from __future__ import annotations

import pybamm

GRAPHITE, SILICON = "primary", "secondary"
PHASE_LABEL = {GRAPHITE: "Graphite", SILICON: "Si"}

# variable names defined here, used by several submodels and by the post-processing
STACK_PRESSURE = "Stack pressure [Pa]"
CONFINING_STRESS = "Confining stress [Pa]"
SUSCEPTIBILITY = "Contact-loss susceptibility"
SI_STRAIN = "Si volumetric strain"
COMPOSITE_STRAIN = "Composite volumetric strain"
LOAD_BEARING_STRAIN = "Load-bearing volumetric strain"
THICKNESS_LOAD_BEARING = "Working electrode load-bearing thickness change [m]"
THICKNESS_REVERSIBLE = "Working electrode reversible thickness change [m]"
THICKNESS_IRREVERSIBLE = "Working electrode irreversible thickness change [m]"
THICKNESS_WE = "Working electrode thickness change [m]"
THICKNESS_LI = "Li metal thickness change [m]"
THICKNESS_DECOMPOSITION = "Decomposition products thickness change [m]"
TRAPPED_LI = "Lithium trapped in disconnected material [mol.m-2]"


def phase_lithium_name(phase: str) -> str:
    """PyBaMM's Li in the connected particles of a phase [mol]."""
    return f"Total lithium in {phase} phase in positive electrode [mol]"


def trapped_lithium_name(phase: str) -> str:
    """PyBaMM's Li lost with active material: here, trapped in disconnected particles [mol]."""
    return f"Loss of lithium due to loss of {phase} active material in positive electrode [mol]"


def connected_lithium_name(phase: str) -> str:
    """Li in the connected particles of a phase [mol], tracked as its own state."""
    return f"{PHASE_LABEL[phase]} connected lithium [mol]"


def loosened_volume_name(phase: str) -> str:
    """Volume fraction of a phase still connected but with loosened contacts."""
    return f"{PHASE_LABEL[phase]} loosened volume fraction"


def connected_fraction_name(phase: str) -> str:
    return f"{PHASE_LABEL[phase]} connected fraction"


def _strain_rate_name(strain: str) -> str:
    return f"{strain} rate [s-1]"


def _new_strain_rate_name(strain: str) -> str:
    """Rate at which the strain exceeds its largest value so far (first-expansion damage)."""
    return f"{strain} new-strain rate [s-1]"


def _max_strain_name(strain: str) -> str:
    return f"Maximum {strain[0].lower()}{strain[1:]}"


_DRIVER = {SILICON: SI_STRAIN, GRAPHITE: COMPOSITE_STRAIN}  # what strains each phase's contacts

_SHARPNESS = 2000.0  # sigmoid steepness of "strain above its history": e_max lags e by ~0.002
_RATE_SMOOTHING = 1e-6  # [s-1] |de/dt| is rounded off below this (0.15 C moves Si strain at ~7e-5 s-1)
_STRAIN_FLOOR = 1e-3  # below this the electrode has not expanded yet: no contraction share


def _smooth_abs(x: pybamm.Symbol) -> pybamm.Symbol:
    """|x| with a rounded kink (x tanh(x / d)): the solver takes far fewer steps."""
    return x * pybamm.tanh(x / _RATE_SMOOTHING)


class Swelling(pybamm.BaseSubModel):
    """Volumetric strain from Li content, electrode thickness, and the strain history.

    Strain is linear in Li content (Obrovac 2007 for Si, graphite linearised):
    dV_k / V_k0 = beta_k x_k. The die confines the electrode laterally, so volume goes
    to thickness, minus the share the pores absorb.
    """

    def __init__(self, param, options):
        super().__init__(param, domain="positive", options=options)

    def get_fundamental_variables(self):
        variables = {}
        for strain in (SI_STRAIN, COMPOSITE_STRAIN):
            e_max = pybamm.Variable(_max_strain_name(strain), scale=0.1)
            variables[_max_strain_name(strain)] = e_max
        return variables

    def get_coupled_variables(self, variables):
        p = self.param
        L, A, F = p.p.L, p.A_cc, p.F
        pore = pybamm.Parameter("Positive electrode pore volume fraction")
        e_comp, e_load, de_comp, e_0 = 0, 0, 0, 0
        for phase in (GRAPHITE, SILICON):
            phase_param = p.p.prim if phase == GRAPHITE else p.p.sec
            beta = pybamm.Parameter(f"{PHASE_LABEL[phase]} volumetric strain at full lithiation")
            c_max = pybamm.Parameter(f"{phase.capitalize()}: Maximum concentration in positive electrode [mol.m-3]")
            eps = variables[f"X-averaged positive electrode {phase} active material volume fraction"]
            n = variables[connected_lithium_name(phase)]
            trapped = variables[trapped_lithium_name(phase)]
            a_j = variables[f"X-averaged positive electrode {phase} volumetric interfacial current density [A.m-3]"]
            loosened = variables[loosened_volume_name(phase)] / eps  # share of connected volume
            dx_dt = -a_j / (F * eps * c_max)  # a j > 0 is delithiation
            # all Li, connected or trapped, keeps its particle swollen ...
            e_comp += beta * (n + trapped) / (c_max * L * A)
            # ... but only particles still bonded into the network push on the stack
            e_load += beta * (1 - loosened) * n / (c_max * L * A)
            de_comp += beta * eps * dx_dt
            e_0 += beta * phase_param.epsilon_s_av * phase_param.sto_init_av  # pristine strain
            if phase == SILICON:
                variables[SI_STRAIN] = beta * n / (eps * c_max * L * A)  # connected particles
                variables[_strain_rate_name(SI_STRAIN)] = beta * dx_dt
        variables[COMPOSITE_STRAIN] = e_comp - e_0
        variables[LOAD_BEARING_STRAIN] = e_load - e_0
        variables[_strain_rate_name(COMPOSITE_STRAIN)] = de_comp
        for strain in (SI_STRAIN, COMPOSITE_STRAIN):
            e, de = variables[strain], variables[_strain_rate_name(strain)]
            above = pybamm.sigmoid(variables[_max_strain_name(strain)], e, _SHARPNESS)
            variables[_new_strain_rate_name(strain)] = pybamm.maximum(de, 0) * above
        variables[THICKNESS_REVERSIBLE] = (1 - pore) * L * variables[COMPOSITE_STRAIN]
        variables[THICKNESS_LOAD_BEARING] = (1 - pore) * L * variables[LOAD_BEARING_STRAIN]
        return variables

    def set_rhs(self, variables):
        self.rhs = {
            variables[_max_strain_name(s)]: variables[_new_strain_rate_name(s)] for s in (SI_STRAIN, COMPOSITE_STRAIN)
        }

    def set_initial_conditions(self, variables):
        # the pristine electrode holds ~1e-4 of its capacity: its strain is ~0
        self.initial_conditions = {
            variables[_max_strain_name(s)]: pybamm.Scalar(0) for s in (SI_STRAIN, COMPOSITE_STRAIN)
        }


class ContactLoss(pybamm.active_material.LossActiveMaterial):
    """Loss of electronic/ionic contact of one phase (graphite or Si).

    Expanding beyond its largest strain so far stretches a phase's contacts: a share of
    the still-tight volume is *loosened* (loosened volume fraction l). Loosened particles
    separate as the phase shrinks back, in proportion to the contraction (l falls like
    e / e_max, so a full contraction releases them all), and cycling wears every contact
    (fatigue f = (b S + b_0) |de/dt|; b_0, the confinement-independent part, is Si's
    isolation by the growing interphase, which no pressure or binder prevents):

        dl/dt   = a S de_new/dt (eps - l) - l r - f l,     r = max(-de/dt, 0) / e
        deps/dt = -l r - f eps  =  -k eps

    so 0 <= l <= eps always.

    S is the contact-loss susceptibility of :class:`StackPressure`. Material cut off
    still holds Li: it is trapped (PyBaMM's "loss of lithium due to loss of active
    material"), which lowers the coulombic efficiency. The loss is uniform through the
    electrode, so the phase's connected Li n is tracked as one state,
    dn/dt = -<a j> L A / F - k n, and the trapped Li grows at k n: the same bookkeeping as
    PyBaMM's, without making every mechanics equation depend on every particle node.
    """

    def __init__(self, param, options, phase):
        super().__init__(param, "positive", options, x_average=True, phase=phase)
        self._loosened = loosened_volume_name(phase)
        self._lithium = connected_lithium_name(phase)

    def get_fundamental_variables(self):
        variables = super().get_fundamental_variables()
        pp = self.phase_param
        variables[self._loosened] = pybamm.Variable(self._loosened, scale=pp.epsilon_s_av)
        capacity = pp.epsilon_s_av * pp.c_max * self.domain_param.L * self.param.A_cc
        variables[self._lithium] = pybamm.Variable(self._lithium, scale=capacity)
        return variables

    def get_coupled_variables(self, variables):
        label, strain = PHASE_LABEL[self.phase], _DRIVER[self.phase]
        a = pybamm.Parameter(f"{label} contact loosening per unit new strain")
        b = pybamm.Parameter(f"{label} contact loss per unit cycled strain")
        b_0 = pybamm.Parameter(f"{label} confinement-independent contact loss per unit cycled strain")
        S, de = variables[SUSCEPTIBILITY], variables[_strain_rate_name(strain)]
        contraction = pybamm.maximum(-de, 0) / pybamm.maximum(variables[strain], _STRAIN_FLOOR)
        loose = variables[self._loosened]
        eps = variables[f"X-averaged positive electrode {self.phase} active material volume fraction"]
        release = loose * contraction
        fatigue = (b * S + b_0) * _smooth_abs(de)  # wears tight and loosened contacts alike
        k = release / eps + fatigue
        variables.update(self._get_standard_active_material_change_variables(-eps * k))
        new_loosening = a * S * variables[_new_strain_rate_name(strain)] * (eps - loose)
        variables[f"{self._loosened} rate [s-1]"] = new_loosening - release - fatigue * loose
        variables[f"{label} contact loss rate [s-1]"] = k
        variables[f"{label} loosened contact fraction"] = loose / eps
        variables[connected_fraction_name(self.phase)] = eps / self.phase_param.epsilon_s_av
        return variables

    def set_rhs(self, variables):
        label = PHASE_LABEL[self.phase]
        eps = variables[f"X-averaged positive electrode {self.phase} active material volume fraction"]
        k, n = variables[f"{label} contact loss rate [s-1]"], variables[self._lithium]
        a_j = variables[f"X-averaged positive electrode {self.phase} volumetric interfacial current density [A.m-3]"]
        self.rhs = {
            eps: -eps * k,
            variables[self._loosened]: variables[f"{self._loosened} rate [s-1]"],
            n: -a_j * self.domain_param.L * self.param.A_cc / self.param.F - k * n,
            variables[trapped_lithium_name(self.phase)]: k * n,
        }

    def set_initial_conditions(self, variables):
        super().set_initial_conditions(variables)
        pp = self.phase_param
        n0 = pp.epsilon_s_av * pp.c_init_av * self.domain_param.L * self.param.A_cc
        self.initial_conditions[variables[self._loosened]] = pybamm.Scalar(0)
        self.initial_conditions[variables[self._lithium]] = n0


class VoidGrowth(pybamm.BaseSubModel):
    """Irreversible thickening: voids and cracks opened by the composite strain.

    dL_irr/dt = L S(sigma_c) [a_v de_new/dt + b_v |de/dt|] (1 - L_irr / (f_max L)) with
    the composite strain as driver and the contact-loss susceptibility S as resistance (one
    law for contacts and voids), so a weak binder thickens more; the void share saturates
    at f_max of the pristine thickness.
    """

    def __init__(self, param, options):
        super().__init__(param, domain="positive", options=options)

    def get_fundamental_variables(self):
        return {THICKNESS_IRREVERSIBLE: pybamm.Variable(THICKNESS_IRREVERSIBLE, scale=1e-6)}

    def set_rhs(self, variables):
        a = pybamm.Parameter("Void growth per unit new strain")
        b = pybamm.Parameter("Void growth per unit cycled strain")
        driver = a * variables[_new_strain_rate_name(COMPOSITE_STRAIN)] + b * _smooth_abs(
            variables[_strain_rate_name(COMPOSITE_STRAIN)]
        )
        L, L_irr = self.param.p.L, variables[THICKNESS_IRREVERSIBLE]
        room = 1 - L_irr / (pybamm.Parameter("Maximum void thickening") * L)  # voids saturate
        self.rhs = {L_irr: L * variables[SUSCEPTIBILITY] * driver * room}

    def set_initial_conditions(self, variables):
        self.initial_conditions = {variables[THICKNESS_IRREVERSIBLE]: pybamm.Scalar(0)}


def susceptibility(sigma_c: pybamm.Symbol, exponent: pybamm.Symbol) -> pybamm.Symbol:
    """S = 1 / (1 + (sigma_c / sigma_ref)^n): 1 when unconfined, -> 0 under high confinement."""
    sigma_ref = pybamm.Parameter("Contact-loss reference stress [Pa]")
    return 1 / (1 + (pybamm.maximum(sigma_c, 0) / sigma_ref) ** exponent)


def contact_factor() -> pybamm.Symbol:
    """Share of full ionic contact reached at the set stack pressure: sqrt(P / (P + P_c)).

    Resistances then scale as P^-0.5 at low pressure (the literature law) and approach
    the full-contact values (plain PyBaMM) at high pressure.
    """
    P0 = pybamm.Parameter("Set stack pressure [Pa]")
    return (P0 / (P0 + pybamm.Parameter("Contact pressure scale [Pa]"))) ** 0.5


class IonicContact(pybamm.transport_efficiency.Bruggeman):
    """Effective LPSCl conductivity of the composite: Bruggeman x binder coverage x contact.

    kappa_eff = kappa eps^b c_b phi(P): c_b, the measured conductivity ratio of an
    LPSCl:binder film to the pellet (large binder domains cover SE surface), phi the
    pressure contact factor. The separator is the measured pellet itself (factor 1).
    """

    def __init__(self, param, options):
        super().__init__(param, "Electrolyte", options=options)

    def get_coupled_variables(self, variables):
        c_b = pybamm.Parameter("Binder ionic coverage factor")
        eps = variables["Positive electrode porosity"]
        tor = {
            "separator": variables["Separator porosity"] ** self.param.s.b_e,
            "positive electrode": eps**self.param.p.b_e * c_b * contact_factor(),
        }
        variables.update(self._get_standard_transport_efficiency_variables(tor))
        return variables


class StackPressure(pybamm.BaseSubModel):
    """Stack pressure, confining stress and the thickness changes the stack sees.

    P = P0 + s K (dL_load + dL_dec + dL_Li), s = 0 (constant pressure) or 1 (fixed gap).
    The Li foil thins by V_Li q / F when stripped (4.85 um per mAh/cm2). Only the load-
    bearing network pushes on the stack: loosened or disconnected particles swell into
    the voids around them, and voids do not push either; both thicken the electrode as
    measured unloaded. sigma_c = P + cohesion / l_b, S = 1 / (1 + (sigma_c / sigma_ref)^n).
    """

    def __init__(self, param, options):
        super().__init__(param, options=options)

    def get_coupled_variables(self, variables):
        p = self.param
        A, F = p.A_cc, p.F
        q = variables["Discharge capacity [A.h]"] * 3600  # charge into the working electrode [C]
        dL_li = -pybamm.Parameter("Lithium metal partial molar volume [m3.mol-1]") * q / (F * A)
        n_sei = variables["Loss of lithium to positive SEI [mol]"]
        dL_dec = pybamm.Parameter("Decomposition net molar volume per Li [m3.mol-1]") * n_sei / A
        dL_stack = variables[THICKNESS_LOAD_BEARING] + dL_dec + dL_li
        P0 = pybamm.Parameter("Set stack pressure [Pa]")
        s = pybamm.Parameter("Fixed-gap cell")
        K = pybamm.Parameter("Stack stiffness [Pa.m-1]")
        P = P0 + s * K * dL_stack
        sigma_c = P + pybamm.Parameter("Binder cohesion [N.m-1]") / pybamm.Parameter("Binder bridging length [m]")
        trapped = sum(variables[trapped_lithium_name(ph)] for ph in (GRAPHITE, SILICON))
        variables.update(
            {
                STACK_PRESSURE: P,
                CONFINING_STRESS: sigma_c,
                SUSCEPTIBILITY: susceptibility(sigma_c, pybamm.Parameter("Contact-loss stress exponent")),
                THICKNESS_LI: dL_li,
                THICKNESS_DECOMPOSITION: dL_dec,
                THICKNESS_WE: variables[THICKNESS_REVERSIBLE] + dL_dec + variables[THICKNESS_IRREVERSIBLE],
                TRAPPED_LI: trapped / A,
            }
        )
        return variables

    def add_events_from(self, variables):
        self.events.append(
            pybamm.Event(
                "Stack pressure fell to zero: the fixed-gap cell lost contact",
                variables[STACK_PRESSURE],
            )
        )
