"""Material property functions of the graphite/Si | Li6PS5Cl | Li half cell.

PyBaMM parameter functions, named ``material_quantity_AuthorYear``. Scalars they need
(reference values, activation energies) are :class:`pybamm.Parameter` objects whose
values and provenance live in ``parameter_sets/materials.yaml``.

Li6PS5Cl is a single-ion conductor: the Li+ concentration in the solid electrolyte is
fixed by its lattice, so no function here depends on the "electrolyte concentration"
argument PyBaMM passes (the model holds it at its initial value: PyBaMM's
ConstantConcentration, docs/model.md section 1).
"""

from __future__ import annotations

from pathlib import Path

import pybamm

from .submodels.laws import arrhenius, contact_factor, lithium_hardening

_PYBAMM_LI_ION_DATA = Path(pybamm.__file__).parent / "input" / "parameters" / "lithium_ion"

# OCP end-point regularisation [V]: the same 1e-4 V (1/x - 1/(1-x)) terms Mark (2016)
# puts on the Si lithiation branch. Below 1 mV for 0.1 < x < 0.9, but it makes every OCP
# leave the 0.01-2 V window before x reaches 0 or 1, so CC steps end on voltage.
_TAIL_V = 1e-4


def _tail(sto: pybamm.Symbol) -> pybamm.Symbol:
    return _TAIL_V * (1 / sto - 1 / (1 - sto))


_graphite_ocp_data = pybamm.parameters.process_1D_data(
    "graphite_ocp_Enertech_Ai2020.csv", path=str(_PYBAMM_LI_ION_DATA)
)


def graphite_ocp_Ai2020(sto: pybamm.Symbol) -> pybamm.Symbol:
    """Graphite OCP [V] vs Li/Li+ (Enertech data of Ai et al. 2020, JES 167 013512).

    The measured curve is used unchanged for 0 < x < 1 plus the end-point tail.
    """
    name, (x, y) = _graphite_ocp_data
    return pybamm.Interpolant(x, y, sto, name=name, interpolator="cubic") + _tail(sto)


def silicon_ocp_lithiation_Mark2016(sto: pybamm.Symbol) -> pybamm.Symbol:
    """Si OCP on lithiation [V] (Verbrugge, Baker, Xiao, JES 163 A262 (2016) fit).

    The polynomial already carries the end-point tail.
    """
    p = (-96.63, 372.6, -587.6, 489.9, -232.8, 62.99, -9.286, 0.8633)
    return _poly(p, sto) + _tail(sto)


def silicon_ocp_delithiation_Mark2016(sto: pybamm.Symbol) -> pybamm.Symbol:
    """Si OCP on delithiation [V] (Verbrugge, Baker, Xiao, JES 163 A262 (2016) fit).

    The ~0.1-0.2 V gap to the lithiation branch is the Si hysteresis.
    """
    p = (-51.02, 161.3, -205.7, 140.2, -58.76, 16.87, -3.792, 0.9937)
    return _poly(p, sto) + _tail(sto)


def silicon_ocp_average_Mark2016(sto: pybamm.Symbol) -> pybamm.Symbol:
    """Mean of the two Si branches [V]: the OCP at zero current."""
    return (silicon_ocp_lithiation_Mark2016(sto) + silicon_ocp_delithiation_Mark2016(sto)) / 2


def _poly(coefficients: tuple[float, ...], x: pybamm.Symbol) -> pybamm.Symbol:
    """Horner evaluation, highest power first."""
    out = coefficients[0]
    for c in coefficients[1:]:
        out = out * x + c
    return out


def _phase_exchange_current(phase: str):
    """Butler-Volmer exchange-current density of one active phase against LPSCl.

    j0 = 2 j0_ref sqrt(x (1 - x)) exp(E_a/R (1/T_ref - 1/T)) phi(P): symmetric in the
    stoichiometry x = c_s_surf / c_s_max, j0_ref the value at x = 0.5, 25 degC and full
    contact; phi(P) the stack-pressure contact factor (:func:`contact_factor`).
    """

    def exchange_current_density(c_e, c_s_surf, c_s_max, T):
        j0_ref = pybamm.Parameter(f"{phase} reference exchange-current density [A.m-2]")
        E_a = pybamm.Parameter(f"{phase} exchange-current activation energy [J.mol-1]")
        x = c_s_surf / c_s_max
        return 2 * j0_ref * (x * (1 - x)) ** 0.5 * arrhenius(E_a, T) * contact_factor()

    exchange_current_density.__name__ = f"{phase.lower()}_exchange_current_density"
    return exchange_current_density


def _phase_diffusivity(phase: str):
    """Solid-state Li diffusivity of one active phase, Arrhenius in temperature."""

    def diffusivity(sto, T):
        D_ref = pybamm.Parameter(f"{phase} reference diffusivity [m2.s-1]")
        E_a = pybamm.Parameter(f"{phase} diffusivity activation energy [J.mol-1]")
        return D_ref * arrhenius(E_a, T)

    diffusivity.__name__ = f"{phase.lower()}_diffusivity"
    return diffusivity


graphite_exchange_current_density = _phase_exchange_current("Graphite")
silicon_exchange_current_density = _phase_exchange_current("Silicon")
graphite_diffusivity = _phase_diffusivity("Graphite")
silicon_diffusivity = _phase_diffusivity("Silicon")


def lpscl_conductivity(c_e: pybamm.Symbol, T: pybamm.Symbol) -> pybamm.Symbol:
    """Ionic conductivity of the cold-pressed Li6PS5Cl [S.m-1], Arrhenius in T."""
    sigma_ref = pybamm.Parameter("LPSCl reference ionic conductivity [S.m-1]")
    E_a = pybamm.Parameter("LPSCl conductivity activation energy [J.mol-1]")
    return sigma_ref * arrhenius(E_a, T)


def lithium_metal_exchange_current_density(c_e: pybamm.Symbol, c_Li: pybamm.Symbol, T: pybamm.Symbol) -> pybamm.Symbol:
    """Exchange-current density of the Li | Li6PS5Cl interface [A.m-2], x contact factor
    (whose pressure scale follows Li's creep strength at T)."""
    j0_ref = pybamm.Parameter("Li metal reference exchange-current density [A.m-2]")
    E_a = pybamm.Parameter("Li metal exchange-current activation energy [J.mol-1]")
    return j0_ref * arrhenius(E_a, T) * contact_factor(lithium_hardening(T))
