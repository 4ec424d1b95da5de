"""Reliability (issue 13): cycler safeguards, partial results that never look complete,
outputs that never mix two runs, Ctrl-C, kills and clashes of sweeps, bad input refused at
the boundary, and protocol overrides said aloud. Runs are SPMe and one or two cycles."""

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

import assb_sim.cli as cli
from assb_sim import protocols, simulation
from assb_sim.cli import main
from assb_sim.metrics import Col, Metric
from assb_sim.protocols import Protocol
from assb_sim.sweeps import load_spec, load_sweep

ONE = {"name": "one", "blocks": [{"role": "formation", "cycles": 1, "c_rate": 0.5}]}
TWO = {"name": "two", "blocks": [{"role": "formation", "cycles": 2, "c_rate": 0.5}]}


def _yaml(path: Path, data: dict) -> str:
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "assb_sim.cli", *args]


# --- item 1: a real cycler's safeguards ------------------------------------------------------


def test_cv_hold_ends_on_its_time_limit_and_says_so():
    """A hold that has not reached C/x by cv_limit_h ends there; the cycle goes on and the
    table and metrics say it was time-limited: a result, not a failure."""
    protocol = Protocol.model_validate(
        {"name": "t", "blocks": [{"role": "formation", "cycles": 1, "c_rate": 0.3, "cv_limit_h": 0.5}]}
    )
    result = simulation.run(protocol, model="SPMe")
    assert result.complete
    assert result.cycles[Col.CV_TIME_LIMITED].tolist() == [True]
    assert result.metrics[Metric.CV_TIME_LIMITED] == 1
    assert result.metrics[Metric.FIRST_DELITHIATION] > 0


def test_default_hold_limit_is_beyond_the_papers_holds():
    block = Protocol.model_validate(TWO).blocks[0]
    assert block.cv_hold_limit_h == 12.0  # 2 / 0.5 C = 4 h is shorter: the 12 h floor
    assert Protocol.model_validate(
        {"name": "s", "blocks": [{"role": "formation", "cycles": 1, "c_rate": 0.05}]}
    ).blocks[0].cv_hold_limit_h == pytest.approx(40.0)


def test_cc_capacity_limit_stops_with_a_physical_reason_and_null_metrics(monkeypatch):
    """A CC lithiation that passes the capacity limit without reaching 0.01 V stops the
    run with that reason; the unfinished cycle is not counted and its metrics are null."""
    monkeypatch.setattr(protocols, "CC_CAPACITY_LIMIT", 0.3)  # 200 mAh/g: below the cell's capacity
    monkeypatch.setattr(simulation, "CC_CAPACITY_LIMIT", 0.3)
    result = simulation.run(Protocol.model_validate(ONE), model="SPMe")
    assert not result.complete
    assert "did not reach the cut-off voltage within the capacity limit (200 mAh/g" in result.failure.reason
    m = result.metrics
    assert m[Metric.CYCLES_COMPLETED] == 0
    assert m[Metric.FIRST_DELITHIATION] is None
    assert m[Metric.ICE] is None
    assert result.cycles.empty


def test_a_run_without_a_finished_cycle_writes_null_metrics(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(protocols, "CC_CAPACITY_LIMIT", 0.3)
    monkeypatch.setattr(simulation, "CC_CAPACITY_LIMIT", 0.3)
    out = tmp_path / "out"
    assert main(["run", _yaml(tmp_path / "one.yaml", ONE), "--model", "SPMe", "--quiet", "--out", str(out)]) == 1
    assert "0/1 cycles" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics[Metric.CYCLES_COMPLETED] == 0
    assert metrics[Metric.FIRST_DELITHIATION] is None
    assert metrics[Metric.ICE] is None
    assert "capacity limit" in metrics[Metric.FAILURE]


# --- items 2 and 4: partial results and Ctrl-C ---------------------------------------------------


def test_a_failure_in_cycle_two_keeps_cycle_one_and_counts_only_it(monkeypatch):
    """The stop request of Ctrl-C, raised as cycle 1 ends: cycle 2 is refused at its
    first step, cycle 1 is kept whole and counted, cycle 2 is not."""
    original = simulation._Monitor.on_cycle_end

    def stop_after_first(self, logs):
        original(self, logs)
        simulation._STOP.set()

    monkeypatch.setattr(simulation._Monitor, "on_cycle_end", stop_after_first)
    try:
        result = simulation.run(Protocol.model_validate(TWO), model="SPMe")
    finally:
        simulation._STOP.clear()
    assert result.failure.reason == simulation.INTERRUPTED
    assert result.failure.cycle == 2
    assert result.metrics[Metric.CYCLES_COMPLETED] == 1
    assert result.metrics[Metric.COMPLETE] is False
    assert result.metrics[Metric.FIRST_DELITHIATION] > 0  # cycle 1 finished: its metrics are numbers


def _read_into(stream, sink: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: sink.extend(iter(lambda: stream.read(1), "")), daemon=True)
    thread.start()
    return thread


def test_ctrl_c_keeps_the_finished_cycles_and_exits_130(tmp_path):
    out = tmp_path / "out"
    three = {"name": "three", "blocks": [{"role": "formation", "cycles": 3, "c_rate": 0.5}]}
    cmd = _cli("run", _yaml(tmp_path / "p.yaml", three), "--model", "SPMe", "--out", str(out))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err: list[str] = []
    reader = _read_into(proc.stderr, err)
    deadline = time.monotonic() + 120
    while "1/3" not in "".join(err) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the progress bar shows cycle 1 done
    proc.send_signal(signal.SIGINT)
    stdout = proc.communicate(timeout=120)[0]
    reader.join(5)
    assert proc.returncode == 130, "".join(err)
    assert "Traceback" not in "".join(err)
    assert "interrupted" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics[Metric.COMPLETE] is False
    assert 1 <= metrics[Metric.CYCLES_COMPLETED] < 3
    assert simulation.INTERRUPTED in metrics[Metric.FAILURE]


# --- item 3: a directory never mixes two runs ------------------------------------------------------


def _consistent(out: Path) -> bool:
    """No metrics.json (incomplete), or every file of its run present with the same run_id."""
    if not (out / "metrics.json").exists():
        return True
    metrics = json.loads((out / "metrics.json").read_text())
    run = json.loads((out / "run.json").read_text())
    rows = (out / "cycles.csv").read_text().count("\n") - 1
    return (
        metrics["run_id"] == run["run_id"]
        and all((out / f).exists() for f in run["files"])
        and rows == metrics[Metric.CYCLES_COMPLETED]
        and run["protocol"] == metrics["protocol"]
    )


def test_a_write_killed_midway_leaves_no_complete_looking_mix(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert main(["run", _yaml(tmp_path / "one.yaml", ONE), "--model", "SPMe", "--quiet", "--out", str(out)]) == 0
    first = json.loads((out / "metrics.json").read_text())["run_id"]
    real_replace, moved = os.replace, []

    def dying_replace(src, dst):
        if len(moved) == 2:
            raise KeyboardInterrupt  # the process dies between two files
        moved.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(cli.os, "replace", dying_replace)
    two = _yaml(tmp_path / "two.yaml", TWO)
    assert main(["run", two, "--model", "SPMe", "--quiet", "--out", str(out)]) == 130
    assert not (out / "metrics.json").exists()  # the old run's went first, the new one's comes last
    assert _consistent(out)
    monkeypatch.setattr(cli.os, "replace", real_replace)
    assert main(["run", two, "--model", "SPMe", "--quiet", "--out", str(out)]) == 0  # the next run cleans up
    assert _consistent(out)
    assert json.loads((out / "metrics.json").read_text())["run_id"] != first
    assert not list(out.glob(".assb-sim-partial-*"))


def test_sigkill_while_writing_over_an_older_run(tmp_path):
    """A real kill, landing while the new run's files are being written."""
    out = tmp_path / "out"
    assert main(["run", _yaml(tmp_path / "one.yaml", ONE), "--model", "SPMe", "--quiet", "--out", str(out)]) == 0
    proc = subprocess.Popen(
        _cli("run", _yaml(tmp_path / "two.yaml", TWO), "--model", "SPMe", "--quiet", "--out", str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(".assb-sim-partial-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert _consistent(out)


# --- item 5: sweeps ----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_of_a_sweep_leaves_no_worker_running(tmp_path):
    cmd = _cli("sweep", _yaml(tmp_path / "one.yaml", ONE), "--pressure", "20,40", "--workers", "2", "--quiet")
    proc = subprocess.Popen([*cmd, "--out", str(tmp_path / "s")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert len(workers) == 2
    time.sleep(0.5)  # let the workers run their initializer
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)


# far more points than two workers can finish between the first stored point and the signal,
# even on a loaded machine: DFN points (with SPMe points, faster once a run stored fewer
# variables, two workers once finished all 16 before the signal took effect)
PRESSURES = ",".join(str(p) for p in range(10, 90, 5))  # 16 points


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_a_sweep_storing_only_finished_points(tmp_path, workers):
    out = tmp_path / "s"
    cmd = _cli(
        "sweep", _yaml(tmp_path / "one.yaml", ONE), "--pressure", PRESSURES, "--workers", workers, "--model", "DFN"
    )
    proc = subprocess.Popen([*cmd, "--quiet", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.glob("points/*.parquet")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=120)[1].decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    stored = load_sweep(out)
    assert 1 <= len(stored) < 16
    assert set(stored["status"]) == {"ok"}  # the point cut short is not stored as a result
    assert subprocess.run([*cmd, "--quiet", "--out", str(out)], capture_output=True, check=False).returncode == 0
    assert len(load_sweep(out)) == 16


def test_a_sweep_with_another_spec_is_refused_unless_extended(tmp_path, capsys):
    one, out = _yaml(tmp_path / "one.yaml", ONE), str(tmp_path / "s")
    base = ["sweep", one, "--workers", "1", "--quiet", "--model", "SPMe", "--out", out]
    assert main([*base, "--pressure", "20"]) == 0
    capsys.readouterr()
    assert main([*base, "--pressure", "40"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "another spec" in err
    assert "--extend" in err
    assert load_spec(Path(out) / "spec.yaml").pressure_MPa == [20]  # untouched
    assert main([*base, "--pressure", "40", "--extend"]) == 0
    assert load_spec(Path(out) / "spec.yaml").pressure_MPa == [20, 40]
    assert main([*base, "--pressure", "40", "--cohesion", "100", "--extend"]) == 2  # an axis more: no merge
    assert "cannot extend" in capsys.readouterr().err


def test_a_second_writer_is_refused_while_the_first_holds_the_store(tmp_path, capsys):
    out = tmp_path / "s"
    out.mkdir()
    with open(out / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("pid 12345\n")
        lock.flush()
        args = ["sweep", _yaml(tmp_path / "one.yaml", ONE), "--workers", "1", "--quiet", "--out", str(out)]
        assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "in use by another sweep (pid 12345)" in err
    assert not (out / "spec.yaml").exists()


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_workers_below_one_are_refused_before_the_store_exists(tmp_path, capsys, workers):
    out = tmp_path / "s"
    assert main(["sweep", "formation", "--workers", workers, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"assb-sim: error: workers: must be at least 1 (got {workers})"
    assert not out.exists()


def test_quiet_workers_print_no_pybamm_warnings():
    code = (
        "import os, warnings, pybamm\n"
        "from assb_sim.sweeps import _worker_init\n"
        "_worker_init(os.getppid(), quiet={q})\n"
        "pybamm.logger.warning('pybamm says')\n"
        "warnings.warn('a warning', UserWarning)\n"
    )
    loud = subprocess.run([sys.executable, "-c", code.format(q=False)], capture_output=True, text=True, check=True)
    assert "pybamm says" in loud.stderr
    assert "a warning" in loud.stderr
    quiet = subprocess.run([sys.executable, "-c", code.format(q=True)], capture_output=True, text=True, check=True)
    assert quiet.stderr == ""


# --- item 6: bad input refused at the boundary, one line ------------------------------------------


def _design(tmp_path: Path, field: str, value: str) -> str:
    path = tmp_path / "design.yaml"
    path.write_text(f"{field}: {{value: {value}, provenance: measured, source: x}}\n")
    return str(path)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda t: ["--design", _design(t, "electrode.graphite_density_g_cm3", ".inf")], "must be finite"),
        (lambda t: ["--design", _design(t, "electrode.graphite_density_g_cm3", "1e-300")], "greater than or equal"),
        (lambda t: ["--design", _design(t, "electrode.si_density_g_cm3", "1e300")], "less than or equal"),
        (lambda t: ["--design", _design(t, "temperature_C", ".nan")], "not a number"),
        (lambda t: ["--pressure", "nan"], "stack_pressure_MPa: not a number"),
        (lambda t: ["--binder", _yaml(t / "b.yaml", {"cohesion_N_m": 100, "domain_size_um": 1e400})], "domain_size"),
    ],
    ids=["density-inf", "density-tiny", "density-huge", "nan-design", "nan-option", "domain-inf"],
)
def test_bad_values_name_field_and_value(tmp_path, capsys, make, needle):
    assert main(["run", _yaml(tmp_path / "one.yaml", ONE), "--model", "SPMe", *make(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert needle in err


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        ({"kind": "voltammetry", "cycles": 1, "scan_rate_mV_s": 1, "lower_V": 2.0, "upper_V": 0.01}, "lower_V"),
        ({"kind": "voltammetry", "cycles": 1, "scan_rate_mV_s": 1, "lower_V": 1.0, "upper_V": 1.0}, "lower_V"),
        ({"role": "formation", "cycles": 1, "c_rate": 0.5, "rest_min": 1e400}, "rest_min: must be finite"),
        ({"role": "formation", "cycles": 1, "c_rate": 0.5, "rest_min": 1e6}, "rest_min"),
        ({"role": "formation", "cycles": 1, "c_rate": 0.5, "cv_limit_h": 0}, "cv_limit_h"),
    ],
)
def test_bad_protocols_are_refused(tmp_path, capsys, block, needle):
    protocol = _yaml(tmp_path / "p.yaml", {"name": "p", "blocks": [block]})
    assert main(["run", protocol, "--model", "SPMe"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert needle in err


def test_oversized_and_deeply_nested_yaml_are_refused_quickly(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(2_000_000_000)  # sparse: 2 GB on paper, refused before it is read
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: " + "[" * 20_000 + "]" * 20_000 + "\n")
    for path, needle in ((big, "larger than"), (deep, "nested too deeply")):
        start = time.monotonic()
        assert main(["run", str(path)]) == 2
        assert time.monotonic() - start < 5
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert needle in err


@pytest.mark.parametrize("command", ["run", "sweep", "validate"])
@pytest.mark.parametrize("where", ["file", "inside-file", "unwritable"])
def test_bad_out_is_refused_before_solving(tmp_path, capsys, monkeypatch, where, command):
    a_file = tmp_path / "f"
    a_file.write_text("")
    out = {"file": a_file, "inside-file": a_file / "sub", "unwritable": Path("/proc/assb-sim-out")}[where]
    monkeypatch.setattr(simulation.Simulator, "solve", lambda *a, **k: pytest.fail("solved before checking --out"))
    args = {"run": ["run", "formation"], "sweep": ["sweep", "formation", "--workers", "1"], "validate": ["validate"]}
    assert main([*args[command], "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(("assb-sim: error: --out:", "assb-sim: error: out:"))


# --- item 7: overrides are said --------------------------------------------------------------------


def test_a_protocol_overriding_the_given_design_says_so(tmp_path, capsys):
    protocol = _yaml(tmp_path / "p.yaml", {**ONE, "loading_mg_cm2": 1.8})
    design = _design(tmp_path, "electrode.loading_mg_cm2", "3.1")
    out = tmp_path / "out"
    assert main(["run", protocol, "--design", design, "--model", "SPMe", "--quiet", "--out", str(out)]) == 0
    assert "sets loading_mg_cm2 = 1.8 (the design given: 3.1)" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics[Metric.OVERRIDDEN]["loading_mg_cm2"] == {"given": 3.1, "used": 1.8}
    # a condition given on the command line is the user's own choice: nothing to say
    assert main(["run", protocol, "--design", design, "--model", "SPMe", "--quiet", "--pressure", "30"]) == 0
    said = capsys.readouterr().out
    assert "stack_pressure_MPa" not in said
    assert "loading_mg_cm2 = 1.8" in said


def test_min_pressure_reads_a_run_stopped_before_the_metric_as_a_miss(monkeypatch):
    """Below 10 MPa the (stand-in) cell loses contact in cycle 1: no ICE, which is a miss,
    not 'metric not produced by the protocol'."""
    from types import SimpleNamespace

    from assb_sim import sweeps

    class Stopped:
        def __init__(self, *args, **kwargs):
            pass

        def solve(self, binder, pressure_MPa=None):
            ok = pressure_MPa >= 10
            return SimpleNamespace(metrics={Metric.ICE: 0.8 if ok else None}, complete=ok)

    monkeypatch.setattr(sweeps, "Simulator", Stopped)
    found = sweeps.min_pressure("NBR-A", Metric.ICE, 0.75)
    assert found.bracket[0] < 10 <= found.value < 10.3
    assert any(v != v for _, v in found.evidence)  # the stopped runs are in the evidence as NaN


def test_quiet_run_prints_only_its_own_lines(tmp_path):
    """A run PyBaMM finds infeasible: it logs a warning, which --quiet silences."""
    code = (
        "import sys, assb_sim.protocols as p, assb_sim.simulation as s\n"
        "p.CC_CAPACITY_LIMIT = s.CC_CAPACITY_LIMIT = 0.3\n"
        "from assb_sim.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [sys.executable, "-c", code, "run", _yaml(tmp_path / "one.yaml", ONE), "--model", "SPMe"]
    loud = subprocess.run(args, capture_output=True, text=True, check=False)
    assert loud.returncode == 1
    assert "infeasible" in loud.stderr
    quiet = subprocess.run([*args, "--quiet"], capture_output=True, text=True, check=False)
    assert quiet.returncode == 1
    assert quiet.stderr.strip().splitlines() == [loud.stderr.strip().splitlines()[-1]]  # the partial-result line
    assert quiet.stderr.startswith("assb-sim: partial result")
