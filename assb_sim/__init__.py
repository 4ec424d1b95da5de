"""assb-sim: electrochemo-mechanical simulation of graphite/Si electrodes in sulfide ASSBs."""

from .parameters import CellGeometry, load_binder, load_cell_design, parameter_values
from .protocols import Protocol, load_protocol
from .schema import Binder, CellDesign, InputError, ModelKind
from .simulation import Failure, RunResult, Simulator, run
from .sweeps import SweepSpec, load_sweep, min_pressure, min_requirement
from .sweeps import run_sweep as sweep

__all__ = [
    "Binder",
    "CellDesign",
    "CellGeometry",
    "Failure",
    "InputError",
    "ModelKind",
    "Protocol",
    "RunResult",
    "Simulator",
    "SweepSpec",
    "load_binder",
    "load_cell_design",
    "load_protocol",
    "load_sweep",
    "min_pressure",
    "min_requirement",
    "parameter_values",
    "run",
    "sweep",
]
__version__ = "0.1.0"
