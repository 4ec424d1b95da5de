"""The README and docs are true: every ``assb-sim`` command line they show parses, their
YAML examples load, and the README's Python runs (with the SPMe and one worker, which
give the same numbers to the digits shown) and prints the numbers its comments state."""

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

from assb_sim.binders import read_binder
from assb_sim.cli import _parser
from assb_sim.parameters import load_cell_design

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# a Python block after this marker is only imported: it takes an hour (a fit, a validation)
SLOW = "only imports it"


def _blocks(page: Path, lang: str) -> list[tuple[str, str]]:
    """(text before, code) of every fenced block of ``lang``."""
    text = page.read_text()
    return [
        (text[: m.start()].rstrip().rsplit("\n\n", 1)[-1], m.group(1))
        for m in re.finditer(rf"^```{lang}\n(.*?)^```", text, re.S | re.M)
    ]


def _command_lines() -> list[tuple[str, list[str]]]:
    lines = []
    for page in PAGES:
        for _, code in _blocks(page, "bash"):
            for line in code.splitlines():
                for part in line.split("&&"):
                    words = shlex.split(part, comments=True)
                    if words[:1] == ["assb-sim"]:
                        lines.append((f"{page.name}: {part.strip()}", words[1:]))
    return lines


@pytest.mark.parametrize(("where", "args"), _command_lines(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_documented_command_line_parses(where, args, capsys):
    """Options and values as the current parser takes them (a renamed flag fails here)."""
    try:
        _parser().parse_args(args)
    except SystemExit as stop:
        pytest.fail(f"{where}: {capsys.readouterr().err.strip()} (exit {stop.code})")


def test_readme_python_is_cheap_to_check_and_there_are_blocks():
    assert len(_blocks(ROOT / "README.md", "python")) >= 3
    assert len(_command_lines()) >= 30


def test_documented_yaml_files_load(tmp_path):
    """A YAML example headed ``# name.yaml`` is a cell or binder file (docs/parameters.md)."""
    loaded = 0
    for page in PAGES:
        for _, code in _blocks(page, "yaml"):
            head = re.match(r"# (\S+\.yaml)", code)
            if not head:
                continue
            path = tmp_path / head.group(1)
            path.write_text(code)
            data = yaml.safe_load(code)
            if "binder" in path.name:
                assert read_binder(path).name == data.get("name", path.stem)
            else:
                design = load_cell_design(path)
                assert design.electrode.loading_mg_cm2 == 5.0
            loaded += 1
    assert loaded >= 3  # README's cell, docs/parameters.md's cell and binder


def _check_stated_values(code: str, namespace: dict) -> int:
    """``expression  # 493.7``: the expression's value, shown to the digits written."""
    checked = 0
    for line in code.splitlines():
        m = re.fullmatch(r"(\S.*?)\s+#\s*(-?\d+\.\d+)\s*", line)
        if m and "=" not in m.group(1).split("[")[0]:
            value, digits = eval(m.group(1), namespace), len(m.group(2).split(".")[1])
            assert round(value, digits) == pytest.approx(float(m.group(2))), line
            checked += 1
    return checked


def test_readme_python_runs_and_states_true_numbers(tmp_path, monkeypatch):
    """In a temp folder (the sweep writes ``out/binders``), DFN -> SPMe, workers=2 -> 1."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    stated = 0
    for before, code in _blocks(ROOT / "README.md", "python"):
        cheap = code.replace('"DFN"', '"SPMe"').replace("workers=2", "workers=1")
        if SLOW in before:
            # imports only; the names it fits must still be parameters of the model
            exec("\n".join(line for line in cheap.splitlines() if line.startswith(("from ", "import "))), namespace)
            from assb_sim.parameters import parameter_values

            known = parameter_values(load_cell_design())
            for name in re.findall(r'FitParameter\(name="([^"]+)"', code):
                assert name in known, name
            continue
        exec(cheap, namespace)
        stated += _check_stated_values(code, namespace)
    assert stated >= 2  # first capacity and ICE
    df, ds = namespace["df"], namespace["ds"]
    assert len(df) == 10  # the spec's 10 points, not the CLI sweep's too
    assert dict(ds.sizes) == {"binder": 2, "pressure_MPa": 5}
    assert namespace["found"].value is not None
    assert os.listdir(tmp_path / "out") == ["binders"]


def test_docs_figures_are_from_the_current_sources():
    """docs/img was regenerated (``python docs/make_figures.py``) since the parameters, the
    fit or the code last changed: the figures the docs show are the model's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    assert figures.STAMP.read_text().strip() == figures.sources_hash(), (
        "docs/img is stale: run python docs/make_figures.py"
    )
