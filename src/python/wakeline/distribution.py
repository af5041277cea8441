"""Beam distributions with ImpactX's Python names and keywords (``distribution.Waterbag(...)``).

Each becomes the ``beam.*`` deck keys of the same distribution and is sampled by the C++ core,
so a Python beam and a deck beam with the same seed are the same particles.
"""

from __future__ import annotations

from typing import Any

from ._deck import deck_text

_PHASE = ("lambdaX", "lambdaY", "lambdaT", "lambdaPx", "lambdaPy", "lambdaPt")
_OPTIONAL = (("muxpx", 0.0), ("muypy", 0.0), ("mutpt", 0.0), ("meanX", 0.0), ("meanY", 0.0), ("meanT", 0.0),
             ("meanPx", 0.0), ("meanPy", 0.0), ("meanPt", 0.0), ("dispX", 0.0), ("dispPx", 0.0), ("dispY", 0.0),
             ("dispPy", 0.0))


class Distribution:
    """Base class: keeps the keyword arguments; ``_deck_text()`` gives the beam.* keys."""

    deck_name = ""
    required: tuple[str, ...] = _PHASE
    optional: tuple[tuple[str, Any], ...] = _OPTIONAL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = list(self.required) + [k for k, _ in self.optional]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(names)} positional arguments")
        values = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument '{k}'; "
                                f"valid: {', '.join(names)}")
            values[k] = v
        for k in self.required:
            if k not in values:
                raise TypeError(f"{type(self).__name__}() missing required argument '{k}'")
        self.values = {k: values[k] for k in self.required}
        for k, default in self.optional:
            self.values[k] = values.get(k, default)

    def _deck_text(self) -> str:
        return deck_text("beam", {"distribution": self.deck_name, **self.values})

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, **self.values}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.values.items())})"


def _kind(name: str, deck: str, optional=_OPTIONAL, doc: str = "") -> type:
    return type(name, (Distribution,), {"deck_name": deck, "optional": optional, "__module__": __name__,
                                        "__doc__": doc or f"ImpactX's {name} distribution (beam.distribution = {deck})"})


Gaussian = _kind("Gaussian", "gaussian", _OPTIONAL + (("cutX", 0.0), ("cutY", 0.0), ("cutT", 0.0)),
                 "A 6D Gaussian; cutX/Y/T truncate each plane at that many sigma (0: no cut).")
CutGaussian = _kind("CutGaussian", "gaussian", _OPTIONAL + (("cutX", 0.0), ("cutY", 0.0), ("cutT", 0.0)),
                    "ImpactX's name for a Gaussian truncated at cutX/Y/T sigma (the same as Gaussian with cuts).")
Waterbag = _kind("Waterbag", "waterbag")
KVdist = _kind("KVdist", "kvdist")
Kurth4D = _kind("Kurth4D", "kurth4d")
Kurth6D = _kind("Kurth6D", "kurth6d")
Semigaussian = _kind("Semigaussian", "semigaussian")
Triangle = _kind("Triangle", "triangle")


class Thermal(Distribution):
    """The stationary thermal distribution in constant focusing (Ryne, Mitchell)."""

    deck_name = "thermal"
    required = ("k", "kT")
    optional = (("kT_halo", None), ("normalize", None), ("normalize_halo", None), ("halo", 0.0))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.values["normalize"] is None:
            raise TypeError("Thermal() missing required argument 'normalize'")


class Empty(Distribution):
    """No particles (e.g. a beam injected later by a Source element)."""

    deck_name = "empty"
    required = ()
    optional = ()


class SpinvMF:
    """ImpactX's spin distribution: spin tracking is not available in Wakeline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ValueError("SpinvMF: spin tracking is not available in this version of Wakeline")
