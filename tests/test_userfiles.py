"""User cell and binder files hold only what they change: plain values or entries with
optional provenance, nested or dotted, merged over the defaults; unknown names and bad
values are one-line errors naming the file and the field."""

import pytest

from assb_sim import load_cell_design
from assb_sim.binders import read_binder
from assb_sim.cli import main
from assb_sim.parameters import load_binder
from assb_sim.schema import InputError


@pytest.mark.parametrize(
    "text",
    [
        "electrode: {loading_mg_cm2: 5.0}\n",  # nested, plain
        "electrode.loading_mg_cm2: 5.0\n",  # dotted, plain
        "electrode.loading_mg_cm2: {value: 5.0}\n",  # entry, provenance "user"
        "electrode:\n  loading_mg_cm2: {value: 5, provenance: measured, source: my scale, unit: mg/cm2}\n",
    ],
)
def test_a_cell_file_with_one_value_changes_that_value_only(tmp_path, text):
    path = tmp_path / "thick.yaml"
    path.write_text(text)
    design, paper = load_cell_design(path), load_cell_design()
    assert design.electrode.loading_mg_cm2 == 5.0
    assert design.model_copy(update={"electrode": paper.electrode}) == paper
    assert design.electrode.model_dump(exclude={"loading_mg_cm2"}) == paper.electrode.model_dump(
        exclude={"loading_mg_cm2"}
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("loading_mg_cm2: 5\n", "loading_mg_cm2: unknown field; did you mean electrode.loading_mg_cm2?"),
        ("electrode.loading_mg_cm2: -1\n", "electrode.loading_mg_cm2: Input should be greater than 0"),
        ("electrode.loading_mg_cm2: {value: 5, provenance: guessed}\n", "electrode.loading_mg_cm2.provenance"),
        ("electrode: {loading_mg_cm2: 5}\nelectrode.loading_mg_cm2: 6\n", "given twice"),
        ("electrode.active_material_wt_pct: 80\n", "must be 100 %"),
        ("[1, 2]\n", "expected a mapping"),
    ],
)
def test_bad_cell_files_are_one_line_errors_naming_file_and_field(tmp_path, text, needle, capsys):
    path = tmp_path / "cell.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"cell\.yaml") as err:
        load_cell_design(path)
    assert needle in str(err.value)
    assert main(["run", "formation", "--design", str(path)]) == 2
    assert needle in capsys.readouterr().err


def test_a_binder_file_with_some_values_takes_the_rest_from_the_reference(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("cohesion_N_m: 140\nadhesion_N_m: {value: 200, provenance: measured}\ndescription: my NBR\n")
    binder, reference = read_binder(path), load_binder("NBR-A")
    assert (binder.name, binder.cohesion_N_m, binder.adhesion_N_m) == ("mine", 140, 200)
    assert binder.film_conductivity_mS_cm == reference.film_conductivity_mS_cm
    assert binder.description == "my NBR; peel_strength_N_m, film_conductivity_mS_cm of NBR-A"
    # an unknown name is pointed at the binder field it resembles
    path.write_text("cohesion: 140\n")
    with pytest.raises(InputError, match="cohesion: unknown field; did you mean cohesion_N_m"):
        read_binder(path)
