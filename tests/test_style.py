"""The code passes ruff (the project's lint rules live in pyproject.toml)."""

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff comes with the test extra")
def test_ruff_is_clean():
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(["ruff", "check", str(root)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
