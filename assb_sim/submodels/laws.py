"""Constitutive laws several submodels share, and citation registration.

Small functions of PyBaMM symbols, each next to its formula (docs/mechanics.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pybamm

from .. import names as n

RATIO_FLOOR = 1e-9  # G / Gamma below this counts as 0
HAZARD_CAP = 8.0
CAP_SHARPNESS = 4  # the capped H is within 0.01 % of H up to H = 1, within 0.5 % up to 3
TOUGHNESS_FLOOR = 1e-3  # [J/m2] keeps G / Gamma finite for a binder without cohesion at P = 0
T_REF = 298.15  # [K] reference temperature of every Arrhenius law
RATE_SMOOTHING = 1e-6  # [s-1] |de/dt| is rounded off below this (0.15 C moves Si strain at ~7e-5 s-1)
# an electrode-wide mean current's scale, in its phase's 1 C current: IDA's absolute tolerance
# (1e-8 of a scaled state, simulation.solver) is then 1e-6 of 1 C, what its relative
# tolerance (1e-6) asks of a 1 C current
MEAN_CURRENT_SCALE = 100


def mean_current(name: str, one_c: pybamm.Symbol) -> pybamm.Variable:
    """A phase's electrode-mean current as an algebraic state, held to 1e-6 of 1 C where
    it is small, not to 1e-8: at 1 C scale a phase carrying almost nothing (Si on
    graphite's plateau) held Newton to 1e-8 C, four times the Newton failures of plain
    PyBaMM (docs/speed.md)."""
    return pybamm.Variable(name, domain="current collector", scale=one_c * MEAN_CURRENT_SCALE)


def smooth_abs(x: pybamm.Symbol) -> pybamm.Symbol:
    """|x| with a rounded kink (x tanh(x / d)): the solver takes far fewer steps."""
    return x * pybamm.tanh(x / RATE_SMOOTHING)


def arrhenius(activation_energy: pybamm.Symbol, T: pybamm.Symbol) -> pybamm.Symbol:
    """Arrhenius factor relative to 25 degC: every rate and transport law's temperature."""
    return pybamm.exp(activation_energy / pybamm.constants.R * (1 / T_REF - 1 / T))


def toughness(measured: pybamm.Symbol, composite: pybamm.Symbol, pressure: pybamm.Symbol) -> pybamm.Symbol:
    """Gamma = G_0 + (G_m - G_0) f(T) + P delta: the measured SAICAS fracture energy G_m
    (force per width, N/m = J/m2) is the composite's own G_0 (LPSCl necks, contact with the
    foil: the NBR binders' SAICAS value extrapolated to zero peel strength) plus the binder's
    share, which alone shifts with temperature (f, :func:`binder_temperature_factor`); plus
    the work the stack pressure does against an opening of length delta."""
    G_0 = pybamm.minimum(measured, composite)
    return (
        G_0
        + (measured - G_0) * binder_temperature_factor()
        + pybamm.maximum(pressure, 0) * pybamm.Parameter(n.OPENING_LENGTH)
    )


def binder_temperature_factor() -> pybamm.Symbol:
    """G_b(T) / G_b(T_test) = (a_T(T) / a_T(T_test))^n: a rubbery binder's fracture energy is
    mostly viscoelastic loss, a power n of the reduced rate a_T v (Gent & Schultz 1972), and
    temperature shifts the rate along the WLF master curve (Williams, Landel & Ferry 1955),
    log10 a_T = -C1 (T - T_g) / (C2 + T - T_g): tougher in the cold, softer when hot."""
    cite("Williams1955", "GentSchultz1972")
    T_g, C1, C2 = (pybamm.Parameter(name) for name in (n.BINDER_TG, n.WLF_C1, n.WLF_C2))

    def log10_shift(T):
        return -C1 * (T - T_g) / (C2 + T - T_g)

    T, T_test = pybamm.Parameter("Ambient temperature [K]"), pybamm.Parameter(n.BINDER_TEST_TEMPERATURE)
    return 10 ** (pybamm.Parameter(n.BINDER_RATE_EXPONENT) * (log10_shift(T) - log10_shift(T_test)))


def weibull_hazard(G: pybamm.Symbol, Gamma: pybamm.Symbol) -> pybamm.Symbol:
    """H = (G / Gamma)^m: the share of interfaces failed at G is 1 - exp(-H) (Weibull 1939).

    Rounded off at H_cap (all but e^-H_cap ~ 3e-4 failed): beyond it nothing is left to
    fail, and an unbounded H would only make the solver chase vanishing volume fractions.
    """
    ratio = pybamm.maximum(G / (Gamma + TOUGHNESS_FLOOR), RATIO_FLOOR)  # the power's slope stays finite at 0
    H = ratio ** pybamm.Parameter(n.WEIBULL_MODULUS)
    return H / (1 + (H / HAZARD_CAP) ** CAP_SHARPNESS) ** (1 / CAP_SHARPNESS)


def ratchet(value: pybamm.Symbol, history: pybamm.Symbol) -> pybamm.Symbol:
    """d(history)/dt that makes ``history`` follow the largest ``value`` so far, lagging by
    the ratchet time: damage is irreversible, so it is driven by the worst state seen."""
    return pybamm.maximum(value - history, 0) / pybamm.Parameter(n.RATCHET_TIME)


def contact_factor(hardening: pybamm.Symbol | float = 1) -> pybamm.Symbol:
    """Share of full ionic contact reached at the set stack pressure: sqrt(P / (P + P_c h)).

    Resistances then scale as P^-0.5 at low pressure (the literature law) and approach
    the full-contact values (plain PyBaMM) at high pressure. ``hardening`` h scales P_c
    with the flow stress of the softer side (:func:`lithium_hardening` for Li metal).
    """
    P0 = pybamm.Parameter(n.SET_PRESSURE)
    return (P0 / (P0 + pybamm.Parameter(n.CONTACT_PRESSURE_SCALE) * hardening)) ** 0.5


def lithium_hardening(T: pybamm.Symbol) -> pybamm.Symbol:
    """Li metal's flow stress at T over that at 25 degC, at the same creep rate: power-law
    creep (rate ~ sigma^n exp(-Q / RT)) gives exp(Q / (n R) (1/T - 1/T_ref)). Cold Li creeps
    less into the LPSCl's roughness, so its contact needs more pressure (LePage 2019)."""
    cite("LePage2019", "Masias2019")
    Q, n_creep = pybamm.Parameter(n.LI_CREEP_ACTIVATION), pybamm.Parameter(n.LI_CREEP_EXPONENT)
    return pybamm.exp(Q / (n_creep * pybamm.constants.R) * (1 / T - 1 / T_REF))


def cite(*keys: str) -> None:
    """Register sources of ``CITATIONS.bib`` with PyBaMM, so ``pybamm.print_citations()``
    names what a run used."""
    entries = _bibliography()
    for key in keys:
        pybamm.citations.register(entries[key])


@cache
def _bibliography() -> dict[str, str]:
    package = Path(__file__).resolve().parent.parent
    for path in (package / "_data" / "CITATIONS.bib", package.parent / "CITATIONS.bib"):
        if path.is_file():
            text = path.read_text()
            return {m.group(1): m.group(0) for m in re.finditer(r"@\w+\{(\w+),.*?\n\}", text, re.DOTALL)}
    raise FileNotFoundError("CITATIONS.bib not found next to assb_sim")
