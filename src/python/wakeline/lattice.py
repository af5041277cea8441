"""``sim.lattice``: the list of elements (ImpactX's KnownElementsList)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from . import _core


def _kind(element: Any) -> str:
    return getattr(element, "kind", type(element).__name__)


def _matches(value: str | None, pattern: str | None) -> bool:
    if pattern is None:
        return True
    if value is None:
        return False
    return value == pattern or re.fullmatch(pattern, value) is not None


class Lattice(list):
    """A list of elements. Elements are held by reference: changing one after appending it changes
    what is tracked (as in current ImpactX). Nested lists are expanded when tracking."""

    def flattened(self) -> list:
        out: list = []

        def walk(items) -> None:
            for e in items:
                if isinstance(e, (list, tuple)):
                    walk(e)
                else:
                    out.append(e)

        walk(self)
        return out

    # -- queries ----------------------------------------------------------------------------------
    def select(self, kind: str | type | None = None, name: str | None = None) -> Lattice:
        """The elements of a kind (class or class name, regex allowed) and/or name (regex allowed)."""
        if isinstance(kind, type):
            kind = kind.__name__
        return Lattice(e for e in self.flattened()
                       if _matches(_kind(e), kind) and _matches(getattr(e, "name", None), name))

    def get_kinds(self) -> list[str]:
        return sorted({_kind(e) for e in self.flattened()})

    def count_by_kind(self, kind: str | type) -> int:
        return len(self.select(kind=kind))

    def has_kind(self, kind: str | type) -> bool:
        return self.count_by_kind(kind) > 0

    # -- maps --------------------------------------------------------------------------------------
    def _core_elements(self, ref: _core.RefPart) -> list:
        return [e._to_core(ref) for e in self.flattened()]

    def transfer_map(self, ref: _core.RefPart, order: str = "linear") -> np.ndarray:
        """The 6x6 linear map of the whole list about the reference orbit (``ref`` at the entrance)."""
        if order != "linear":
            raise ValueError(f"transfer_map: order '{order}' is not available; valid: linear")
        return _core.transfer_map(self._core_elements(ref), ref)

    def map_trace(self, ref: _core.RefPart) -> list[dict[str, Any]]:
        """The cumulative map after every element: [{s, name, type, M}, ...]."""
        r = ref.copy()
        total = np.eye(6)
        out = []
        for e in self.flattened():
            core = e._to_core(r)
            for _ in range(core.nslice):
                m, r = core.slice_map(r)
                total = m @ total
            out.append({"s": r.s, "name": core.name, "type": _kind(e), "M": total.copy()})
        return out

    # -- serialisation -----------------------------------------------------------------------------
    def to_dicts(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.flattened()]

    def from_dicts(self, dicts: list[dict[str, Any]]) -> Lattice:
        """Appends elements described by to_dicts() output."""
        from .elements import BY_NAME

        for d in dicts:
            d = dict(d)
            cls = BY_NAME.get(d.pop("type", None))
            if cls is None:
                raise ValueError(f"from_dicts: unknown element type in {d!r}")
            self.append(cls(**d))
        return self

    def load_file(self, filename: str | Path, nslice: int = 1, ref: _core.RefPart | None = None) -> Lattice:
        """Appends the elements of a PALS lattice file (``*.pals.yaml``). ``ref`` (the simulation's
        reference particle) converts field strengths; ``nslice`` is the default slice count."""
        from . import pals

        self.extend(pals.read(filename, ref=ref, nslice=nslice))
        return self

    def to_pals(self, filename: str | Path | None, ref: _core.RefPart, name: str = "lattice") -> str:
        """Writes the lattice as PALS YAML (returns the text; writes it when filename is given)."""
        from . import pals

        return pals.write(self, filename, ref=ref, name=name)
