"""Electrochemo-mechanical submodels of the graphite/Si | LPSCl electrode.

One physical process per file, in the PyBaMM way; each class docstring holds its
equations, and docs/mechanics.md is generated from them (``docs/sync_docs.py``).
All quantities are x-averaged: the mechanics acts on the electrode as a whole.
"""

from .amorphisation import Amorphisation, AmorphousSiliconOcp
from .contact_loss import ContactLoss
from .debonding import Debonding
from .decomposition import Decomposition
from .delamination import Delamination
from .interphase_kinetics import InterphaseKinetics
from .ionic_contact import IonicContact
from .irreversible_uptake import IrreversibleUptake, TotalWithUptake
from .lpscl_inventory import LpsclInventory
from .percolation import Percolation
from .stack_pressure import StackPressure
from .swelling import Swelling
from .voids import VoidGrowth

__all__ = [
    "Amorphisation",
    "AmorphousSiliconOcp",
    "ContactLoss",
    "Debonding",
    "Decomposition",
    "Delamination",
    "InterphaseKinetics",
    "IonicContact",
    "IrreversibleUptake",
    "LpsclInventory",
    "Percolation",
    "StackPressure",
    "Swelling",
    "TotalWithUptake",
    "VoidGrowth",
]
