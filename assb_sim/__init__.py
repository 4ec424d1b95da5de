"""assb-sim: electrochemo-mechanical simulation of graphite/Si electrodes in sulfide ASSBs."""

from .parameters import CellGeometry, load_binder, load_cell_design, parameter_values
from .protocols import Protocol, load_protocol
from .schema import Binder, CellDesign, InputError, ModelKind
from .simulation import Failure, RunResult, run

__all__ = [
    "Binder",
    "CellDesign",
    "CellGeometry",
    "Failure",
    "InputError",
    "ModelKind",
    "Protocol",
    "RunResult",
    "load_binder",
    "load_cell_design",
    "load_protocol",
    "parameter_values",
    "run",
]
__version__ = "0.1.0"
