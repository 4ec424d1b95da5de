"""Constitutive laws several submodels share, and citation registration.

Small functions of PyBaMM symbols, each next to its formula (docs/mechanics.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pybamm

from .. import names as n

RATE_SMOOTHING = 1e-6  # [s-1] |de/dt| is rounded off below this (0.15 C moves Si strain at ~7e-5 s-1)


def smooth_abs(x: pybamm.Symbol) -> pybamm.Symbol:
    """|x| with a rounded kink (x tanh(x / d)): the solver takes far fewer steps."""
    return x * pybamm.tanh(x / RATE_SMOOTHING)


def susceptibility(sigma_c: pybamm.Symbol) -> pybamm.Symbol:
    """S = 1 / (1 + (sigma_c / sigma_ref)^n): 1 when unconfined, -> 0 under high confinement."""
    sigma_ref = pybamm.Parameter(n.REFERENCE_STRESS)
    exponent = pybamm.Parameter(n.STRESS_EXPONENT)
    return 1 / (1 + (pybamm.maximum(sigma_c, 0) / sigma_ref) ** exponent)


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
