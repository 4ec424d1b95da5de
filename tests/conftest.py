"""Shared fixtures: a few short runs reused across tests (each takes ~1 s)."""

import pytest

import assb_sim
from assb_sim.protocols import Protocol


def short_protocol(*blocks: dict, name: str = "short", **conditions) -> Protocol:
    """A protocol built in code, for tests that need fewer cycles than the paper's."""
    return Protocol.model_validate({"name": name, "blocks": list(blocks), **conditions})


@pytest.fixture(scope="session")
def formation_dfn() -> assb_sim.RunResult:
    return assb_sim.run("formation", model="DFN")


@pytest.fixture(scope="session")
def formation_spme() -> assb_sim.RunResult:
    return assb_sim.run("formation", model="SPMe")
