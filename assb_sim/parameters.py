"""From a :class:`CellDesign` and the material parameter file to PyBaMM parameters.

Every PyBaMM value is either read from a parameter file in ``parameter_sets/`` (where
each entry carries its provenance: measured, literature, derived or fitted) or derived
here from the cell design by a formula written out in :class:`CellGeometry`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import pybamm
import yaml
from pydantic import Field

from . import materials
from . import names as n
from .schema import Binder, CellDesign, InputError, _Strict, validate
from .submodels.laws import binder_temperature_factor
from .userfiles import merge, user_entries

F = 96485.33212  # [C.mol-1]
MAH_PER_G_TO_C_PER_KG = 3.6e3  # 1 mAh/g = 3.6 C/g = 3.6e3 C/kg
LI_MOLAR_VOLUME = 1.30e-5  # [m3.mol-1] Li metal, 6.94 g/mol / 0.534 g/cm3 (CRC Handbook)
SIO2_DENSITY = 2.2  # [g.cm-3] amorphous silica (CRC Handbook)
# amorphous SiO2 + 2 Li -> 1/2 Li4SiO4 + 1/2 Si: 2 x 26.8 Ah/mol / 60.08 g/mol (assumed
# inside the reported 2/3 [Ban2012] to 4 Li per SiO2)
SIO2_UPTAKE_MAH_G = 2 * F / 3.6 / 60.08

DATA_DIR = Path(__file__).resolve().parent / "_data"
REPO_DIR = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """A top-level data folder (``parameter_sets``, ``experiments``, ``validation``).

    Installed wheels carry them under ``assb_sim/_data``; a source checkout has them at
    the repository root.
    """
    for base in (DATA_DIR, REPO_DIR):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"data folder '{name}' not found next to assb_sim")


class Entry(_Strict):
    """One parameter value and where it comes from."""

    value: float | str
    provenance: Literal["measured", "literature", "derived", "fitted", "assumed"]
    source: str = Field(min_length=1)
    unit: str = ""


# input files are a few kB: a larger one is a mistake, refused before it is read
MAX_YAML_BYTES = 1_000_000


def read_yaml(path: Path) -> object:
    """Parse a YAML file, reporting unreadable, oversized, too deeply nested or malformed
    files in one line."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputError(f"{path}: {size} bytes, larger than the {MAX_YAML_BYTES} bytes an input file may have")
        return yaml.safe_load(path.read_text())
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be an input file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: malformed YAML ({str(err).splitlines()[0]})") from None


def load_entries(path: Path) -> dict[str, Entry]:
    """A parameter file: ``name: {value, provenance, source, unit}`` per entry."""
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping of parameter entries")
    out = {}
    for name, entry in raw.items():
        try:
            out[name] = validate(Entry, entry)
        except InputError as err:
            raise InputError(f"{path}: {name}.{err}") from None
    return out


def _values(entries: dict[str, Entry]) -> dict[str, float | str]:
    return {name: e.value for name, e in entries.items()}


def load_cell_design(path: Path | None = None) -> CellDesign:
    """The paper's cell, or a user file's values merged over it (:mod:`assb_sim.userfiles`:
    plain or provenance-tagged, nested or dotted, only what changes)."""
    if path is not None:
        where = str(path)
        data = merge(load_cell_design().model_dump(), user_entries(read_yaml(path), where), where)
        try:
            return validate(CellDesign, data)
        except InputError as err:
            raise InputError(f"{where}: {err}") from None
    entries = load_entries(resource_dir("parameter_sets") / "paper_cell.yaml")
    nested: dict = {}
    for name, entry in entries.items():
        head, _, leaf = name.rpartition(".")
        (nested.setdefault(head, {}) if head else nested)[leaf] = entry.value
    return validate(CellDesign, nested)


def binder_names() -> list[str]:
    return sorted(p.stem for p in (resource_dir("parameter_sets") / "binders").glob("*.yaml"))


def load_binder(name_or_path: str | Path) -> Binder:
    """A binder by registered name (``NBR-A``) or from a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = resource_dir("parameter_sets") / "binders" / f"{name_or_path}.yaml"
        if not path.is_file():
            raise InputError(f"binder: unknown name {str(name_or_path)!r} (known: {', '.join(binder_names())})")
    entries = load_entries(path)
    return validate(Binder, {"name": path.stem} | _values(entries))


@dataclass(frozen=True)
class CellGeometry:
    """SI quantities derived from a :class:`CellDesign` (formulas in docs/model.md)."""

    design: CellDesign

    @property
    def area(self) -> float:
        """Electrode area [m2] = die area."""
        return math.pi * (self.design.separator.diameter_mm * 1e-3 / 2) ** 2

    @property
    def active_loading(self) -> float:
        """Active material (graphite + Si) per electrode area [kg.m-2]."""
        return self.design.electrode.loading_mg_cm2 * 1e-2

    @property
    def si_mass_fraction(self) -> float:
        return self.design.electrode.si_wt_pct_of_active / 100

    @cached_property
    def solid_volumes(self) -> dict[str, float]:
        """Volume per electrode area [m] of each solid: mass per area / density."""
        e = self.design.electrode
        m_am = self.active_loading
        per_am = 1 / e.active_material_wt_pct
        return {
            "graphite": m_am * (1 - self.si_mass_fraction) / (e.graphite_density_g_cm3 * 1e3),
            "si": m_am * self.si_mass_fraction / (e.si_density_g_cm3 * 1e3),
            "electrolyte": m_am * e.electrolyte_wt_pct * per_am / (e.electrolyte_density_g_cm3 * 1e3),
            "binder": m_am * e.binder_wt_pct * per_am / (e.binder_density_g_cm3 * 1e3),
        }

    @property
    def electrode_thickness(self) -> float:
        """Pristine electrode thickness [m] = solid volume per area / (1 - porosity)."""
        return sum(self.solid_volumes.values()) / (1 - self.design.electrode.porosity)

    def volume_fraction(self, solid: str) -> float:
        return self.solid_volumes[solid] / self.electrode_thickness

    @property
    def separator_thickness(self) -> float:
        """LPSCl pellet thickness [m] = mass / (density * area * (1 - porosity))."""
        s = self.design.separator
        density = self.design.electrode.electrolyte_density_g_cm3 * 1e3
        return s.electrolyte_mass_mg * 1e-6 / (density * self.area * (1 - s.porosity))

    @property
    def c_max_graphite(self) -> float:
        """[mol.m-3] = practical capacity * density / F."""
        e = self.design.electrode
        return e.graphite_capacity_mAh_g * MAH_PER_G_TO_C_PER_KG * e.graphite_density_g_cm3 * 1e3 / F

    @property
    def si_oxide_mass_fraction(self) -> float:
        """SiO2 share of the Si powder: a shell of thickness t on spheres of diameter d,
        w = V_ox rho_ox / (V_ox rho_ox + V_Si rho_Si), V_ox = 1 - (1 - 2 t / d)^3."""
        e = self.design.electrode
        v_ox = 1 - max(1 - 2 * e.si_oxide_shell_nm / e.si_particle_size_nm, 0.0) ** 3
        return v_ox * SIO2_DENSITY / (v_ox * SIO2_DENSITY + (1 - v_ox) * e.si_density_g_cm3)

    @property
    def si_first_lithiation_capacity_mAh_g(self) -> float:
        """Capacity the Si powder takes up in its first lithiation [mAh/g]: the reversible
        capacity, the Li trapped in it (share f_t of what it takes) and its oxide's uptake:
        Q_tot = Q_rev / (1 - f_t) + w_ox Q_SiO2."""
        e = self.design.electrode
        return e.si_capacity_mAh_g / (1 - e.si_trapped_fraction) + self.si_oxide_mass_fraction * SIO2_UPTAKE_MAH_G

    @property
    def si_uptake_capacity(self) -> float:
        """Li the Si powder takes irreversibly in its first lithiation, per electrode
        volume [mol.m-3]: Q_tot - Q_rev."""
        return self._si_lithium_per_volume(
            self.si_first_lithiation_capacity_mAh_g - self.design.electrode.si_capacity_mAh_g
        )

    def si_uptake_scale(self, efold: float) -> float:
        """Si lithiation over which the uptake sink fills by 1 - 1/e, per electrode volume
        [mol.m-3]: a share ``efold`` of Si's reversible capacity."""
        return self._si_lithium_per_volume(efold * self.design.electrode.si_capacity_mAh_g)

    def _si_lithium_per_volume(self, capacity_mAh_g: float) -> float:
        """A capacity per gram of Si powder as Li per electrode volume [mol.m-3]."""
        si_mass = self.active_loading * self.si_mass_fraction  # [kg.m-2]
        return capacity_mAh_g * MAH_PER_G_TO_C_PER_KG * si_mass / (self.electrode_thickness * F)

    @property
    def c_max_si(self) -> float:
        """[mol.m-3] = reversible capacity * density / F."""
        e = self.design.electrode
        return e.si_capacity_mAh_g * MAH_PER_G_TO_C_PER_KG * e.si_density_g_cm3 * 1e3 / F

    @property
    def practical_capacity_mAh_g(self) -> float:
        """Capacity of the graphite/Si mixture per gram of active material [mAh/g]."""
        e = self.design.electrode
        x = self.si_mass_fraction
        return (1 - x) * e.graphite_capacity_mAh_g + x * e.si_capacity_mAh_g

    @property
    def one_c_current_density(self) -> float:
        """1C [A.m-2] as the paper defines it (0.15 C = 0.31 mA/cm2 at 3.1 mg/cm2)."""
        return self.design.rate_reference_capacity_mAh_g * MAH_PER_G_TO_C_PER_KG * self.active_loading / 3600

    def mAh_g(self, charge_C: float) -> float:
        """Cell charge [C] -> mAh per gram of active material."""
        return charge_C / MAH_PER_G_TO_C_PER_KG / (self.active_loading * self.area)

    def mAh_cm2(self, charge_C: float) -> float:
        """Cell charge [C] -> mAh per cm2 of electrode."""
        return charge_C / 3.6 / (self.area * 1e4)


def _pristine_stoichiometry(ocp, potential: float) -> float:
    """Stoichiometry at which ``ocp`` equals ``potential`` (bisection; OCPs fall with x)."""
    lo, hi = 1e-9, 0.5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if ocp(pybamm.Scalar(mid)).evaluate().item() > potential:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def inputs(design: CellDesign, binder: Binder, fixed_gap: bool = False) -> dict[str, float]:
    """Values of the input parameters (:data:`names.INPUTS`: change between solves
    without rebuilding) for a cell, a binder and a cell mode (SI units)."""
    film = binder.film_conductivity_mS_cm
    return {
        n.SET_PRESSURE: design.stack_pressure_MPa * 1e6,
        n.BINDER_COHESION: binder.cohesion_N_m,
        n.BINDER_ADHESION: binder.adhesion_N_m,
        # ratio of the LPSCl:binder film to the pellet, both pressed at 480 MPa
        n.BINDER_COVERAGE: 1.0 if film is None else film / design.separator.conductivity_mS_cm,
        n.FIXED_GAP: float(fixed_gap),
        n.STACK_STIFFNESS: design.stack_stiffness_MPa_per_um * 1e12,
    }


def parameter_values(
    design: CellDesign, materials_file: Path | None = None, mechanics_file: Path | None = None
) -> pybamm.ParameterValues:
    """PyBaMM parameters of the half cell: parameter-file values + values derived from ``design``.

    The input parameters are left as ``[input]``: pass :func:`inputs` when solving.
    """
    geo = CellGeometry(design)
    sets = resource_dir("parameter_sets")
    values = _values(load_entries(materials_file or sets / "materials.yaml"))
    values |= _mechanics_values(geo, _values(load_entries(mechanics_file or sets / "mechanics.yaml")), values)
    pristine_V = float(values.pop("Pristine electrode potential [V]"))
    T = design.temperature_C + 273.15
    e = design.electrode
    side = math.sqrt(geo.area)
    phase = {
        n.GRAPHITE: {
            n.ELECTRODE_OCP: materials.graphite_ocp_Ai2020,
            "Positive electrode exchange-current density [A.m-2]": materials.graphite_exchange_current_density,
            "Positive particle diffusivity [m2.s-1]": materials.graphite_diffusivity,
            n.MAX_CONCENTRATION: geo.c_max_graphite,
            "Positive electrode active material volume fraction": geo.volume_fraction("graphite"),
            "Positive particle radius [m]": e.graphite_particle_size_um * 1e-6 / 2,
            "Positive electrode density [kg.m-3]": e.graphite_density_g_cm3 * 1e3,
        },
        n.SILICON: {
            n.ELECTRODE_OCP: materials.silicon_ocp_average_Mark2016,
            "Positive electrode lithiation OCP [V]": materials.silicon_ocp_lithiation_Mark2016,
            "Positive electrode delithiation OCP [V]": materials.silicon_ocp_delithiation_Mark2016,
            "Positive electrode exchange-current density [A.m-2]": materials.silicon_exchange_current_density,
            "Positive particle diffusivity [m2.s-1]": materials.silicon_diffusivity,
            n.MAX_CONCENTRATION: geo.c_max_si,
            "Positive electrode active material volume fraction": geo.volume_fraction("si"),
            "Positive particle radius [m]": e.si_particle_size_nm * 1e-9 / 2,
            "Positive electrode density [kg.m-3]": e.si_density_g_cm3 * 1e3,
        },
    }
    # every protocol starts by lithiating, so Si starts on its lithiation branch
    pristine_x = {
        n.GRAPHITE: _pristine_stoichiometry(materials.graphite_ocp_Ai2020, pristine_V),
        n.SILICON: _pristine_stoichiometry(materials.silicon_ocp_lithiation_Mark2016, pristine_V),
    }
    for p, items in phase.items():
        for name, v in items.items():
            values[n.phase_parameter(p, name)] = v
        values[n.phase_parameter(p, n.INITIAL_CONCENTRATION)] = pristine_x[p] * items[n.MAX_CONCENTRATION]
    # the crystalline core of the pristine Si holds no Li: only its amorphous share does
    values[n.phase_parameter(n.SILICON, n.INITIAL_CONCENTRATION)] *= 1 - pybamm.Parameter(n.SI_INITIAL_CRYSTALLINE)
    # "Each phase: X" entries hold per-area values shared by graphite and Si
    for name in [k for k in list(values) if k.startswith(n.EACH_PHASE)]:
        v = values.pop(name)
        for p in phase:
            values[n.phase_parameter(p, name.removeprefix(n.EACH_PHASE))] = v
    sigma_25 = _conductivity_at_25C(design, values)
    values.update(
        {
            "LPSCl reference ionic conductivity [S.m-1]": sigma_25,
            "Electrolyte conductivity [S.m-1]": materials.lpscl_conductivity,
            "Exchange-current density for lithium metal electrode [A.m-2]": (
                materials.lithium_metal_exchange_current_density
            ),
            "Positive electrode thickness [m]": geo.electrode_thickness,
            n.ELECTRODE_POROSITY: geo.volume_fraction("electrolyte"),
            "Separator thickness [m]": geo.separator_thickness,
            n.SEPARATOR_POROSITY: 1 - design.separator.porosity,
            "Negative electrode thickness [m]": design.li_foil_thickness_um * 1e-6,
            "Positive current collector thickness [m]": design.current_collector_thickness_um * 1e-6,
            "Electrode height [m]": side,
            "Electrode width [m]": side,
            "Nominal cell capacity [A.h]": geo.one_c_current_density * geo.area * 1.0,  # 1C for 1 h
            "Current function [A]": geo.one_c_current_density * geo.area,
            "Ambient temperature [K]": T,
            n.SI_INITIAL_CRYSTALLINE: e.si_crystalline_share,
            "Initial temperature [K]": T,
            # PyBaMM's own Arrhenius laws (the decomposition reaction) use this reference;
            # 25 degC like every law in materials.py
            "Reference temperature [K]": 298.15,
            "Open-circuit voltage at 0% SOC [V]": values["Upper voltage cut-off [V]"],
            "Open-circuit voltage at 100% SOC [V]": values["Lower voltage cut-off [V]"],
            n.LI_MOLAR_VOLUME: LI_MOLAR_VOLUME,
            n.PORE_FRACTION: e.porosity,
            n.UPTAKE_CAPACITY: geo.si_uptake_capacity,
            n.UPTAKE_SCALE: geo.si_uptake_scale(float(values.pop(n.UPTAKE_EFOLD))),
        }
        | dict.fromkeys(n.INPUTS, "[input]")
    )
    return pybamm.ParameterValues(values)


def _mechanics_values(geo: CellGeometry, mech: dict, materials: dict) -> dict:
    """Mechanics file values plus those derived from them (Si strain at x = 1, product volume)."""
    mech = dict(mech)
    si_full = mech.pop("Si volumetric strain at Li15Si4")
    si_theoretical = mech.pop("Si theoretical capacity [mAh.g-1]")
    molar_mass = mech.pop("LPSCl molar mass [kg.mol-1]")
    # strain is linear in Li content, so at the practical capacity it is the Li15Si4
    # strain scaled by practical / theoretical capacity
    mech[n.full_lithiation_strain(n.SILICON)] = si_full * geo.design.electrode.si_capacity_mAh_g / si_theoretical
    # volume of the products per Li consumed, minus the LPSCl they replace
    z = materials[n.EACH_PHASE + n.SEI_LI_PER_FORMULA]
    v_products = materials[n.EACH_PHASE + "SEI partial molar volume [m3.mol-1]"]
    v_lpscl = molar_mass / (geo.design.electrode.electrolyte_density_g_cm3 * 1e3)
    mech[n.LPSCL_MOLAR_VOLUME] = v_lpscl
    mech[n.DECOMPOSITION_VOLUME] = (v_products - v_lpscl) / z
    return mech


def _conductivity_at_25C(design: CellDesign, values: dict) -> float:
    """Refer the measured pellet conductivity to 25 degC with the Arrhenius law.

    The pellet was measured densified; the separator's Bruggeman exponent is 0, so its
    effective conductivity is the measured one at the measurement temperature.
    """
    s = design.separator
    E_a = float(values["LPSCl conductivity activation energy [J.mol-1]"])
    T_meas = s.conductivity_temperature_C + 273.15
    factor = math.exp(E_a / 8.314462618 * (1 / 298.15 - 1 / T_meas))
    return s.conductivity_mS_cm * 0.1 / factor


def provenance_table(path: Path | None = None) -> list[dict[str, str]]:
    """Rows ``name, value, unit, provenance, source`` of a parameter file (default: materials)."""
    entries = load_entries(path or resource_dir("parameter_sets") / "materials.yaml")
    return [{"name": n, **e.model_dump()} for n, e in entries.items()]


# generated sections of the docs: <!-- KIND: ARG --> ... <!-- end KIND -->
_GENERATED = re.compile(r"(<!-- (table|equations|values): (\S+) -->\n).*?(<!-- end \2 -->)", re.DOTALL)


def sync_docs(doc: Path) -> bool:
    """Rewrite the generated sections of a docs page from the code; True if changed.

    ``table: FILE`` is a parameter file's provenance table, ``equations: Class`` the
    equation block of a submodel's docstring, ``values: mechanics`` the mechanics
    parameters as the model uses them (derived values included): the docs cannot drift.
    """
    render = {"table": lambda arg: provenance_markdown(resource_dir("parameter_sets") / arg)}
    # a code block needs blank lines around it to render as one
    render |= {
        "equations": lambda arg: f"\n{_equations_markdown(arg)}\n",
        "values": lambda arg: _mechanics_values_markdown(),
    }
    text = doc.read_text()
    new = _GENERATED.sub(lambda m: m.group(1) + render[m.group(2)](m.group(3)) + "\n" + m.group(4), text)
    doc.write_text(new)
    return new != text


def _equations_markdown(class_name: str) -> str:
    """The ``::`` block of a submodel's docstring, as an indented Markdown code block."""
    import inspect

    from . import submodels

    doc = inspect.getdoc(getattr(submodels, class_name))
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    return "\n".join(f"    {line.strip()}" if line.strip() else "" for line in block.splitlines())


def _mechanics_values_markdown() -> str:
    """Every mechanics parameter (file and derived) and each binder's effective toughness."""
    design, sets = load_cell_design(), resource_dir("parameter_sets")
    values = parameter_values(design)
    materials = _values(load_entries(sets / "materials.yaml"))
    mechanics = _mechanics_values(CellGeometry(design), _values(load_entries(sets / "mechanics.yaml")), materials)
    rows = [(name, values[name]) for name in mechanics]
    delta = values[n.OPENING_LENGTH]
    # the binder's toughness at the cell's temperature (WLF shift from the tests')
    shift = float(values.process_symbol(binder_temperature_factor()).evaluate())
    rows.append((f"binder toughness at {design.temperature_C:g} degC / as tested", shift))
    for binder in binder_names():
        b = load_binder(binder)
        for P in (16, 48, 80):
            C, A = (shift * v + P * 1e6 * delta for v in (b.cohesion_N_m, b.adhesion_N_m))
            rows.append((f"{binder} at {P} MPa: C(T) + P delta (A(T) + P delta) [J/m2]", f"{C:.4g} ({A:.4g})"))
    shown = [(name, v if isinstance(v, str) else f"{v:.4g}") for name, v in rows]
    return "\n".join(["| parameter | value |", "|---|---|", *(f"| {name} | {v} |" for name, v in shown)])


def provenance_markdown(path: Path) -> str:
    """A parameter file as a Markdown table (docs/parameters.md embeds these)."""
    lines = ["| parameter | value | unit | provenance | source |", "|---|---|---|---|---|"]
    for row in provenance_table(path):
        source = row["source"].replace("|", "/")
        lines.append(f"| {row['name']} | {row['value']} | {row['unit']} | {row['provenance']} | {source} |")
    return "\n".join(lines)
