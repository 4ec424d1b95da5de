"""Structure without solving: no import cycle, well-posed models in every configuration,
docs generated from the code, no side effects on import."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from assb_sim.model import half_cell_model
from assb_sim.parameters import inputs, load_binder, load_cell_design, parameter_values, sync_docs

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assb_sim"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """assb_sim modules ``path`` imports at run time (``if TYPE_CHECKING:`` blocks excluded)."""
    tree = ast.parse(path.read_text())
    skip = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    package = _module(path).split(".") if path.name == "__init__.py" else _module(path).split(".")[:-1]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("assb_sim")}
            continue
        base = package[: len(package) - node.level + 1] if node.level else []
        stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
        for alias in node.names:  # "from . import names" imports a module
            candidate = f"{stem}.{alias.name}"
            out.add(candidate if (ROOT / candidate.replace(".", "/")).with_suffix(".py").exists() else stem)
    return {m for m in out if m.startswith("assb_sim")}


def test_no_import_cycle():
    graph = {_module(p): _runtime_imports(p) for p in PACKAGE.rglob("*.py")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import cycle: " + " -> ".join((*path, module))
        if module in done:
            return
        for dep in graph.get(module, ()):
            if dep != module and not module.startswith(dep + "."):  # a package's own __init__
                visit(dep, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert "assb_sim.fitting" not in graph["assb_sim.validation"]
    assert "assb_sim.validation" not in graph["assb_sim.fitting"]


@pytest.mark.parametrize("kind", ["DFN", "SPMe"])
@pytest.mark.parametrize("mechanics", [True, False])
def test_model_is_well_posed(kind, mechanics):
    half_cell_model(kind, mechanics=mechanics).check_well_posedness()


@pytest.mark.parametrize("fixed_gap", [False, True])
def test_parameterised_model_is_well_posed_in_both_cell_modes(fixed_gap):
    """Inputs filled in (the cell mode is one of them): every parameter has a value."""
    design = load_cell_design()
    values = parameter_values(design)
    values.update(inputs(design, load_binder("NBR-T"), fixed_gap=fixed_gap), strict=True)
    model = values.process_model(half_cell_model("SPMe"), inplace=False)
    model.check_well_posedness()


@pytest.mark.parametrize("page", ["model.md", "parameters.md", "mechanics.md"])
def test_docs_are_generated_from_the_code(page, tmp_path):
    """Parameter tables, submodel equations and mechanics values in the docs equal the code's."""
    copy = tmp_path / page
    copy.write_text((ROOT / "docs" / page).read_text())
    assert copy.read_text().count("<!-- ") >= 4
    assert not sync_docs(copy), f"docs/{page} is stale: run python docs/sync_docs.py"


def test_import_leaves_the_matplotlib_backend_alone():
    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import assb_sim.plotting, assb_sim.validation, assb_sim.sweeps, assb_sim.cli; "
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-500:]
