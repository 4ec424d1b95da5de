"""First lithiation of crystalline Si: a two-phase front turns c-Si into amorphous LixSi."""

from __future__ import annotations

import pybamm

from .. import names as n
from .laws import arrhenius, cite

# [m] the front's own width (~1 nm, McDowell 2012): a core smaller than this has no sharp
# front left, and the front stops there smoothly instead of chasing an ever smaller core
NUCLEUS_RADIUS = 1e-9
STO_FLOOR = 1e-9  # the mean Si stoichiometry read from a state never reaches zero


class Amorphisation(pybamm.BaseSubModel):
    """The pristine Si nanoparticles are crystalline; the first lithiation converts them
    through a sharp reaction front (c-Si + Li -> a-LixSi) whose interface reaction, not
    diffusion, limits it; every later cycle sees amorphous Si only::

        chi = rho^3,  a = 1 - chi                     crystalline / amorphous share of the Si
        x_a = x / a                                   Li stoichiometry of the amorphous Si
        U_Si = U_a(x_a)                               Si OCP (both branches) is the amorphous one
        v = v_0 A(T) max(exp(alpha F (U_c - U_a(<x_a>)) / RT) - 1, 0)
        d rho/dt = -v / r_Si  rho^3 / (rho^3 + (r_n / r_Si)^3)  core radius share

    Li enters the amorphous shell (PyBaMM's Si particle, whose concentration counts Li per
    volume of all Si) and is passed on to the front, which advances only while the shell's
    potential (bulk, on its current hysteresis branch: the front stops when the current
    turns) is below the two-phase potential U_c: the c-Si then takes its
    capacity on a flat plateau set by the front's kinetics, not by the a-Si OCP. No Li goes
    anywhere new (the shell holds it), so nothing is added to the Li balance; with chi_0 = 0
    the Si is amorphous from the start and the model is the amorphous-Si one. The front's
    rate is Arrhenius in temperature (A(T), like every interface reaction here). The last
    factor stops the front smoothly once the core is as small as the front is wide (r_n =
    1 nm: chi = 6e-5 of the paper's 25 nm particles) and leaves it at full speed before
    (> 0.999 for rho > 0.4); its slope vanishes at rho = 0. With rho / (rho + 1e-3) before,
    the front kept running on a vanishing core at a stiff rate exponential in the potential,
    which cost every later cycle ~8 % more solver iterations.
    """

    def __init__(self, param, options):
        super().__init__(param, "positive", options=options, phase=n.SILICON)
        cite("Obrovac2004", "Pharr2012", "McDowell2012")

    def get_fundamental_variables(self):
        rho = pybamm.Variable(n.SI_CORE, domain="current collector")
        chi = rho**3
        return {n.SI_CORE: rho, n.SI_CRYSTALLINE: chi, n.SI_AMORPHOUS: 1 - chi}

    def get_coupled_variables(self, variables):
        T = variables["X-averaged positive electrode temperature [K]"]
        # the shell's bulk OCP on its current hysteresis branch (AmorphousSiliconOcp)
        U_shell = variables[f"Positive electrode {self.phase_name}bulk open-circuit potential [V]"]
        drive = pybamm.Parameter(n.SI_TWO_PHASE_POTENTIAL) - U_shell
        alpha = pybamm.Parameter(n.SI_FRONT_TRANSFER)
        excess = pybamm.exp(alpha * self.param.F * drive / (self.param.R * T)) - 1
        v = pybamm.Parameter(n.SI_FRONT_VELOCITY) * arrhenius(pybamm.Parameter(n.SI_FRONT_ACTIVATION), T)
        variables.update({n.SI_FRONT_DRIVE: drive, n.SI_FRONT_SPEED: v * pybamm.maximum(excess, 0)})
        return variables

    def set_rhs(self, variables):
        rho = variables[n.SI_CORE]
        r = pybamm.Parameter(n.phase_parameter(n.SILICON, "Positive particle radius [m]"))
        stop = rho**3 / (rho**3 + (NUCLEUS_RADIUS / r) ** 3)
        self.rhs = {rho: -variables[n.SI_FRONT_SPEED] / r * stop}

    def set_initial_conditions(self, variables):
        chi_0 = pybamm.Parameter(n.SI_INITIAL_CRYSTALLINE)
        self.initial_conditions = {variables[n.SI_CORE]: chi_0 ** (1 / 3)}


class AmorphousSiliconOcp(pybamm.open_circuit_potential.CurrentSigmoidOpenCircuitPotential):
    """PyBaMM's lithiation/delithiation OCP of a-Si, read at the stoichiometry of the
    amorphous share only (:class:`Amorphisation`): the crystalline core holds no Li."""

    def __init__(self, param, options):
        super().__init__(param, "positive", "lithium-ion main", options, phase=n.SILICON)

    def _get_stoichiometry_and_temperature(self, variables):
        sto_surf, sto_bulk, T, T_bulk = super()._get_stoichiometry_and_temperature(variables)
        lithium = variables.get(n.connected_lithium(n.SILICON))
        if lithium is not None:  # the same mean from the connected-Li state: one column, not every node's
            eps = variables[n.active_fraction(n.SILICON)]
            # equal to PyBaMM's volume average in the equations, not step by step in the solver
            # (a product of states): floored, since the OCP's 1/x tail diverges at zero
            capacity = eps * self.phase_param.c_max * self.domain_param.L * self.param.A_cc
            sto_bulk = pybamm.maximum(lithium / capacity, STO_FLOOR)
        return amorphous(sto_surf, variables), amorphous(sto_bulk, variables), T, T_bulk


def amorphous(sto: pybamm.Symbol, variables: dict) -> pybamm.Symbol:
    """A Si stoichiometry (of all Si) as that of its amorphous share, on sto's domain."""
    if isinstance(sto, pybamm.PrimaryBroadcast):  # x-averaged, kept as a broadcast (SPMe)
        return pybamm.PrimaryBroadcast(amorphous(sto.orphans[0], variables), sto.broadcast_domain)
    a = variables[n.SI_AMORPHOUS]
    if sto.domain and sto.domain != ["current collector"]:
        a = pybamm.PrimaryBroadcast(a, sto.domain)
    return sto / a
