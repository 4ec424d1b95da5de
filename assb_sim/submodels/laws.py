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
RATE_SMOOTHING = 1e-6  # [s-1] |de/dt| is rounded off below this (0.15 C moves Si strain at ~7e-5 s-1)


def smooth_abs(x: pybamm.Symbol) -> pybamm.Symbol:
    """|x| with a rounded kink (x tanh(x / d)): the solver takes far fewer steps."""
    return x * pybamm.tanh(x / RATE_SMOOTHING)


def toughness(binder_energy: pybamm.Symbol, pressure: pybamm.Symbol) -> pybamm.Symbol:
    """Gamma = G_b + P delta: the binder's measured fracture energy (SAICAS force per width,
    N/m = J/m2) plus the work the stack pressure does against an opening of length delta."""
    return binder_energy + pybamm.maximum(pressure, 0) * pybamm.Parameter(n.OPENING_LENGTH)


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


def contact_factor() -> pybamm.Symbol:
    """Share of full ionic contact reached at the set stack pressure: sqrt(P / (P + P_c)).

    Resistances then scale as P^-0.5 at low pressure (the literature law) and approach
    the full-contact values (plain PyBaMM) at high pressure.
    """
    P0 = pybamm.Parameter(n.SET_PRESSURE)
    return (P0 / (P0 + pybamm.Parameter(n.CONTACT_PRESSURE_SCALE))) ** 0.5


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
