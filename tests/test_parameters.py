"""Cell design -> PyBaMM parameters: every derived value checked against its formula."""

import math
import re
from pathlib import Path

import pytest

from assb_sim import CellDesign, CellGeometry, load_cell_design, parameter_values
from assb_sim.parameters import F, load_binder, provenance_table, sync_docs


@pytest.fixture(scope="module")
def geo() -> CellGeometry:
    return CellGeometry(load_cell_design())


def test_default_design_is_the_papers_cell():
    d = load_cell_design()
    assert d == CellDesign()  # the YAML and the schema defaults describe the same cell
    assert d.electrode.loading_mg_cm2 == 3.1
    assert d.stack_pressure_MPa == 48
    assert d.temperature_C == 60


def test_volume_fractions_fill_the_electrode_but_the_pores(geo):
    total = sum(geo.volume_fraction(s) for s in geo.solid_volumes)
    assert total == pytest.approx(1 - geo.design.electrode.porosity, rel=1e-12)


def test_active_to_electrolyte_volume_ratio_matches_paper(geo):
    # paper: active material : LPSCl ~ 68 : 32 by volume (el-am-lpscl-vol, approximate)
    am = geo.volume_fraction("graphite") + geo.volume_fraction("si")
    share = am / (am + geo.volume_fraction("electrolyte"))
    assert share == pytest.approx(0.68, abs=0.01)


def test_thickness_from_loading(geo):
    # 3.1 mg/cm2 AM -> solids 2.27e-3 cm3/cm2 with the paper's densities; /(1 - 0.1)
    expected = (3.1e-3 * 0.9 / 2.2 + 3.1e-3 * 0.1 / 2.33 + 3.1e-3 * 26 / 70 / 1.7 + 3.1e-3 * 4 / 70 / 0.98) / 0.9
    assert geo.electrode_thickness == pytest.approx(expected * 1e-2, rel=1e-12)
    # lies within the measured pristine thicknesses of the three NBR electrodes (21-25 um)
    assert 20e-6 < geo.electrode_thickness < 26e-6


@pytest.mark.parametrize("loading", [1.8, 3.1, 6.0])
def test_stoichiometric_capacity_equals_loading_times_practical_capacity(loading):
    d = load_cell_design().with_conditions(loading_mg_cm2=loading)
    geo = CellGeometry(d)
    pv = parameter_values(d)
    L = pv["Positive electrode thickness [m]"]
    q = (
        sum(
            pv[f"{p}: Positive electrode active material volume fraction"]
            * pv[f"{p}: Maximum concentration in positive electrode [mol.m-3]"]
            for p in ("Primary", "Secondary")
        )
        * L
        * F
    )  # C/m2
    assert q / 3.6 / 1e4 == pytest.approx(loading * 1e-3 * geo.practical_capacity_mAh_g, rel=1e-9)
    e = geo.design.electrode
    assert geo.practical_capacity_mAh_g == pytest.approx(0.9 * e.graphite_capacity_mAh_g + 0.1 * e.si_capacity_mAh_g)


@pytest.mark.parametrize("loading", [1.8, 3.1])
def test_c_rate_reference_is_the_papers(loading):
    geo = CellGeometry(load_cell_design().with_conditions(loading_mg_cm2=loading))
    # 0.15 C = 0.31 mA/cm2 at 3.1 mg/cm2, scaled with loading
    assert 0.15 * geo.one_c_current_density / 10 == pytest.approx(0.31 * loading / 3.1, rel=1e-3)


def test_separator_thickness_from_pellet_mass(geo):
    s = geo.design.separator
    area_cm2 = math.pi * (s.diameter_mm / 20) ** 2
    assert geo.separator_thickness == pytest.approx(0.150 / 1.7 / area_cm2 / 0.9 * 1e-2, rel=1e-12)


def test_conductivity_is_the_measured_pellet_value_at_its_temperature():
    d = load_cell_design().with_conditions(temperature_C=25)
    pv = parameter_values(d)
    sigma = pv.evaluate(pv["Electrolyte conductivity [S.m-1]"](1000, 298.15))
    assert sigma == pytest.approx(0.21, rel=1e-9)  # 2.1 mS/cm
    hot = pv.evaluate(pv["Electrolyte conductivity [S.m-1]"](1000, 333.15))
    assert 3 < hot / sigma < 6  # Arrhenius, ~0.35 eV


def test_every_material_parameter_has_provenance():
    rows = provenance_table()
    assert rows
    for row in rows:
        assert row["provenance"] in {"measured", "literature", "derived", "fitted", "assumed"}
        assert row["source"].strip()


def test_binders_carry_measured_mechanics():
    a, t = load_binder("NBR-A"), load_binder("NBR-T")
    assert a.cohesion_N_m > t.cohesion_N_m  # 187 vs 93 N/m (mech-cohesion)
    assert load_binder("PB").peel_strength_N_m == 1.4


def test_every_cited_key_is_in_citations_bib():
    root = Path(__file__).resolve().parent.parent
    bib = (root / "CITATIONS.bib").read_text()
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    cited = set()
    for path in (root / "parameter_sets").rglob("*.yaml"):
        for group in re.findall(r"\[([A-Za-z][\w, ]*\d{4})\]", path.read_text()):
            cited |= {k.strip() for k in group.split(",")}
    assert cited
    assert cited <= keys, cited - keys


def test_parameter_docs_show_the_current_files(tmp_path):
    root = Path(__file__).resolve().parent.parent
    copy = tmp_path / "parameters.md"
    copy.write_text((root / "docs" / "parameters.md").read_text())
    assert copy.read_text().count("<!-- table: ") >= 4
    assert not sync_docs(copy), "docs/parameters.md is stale: run sync_docs()"
