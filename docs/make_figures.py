"""Regenerate every figure of docs/ and the README: ``python docs/make_figures.py``
(``first-lithiation`` for that figure only), then stamp them with the hash of the sources
they depend on (``docs/img/SOURCES.sha256``; tests/test_docs.py fails when it is stale).

Formation (3 x 0.15 C, 60 degC) at several stack pressures for each binder, with one
built model reused for every pressure and binder, the fixed-gap pressure-monitoring
protocol for NBR-A and NBR-T, and the first lithiation (c-Si plateau, decomposition per
voltage window, first and second CV cycle), the README's formation and CV run figures,
and the validation report's figures (a DFN validation, ~15 min). Prints the numbers the
figures show.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import assb_sim
from assb_sim.metrics import Col, Metric
from assb_sim.parameters import load_binder, load_cell_design
from assb_sim.plotting import plot_first_lithiation, plot_pressure_trace, plot_voltammogram
from assb_sim.simulation import Simulator

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
STAMP = OUT / "SOURCES.sha256"
# what the figures depend on: parameters, the fit, the protocols, the physics, the metrics
# and how they are plotted (not the CLI, sweeps or fitting machinery)
SOURCES = (
    "parameter_sets",
    "experiments",
    "validation/fit.yaml",
    "validation/targets.csv",
    "validation/known_misses.yaml",
    "assb_sim/submodels",
    *(
        f"assb_sim/{m}.py"
        for m in ("materials", "model", "parameters", "metrics", "plotting", "protocols", "simulation", "validation")
    ),
)
BINDERS = ("NBR-A", "NBR-T", "NBR-X", "PB")
PRESSURES_MPA = (8, 16, 30, 48, 80)


def pressure_study(model: str = "DFN") -> pd.DataFrame:
    formation = Simulator(assb_sim.load_protocol("formation"), load_cell_design(), model)
    rows = []
    for name in BINDERS:
        binder = load_binder(name)
        for p in PRESSURES_MPA:
            m = formation.solve(binder, pressure_MPa=p).metrics
            rows.append(
                {
                    "binder": name,
                    "pressure_MPa": p,
                    "capacity_mAh_g": m[Metric.FIRST_DELITHIATION],
                    "ice": m[Metric.ICE],
                    "si_mAh_g": m[Metric.FIRST_SI_PLATEAU],
                    "graphite_mAh_g": m[Metric.FIRST_GRAPHITE_PLATEAU],
                    "thickness_um": m[Metric.THICKNESS_FINAL],
                }
            )
    return pd.DataFrame(rows)


def first_lithiation() -> None:
    """The paper's cell (NBR-A, 48 MPa, DFN): formation cycles 1-2 and the two CV cycles."""
    formation = assb_sim.run("formation", model="DFN")
    cv = assb_sim.run("cv", model="DFN")
    print(
        "decomposition in cycle 1 [mAh/g]:",
        {k: round(v, 1) for k, v in formation.metrics[Metric.FIRST_DECOMPOSITION].items()},
    )
    print(
        "CV current at 0.01 V [mA/cm2]:", round(cv.metrics[Metric.CV_FIRST], 2), round(cv.metrics[Metric.CV_SECOND], 2)
    )
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.9))
    plot_first_lithiation(formation, axes=axes[:2])
    plot_voltammogram(cv, ax=axes[2])
    axes[2].set(xlim=(0, 1.0), ylim=(-3.5, 6.0))
    axes[0].annotate(
        "c-Si → a-Li$_x$Si\n(cycle 1 only)", xy=(0.16, 1.5e4), xytext=(0.3, 2e4), arrowprops={"arrowstyle": "->"}
    )
    fig.suptitle(
        "First lithiation: crystalline Si converts on a plateau (cycle 1 only); "
        "LPSCl decomposition, allowed below 1.71 V, runs mostly in the 0.01 V hold"
    )
    fig.tight_layout()
    fig.savefig(OUT / "first_lithiation.png", dpi=130)
    plt.close(fig)


def sources_hash() -> str:
    """SHA-256 over the figures' sources (file paths and contents, in order)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        root = ROOT / name
        for path in sorted(root.rglob("*") if root.is_dir() else [root]):
            if path.is_file() and path.suffix in {".py", ".yaml", ".csv"}:
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def run_figures() -> None:
    """The README's formation profiles and the CV voltammogram (DFN runs as the README shows)."""
    from assb_sim.plotting import plot_voltage_profiles

    for protocol, name, plot in (
        ("formation", "formation_voltage_profiles.png", plot_voltage_profiles),
        ("cv", "cv_voltammogram.png", plot_voltammogram),
    ):
        ax = plot(assb_sim.run(protocol, model="DFN"))
        ax.figure.tight_layout()
        ax.figure.savefig(OUT / name, dpi=130)
        plt.close(ax.figure)


def validation_figures() -> None:
    """The validation report's figures, as docs/img/validation_*.png."""
    from assb_sim.validation import validate, write_report

    with tempfile.TemporaryDirectory() as tmp:
        write_report(validate(model="DFN"), Path(tmp))
        for png in Path(tmp).glob("*.png"):
            shutil.copy(png, OUT / f"validation_{png.name}")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    first_lithiation()
    if sys.argv[1:] == ["first-lithiation"]:
        return
    run_figures()
    validation_figures()
    study = pressure_study()
    print(study.round(3).to_string(index=False))
    print("| binder | " + " | ".join(f"{p} MPa capacity / ICE" for p in (16, 48, 80)) + " |")
    for name, group in study.groupby("binder", sort=False):
        cells = [group[group["pressure_MPa"] == p].iloc[0] for p in (16, 48, 80)]
        print(f"| {name} | " + " | ".join(f"{c.capacity_mAh_g:.0f} mAh/g / {100 * c.ice:.1f} %" for c in cells) + " |")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for name, group in study.groupby("binder", sort=False):
        axes[0].plot(group["pressure_MPa"], group["capacity_mAh_g"], "o-", label=name)
        axes[1].plot(group["pressure_MPa"], 100 * group["ice"], "o-", label=name)
        axes[2].plot(group["pressure_MPa"], group["graphite_mAh_g"] / group["si_mAh_g"], "o-", label=name)
    axes[0].set(xlabel="Stack pressure [MPa]", ylabel="1st delithiation [mAh g$^{-1}$]")
    axes[1].set(xlabel="Stack pressure [MPa]", ylabel="Initial coulombic efficiency [%]")
    axes[2].set(xlabel="Stack pressure [MPa]", ylabel="Graphite / Si ratio (read at 0.25 V)")
    axes[0].legend(frameon=False)
    fig.suptitle("Formation at 0.15 C, 60 °C: one model, binders enter only through their measured properties")
    fig.tight_layout()
    fig.savefig(OUT / "binder_pressure_study.png", dpi=130)
    plt.close(fig)

    fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for ax, name in zip(axes, ("NBR-A", "NBR-T"), strict=True):
        result = assb_sim.run("pressure-monitor", binder=name, model="DFN")
        plot_pressure_trace(result, ax=ax)
        df = result.cycles
        print(
            name,
            "first lithiation dP/Q",
            round(df[Col.DP_LITHIATION].iloc[0], 4),
            "accumulated dP/Q cycles 2-5",
            df[Col.DP_ACCUMULATED].round(4).tolist()[1:],
        )
    axes[0].set_xlabel("")
    fig.tight_layout()
    fig.savefig(OUT / "fixed_gap_pressure_traces.png", dpi=130)
    plt.close(fig)
    STAMP.write_text(sources_hash() + "\n")


if __name__ == "__main__":
    main()
