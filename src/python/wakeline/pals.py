"""PALS lattice files (the Particle Accelerator Lattice Standard, YAML) from Python.

Reading and writing are the C++ core's (``docs/user-guide/pals.md``): ``read`` gives elements that
track like the file's, ``write`` gives a PALS document that reads back to elements tracking bit for
bit like the originals.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from . import _core
from .elements import CoreElement


def _reference(ref: _core.RefPart | None) -> _core.RefPart:
    if ref is None:
        raise ValueError("PALS: give the reference particle (ref=sim.beam.ref): field strengths are "
                         "converted with its rigidity")
    return ref


def read(path: str | os.PathLike, ref: _core.RefPart | None = None, nslice: int = 1) -> list[CoreElement]:
    """The elements of the PALS file ``path``; ``nslice`` is the slice count of thick elements that
    do not give one."""
    elements, notices = _core.read_pals(os.fspath(path), _reference(ref), int(nslice))
    for n in notices:
        warnings.warn(n, stacklevel=2)
    return [CoreElement(e) for e in elements]


def write(lattice, path: str | os.PathLike | None, ref: _core.RefPart | None = None, name: str = "lattice") -> str:
    """``lattice`` (a list of elements) as PALS YAML; written to ``path`` when given. Returns the text."""
    ref = _reference(ref)
    flat = lattice.flattened() if hasattr(lattice, "flattened") else list(lattice)
    text = _core.write_pals([e._to_core(ref) for e in flat], ref, name)
    if path is not None:
        target = Path(path)
        partial = target.with_name("." + target.name + ".partial")
        partial.write_text(text)
        partial.replace(target)  # never a half-written file under the final name
    return text
