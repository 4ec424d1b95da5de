"""Sweeps: grids, the resumable store, engines, failures, and the minimum-pressure finder."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from assb_sim.metrics import Metric
from assb_sim.schema import InputError
from assb_sim.sweeps import (
    SweepSpec,
    load_sweep,
    min_pressure,
    min_requirement,
    parse_range,
    point_id,
    run_sweep,
    to_xarray,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2:80:3", [2, 41, 80]), ("1:100:3:log", [1, 10, 100]), ("16,48", [16, 48]), ("30", [30])],
)
def test_ranges(text, expected):
    assert parse_range(text, "--pressure") == pytest.approx(expected)


@pytest.mark.parametrize("text", ["2:80", "a:b:3", "0:10:3:log", "2:80:3:cubic", "2:80:0"])
def test_bad_ranges_name_the_option(text):
    with pytest.raises(InputError, match="--pressure"):
        parse_range(text, "--pressure")


def test_grid_is_the_product_with_stable_names():
    spec = SweepSpec(binder=["NBR-A", "NBR-T"], pressure_MPa=[16, 48, 80], temperature_C=[25, 60])
    points = spec.points()
    assert len(points) == 12
    assert spec.swept_axes() == ["binder", "pressure_MPa", "temperature_C"]
    # structural axes outermost: a worker meets each temperature in one run of points
    assert [p["temperature_C"] for p in points] == [25] * 6 + [60] * 6
    ids = [point_id(p, spec) for p in points]
    assert len(set(ids)) == 12
    assert ids == [point_id(p, SweepSpec(**spec.model_dump())) for p in points]


def test_failed_points_are_recorded_and_the_sweep_goes_on(tmp_path):
    spec = SweepSpec(binder=["NBR-A"], pressure_MPa=[48], temperature_C=[60, 200])
    df = run_sweep(spec, tmp_path, workers=1).set_index("temperature_C")
    assert df.loc[60, "status"] == "ok"
    assert df.loc[200, "status"] == "failed"
    assert "temperature_C" in df.loc[200, "reason"]


def test_store_loads_into_pandas_and_xarray(tmp_path):
    spec = SweepSpec(binder=["NBR-A", "PB"], pressure_MPa=[16, 80])
    df = run_sweep(spec, tmp_path, workers=1)
    assert len(df) == 4
    assert df["point_id"].is_unique
    ds = to_xarray(df, spec)
    assert set(ds.dims) == {"binder", "pressure_MPa"}
    assert load_sweep(tmp_path, as_xarray=True).equals(ds)
    cap = ds[Metric.FIRST_DELITHIATION]
    assert float(cap.sel(binder="PB", pressure_MPa=16)) < float(cap.sel(binder="NBR-A", pressure_MPa=16))
    # re-running the same sweep computes nothing and changes nothing
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "points").iterdir()}
    again = run_sweep(spec, tmp_path, workers=1)
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "points").iterdir()} == before
    assert len(again) == 4


def test_killed_sweep_resumes_without_loss_or_duplicates(tmp_path):
    out = tmp_path / "sweep"
    cmd = [
        sys.executable,
        "-m",
        "assb_sim.cli",
        "sweep",
        "formation",
        "--binder",
        "NBR-A",
        "NBR-T",
        "PB",
        "--pressure",
        "8:80:4",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((out / "points").glob("*.parquet"))) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    survivors = {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("*.parquet")}
    assert 3 <= len(survivors) < 12, "the kill must land mid-sweep"
    assert subprocess.run(cmd, check=False).returncode == 0
    df = load_sweep(out)
    assert len(df) == 12
    assert df["point_id"].is_unique
    assert not list(out.rglob("*.tmp"))
    assert all((out / "points" / name).stat().st_mtime_ns == ns for name, ns in survivors.items())


def test_dask_local_cluster_gives_the_same_numbers(tmp_path):
    spec = SweepSpec(binder=["NBR-A", "NBR-T"], pressure_MPa=[16, 48])
    local = run_sweep(spec, tmp_path / "local", workers=1).set_index("point_id").sort_index()
    dask = run_sweep(spec, tmp_path / "dask", workers=2, scheduler="local").set_index("point_id").sort_index()
    for column in (Metric.FIRST_DELITHIATION, Metric.ICE, Metric.THICKNESS_FINAL):
        assert (local[column] == dask[column]).all(), column


def test_min_pressure_brackets_the_target():
    found = min_pressure("NBR-T", Metric.FIRST_DELITHIATION, 495.0, rel_tol=0.05)
    lo, hi = found.bracket
    assert found.value == hi
    assert hi / lo <= 1.05
    values = dict(found.evidence)
    assert values[hi] >= 495 > values[lo]
    pressures = sorted(values)
    assert [values[p] for p in pressures] == sorted(values[p] for p in pressures)  # monotonic evidence
    assert len(found.evidence) < 15  # bisection, not a dense grid


def test_min_pressure_reports_an_unreachable_target():
    found = min_pressure("PB", Metric.FIRST_DELITHIATION, 600.0)
    assert found.value is None
    assert "not reached" in found.message


def test_min_cohesion_at_a_low_pressure_brackets_the_target_with_a_band():
    """The mission's question: what cohesion does the electrode need at 2 MPa, and how sure?"""
    from assb_sim.fitting import requirement_band

    found = min_requirement("NBR-T", Metric.FIRST_DELITHIATION, 480.0, "cohesion", pressure_MPa=2, rel_tol=0.05)
    lo, hi = found.bracket
    values = dict(found.evidence)
    assert found.value == hi
    assert hi - lo <= 0.05 * 1000
    assert values[hi] >= 480 > values[lo]
    xs = sorted(values)
    assert [values[x] for x in xs] == sorted(values[x] for x in xs)  # monotonic evidence
    sd = requirement_band(found, "NBR-T", pressure_MPa=2)
    assert sd is not None
    assert 0 < sd < np.inf
