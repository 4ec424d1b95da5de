"""Cross-validation: folds hold targets out of every stage, refit without them, and
predict them; structure and invariants only (the fitted numbers change with the physics)."""

import math

import pandas as pd
import pytest

from assb_sim.cli import main
from assb_sim.fitting import (
    CROSS_VALIDATION_MARKERS,
    FitParameter,
    FitStage,
    Fold,
    adopted_values,
    cross_validate,
    held_out_targets,
    load_fit_plan,
    load_folds,
    training_sets,
    update_validation_doc,
    write_cross_validation,
)
from assb_sim.metrics import FIRST_CYCLE_METRICS
from assb_sim.targets import load_targets, select_targets, target_key


def _first_cycle_case() -> tuple[FitParameter, list[str], str]:
    """A parameter of the fit plan and two of its first-cycle targets at two pressures
    (whatever the plan names now), for plans that solve one formation cycle only."""
    targets = load_targets()
    for stage in load_fit_plan():
        rows = select_targets(targets, stage.targets)
        rows = rows[(rows["protocol"] == "formation") & rows["metric"].isin(FIRST_CYCLE_METRICS)]
        picked = rows.drop_duplicates("stack_pressure_MPa").iloc[:2]
        if len(picked) == 2 and not stage.parameters[0].structural:
            return _near_adopted(stage.parameters[0]), [target_key(r) for _, r in picked.iterrows()], stage.model.value
    pytest.fail("no stage of validation/fit.yaml has first-cycle formation targets at two pressures")


def _near_adopted(parameter: FitParameter, factor: float = 2.0) -> FitParameter:
    """Bounds a factor around the adopted value: the test is about the bookkeeping, not
    the solver's range."""
    value = adopted_values([parameter.name])[parameter.name]
    return parameter.model_copy(update={"initial": value, "lower": value / factor, "upper": value * factor})


def _plan(parameter: FitParameter, keys: list[str], model: str) -> list[FitStage]:
    return [FitStage(name="one", model=model, targets=keys, parameters=[parameter])]


def test_wildcard_selectors_pick_by_pressure_and_binder():
    targets = load_targets()
    at16 = select_targets(targets, ["*:*:16"])
    assert len(at16)
    assert (at16["stack_pressure_MPa"] == 16).all()
    assert len(at16) == int((targets["stack_pressure_MPa"] == 16).sum())
    nbrt = select_targets(targets, ["*:NBR-T:*"])
    assert len(nbrt)
    assert (nbrt["binder"] == "NBR-T").all()
    assert select_targets(targets, []).empty
    with pytest.raises(ValueError, match="matches no row"):
        select_targets(targets, ["*:*:17"])
    with pytest.raises(ValueError, match="id:binder:pressure"):
        select_targets(targets, ["p-ice:NBR-A"])


def test_held_out_targets_are_in_no_training_set_of_any_default_fold():
    plan, targets = load_fit_plan(), load_targets()
    folds = load_folds()
    assert folds
    assert all(f.why for f in folds)
    for fold in folds:
        held = held_out_targets(fold, plan, targets)
        held_keys = {target_key(r) for _, r in held.iterrows()}
        assert held_keys <= {target_key(r) for _, r in select_targets(targets, fold.targets).iterrows()}
        for stage, rows in training_sets(plan, targets, held).items():
            assert not held_keys & {target_key(r) for _, r in rows.iterrows()}, (fold.name, stage)


def test_unknown_fold_or_empty_fold_is_a_one_line_error(tmp_path, capsys):
    assert main(["cross-validate", "--folds", "no-such-fold", "--out", str(tmp_path)]) == 2
    assert "unknown name 'no-such-fold'" in capsys.readouterr().err
    parameter, keys, model = _first_cycle_case()
    targets = load_targets()
    prediction = targets[~targets["used_in_fit"]].iloc[0]
    with pytest.raises(ValueError, match="holds out no target"):
        held_out_targets(Fold(name="f", targets=[target_key(prediction)]), _plan(parameter, keys, model), targets)


def test_nothing_refitted_gives_out_of_sample_equal_to_in_sample_and_says_partial():
    parameter, keys, model = _first_cycle_case()
    fold = Fold(name="drop-one", targets=[keys[0]])
    table = cross_validate([fold], plan=_plan(parameter, keys, model), stages=[], log=lambda _: None)
    assert len(table) == 1
    row = table.iloc[0]
    assert target_key(row) == keys[0]
    assert row["out_of_sample"] == row["in_sample"]
    assert row["partial"]
    assert row["held_at_adopted"] == "one"
    assert row["refitted"] == ""
    assert table.attrs["values"]["drop-one"][parameter.name] == adopted_values([parameter.name])[parameter.name]


def test_a_stage_left_without_targets_keeps_its_prior_and_is_flagged_unidentified():
    parameter, keys, model = _first_cycle_case()
    prior = parameter.model_copy(update={"initial": parameter.lower})
    table = cross_validate(
        [Fold(name="all", targets=[keys[0]])], plan=_plan(prior, keys[:1], model), log=lambda _: None
    )
    row = table.iloc[0]
    assert row["unidentified"] == "one"
    assert row["refitted"] == ""
    assert not row["partial"]
    assert table.attrs["values"]["all"][parameter.name] == parameter.lower  # the prior, never the full fit
    assert math.isfinite(row["out_of_sample"])


def test_refit_without_a_target_predicts_it(tmp_path):
    parameter, keys, model = _first_cycle_case()
    table = cross_validate([Fold(name="drop", targets=[keys[1]])], plan=_plan(parameter, keys, model), log=print)
    row = table.iloc[0]
    assert target_key(row) == keys[1]
    assert row["fold"] == "drop"
    assert row["refitted"] == "one"
    value = table.attrs["values"]["drop"][parameter.name]
    assert parameter.lower <= value <= parameter.upper
    for which in ("in_sample", "out_of_sample"):
        assert math.isfinite(row[which])
        assert math.isfinite(row[f"{which}_residual"])
        assert row[f"{which}_error"] == pytest.approx(row[which] - row["paper_value"])
    csv, md = write_cross_validation(table, tmp_path)
    assert len(pd.read_csv(csv)) == 1
    assert keys[1].split(":")[0] in md.read_text()


def test_markdown_goes_between_the_markers_only(tmp_path):
    start, end = CROSS_VALIDATION_MARKERS
    doc = tmp_path / "validation.md"
    doc.write_text(f"before\n{start}\nold\n{end}\nafter\n")
    update_validation_doc("new table\n", doc)
    assert doc.read_text() == f"before\n{start}\nnew table\n{end}\nafter\n"
    doc.write_text("no markers\n")
    with pytest.raises(ValueError, match="markers"):
        update_validation_doc("x\n", doc)


def test_cli_writes_csv_and_markdown(tmp_path, monkeypatch, capsys):
    """The command's wiring, with the (separately tested) computation replaced."""
    import assb_sim.fitting as fitting

    row = {
        "fold": "f", "id": "p-ice", "binder": "NBR-A", "stack_pressure_MPa": 16.0, "metric": "m",
        "paper_value": 1.0, "in_sample": 1.01, "out_of_sample": 1.1, "in_sample_residual": 0.3,
        "out_of_sample_residual": 3.0, "in_sample_relative_error": 0.01, "out_of_sample_relative_error": 0.1,
        "spread": 0.05, "in_sample_within_spread": 1.0, "out_of_sample_within_spread": 0.0,
        "refitted": "", "unidentified": "", "held_at_adopted": "s", "partial": True,
    }  # fmt: skip
    seen = {}

    def fake(folds, stages=None, workers=1):
        seen.update(folds=[f.name for f in folds], stages=stages)
        return pd.DataFrame([row])

    monkeypatch.setattr(fitting, "cross_validate", fake)
    fold = load_folds()[0].name
    assert main(["cross-validate", "--folds", fold, "--stages", "--out", str(tmp_path)]) == 0
    assert seen == {"folds": [fold], "stages": []}
    assert "in-sample 1, out-of-sample 0" in capsys.readouterr().out
    assert "Partial cross-validation" in (tmp_path / "cross_validation.md").read_text()
    assert (tmp_path / "cross_validation.csv").is_file()
