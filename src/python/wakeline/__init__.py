"""Wakeline: start-to-end accelerator modelling with ImpactX's interfaces.

``from wakeline import ImpactX, distribution, elements, twiss`` is ImpactX's Python API over
Wakeline's C++ core: an ImpactX script runs with only its import line changed. See
docs/user-guide/python.md.
"""

from . import _core
from . import distribution, elements
from ._core import InputError, Particles, RefPart
from .elements import Map6x6
from .simulation import ImpactX, Simulation
from .twiss import twiss

__version__ = _core.__version__

__all__ = ["ImpactX", "Simulation", "RefPart", "Particles", "InputError", "Map6x6", "distribution", "elements", "twiss",
           "__version__"]
