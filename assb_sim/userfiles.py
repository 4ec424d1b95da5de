"""User files of a cell design or a binder: only the values they change.

The project's own files (``parameter_sets/``) tag every entry with its provenance; a user
who wants a 5 mg/cm2 electrode should not have to copy the whole cell and invent sources.
A user file may therefore hold plain values (``loading_mg_cm2: 5.0``) or entries
(``{value: 5.0, provenance: measured, source: ...}``, provenance "user" when left out),
nested (``electrode: {loading_mg_cm2: 5.0}``) or dotted (``electrode.loading_mg_cm2: 5.0``),
and everything it does not name is the default's.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field

from .schema import InputError, _Strict, validate

Provenance = Literal["measured", "literature", "derived", "fitted", "assumed"]


class UserEntry(_Strict):
    """One value of a user file; provenance and source are optional."""

    value: float | str
    provenance: Provenance | Literal["user"] = "user"
    source: str = Field(default="")
    unit: str = ""


def user_entries(raw: object, where: str) -> dict[str, UserEntry]:
    """Dotted name -> entry of a parsed user file.

    A mapping with a ``value`` key is one entry; any other mapping is a group whose keys
    continue the dotted name, so nested and dotted spellings mean the same.
    """
    if not isinstance(raw, dict) or not raw:
        raise InputError(f"{where}: expected a mapping of names to values (e.g. electrode.loading_mg_cm2: 5.0)")
    out: dict[str, UserEntry] = {}

    def walk(node: dict, prefix: str) -> None:
        for key, item in node.items():
            name = f"{prefix}{key}"
            if isinstance(item, dict) and "value" not in item:
                if not item:
                    raise InputError(f"{where}: {name}: empty group")
                walk(item, f"{name}.")
                continue
            if name in out:
                raise InputError(f"{where}: {name}: given twice (nested and dotted)")
            try:
                out[name] = validate(UserEntry, item if isinstance(item, dict) else {"value": item})
            except InputError as err:
                raise InputError(f"{where}: {name}.{err}") from None

    walk(raw, "")
    return out


def merge(defaults: dict, entries: dict[str, UserEntry], where: str) -> dict:
    """``defaults`` (a nested ``model_dump``) with each dotted entry's value put in place.

    An unknown name is refused with the closest known ones, so a bare leaf
    (``loading_mg_cm2``) is pointed at its full name (``electrode.loading_mg_cm2``).
    """
    known = list(_dotted(defaults))
    data = _copy(defaults)
    for name, entry in entries.items():
        if name not in known:
            close = [k for k in known if k.rsplit(".", 1)[-1] == name] or difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"{where}: {name}: unknown field{hint}")
        *groups, leaf = name.split(".")
        node = data
        for group in groups:
            node = node[group]
        node[leaf] = entry.value
    return data


def _dotted(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _dotted(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def _copy(tree: dict) -> dict:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in tree.items()}
