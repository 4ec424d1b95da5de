"""Every PyBaMM and assb-sim name used in more than one place, defined once.

Variables and parameters are PyBaMM-style strings (sentence case, units in brackets).
PyBaMM calls the working electrode of a half cell "positive": every "positive electrode"
name here means the graphite/Si electrode, its "primary" phase graphite and its
"secondary" phase Si. Per-cycle columns and metric keys live in :mod:`assb_sim.metrics`.
"""

from __future__ import annotations

# --- phases --------------------------------------------------------------------------
GRAPHITE, SILICON = "primary", "secondary"
PHASES = (GRAPHITE, SILICON)
PHASE_LABEL = {GRAPHITE: "Graphite", SILICON: "Si"}
PHASE_PREFIX = {GRAPHITE: "Primary: ", SILICON: "Secondary: "}

# --- PyBaMM variables ----------------------------------------------------------------
DISCHARGE_CAPACITY = "Discharge capacity [A.h]"  # charge into the working electrode
VOLTAGE = "Voltage [V]"
CURRENT = "Current [A]"
SEI_LITHIUM = "Loss of lithium to positive SEI [mol]"  # Li in decomposition products, all phases
ELECTRODE_POROSITY = "Positive electrode porosity"  # the LPSCl volume fraction
SEPARATOR_POROSITY = "Separator porosity"


def phase_lithium(phase: str) -> str:
    """PyBaMM's Li in the connected particles of a phase [mol]."""
    return f"Total lithium in {phase} phase in positive electrode [mol]"


def trapped_lithium(phase: str) -> str:
    """PyBaMM's Li lost with active material: here, trapped in disconnected particles [mol]."""
    return f"Loss of lithium due to loss of {phase} active material in positive electrode [mol]"


# every particle's Li, connected or trapped: with SEI_LITHIUM, all the Li the electrode took
PARTICLE_LITHIUM = (*(phase_lithium(p) for p in PHASES), *(trapped_lithium(p) for p in PHASES))


def phase_decomposition_lithium(phase: str) -> str:
    """Li the LPSCl decomposition took on a phase's particles [mol] (PyBaMM's SEI name)."""
    return f"Loss of lithium to positive {phase} SEI [mol]"


def phase_decomposition_capacity(phase: str) -> str:
    """The same as a capacity [A.h] (PyBaMM's SEI name)."""
    return f"Loss of capacity to positive {phase} SEI [A.h]"


def active_fraction(phase: str) -> str:
    """PyBaMM's x-averaged (connected) active material volume fraction of a phase."""
    return f"X-averaged positive electrode {phase} active material volume fraction"


def interfacial_current(phase: str) -> str:
    """PyBaMM's x-averaged volumetric interfacial current of a phase (> 0: delithiation)."""
    return f"X-averaged positive electrode {phase} volumetric interfacial current density [A.m-3]"


# --- assb-sim variables ----------------------------------------------------------------
STACK_PRESSURE = "Stack pressure [Pa]"
COHESIVE_TOUGHNESS = "Effective cohesive toughness [J.m-2]"
ADHESIVE_TOUGHNESS = "Effective adhesive toughness [J.m-2]"
SI_STRAIN = "Si volumetric strain"
GRAPHITE_STRAIN = "Graphite volumetric strain"
PHASE_STRAIN = {GRAPHITE: GRAPHITE_STRAIN, SILICON: SI_STRAIN}  # a phase's own swelling
COMPOSITE_STRAIN = "Composite volumetric strain"
LOAD_BEARING_STRAIN = "Load-bearing volumetric strain"
THICKNESS_LOAD_BEARING = "Working electrode load-bearing thickness change [m]"
THICKNESS_REVERSIBLE = "Working electrode reversible thickness change [m]"
THICKNESS_IRREVERSIBLE = "Working electrode irreversible thickness change [m]"
THICKNESS_VOIDS = "Working electrode void thickening [m]"
THICKNESS_SPONGE = "Working electrode Si sponge thickening [m]"
THICKNESS_WE = "Working electrode thickness change [m]"
THICKNESS_LI = "Li metal thickness change [m]"
THICKNESS_DECOMPOSITION = "Decomposition products thickness change [m]"
DRIVING_STRAIN = {SILICON: SI_STRAIN, GRAPHITE: COMPOSITE_STRAIN}  # whose cycling wears each phase's contacts


LPSCL_INITIAL = "LPSCl in the pristine electrode [mol]"
LPSCL_CONSUMED = "LPSCl consumed by decomposition [mol]"
# separator side minus collector side: the SPMe is an expansion in it
ELECTROLYTE_DROP = "Electrolyte potential drop across the electrode [V]"
DECOMPOSED_LITHIUM = "Li taken by the LPSCl decomposition [mol]"  # read from the LPSCl left
LPSCL_LEFT = "LPSCl remaining fraction"
ELECTROLYTE_FRACTION = "LPSCl volume fraction"
DILUTED_ELECTROLYTE_FRACTION = "Void-diluted LPSCl volume fraction"
NETWORK_ACCESSIBLE = "LPSCl network accessible fraction"
NETWORK_CONNECTED = "Percolation connected fraction"
PERCOLATION_LOSS_RATE = "Percolation contact loss rate [s-1]"
NETWORK_CONDUCTANCE = "LPSCl network conductance factor"
DEBONDED_SHARE = "Debonded share of the active volume"
DELAMINATION_ENERGY = "Delamination energy release rate [J.m-2]"
DELAMINATION_HAZARD = "Maximum delamination hazard"
DELAMINATED = "Delaminated area fraction"
COLLECTOR_CONTACT = "Electronic contact with the current collector"
SI_CORE = "Si crystalline core radius share"
SI_CRYSTALLINE = "Si crystalline share"
SI_AMORPHOUS = "Si amorphous share"
SI_FRONT_DRIVE = "Si amorphisation driving potential [V]"
SI_FRONT_SPEED = "Si amorphisation front velocity [m.s-1]"


def disconnected_film_lithium(phase: str) -> str:
    """Li in the decomposition film of a phase's disconnected particles [mol]."""
    return f"Decomposition lithium on disconnected {PHASE_LABEL[phase].lower()} [mol]"


def phase_current(phase: str) -> str:
    """The x-averaged volumetric interfacial current of a phase as its own algebraic state
    [A.m-3]: the mechanics reads it instead of PyBaMM's average over every node."""
    return f"{PHASE_LABEL[phase]} mean volumetric interfacial current [A.m-3]"


def connected_lithium(phase: str) -> str:
    """Li in the connected particles of a phase [mol], tracked as its own state."""
    return f"{PHASE_LABEL[phase]} connected lithium [mol]"


def loosened_volume(phase: str) -> str:
    """Volume fraction of a phase still connected but with loosened contacts."""
    return f"{PHASE_LABEL[phase]} loosened volume fraction"


def connected_fraction(phase: str) -> str:
    """Connected share of a phase's pristine volume."""
    return f"{PHASE_LABEL[phase]} connected fraction"


def contact_loss_rate(phase: str) -> str:
    return f"{PHASE_LABEL[phase]} contact loss rate [s-1]"


def misfit_strain(phase: str) -> str:
    """Linear misfit strain of a phase's particles against the composite around them."""
    return f"{PHASE_LABEL[phase]} misfit strain"


def energy_ratio(phase: str) -> str:
    """Energy release rate of a phase's particle over the effective toughness, G / Gamma."""
    return f"{PHASE_LABEL[phase]} debonding energy ratio"


def hazard(phase: str) -> str:
    """Weibull debonding hazard (G / Gamma)^m of a phase now."""
    return f"{PHASE_LABEL[phase]} debonding hazard"


def debonding_rate(phase: str) -> str:
    """Volume fraction of a phase cut off by debonding per second (release and fatigue)."""
    return f"{PHASE_LABEL[phase]} debonded volume fraction rate [s-1]"


def max_hazard(phase: str) -> str:
    """Largest Weibull debonding hazard (G / Gamma)^m a phase has seen."""
    return f"{PHASE_LABEL[phase]} maximum debonding hazard"


def rate(name: str) -> str:
    """Time derivative of a variable."""
    return f"{name} rate [s-1]"


# --- input parameters: change between solves without rebuilding ------------------------
SET_PRESSURE = "Set stack pressure [Pa]"
BINDER_COHESION = "Binder cohesion [N.m-1]"
BINDER_ADHESION = "Binder adhesion [N.m-1]"
BINDER_COVERAGE = "Binder ionic coverage factor"
FIXED_GAP = "Fixed-gap cell"
STACK_STIFFNESS = "Stack stiffness [Pa.m-1]"
INPUTS = (SET_PRESSURE, BINDER_COHESION, BINDER_ADHESION, BINDER_COVERAGE, FIXED_GAP, STACK_STIFFNESS)

# --- model parameters ------------------------------------------------------------------
PORE_FRACTION = "Positive electrode pore volume fraction"
SI_INITIAL_CRYSTALLINE = "Si initial crystalline share"
SI_TWO_PHASE_POTENTIAL = "Si two-phase lithiation potential [V]"
SI_FRONT_VELOCITY = "Si reference amorphisation front velocity [m.s-1]"
SI_FRONT_ACTIVATION = "Si amorphisation front activation energy [J.mol-1]"
SI_FRONT_TRANSFER = "Si amorphisation transfer coefficient"
LI_MOLAR_VOLUME = "Lithium metal partial molar volume [m3.mol-1]"
DECOMPOSITION_VOLUME = "Decomposition net molar volume per Li [m3.mol-1]"
DEBONDING_MODULUS = "Debonding modulus [Pa]"
OPENING_LENGTH = "Debonding opening length [m]"
WEIBULL_MODULUS = "Debonding Weibull modulus"
SI_CLUSTER_RADIUS = "Si debonding cluster radius [m]"
CONTACT_FATIGUE = "Contact fatigue per unit cycled strain"
RATCHET_TIME = "Damage ratchet time [s]"
ELECTRODE_MODULUS = "Electrode in-plane modulus [Pa]"
ELECTRODE_FLOW_STRESS = "Electrode in-plane flow stress [Pa]"
DELAMINATION_FACTOR = "Delamination geometry factor"
PERCOLATION_THRESHOLD = "LPSCl percolation threshold"
ACCESSIBILITY_EXPONENT = "Percolation accessibility exponent"
CONDUCTIVITY_EXPONENT = "Percolation conductivity exponent"
SPONGE_GROWTH = "Si sponge thickening per unit cycled strain"
VOID_CLOSURE_PRESSURE = "Void closure pressure [Pa]"
CONTACT_PRESSURE_SCALE = "Contact pressure scale [Pa]"
LI_CREEP_ACTIVATION = "Li creep activation energy [J.mol-1]"
LI_CREEP_EXPONENT = "Li creep stress exponent"
COMPOSITE_COHESION = "Composite cohesion without binder [N.m-1]"
COMPOSITE_ADHESION = "Composite adhesion without binder [N.m-1]"
BINDER_TG = "Binder glass transition temperature [K]"
BINDER_TEST_TEMPERATURE = "Binder test temperature [K]"
BINDER_RATE_EXPONENT = "Binder fracture energy rate exponent"
WLF_C1 = "WLF constant C1"
WLF_C2 = "WLF constant C2 [K]"
VOID_CYCLED_STRAIN = "Void growth per unit cycled strain"
MAX_VOID_THICKENING = "Maximum void thickening"
RELEASE_CONTRACTION = "Loosened-particle release contraction"
UPTAKE_CAPACITY = "Si irreversible uptake capacity [mol.m-3]"
UPTAKE_SCALE = "Si irreversible uptake filling scale [mol.m-3]"
UPTAKE_EFOLD = "Si uptake filling share of the reversible capacity"
SI_MEAN_CURRENT = "Si mean interfacial current density [A.m-2]"  # an algebraic state
SI_AVERAGED_CURRENT = "X-averaged positive electrode secondary interfacial current density [A.m-2]"  # PyBaMM's
UPTAKE_STATE = "Si irreversible uptake [mol]"
UPTAKE_CURRENT = "Si irreversible uptake current density [A.m-2]"
# every place Li goes in the electrode: particles (connected, trapped), products, Si uptake
ELECTRODE_LITHIUM = (*PARTICLE_LITHIUM, SEI_LITHIUM, UPTAKE_STATE)
EACH_PHASE = "Each phase: "  # parameter-file prefix: the same value for graphite and Si


def full_lithiation_strain(phase: str) -> str:
    return f"{PHASE_LABEL[phase]} volumetric strain at full lithiation"


def intrinsic_fatigue(phase: str) -> str:
    return f"{PHASE_LABEL[phase]} confinement-independent contact loss per unit cycled strain"


def phase_parameter(phase: str, name: str) -> str:
    """PyBaMM's per-phase parameter name (``Primary: ...`` / ``Secondary: ...``)."""
    return PHASE_PREFIX[phase] + name


MAX_CONCENTRATION = "Maximum concentration in positive electrode [mol.m-3]"
INITIAL_CONCENTRATION = "Initial concentration in positive electrode [mol.m-3]"
ELECTRODE_OCP = "Positive electrode OCP [V]"
SEI_DIFFUSIVITY = "SEI lithium interstitial diffusivity [m2.s-1]"
SEI_LI_PER_FORMULA = "Ratio of lithium moles to SEI moles"
FILM_RESISTIVITY = "SEI resistivity [Ohm.m]"
DECOMPOSITION_ONSET = "Decomposition onset potential [V]"
DECOMPOSITION_TRANSFER = "Decomposition transfer coefficient"
LPSCL_MOLAR_VOLUME = "LPSCl molar volume [m3.mol-1]"
