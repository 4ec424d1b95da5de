"""Seeded random but valid configurations (SPMe, one or two cycles): none crashes or
hangs, every partial run stops for a physical reason, and every run keeps the invariants
of :func:`fuzzing.violations`. The larger set is ``benchmarks/fuzz.py``."""

import random

from fuzzing import random_config, run_set, summary

SEED, COUNT = 13, 4  # ~25 s on one core


def test_random_valid_configurations_complete_or_stop_for_a_physical_reason():
    rng = random.Random(SEED)
    configs = [random_config(rng, max_cycles=1) for _ in range(COUNT)]
    # one Si-rich, hot cell, where the side reaction used to hold the CV step forever
    configs.append(configs[0] | {"si_wt_pct_of_active": 50.7, "temperature_C": 79.4, "pressure_MPa": 30.6})
    outcomes = run_set(configs, timeout_s=180)
    counts = summary(outcomes)
    detail = "\n".join(f"{o.status}: {o.reason} {o.violations} {o.config}" for o in outcomes)
    assert counts["crashed"] == counts["hung"] == counts["partial unexplained"] == 0, detail
    assert counts["with invariant violations"] == 0, detail
