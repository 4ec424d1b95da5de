"""Seeded random but valid configurations and the invariants every run must keep.

Shared by ``tests/test_fuzz.py`` (a few fast SPMe cases in CI) and
``benchmarks/fuzz.py`` (a larger set). Each configuration runs in a child process with
a time limit, so a hang is counted as such instead of stalling the whole set.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

BINDERS = ("NBR-A", "NBR-T", "NBR-X", "PB")
# partial runs must stop for one of these: what a battery engineer accepts as a reason
PHYSICAL_REASONS = {
    "contact lost": re.compile(r"contact|connected|percolat|delaminat", re.I),
    "cut-off not reached": re.compile(r"did not reach|never reache", re.I),
    "interrupted": re.compile(r"interrupted", re.I),
}


@dataclass(frozen=True)
class Outcome:
    """One configuration's result: ``status`` complete / partial / crashed / hung."""

    config: dict
    status: str
    reason: str = ""
    violations: tuple[str, ...] = ()

    @property
    def explained(self) -> bool:
        """A partial run's reason is one of :data:`PHYSICAL_REASONS`."""
        return any(p.search(self.reason) for p in PHYSICAL_REASONS.values())


def random_config(rng: random.Random, *, max_cycles: int = 2) -> dict:
    """A valid configuration: a short galvanostatic or voltammetry protocol, a cell and a binder."""
    if rng.random() < 0.15:
        block = {"kind": "voltammetry", "cycles": 1, "scan_rate_mV_s": round(rng.uniform(0.5, 2.0), 2)}
    else:
        block = {"role": "formation", "cycles": rng.randint(1, max_cycles), "c_rate": round(rng.uniform(0.1, 1.0), 2)}
    return {
        "protocol": {"name": "fuzz", "blocks": [block]},
        "binder": rng.choice(BINDERS),
        "cell": rng.choice(("constant-pressure", "constant-pressure", "fixed-gap")),
        "pressure_MPa": round(math.exp(rng.uniform(math.log(5), math.log(150))), 1),
        "temperature_C": round(rng.uniform(15, 80), 1),
        "si_wt_pct_of_active": round(rng.uniform(2, 60), 1),
        "loading_mg_cm2": round(rng.uniform(1.0, 5.0), 2),
    }


def run_config(config: dict) -> tuple[str, str, tuple[str, ...]]:
    """Run one configuration (SPMe): (status, reason, invariant violations)."""
    from assb_sim import run
    from assb_sim.protocols import Protocol
    from assb_sim.simulation import protocol_design

    protocol = Protocol.model_validate(config["protocol"])
    design = protocol_design(
        protocol,
        temperature_C=config["temperature_C"],
        pressure_MPa=config["pressure_MPa"],
        loading_mg_cm2=config["loading_mg_cm2"],
        si_wt_pct_of_active=config["si_wt_pct_of_active"],
    )
    try:
        result = run(protocol, binder=config["binder"], design=design, model="SPMe", cell=config["cell"])
    except Exception as err:  # counted, never raised: the set goes on
        return "crashed", f"{type(err).__name__}: {str(err).splitlines()[0][:200]}", ()
    if result.failure:
        return "partial", str(result.failure), tuple(violations(result))
    return "complete", "", tuple(violations(result))


def violations(result) -> list[str]:
    """Invariants of the cycles a run completed and of its metrics; empty if all hold."""
    import numpy as np

    from assb_sim.metrics import Col, Metric

    df, m, out = result.cycles, result.metrics, []
    if m[Metric.CYCLES_COMPLETED] != len(df):
        out.append(f"cycles_completed {m[Metric.CYCLES_COMPLETED]} != {len(df)} rows")
    if result.failure is None and len(df) != result.protocol.n_cycles:
        out.append(f"complete run with {len(df)}/{result.protocol.n_cycles} cycles")
    if df.empty:
        if m[Metric.FIRST_DELITHIATION] is not None or m[Metric.ICE] is not None:
            out.append("first-cycle metrics of a run without a finished cycle are not null")
        return out
    caps = [Col.LITHIATION, Col.DELITHIATION, Col.GRAPHITE_LITHIATION, Col.SI_LITHIATION, Col.SEI_LITHIATION]
    for col in caps:
        v = df[col].to_numpy()
        if not (np.all(np.isfinite(v)) and np.all(v >= -1e-6 * df[Col.LITHIATION].max())):
            out.append(f"{col} not finite non-negative: {v}")
    galv = df[df[Col.ROLE] != "voltammetry"]
    lith = galv[[Col.GRAPHITE_LITHIATION, Col.SI_LITHIATION, Col.SEI_LITHIATION, Col.UPTAKE_LITHIATION]].sum(axis=1)
    if not np.allclose(lith, galv[Col.LITHIATION], rtol=0.02, atol=0.5):
        out.append(f"lithiation phase shares {lith.to_numpy()} != total {galv[Col.LITHIATION].to_numpy()}")
    delith = (
        galv[Col.GRAPHITE_DELITHIATION]
        + galv[Col.SI_DELITHIATION]
        - galv[Col.SEI_DELITHIATION]
        - galv[Col.UPTAKE_DELITHIATION]
    )
    if not np.allclose(delith, galv[Col.DELITHIATION], rtol=0.02, atol=0.5):
        out.append(f"delithiation phase shares {delith.to_numpy()} != total {galv[Col.DELITHIATION].to_numpy()}")
    for col in (Col.THICKNESS, Col.PRESSURE):
        if not np.all(df[col].to_numpy() > 0):
            out.append(f"{col} not positive: {df[col].to_numpy()}")
    for col in (Col.GRAPHITE_CONNECTED, Col.SI_CONNECTED, Col.NETWORK_CONNECTED):
        v = df[col].to_numpy()
        if not np.all((v >= 0) & (v <= 1)):
            out.append(f"{col} outside [0, 1]: {v}")
    ce = galv[Col.CE].to_numpy()
    if not np.all((ce > 0) & (ce <= 1.05)):
        out.append(f"coulombic efficiency outside (0, 1.05]: {ce}")
    return out


def run_set(configs: list[dict], *, timeout_s: float = 300.0) -> list[Outcome]:
    """Every configuration in a fresh single-worker child; one over ``timeout_s`` is hung."""
    outcomes = []
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        for config in configs:
            future = pool.submit(run_config, config)
            try:
                status, reason, bad = future.result(timeout=timeout_s)
            except FutureTimeout:
                outcomes.append(Outcome(config, "hung", f"over {timeout_s:g} s"))
                for process in list(pool._processes.values()):
                    process.kill()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
                continue
            except Exception as err:  # the child died
                outcomes.append(Outcome(config, "crashed", f"{type(err).__name__}: {err}"))
                pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
                continue
            outcomes.append(Outcome(config, status, reason, bad))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    """Counts per status, partial runs split into explained and unexplained, and violations."""
    count = dict.fromkeys(("complete", "partial explained", "partial unexplained", "crashed", "hung"), 0)
    for o in outcomes:
        key = o.status if o.status != "partial" else f"partial {'explained' if o.explained else 'unexplained'}"
        count[key] += 1
    count["with invariant violations"] = sum(bool(o.violations) for o in outcomes)
    return count
