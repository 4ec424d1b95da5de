"""A new binder without Python: measured properties on the command line or a plain YAML
file; bad values are one-line errors (exit 2); ``run --band`` adds SDs."""

import json

import pytest

from assb_sim.binders import MEASURED, custom_binder, read_binder
from assb_sim.cli import main
from assb_sim.parameters import load_binder, resource_dir


def _metrics(tmp_path, name: str, *args: str) -> dict:
    out = tmp_path / name
    assert main(["run", "formation", "--model", "SPMe", "--quiet", "--out", str(out), *args]) == 0
    return json.loads((out / "metrics.json").read_text())


def test_measured_properties_on_the_command_line_reproduce_a_named_binder(tmp_path, capsys):
    nbrt = load_binder("NBR-T")
    options = ["--cohesion", "--adhesion", "--peel", "--film-conductivity"]
    values = [str(getattr(nbrt, field)) for field in MEASURED]
    custom = _metrics(tmp_path, "custom", *[x for pair in zip(options, values, strict=True) for x in pair])
    assert custom["binder"] == "custom"
    assert "given: cohesion_N_m" in capsys.readouterr().out
    named = _metrics(tmp_path, "named", "--binder", "NBR-T")
    for key in ("first_delithiation_capacity_mAh_g", "initial_coulombic_efficiency"):
        assert custom[key] == pytest.approx(named[key], rel=1e-9)


def test_properties_not_given_are_the_reference_binders_and_output_says_so(tmp_path):
    made = custom_binder({"cohesion_N_m": 140.0, "adhesion_N_m": 200.0})
    reference = load_binder("NBR-A")
    assert made.film_conductivity_mS_cm == reference.film_conductivity_mS_cm
    assert made.peel_strength_N_m == reference.peel_strength_N_m
    assert "film_conductivity_mS_cm of NBR-A" in made.description
    plain = tmp_path / "mine.yaml"
    plain.write_text("cohesion_N_m: 140\nadhesion_N_m: 200\n")
    assert read_binder(plain).model_dump(exclude={"name"}) == made.model_dump(exclude={"name"})
    assert read_binder(plain).name == "mine"
    assert read_binder(resource_dir("parameter_sets") / "binders" / "NBR-T.yaml") == load_binder("NBR-T")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "formation", "--cohesion", "-5", "--adhesion", "200"],
        ["run", "formation", "--cohesion", "140", "--adhesion", "nan"],
        ["run", "formation", "--film-conductivity", "0"],
        ["min-pressure", "--target", "0.9", "--cohesion", "-1", "--adhesion", "200"],
        ["sweep", "formation", "--cohesion", "-3", "--out", "OUT"],
        ["sweep", "formation", "--film-conductivity", "nan", "--out", "OUT"],
        ["run", "formation", "--binder", "PLAIN"],
    ],
)
def test_bad_binder_values_are_one_line_errors(args, tmp_path, capsys):
    plain = tmp_path / "bad.yaml"
    plain.write_text("cohesion_N_m: -140\n")
    args = [str(tmp_path / "s") if a == "OUT" else str(plain) if a == "PLAIN" else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("assb-sim: error:")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_run_band_adds_sd_entries(tmp_path, capsys):
    metrics = _metrics(tmp_path, "band", "--band")
    sd = metrics["initial_coulombic_efficiency_sd"]
    assert sd > 0  # the ICE depends on some fitted parameter
    assert "±" in capsys.readouterr().out
