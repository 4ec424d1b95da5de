"""The command line: outputs of a run, and one-line errors (exit 2) for every bad-input class."""

import json
import subprocess
import sys

import pytest

from assb_sim.cli import main
from assb_sim.metrics import Metric

REQUIRED_METRICS = {
    Metric.FIRST_LITHIATION,
    Metric.FIRST_DELITHIATION,
    Metric.ICE,
    Metric.FIRST_GRAPHITE,
    Metric.FIRST_SI,
    Metric.RATE_RETENTION,
    Metric.CYCLE_RETENTION,
    Metric.MEAN_CE,
    Metric.CV_LOSS,
    Metric.THICKNESS_INITIAL,
    Metric.THICKNESS_FINAL,
    Metric.PRESSURE_INITIAL,
    Metric.PRESSURE_FINAL,
    "binder",
    "protocol",
    "model",
}


def test_run_writes_metrics_cycles_and_plots(tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                "formation",
                "--model",
                "SPMe",
                "--pressure",
                "16",
                "--binder",
                "NBR-T",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics.keys() >= REQUIRED_METRICS
    assert metrics["binder"] == "NBR-T"
    assert metrics[Metric.PRESSURE_INITIAL] == 16
    assert metrics["model"] == "SPMe"
    assert metrics[Metric.RATE_RETENTION] is None  # formation has no rate test
    lines = (out / "cycles.csv").read_text().splitlines()
    assert len(lines) == 1 + 3
    for png in ("voltage_profiles.png", "capacity_vs_cycle.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert "3/3 cycles" in capsys.readouterr().out


def test_list_names_protocols_and_binders(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert "formation" in text
    assert "NBR-A" in text
    assert "for thick or cold electrodes and high rates use the DFN" in text  # when the model choice matters


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["run", "nonsense"], "protocol"),
        (["run", "formation", "--binder", "NBR-Z"], "binder"),
        (["run", "formation", "--pressure", "-5"], "stack_pressure_MPa"),
        (["run", "formation", "--pressure", "5000"], "stack_pressure_MPa"),
        (["run", "formation", "--temperature", "400"], "temperature_C"),
        (["run", "formation", "--model", "P2D"], "--model"),
        (["run", "formation", "--pressure", "high"], "--pressure"),
        (["run", "formation", "--part-cycles", "0"], "--part-cycles"),
        (["run", "/no/such/protocol.yaml"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, field, capsys):
    assert _exit_code(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert field in err


def _exit_code(args: list[str]) -> int:
    """main()'s return value, or the code argparse exits with."""
    try:
        return main(args)
    except SystemExit as exc:
        return exc.code


def test_bad_files_exit_2(tmp_path, capsys):
    cases = {
        "fractions": _write(
            tmp_path, "d1.yaml", "electrode.binder_wt_pct: {value: 10, provenance: measured, source: x}\n"
        ),
        "malformed": _write(tmp_path, "p.yaml", "name: [unclosed\n"),
        "protocol_field": _write(
            tmp_path, "p2.yaml", "name: x\nblocks:\n  - {role: formation, cycles: 0, c_rate: 0.1}\n"
        ),
        "binder_value": _write(
            tmp_path,
            "b.yaml",
            "cohesion_N_m: {value: -3, provenance: measured, source: x}\n"
            "adhesion_N_m: {value: 1, provenance: measured, source: x}\n"
            "peel_strength_N_m: {value: 1, provenance: measured, source: x}\n",
        ),
    }
    expectations = {
        "fractions": (["run", "formation", "--design", cases["fractions"]], "must be 100 %"),
        "malformed": (["run", cases["malformed"]], "malformed YAML"),
        "protocol_field": (["run", cases["protocol_field"]], "blocks.0.galvanostatic.cycles"),
        "binder_value": (["run", "formation", "--binder", cases["binder_value"]], "cohesion_N_m"),
    }
    for args, needle in expectations.values():
        assert _exit_code(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert needle in err


def test_console_script_prints_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "assb_sim.cli", "run", "formation", "--pressure", "-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "assb-sim: error: stack_pressure_MPa: Input should be greater than 0 (got -1.0)"


def test_fixed_gap_run_writes_the_pressure_trace(tmp_path, capsys):
    out = tmp_path / "fg"
    args = ["run", "formation", "--model", "SPMe", "--cell", "fixed-gap", "--pressure", "30", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    printed = capsys.readouterr().out  # a fixed-gap cell is run for its pressure: the run says it
    for key in (Metric.PRESSURE_FINAL, Metric.FIRST_DP_LITHIATION, Metric.DP_ACCUMULATED):
        assert f"  {key} = " in printed
    assert "nothing saved" not in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["cell"] == "fixed-gap"
    assert metrics[Metric.PRESSURE_FINAL] < metrics[Metric.PRESSURE_INITIAL] == 30
    assert (out / "pressure_trace.png").read_bytes()[:4] == b"\x89PNG"
    case = json.loads((out / "run.json").read_text())  # what was run, for a custom binder too
    assert case["binder"]["cohesion_N_m"] == 187
    assert case["design"]["stack_pressure_MPa"] == 30


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["sweep", "formation", "--pressure", "2:80"], "--pressure"),
        (["sweep", "formation", "--binder", "NBR-Z"], "binder"),
        (["sweep", "nonsense"], "protocol"),
        (["sweep", "formation", "--workers", "two"], "--workers"),
        (["min-pressure", "--metric", Metric.CYCLE_RETENTION], "--target"),
    ],
)
def test_bad_sweep_input_exits_2(args, field, tmp_path, capsys):
    assert _exit_code([*args, "--out", str(tmp_path)] if args[0] == "sweep" else args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert field in err


def test_sweep_writes_store_and_figures(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["sweep", "formation", "--binder", "NBR-A", "NBR-T", "--pressure", "16,80", "--cohesion", "50,200"]
    assert main([*args, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert "8 points" in capsys.readouterr().out
    assert (out / "first_delithiation_capacity_mAh_g_map.png").exists()
    assert (out / "initial_coulombic_efficiency_vs_pressure.png").exists()


def test_min_pressure_cli(capsys):
    args = ["min-pressure", "--binder", "NBR-T", "--metric", Metric.ICE, "--target", "0.76"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "met at" in text
    assert "meets" in text
    assert "misses" in text


def test_every_subcommand_help_prints(capsys):
    """argparse %-formats help strings: a bare % (as in "wt%") crashed `sweep --help`."""
    commands = ("run", "sweep", "validate", "reproduce", "fit", "cross-validate", "list")
    for command in (*commands, "min-pressure", "min-cohesion", "min-adhesion"):
        with pytest.raises(SystemExit) as stop:
            main([command, "--help"])
        assert stop.value.code == 0, command
    assert "wt%" in capsys.readouterr().out


def test_help_shows_the_defaults(capsys):
    """Every option with a default says it: the model (DFN for run, SPMe for sweep and the
    searches), the paper's 48 MPa, where reports go."""
    expected = {
        "run": ["(default: DFN)", "the paper's 48", "the paper's 60", "(default: none)", "default NBR-A"],
        "sweep": ["(default SPMe)", "(default: 48)", "(default: the binder's)", "default formation"],
        "validate": ["(default: DFN)", "(default: out/validation)"],
        "min-pressure": ["(default: SPMe)", "(default 200)", "(default: 0.02)"],
        "fit": ["(default: out/fit)", "(default 2)"],
    }
    for command, needles in expected.items():
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
        for needle in needles:
            assert needle in text, (command, needle)


def test_headline_is_what_the_protocol_measures(formation_spme):
    from assb_sim.cli import headline

    first = [Metric.FIRST_DELITHIATION, Metric.ICE]
    m = dict(formation_spme.metrics)
    assert headline(m) == first
    rate = m | {Metric.RATE_RETENTION: {"0.15C": 1.0, "1.5C": 0.93}}
    assert headline(rate) == [*first, f"{Metric.RATE_RETENTION}_0.15C", f"{Metric.RATE_RETENTION}_1.5C"]
    # a CV run has no galvanostatic cycle: no "n/a" first-cycle lines, its own three
    cv = m | dict.fromkeys(first) | {Metric.CV_FIRST: 1.2, Metric.CV_SECOND: 1.0, Metric.CV_LOSS: 0.17}
    assert headline(cv) == [Metric.CV_FIRST, Metric.CV_SECOND, Metric.CV_LOSS]
    cycling = m | {Metric.CYCLE_RETENTION: 0.9, Metric.MEAN_CE: 1.0, Metric.MEDIAN_CE: 0.99}
    assert headline(cycling)[-3:] == [Metric.CYCLE_RETENTION, Metric.MEAN_CE, Metric.MEDIAN_CE]


def test_rate_run_prints_retention_and_says_nothing_is_saved(tmp_path, capsys):
    short = tmp_path / "rate-short.yaml"
    short.write_text(
        "name: rate-short\nblocks:\n  - {role: formation, cycles: 1, c_rate: 0.15}\n"
        "  - {role: rate, cycles: 1, c_rate: 0.15}\n  - {role: rate, cycles: 1, c_rate: 1.5}\n"
    )
    assert main(["run", str(short), "--model", "SPMe", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"  {Metric.RATE_RETENTION}_1.5C = 0.9" in printed
    assert "nothing saved: --out DIR" in printed
    assert not list(tmp_path.glob("*.json"))


def test_searches_and_validation_report_progress(capsys):
    """A search prints each run as it finishes (stderr), so minutes are not silent."""
    args = ["min-pressure", "--binder", "NBR-T", "--metric", Metric.ICE, "--target", "0.76", "--tol", "0.5"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "run 1: pressure 200 MPa: initial_coulombic_efficiency = " in err
    assert "run 3: pressure" in err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_validation_advances_a_bar_per_run():
    import io

    import pandas as pd
    from tqdm import tqdm

    from assb_sim.targets import CASE
    from assb_sim.validation import run_cases

    cases = pd.DataFrame([("formation", "NBR-T", 16, 60), ("formation", "NBR-A", 16, 60)], columns=CASE)
    with tqdm(total=2, file=io.StringIO()) as bar:
        assert len(run_cases(cases, "SPMe", bar)) == 2
        assert bar.n == 2


def test_model_names_are_case_insensitive():
    from assb_sim.cli import _parser

    assert _parser().parse_args(["run", "formation", "--model", "spme"]).model == "SPMe"
    assert _parser().parse_args(["validate", "--model", "dfn"]).model == "DFN"


def test_min_pressure_not_reached_is_not_a_success(capsys):
    args = ["min-pressure", "--binder", "PB", "--metric", Metric.ICE, "--target", "0.9", "--high", "100"]
    assert main(args) == 3
    assert "not reached even at pressure 100 MPa" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "nan"], "target: must be a finite number"),
        (["--target", "478", "--low", "300", "--high", "200"], "need 0 <= low < high"),
        (["--target", "478", "--metric", "first_delithiation_capacity_mAh_G"], "did you mean"),
        (["--target", "478", "--cohesion", "3"], "is what min-cohesion searches for"),
    ],
)
def test_requirement_searches_refuse_what_would_give_a_wrong_answer(extra, message, capsys):
    """Each of these once ran and answered (exit 0) with a meaningless bracket."""
    assert main(["min-cohesion", "--pressure", "2", *extra]) == 2
    assert message in capsys.readouterr().err


def test_default_report_folders_stay_out_of_the_checkout():
    """`validate`, `fit` and `cross-validate` without --out write under the git-ignored
    out/; the README's former report/ is ignored too."""
    from pathlib import Path

    from assb_sim.cli import _parser

    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    outs = [_parser().parse_args([command]).out for command in ("validate", "fit", "cross-validate")]
    for out in [*outs, Path("report")]:
        check = subprocess.run(["git", "check-ignore", "-q", str(out / "report.md")], cwd=root, check=False)
        assert check.returncode == 0, out
