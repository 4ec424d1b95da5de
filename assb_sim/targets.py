"""The paper's numbers the model is compared with and fitted to.

``validation/targets.csv`` (the paper's ``id``/``source``, case, metric, tolerance),
``validation/known_misses.yaml`` (targets the model is known to miss, with the physical
reason) and which rows the fit plan (``validation/fit.yaml``) uses. Both
:mod:`assb_sim.fitting` and :mod:`assb_sim.validation` read targets from here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .parameters import resource_dir

# the columns that name a simulated case: one run gives every target of its case
CASE = ["protocol", "binder", "stack_pressure_MPa", "temperature_C"]


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """The paper's numbers with their case, metric and tolerance; ``used_in_fit`` comes
    from the fit plan and ``known_miss`` from ``known_misses.yaml``, so each fact lives
    in one file."""
    targets = _relative_to_reference(pd.read_csv(path or resource_dir("validation") / "targets.csv"))
    misses = load_known_misses()
    return targets.assign(
        used_in_fit=used_in_fit(targets),
        known_miss=[misses.get(target_key(t), "") for _, t in targets.iterrows()],
    )


def _relative_to_reference(targets: pd.DataFrame) -> pd.DataFrame:
    """Rows with ``relative_to`` compare the change from that reported reference of the
    same binder, as the paper compares them (thickness: 22 -> 27 um is +23 %): the paper's
    value becomes value / reference - 1."""
    reported = pd.read_csv(resource_dir("validation") / "reported_values.csv").set_index(["id", "binder"])["value"]
    targets = targets.assign(relative_to=targets["relative_to"].fillna(""))
    for i, t in targets[targets["relative_to"] != ""].iterrows():
        reference = float(reported[(t["relative_to"], t["binder"])])
        targets.loc[i, ["paper_value", "unit"]] = [t["paper_value"] / reference - 1, "fraction"]
    return targets


def target_key(target: pd.Series) -> str:
    return f"{target['id']}:{target['binder']}:{target['stack_pressure_MPa']:g}"


def load_known_misses() -> dict[str, str]:
    """Targets (``id:binder:pressure``) and checks (``check: statement``) the model is
    known to miss -> the physical reason."""
    raw = yaml.safe_load((resource_dir("validation") / "known_misses.yaml").read_text()) or {}
    return {str(k): " ".join(str(v).split()) for k, v in raw.items()}


def select_targets(targets: pd.DataFrame, selectors: list[str]) -> pd.DataFrame:
    """Rows matching any selector: ``id`` or ``id:binder:pressure``, where ``*`` matches
    any value of its field (``*:*:16``: every target at 16 MPa; ``*:NBR-T:*``: every
    NBR-T target). An unmatched selector is an error."""
    masks = [np.zeros(len(targets), dtype=bool)]
    for selector in selectors:
        fields = selector.split(":")
        if len(fields) not in (1, 3):
            raise ValueError(f"target selector {selector!r}: use id or id:binder:pressure")
        mask = np.ones(len(targets), dtype=bool)
        for column, value in zip(("id", "binder", "stack_pressure_MPa"), fields, strict=False):
            if value != "*":
                mask &= (targets[column] == (float(value) if column == "stack_pressure_MPa" else value)).to_numpy()
        if not mask.any():
            raise ValueError(f"target selector {selector!r} matches no row of targets.csv")
        masks.append(mask)
    return targets[np.logical_or.reduce(masks)].reset_index(drop=True)


def fit_plan_selectors(path: Path | None = None) -> list[str]:
    """The target selectors of every stage of the fit plan."""
    plan = yaml.safe_load((path or resource_dir("validation") / "fit.yaml").read_text())
    return [selector for stage in plan["stages"] for selector in stage["targets"]]


def used_in_fit(targets: pd.DataFrame, selectors: list[str] | None = None) -> pd.Series:
    """True for each target row the fit plan (or ``selectors``) uses."""
    selectors = fit_plan_selectors() if selectors is None else selectors
    key = ["id", "binder", "stack_pressure_MPa"]
    used = {tuple(r) for r in select_targets(targets, selectors)[key].values}
    return pd.Series([tuple(r) in used for r in targets[key].values], index=targets.index)


def tolerance_scale(targets: pd.DataFrame) -> np.ndarray:
    """Each target's tolerance in its own unit, so residual 1 = at the tolerance."""
    relative = targets["tolerance_kind"] == "relative"
    return np.where(relative, targets["paper_value"] * targets["tolerance"], targets["tolerance"]).astype(float)


PREDICTED_BINDERS = ("NBR-X", "PB")  # binders no electrochemical number of the paper was used for
