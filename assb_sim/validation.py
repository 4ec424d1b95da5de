"""Model vs paper: every quantitative target of ``validation/targets.csv`` and the
qualitative checks the paper only states as trends, in one report.

Each target keeps the paper's ``id`` and ``source``; ``used_in_fit`` says whether a
parameter was fitted to it (everything else is a prediction).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .metrics import FIRST_CYCLE_METRICS, Col, Metric, metric_value
from .parameters import load_binder
from .plotting import save_validation_figures
from .protocols import Protocol, Role, load_protocol
from .simulation import RunResult, Simulator, protocol_design
from .sweeps import in_processes, process_count
from .targets import CASE, PREDICTED_BINDERS, load_known_misses, load_targets, target_key, tolerance_scale


@dataclass
class Validation:
    table: pd.DataFrame  # one row per target, with model value, errors and pass/fail
    checks: pd.DataFrame  # qualitative checks: name, statement, model evidence, passed
    results: dict[tuple, RunResult]
    model: str = "DFN"
    bands: dict[tuple, dict[str, tuple[float, float]]] = field(default_factory=dict)  # case -> metric -> (value, SD)

    @property
    def unexpected(self) -> list[str]:
        """Targets and checks outside tolerance that are not declared known misses."""
        t, c = self.table, self.checks
        return [target_key(r) for _, r in t[~t["passed"] & (t["known_miss"] == "")].iterrows()] + list(
            c.loc[~c["passed"] & (c["known_miss"] == ""), "check"]
        )

    @property
    def passed(self) -> bool:
        return not self.unexpected

    @property
    def strictly_passed(self) -> bool:
        return bool(self.table["passed"].all() and self.checks["passed"].all())

    def runs(self, protocol: str, pressure: float | None = None) -> dict[tuple, RunResult]:
        """The runs of one protocol (at one pressure), sorted by binder and pressure."""
        return {
            k: r
            for k, r in sorted(self.results.items(), key=lambda kv: (kv[0][1], kv[0][2]))
            if k[0] == protocol and (pressure is None or k[2] == pressure)
        }


def run_cases(cases: pd.DataFrame, model: str, bar=None, workers: int = 1) -> dict[tuple, RunResult]:
    """Solve every (protocol, binder, pressure, temperature) in ``workers`` processes.

    A case whose protocol begins another case's (formation and rate begin paper) at the
    same binder, pressure and temperature is read from that run's first cycles, not solved
    again. ``bar``: a tqdm bar advanced per case (a validation is minutes of runs).
    """
    _SIMULATORS.clear()  # built for this call's parameter files only
    protocols = {name: load_protocol(name) for name in cases["protocol"].unique()}
    keys = [tuple(case[c] for c in CASE) for _, case in cases.iterrows()]
    host = {}  # case -> the case of the longest protocol that begins with it
    for key in keys:
        longer = [k for k in keys if k[1:] == key[1:] and protocols[key[0]].begins(protocols[k[0]])]
        if longer:
            host[key] = max(longer, key=lambda k: protocols[k[0]].n_cycles)
    solved = [k for k in keys if k not in host]
    # the longest runs first, so that the workers finish together
    solved.sort(key=lambda k: -protocols[k[0]].n_cycles)
    calls = [(k, protocols[k[0]], model) for k in solved]
    results = {}
    if workers == 1 or len(calls) < 2:
        outcomes = (_solve_case(*call) for call in calls)
    else:
        outcomes = in_processes(_solve_case, calls, workers)
    for key, result in outcomes:
        results[key] = result
        derived = {k: result.first_cycles(protocols[k[0]]) for k, h in host.items() if h == key}
        results.update(derived)
        if bar is not None:
            bar.set_postfix_str(f"{key[0]} {key[1]} {key[2]:g} MPa")
            bar.update(1 + len(derived))
    _SIMULATORS.clear()
    return {k: results[k] for k in keys}


_SIMULATORS: dict[tuple, Simulator] = {}  # per process: (protocol, temperature, model) -> built model


def _solve_case(case: tuple, protocol: Protocol, model: str) -> tuple[tuple, RunResult]:
    """One (protocol, binder, pressure, temperature) case; a built model is reused per
    protocol, temperature and model kind in each process. The PyBaMM solution is dropped:
    the report needs the per-cycle data only, and a process pool would have to copy it."""
    _, binder, pressure_MPa, temperature_C = case
    built = (protocol.name, float(temperature_C), model)
    if built not in _SIMULATORS:
        design = protocol_design(protocol, temperature_C=float(temperature_C))
        _SIMULATORS[built] = Simulator(protocol, design, model)
    result = _SIMULATORS[built].solve(load_binder(binder), pressure_MPa=float(pressure_MPa))
    return case, replace(result, solution=None)


def compare(targets: pd.DataFrame, results: dict[tuple, RunResult]) -> pd.DataFrame:
    rows = []
    for (_, t), scale in zip(targets.iterrows(), tolerance_scale(targets), strict=True):
        value = metric_value(results[tuple(t[c] for c in CASE)].metrics, t["metric"])
        error = None if value is None else value - t["paper_value"]
        relative = None if error is None else error / t["paper_value"]
        rows.append(
            {
                **t.to_dict(),
                "model_value": value,
                "error": error,
                "relative_error": relative,
                "passed": error is not None and abs(error) <= scale,
            }
        )
    return pd.DataFrame(rows)


def qualitative_checks(results: dict[tuple, RunResult], monitor: dict[str, RunResult]) -> pd.DataFrame:
    """The paper's trends that have no number to compare with."""

    def m(binder, pressure, metric=Metric.FIRST_DELITHIATION):
        return metric_value(results[("formation", binder, pressure, 60)].metrics, metric)

    ice = Metric.ICE
    drift = {b: r.cycles[Col.DP_ACCUMULATED].iloc[-1] for b, r in monitor.items()}
    first = {b: r.cycles[Col.DP_LITHIATION].iloc[0] for b, r in monitor.items()}
    cyc = {b: r.cycles for b, r in monitor.items()}
    checks = [
        (
            "16 MPa hurts NBR-T more than NBR-A (capacity)",
            m("NBR-T", 16) < m("NBR-A", 16),
            f"NBR-A {m('NBR-A', 16):.0f}, NBR-T {m('NBR-T', 16):.0f} mAh/g",
        ),
        (
            "16 MPa hurts NBR-T more than NBR-A (ICE)",
            m("NBR-T", 16, ice) < m("NBR-A", 16, ice),
            f"NBR-A {m('NBR-A', 16, ice):.3f}, NBR-T {m('NBR-T', 16, ice):.3f}",
        ),
        (
            "80 MPa masks the binder: capacities within 2 %",
            abs(m("NBR-A", 80) - m("NBR-T", 80)) < 0.02 * m("NBR-A", 80),
            f"NBR-A {m('NBR-A', 80):.1f}, NBR-T {m('NBR-T', 80):.1f} mAh/g",
        ),
        (
            "Fixed gap: pressure falls on every lithiation",
            all((c[Col.DP_LITHIATION] < 0).all() for c in cyc.values()),
            "all cycles",
        ),
        (
            "Fixed gap: pressure rises on every delithiation",
            all((c[Col.DP_DELITHIATION] > 0).all() for c in cyc.values()),
            "all cycles",
        ),
        (
            "Fixed gap: first-lithiation drop larger for NBR-T",
            first["NBR-T"] < first["NBR-A"],
            f"NBR-A {first['NBR-A']:.3f}, NBR-T {first['NBR-T']:.3f} MPa per mAh/cm2",
        ),
        (
            "Fixed gap: accumulated drift (cycles 2-5) downward for both",
            all(d < 0 for d in drift.values()),
            f"NBR-A {drift['NBR-A']:.4f}, NBR-T {drift['NBR-T']:.4f} MPa per mAh/cm2",
        ),
        (
            "Fixed gap: accumulated drift larger for NBR-T",
            drift["NBR-T"] < drift["NBR-A"],
            f"NBR-A {drift['NBR-A']:.4f}, NBR-T {drift['NBR-T']:.4f} MPa per mAh/cm2",
        ),
    ]
    misses = load_known_misses()
    table = pd.DataFrame(checks, columns=["check", "passed", "model"])
    return table.assign(known_miss=[misses.get(f"check: {c}", "") for c in table["check"]])


def validate(
    model: str = "DFN", targets: pd.DataFrame | None = None, progress: bool = False, workers: int | None = None
) -> Validation:
    """Solve every target's case, the pressure series and the binders without targets
    (NBR-X, PB: predictions from their measured mechanics), and the fixed-gap cell, in
    ``workers`` processes (default: every core); ``progress``: a bar over the runs."""
    workers = process_count(workers)
    targets = load_targets() if targets is None else targets
    binders = ("NBR-A", "NBR-T", *PREDICTED_BINDERS)
    needed = pd.DataFrame(
        [("formation", b, p, 60) for b in binders for p in PRESSURE_SERIES_MPA]
        + [("paper", b, p, 60) for b in PREDICTED_BINDERS for p in (16, 48)],
        columns=CASE,
    )
    monitor = load_protocol("pressure-monitor")
    monitor_cases = pd.DataFrame(
        [("pressure-monitor", b, monitor.stack_pressure_MPa, monitor.temperature_C) for b in ("NBR-A", "NBR-T")],
        columns=CASE,
    )
    cases = pd.concat([targets[CASE], needed, monitor_cases]).drop_duplicates()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(cases), unit="run", desc=f"validate ({model})")
    try:
        results = run_cases(cases, model, bar, workers=workers)
    finally:
        if bar is not None:
            bar.close()
    monitored = {key[1]: r for key, r in results.items() if key[0] == monitor.name}
    return Validation(compare(targets, results), qualitative_checks(results, monitored), results, model)


def prediction_cases(validation: Validation) -> list[tuple]:
    """The (protocol, binder, pressure, temperature) cases of the NBR-X / PB predictions,
    for ``bands`` (``assb-sim validate --bands`` fills it with the fit's uncertainty)."""
    return [
        (protocol, binder, pressure, temperature)
        for protocol, binder, pressure, temperature in validation.results
        if binder in PREDICTED_BINDERS and protocol in ("formation", "paper") and pressure in (16, 48)
    ]


PRESSURE_SERIES_MPA = (8, 16, 30, 48, 80)
PREDICTION_METRICS = {
    Metric.FIRST_DELITHIATION: "1st delithiation [mAh/g]",
    Metric.ICE: "ICE",
    Metric.CYCLE_RETENTION: "retention (100 cycles)",
    Metric.MEAN_CE: "mean CE",
    Metric.MEDIAN_CE: "median CE",
    Metric.THICKNESS_FINAL: "thickness after cycling [um]",
}


def predictions(validation: Validation, column: str = "model") -> pd.DataFrame:
    """Model numbers for the binders the fit never saw (NBR-X, PB), beside NBR-A/T;
    ``column="sd"``: their SDs where ``validate(bands=True)`` computed them."""
    rows = []
    for key, result in validation.results.items():
        protocol, binder, pressure, _ = key
        if protocol not in ("formation", "paper") or pressure not in (16, 48):
            continue
        for metric, label in PREDICTION_METRICS.items():
            value = metric_value(result.metrics, metric)
            if value is not None and (protocol == "paper") == (metric not in FIRST_CYCLE_METRICS):
                sd = validation.bands.get(key, {}).get(metric, (value, float("nan")))[1]
                rows.append(
                    {"binder": binder, "stack_pressure_MPa": pressure, "quantity": label, "model": value, "sd": sd}
                )
    table = pd.DataFrame(rows).pivot_table(index=["quantity", "stack_pressure_MPa"], columns="binder", values=column)
    return table.reindex(columns=[b for b in ("NBR-A", "NBR-T", *PREDICTED_BINDERS) if b in table.columns])


def write_report(validation: Validation, out: Path) -> Path:
    """``report.md`` (tables) and PNG figures in the paper's arrangement."""
    out.mkdir(parents=True, exist_ok=True)
    t, c = validation.table, validation.checks
    known = int((~t["passed"] & (t["known_miss"] != "")).sum()) + int((~c["passed"] & (c["known_miss"] != "")).sum())
    lines = [
        f"# assb-sim vs Choi et al. 2025 ({validation.model})",
        "",
        f"{int(t['passed'].sum())} of {len(t)} quantitative targets within tolerance "
        f"({int((t['passed'] & ~t['used_in_fit']).sum())} of {int((~t['used_in_fit']).sum())} predictions, "
        f"{int((t['passed'] & t['used_in_fit']).sum())} of {int(t['used_in_fit'].sum())} fitted); "
        f"{int(c['passed'].sum())} of {len(c)} qualitative checks hold. "
        f"{known} misses are known (reasons below); unexpected misses: {', '.join(validation.unexpected) or 'none'}.",
        "`fit` = a parameter was fitted to this number (validation/fit.yaml); every other row is a prediction.",
        "",
        "| id | binder | P [MPa] | quantity | paper | model | error | tolerance | fit | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in t.iterrows():
        missing = pd.isna(r["model_value"])
        model_text = "n/a" if missing else f"{r['model_value']:.4g}"
        err = "n/a" if missing else f"{r['error']:+.3g} ({100 * r['relative_error']:+.1f} %)"
        tol = f"{100 * r['tolerance']:.0f} %" if r["tolerance_kind"] == "relative" else f"{r['tolerance']:g}"
        paper = f"{r['paper_value']:g} {r['unit']}"
        lines.append(
            f"| {r['id']} | {r['binder']} | {r['stack_pressure_MPa']:g} | {r['quantity']} | {paper} "
            f"| {model_text} | {err} | {tol} | {'fit' if r['used_in_fit'] else ''} | {_verdict(r)} |"
        )
    lines += ["", *_ce_statistics(validation)]
    lines += ["", "## Qualitative checks (trends the paper states without a number)", ""]
    lines += ["| check | model | result |", "|---|---|---|"]
    for _, r in c.iterrows():
        lines.append(f"| {r['check']} | {r['model']} | {_verdict(r)} |")
    lines += ["", "## Known misses and their physical reasons", ""]
    lines += [f"- `{key}`: {reason}" for key, reason in load_known_misses().items()]
    lines += ["", "## Predictions for binders without electrochemical targets (NBR-X, PB)", ""]
    if validation.bands:
        lines += [
            "± 1 SD: the fit's covariance propagated linearly (SPMe sensitivities; assb_sim.fitting.prediction_band)."
        ]
    lines += [_markdown(predictions(validation), predictions(validation, "sd") if validation.bands else None), ""]
    figures = save_validation_figures(validation, out)
    lines += ["## Figures", ""] + [f"![{p.stem}]({p.name})" for p in figures]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return out / "report.md"


def _ce_statistics(validation: Validation) -> list[str]:
    """The cycling CE as the paper reports it (the mean over the 100 cycles, Fig. 4e) with
    the median beside it: one cycle after the 1.5 C block returns charge the fast cycles
    stranded (CE > 1) and lifts the mean of a binder that loses capacity."""
    lines = [
        "## Cycling CE: the paper's mean and the median",
        "",
        "The paper reports the mean CE over the 100 cycles (Fig. 4e; targets `p-mean-ce` compare the mean). "
        "The median is beside it because one cycle can lift the mean: the largest cycle CE is shown.",
        "",
        "| binder | P [MPa] | mean CE (paper's statistic) | median CE | largest cycle CE (cycle) |",
        "|---|---|---|---|---|",
    ]
    for (protocol, binder, pressure, _), result in validation.runs("paper").items():
        cycling = result.cycles[result.cycles[Col.ROLE] == Role.CYCLING.value]
        if protocol != "paper" or cycling.empty:
            continue
        m, top = result.metrics, cycling.loc[cycling[Col.CE].idxmax()]
        lines.append(
            f"| {binder} | {pressure:g} | {m[Metric.MEAN_CE]:.4f} | {m[Metric.MEDIAN_CE]:.4f} "
            f"| {top[Col.CE]:.3f} ({int(top[Col.CYCLE])}) |"
        )
    return lines


def _verdict(row: pd.Series) -> str:
    if row["passed"]:
        return "pass" if not row["known_miss"] else "pass (listed as known miss)"
    return "MISS (known)" if row["known_miss"] else "MISS"


def _markdown(table: pd.DataFrame, sds: pd.DataFrame | None = None) -> str:
    cols = list(table.columns)
    lines = ["| quantity | P [MPa] | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for (quantity, pressure), row in table.iterrows():
        cells = [f"{v:.4g}" + _sd_text(sds, (quantity, pressure), col) for col, v in row.items()]
        lines.append(f"| {quantity} | {pressure:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _sd_text(sds: pd.DataFrame | None, index: tuple, column: str) -> str:
    if sds is None or column not in sds.columns or index not in sds.index or pd.isna(sds.loc[index, column]):
        return ""
    return f" ± {sds.loc[index, column]:.2g}"
