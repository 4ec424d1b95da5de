"""A new binder without Python: from its measured properties on the command line or in
a plain YAML file (``cohesion_N_m: 140``), not only from the provenance-tagged files of
``parameter_sets/binders``.

A property left out is the reference binder's (NBR-A, the paper's best-characterised
one) rather than zero or "no film": a binder always forms an LPSCl:binder film and
sticks somewhat, so a measured neighbour is the least surprising stand-in. The binder's
``description`` says which properties were given and which were taken.
"""

from __future__ import annotations

from pathlib import Path

from .parameters import load_binder, read_yaml
from .schema import Binder, InputError, validate
from .userfiles import merge, user_entries

REFERENCE_BINDER = "NBR-A"
# what the paper measures per binder and the model (or a sweep axis) can use
MEASURED = ("cohesion_N_m", "adhesion_N_m", "peel_strength_N_m", "film_conductivity_mS_cm")


def read_binder(name_or_path: str | Path) -> Binder:
    """A registered name (``NBR-T``) or a user file: plain values (``cohesion_N_m: 140``) or
    ``{value, provenance, source}`` entries, only the properties it knows; ``name`` defaults
    to the file name, the properties left out are :data:`REFERENCE_BINDER`'s."""
    path = Path(name_or_path)
    if not path.suffix:
        return load_binder(name_or_path)
    where = str(path)
    entries = user_entries(read_yaml(path), where)
    # unknown names are refused with the closest binder field (merge's check)
    merge(dict.fromkeys(Binder.model_fields), entries, where)
    values = {k: e.value for k, e in entries.items()}
    name, description = str(values.pop("name", path.stem)), values.pop("description", None)
    try:
        binder = custom_binder(values, name=name)
    except InputError as err:
        raise InputError(f"{where}: {err}") from None
    if description is None:
        return binder
    # the file's own description; what was taken from the reference still said
    taken = binder.description.partition("; ")[2]
    return binder.model_copy(update={"description": f"{description}; {taken}" if taken else str(description)})


def custom_binder(properties: dict[str, float], name: str = "custom", base: str | Path = REFERENCE_BINDER) -> Binder:
    """``base``'s measured properties overridden by ``properties`` (None: not given)."""
    reference = read_binder(base)
    given = {k: v for k, v in properties.items() if v is not None}
    taken = [f for f in MEASURED if f not in given]
    shown = ", ".join(f"{k} = {v:g}" if isinstance(v, int | float) else f"{k} = {v}" for k, v in given.items())
    description = f"given: {shown or 'nothing'}" + (f"; {', '.join(taken)} of {reference.name}" if taken else "")
    data = {f: getattr(reference, f) for f in taken} | given
    return validate(Binder, data | {"name": name, "description": description})
