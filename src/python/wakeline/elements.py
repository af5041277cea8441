"""Lattice elements with ImpactX's Python class names and keyword arguments.

Every class keeps its parameters as attributes (change them freely before tracking). When a
run starts, each element becomes ImpactX deck keys that the C++ deck reader turns into the
element, with the same checks, defaults and error messages as a deck; only the parameters
that differ from their defaults are passed. ``docs/user-guide/python.md`` lists the classes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from ._deck import deck_text

REQUIRED = object()  # marks a keyword without a default

# Older ImpactX spellings, accepted for the same parameters.
_OLD_KEYWORDS = {"x_aperture": "aperture_x", "y_aperture": "aperture_y"}

_ALIGN = (("dx", 0.0), ("dy", 0.0), ("rotation", 0.0))
_PIPE = (("aperture_x", 0.0), ("aperture_y", 0.0))
_THICK_TAIL = _ALIGN + _PIPE + (("nslice", 1), ("name", None))
_THIN_TAIL = _ALIGN + _PIPE + (("name", None),)
_EXACT = (("int_order", 2), ("mapsteps", 10))


class Element:
    """Base of every element: holds the keyword arguments as attributes."""

    deck_type: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    # Python keyword -> deck key, where ImpactX's names differ between its Python API and decks.
    deck_keys: dict[str, str] = {}
    keyword_only = False  # ImpactX's RF and soft-edge wrappers take keywords only

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = [p for p, _ in self.params]
        if args and self.keyword_only:
            raise TypeError(f"{type(self).__name__}() takes keyword arguments only")
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(names)} positional arguments")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            key = _OLD_KEYWORDS.get(key, key) if _OLD_KEYWORDS.get(key) in names else key
            if key not in names:
                raise TypeError(
                    f"{type(self).__name__}() got an unexpected keyword argument '{key}'; valid: {', '.join(names)}"
                )
            if key in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument '{key}'")
            values[key] = value
        for key, default in self.params:
            value = values.get(key, default)
            if value is REQUIRED:
                raise TypeError(f"{type(self).__name__}() missing required argument '{key}'")
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in dict(self.params) and not key.startswith("_"):
            raise AttributeError(f"{type(self).__name__} has no parameter '{key}'")
        object.__setattr__(self, key, value)
        # Counts parameter changes, so a running simulation sees which elements a hook retuned
        # without comparing every parameter of every element.
        object.__setattr__(self, "_version", self.__dict__.get("_version", 0) + 1)

    def __getattr__(self, key: str) -> Any:
        # Thin elements have no ds and nslice parameters; reading them gives ImpactX's values.
        if key == "ds":
            return 0.0
        if key == "nslice":
            return 1
        raise AttributeError(f"{type(self).__name__} has no attribute '{key}'")

    # -- description ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """``{"type": class name, parameter: value, ...}`` (every parameter, defaults included)."""
        d: dict[str, Any] = {"type": type(self).__name__}
        for key, _ in self.params:
            v = getattr(self, key)
            if isinstance(v, Map6x6):
                v = v.to_numpy()
            d[key] = v.tolist() if isinstance(v, np.ndarray) else v
        return d

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_dict() == other.to_dict()  # type: ignore[union-attr]

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}={getattr(self, k)!r}" for k, default in self.params if getattr(self, k) is not default
            and not (default is not REQUIRED and getattr(self, k) == default)
        )
        return f"{type(self).__name__}({args})"

    @property
    def kind(self) -> str:
        return type(self).__name__

    def _label(self) -> str:
        name = getattr(self, "name", None)
        return name if name else self.deck_type

    # -- to the C++ core ---------------------------------------------------------------------------
    def _deck_values(self) -> dict[str, Any]:
        """The deck keys of this element: required parameters and those that differ from their default."""
        values: dict[str, Any] = {"type": self.deck_type}
        for key, default in self.params:
            v = getattr(self, key)
            if key == "name":
                continue
            if default is not REQUIRED and _same(v, default):
                continue
            values[self.deck_keys.get(key, key)] = v
        values["name"] = self._label()
        return values

    def _to_core(self, ref: _core.RefPart, sim: Any = None) -> _core.Element:
        origin = f"elements.{type(self).__name__}(name={self._label()!r})"
        # The deck prefix appears in error messages: the element's name when it can be a deck key.
        key = self._label() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self._label()) else "element"
        text = deck_text(key, self._deck_values())
        element, notices = _core.element_from_deck(text, key, 1, ref.mass, origin)
        if sim is not None:
            sim._show(notices)
        return element

    def transfer_map(self, ref: _core.RefPart) -> np.ndarray:
        """The 6x6 linear map of one slice about ``ref`` (ImpactX's element.transfer_map)."""
        r, _ = self._to_core(ref).slice_map(ref)
        return r


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        return False
    if isinstance(a, float) or isinstance(b, float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return a == b


def _element(class_name: str, deck_type: str, params, deck_keys=None, keyword_only=False, doc=""):
    cls = type(
        class_name,
        (Element,),
        {
            "deck_type": deck_type,
            "params": tuple(params),
            "deck_keys": dict(deck_keys or {}),
            "keyword_only": keyword_only,
            "__doc__": doc or f"ImpactX's {class_name} (deck type '{deck_type}'); parameters: "
            + ", ".join(p for p, _ in params),
            "__module__": __name__,
        },
    )
    return cls


R = REQUIRED
_UNIT = {"unit": "units"}

Drift = _element("Drift", "drift", (("ds", R),) + _THICK_TAIL)
ChrDrift = _element("ChrDrift", "drift_chromatic", (("ds", R),) + _THICK_TAIL)
ExactDrift = _element("ExactDrift", "drift_exact", (("ds", R),) + _THICK_TAIL)
Quad = _element("Quad", "quad", (("ds", R), ("k", R)) + _THICK_TAIL)
ChrQuad = _element("ChrQuad", "quad_chromatic", (("ds", R), ("k", R), ("unit", 0)) + _THICK_TAIL, _UNIT)
ExactQuad = _element(
    "ExactQuad", "quad_exact", (("ds", R), ("k", R), ("unit", 0)) + _ALIGN + _PIPE + _EXACT + (("nslice", 1), ("name", None)),
    _UNIT,
)
QuadEdge = _element("QuadEdge", "quadedge", (("k", R), ("unit", 0), ("flag", "entry")) + _THIN_TAIL, _UNIT)
Sbend = _element("Sbend", "sbend", (("ds", R), ("rc", R)) + _THICK_TAIL)
ExactSbend = _element("ExactSbend", "sbend_exact", (("ds", R), ("phi", R), ("B", 0.0)) + _THICK_TAIL)
CFbend = _element("CFbend", "cfbend", (("ds", R), ("rc", R), ("k", R)) + _THICK_TAIL)
ExactCFbend = _element(
    "ExactCFbend", "cfbend_exact",
    (("ds", R), ("k_normal", R), ("k_skew", R), ("unit", 0)) + _ALIGN + _PIPE + _EXACT + (("nslice", 1), ("name", None)),
    _UNIT,
)
DipEdge = _element(
    "DipEdge", "dipedge",
    (("psi", R), ("rc", R), ("g", R), ("R", 1.0), ("K0", math.pi**2 / 6), ("K1", 0.0), ("K2", 1.0),
     ("K3", 1.0 / 6.0), ("K4", 0.0), ("K5", 0.0), ("K6", 0.0), ("model", "linear"), ("location", "entry"),
     ("modify_ref_part", False)) + _THIN_TAIL,
)
ThinDipole = _element("ThinDipole", "thin_dipole", (("theta", R), ("rc", R)) + _THIN_TAIL)
Multipole = _element(
    "Multipole", "multipole", (("multipole", R), ("K_normal", R), ("K_skew", R)) + _THIN_TAIL,
    {"K_normal": "k_normal", "K_skew": "k_skew"},
)
ExactMultipole = _element(
    "ExactMultipole", "multipole_exact",
    (("ds", R), ("k_normal", R), ("k_skew", R), ("unit", 0)) + _ALIGN + _PIPE + _EXACT + (("nslice", 1), ("name", None)),
    _UNIT,
)
NonlinearLens = _element("NonlinearLens", "nonlinear_lens", (("knll", R), ("cnll", R)) + _THIN_TAIL)
Sol = _element("Sol", "solenoid", (("ds", R), ("ks", R)) + _THICK_TAIL)
ConstF = _element("ConstF", "constf", (("ds", R), ("kx", R), ("ky", R), ("kt", R)) + _THICK_TAIL)
ChrPlasmaLens = _element(
    "ChrPlasmaLens", "plasma_lens_chromatic", (("ds", R), ("k", R), ("unit", 0)) + _THICK_TAIL, _UNIT
)
TaperedPL = _element("TaperedPL", "tapered_plasma_lens", (("k", R), ("taper", R), ("unit", 0)) + _THIN_TAIL, _UNIT)
ChrAcc = _element("ChrAcc", "uniform_acc_chromatic", (("ds", R), ("ez", R), ("bz", R)) + _THICK_TAIL)
ShortRF = _element("ShortRF", "shortrf", (("V", R), ("freq", R), ("phase", -90.0)) + _THIN_TAIL)
Buncher = _element("Buncher", "buncher", (("V", R), ("k", R)) + _THIN_TAIL)
Kicker = _element(
    "Kicker", "kicker", (("xkick", R), ("ykick", R), ("unit", "dimensionless")) + _THIN_TAIL, _UNIT
)
PRot = _element("PRot", "prot", (("phi_in", R), ("phi_out", R), ("name", None)))
PlaneXYRot = _element("PlaneXYRot", "plane_xyrotation", (("angle", R),) + _ALIGN + (("name", None),))
Aperture = _element(
    "Aperture", "aperture",
    (("aperture_x", R), ("aperture_y", R), ("repeat_x", 0.0), ("repeat_y", 0.0), ("shift_odd_x", False),
     ("shape", "rectangular"), ("action", "transmit")) + _ALIGN + (("name", None),),
)
PolygonAperture = _element(
    "PolygonAperture", "polygon_aperture",
    (("vertices_x", R), ("vertices_y", R), ("min_radius2", 0.0), ("repeat_x", 0.0), ("repeat_y", 0.0),
     ("shift_odd_x", False), ("action", "transmit")) + _ALIGN + (("name", None),),
)

# The soft-edge and RF elements: keyword-only in ImpactX. Their profiles are Fourier coefficients;
# ImpactX's alternative (z, field_on_axis, ncoef: a fit of on-axis data) is not available here.
_SOFT_TAIL = _ALIGN + _PIPE + (("mapsteps", 10), ("nslice", 1), ("name", None))


class _SoftEdge(Element):
    keyword_only = True

    def _deck_values(self) -> dict[str, Any]:
        if getattr(self, "z", None) is not None or getattr(self, self._field_key, None) is not None:
            raise ValueError(
                f"{type(self).__name__}: an on-axis field table (z, {self._field_key}, ncoef) is not supported by "
                "Wakeline yet; give cos_coefficients and sin_coefficients (or neither, for the default profile)"
            )
        values = super()._deck_values()
        for key in ("z", self._field_key, "ncoef"):
            values.pop(key, None)
        return values


class RFCavity(_SoftEdge):
    """ImpactX's RFCavity (deck type 'rfcavity'): escale (1/m), freq (Hz), phase (deg), Fourier
    coefficients of the on-axis field (default: the 9-cell TESLA cavity)."""

    deck_type = "rfcavity"
    _field_key = "field_on_axis"
    params = (("ds", R), ("escale", R), ("freq", R), ("phase", R), ("cos_coefficients", None),
              ("sin_coefficients", None), ("z", None), ("field_on_axis", None), ("ncoef", None)) + _SOFT_TAIL


class SoftQuadrupole(_SoftEdge):
    """ImpactX's SoftQuadrupole (deck type 'quadrupole_softedge'): gscale (1/m^2) and the Fourier
    coefficients of the gradient profile (default: a tanh fringe)."""

    deck_type = "quadrupole_softedge"
    _field_key = "gradient_on_axis"
    params = (("ds", R), ("gscale", R), ("cos_coefficients", None), ("sin_coefficients", None), ("z", None),
              ("gradient_on_axis", None), ("ncoef", None)) + _SOFT_TAIL


class SoftSolenoid(_SoftEdge):
    """ImpactX's SoftSolenoid (deck type 'solenoid_softedge'): bscale (1/m, or T with unit=1) and
    the Fourier coefficients of B_z on axis (default: a thin-shell solenoid)."""

    deck_type = "solenoid_softedge"
    _field_key = "field_on_axis"
    deck_keys = {"unit": "units"}
    params = (("ds", R), ("bscale", R), ("cos_coefficients", None), ("sin_coefficients", None), ("z", None),
              ("field_on_axis", None), ("ncoef", None), ("unit", 0)) + _SOFT_TAIL


class Map6x6:
    """ImpactX's 6x6 matrix with 1-based indices: ``R = Map6x6.identity(); R[1, 2] = L``."""

    def __init__(self, values=None) -> None:
        self._m = np.zeros((6, 6)) if values is None else np.array(values, dtype=float).reshape(6, 6)

    @classmethod
    def identity(cls) -> "Map6x6":
        return cls(np.eye(6))

    def _index(self, ij) -> tuple[int, int]:
        i, j = ij
        if not (1 <= i <= 6 and 1 <= j <= 6):
            raise IndexError(f"Map6x6 indices run from 1 to 6, got ({i}, {j})")
        return i - 1, j - 1

    def __getitem__(self, ij) -> float:
        return float(self._m[self._index(ij)])

    def __setitem__(self, ij, value: float) -> None:
        self._m[self._index(ij)] = value

    def __array__(self, dtype=None, copy=None):
        return self._m.astype(dtype) if dtype is not None else self._m.copy()

    def to_numpy(self) -> np.ndarray:
        return self._m.copy()

    def __repr__(self) -> str:
        return f"Map6x6({self._m.tolist()})"


class LinearMap(Element):
    """A user 6x6 matrix R (deck type 'linear_map'), applied to (x, px, y, py, t, pt); R is a
    6x6 array or a Map6x6."""

    deck_type = "linear_map"
    params = (("R", R), ("ds", 0.0)) + _ALIGN + _PIPE + (("name", None),)

    def _deck_values(self) -> dict[str, Any]:
        values = super()._deck_values()
        m = np.asarray(values.pop("R"), dtype=float)
        if m.shape != (6, 6):
            raise ValueError(f"LinearMap: R must be a 6x6 matrix, got shape {m.shape}")
        for i in range(6):
            for j in range(6):
                values[f"R{i + 1}{j + 1}"] = float(m[i, j])
        return values


class BeamMonitor(Element):
    """Writes the beam to the openPMD series ``<diag_file_prefix>/openPMD/<name>.h5`` at every
    visit (deck type 'beam_monitor'); with ``nonlinear_lens_invariants`` also the IOTA invariants
    H and I (lattice functions alpha, beta; lens tn, cn)."""

    deck_type = "beam_monitor"
    params = (("name", R), ("backend", "default"), ("encoding", "g"), ("period_sample_intervals", 1),
              ("particles", True), ("beam_moments", True), ("layout", "impactx"),
              ("nonlinear_lens_invariants", False), ("alpha", 0.0), ("beta", 1.0), ("tn", 0.4), ("cn", 0.01))


class Source(Element):
    """Injects a beam read from an openPMD file (deck type 'source'); the file's particles are
    converted relative to the reference particle at the start of the run."""

    deck_type = "source"
    params = (("distribution", R), ("openpmd_path", R), ("active_once", True), ("openpmd_iteration", None),
              ("openpmd_species", None), ("openpmd_reference_plane", None), ("name", None))

    def _to_core(self, ref: _core.RefPart, sim: Any = None) -> _core.Element:
        origin = f"elements.Source(name={self._label()!r})"
        # The deck's source reads the run's reference particle (beam.* keys) to convert the file.
        beam = {"charge_qe": ref.charge_qe, "mass_MeV": ref.mass_MeV, "kin_energy": ref.kin_energy_MeV}
        text = deck_text("source", self._deck_values()) + deck_text("beam", beam)
        element, notices = _core.element_from_deck(text, "source", 1, ref.mass, origin)
        if sim is not None:
            sim._show(notices)
        return element


class Marker(Element):
    """A named position; does nothing."""

    deck_type = "marker"
    params = (("name", None),)


class Empty(Marker):
    """ImpactX's no-op element."""


class Programmable(Element):
    """An element whose pushes are Python functions (ImpactX's Programmable).

    Per slice, ``ref_particle(refpart)`` moves the reference particle (without one the reference
    stays where it is, as in ImpactX), then either ``push(beam, step, period)`` with the whole beam
    or ``beam_particles(pti, refpart)`` with the particle tile (``pti.soa().to_xp().real[...]`` are
    NumPy views). ``ds / nslice`` is the slice length. Particles given id < 0 are lost there.
    Envelope tracking and linear optics refuse programmable elements (they have no linear map).
    """

    deck_type = "programmable"
    params = (("ds", 0.0), ("nslice", 1), ("name", None), ("push", None), ("beam_particles", None),
              ("ref_particle", None), ("threadsafe", False))
    _aliases = {"push_beam_particles": "beam_particles", "push_ref_particle": "ref_particle"}

    def __setattr__(self, key: str, value: Any) -> None:
        super().__setattr__(self._aliases.get(key, key), value)

    def __getattr__(self, key: str) -> Any:
        if key in Programmable._aliases:
            return getattr(self, Programmable._aliases[key])
        raise AttributeError(f"Programmable has no attribute '{key}'")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in super().to_dict().items() if not callable(v)}

    def _to_core(self, ref: _core.RefPart, sim: Any = None) -> _core.Element:
        from .beam import ParticleTile

        push: Callable | None = self.push
        per_tile: Callable | None = self.beam_particles
        if push is not None and per_tile is not None:
            raise ValueError(f"Programmable '{self._label()}': set either push or beam_particles, not both")
        push_beam = None
        if push is not None:
            if sim is None:
                raise ValueError("Programmable.push needs the simulation's beam")
            beam = sim.beam

            def push_beam(_particles, _ref, step, period):  # noqa: ARG001
                push(beam, step, period)
        elif per_tile is not None:

            def push_beam(particles, refpart, _step, _period):
                per_tile(ParticleTile(particles), refpart)

        nslice = int(self.nslice)
        return _core.programmable(self._label(), float(self.ds), nslice, push_beam, self.ref_particle)


class SpinMap(Element):
    """ImpactX's SpinMap: spin tracking is not available in Wakeline."""

    params = (("v", R), ("A", R), ("ds", 0.0)) + _ALIGN + (("name", None),)

    def _to_core(self, ref, sim=None):
        raise ValueError("SpinMap: spin tracking is not available in this version of Wakeline")


class CoreElement:
    """An element built in C++ (e.g. read from a PALS file): its parameters are fixed."""

    def __init__(self, element: _core.Element) -> None:
        self._element = element

    name = property(lambda self: self._element.name)
    ds = property(lambda self: self._element.ds)
    nslice = property(lambda self: self._element.nslice)

    @property
    def kind(self) -> str:
        return self._element.type

    def _to_core(self, ref, sim=None):
        return self._element

    def transfer_map(self, ref: _core.RefPart) -> np.ndarray:
        r, _ = self._element.slice_map(ref)
        return r

    def __repr__(self) -> str:
        return f"<{self._element.type} '{self.name}' ds={self.ds} nslice={self.nslice}>"


# Plasma elements tracked in time through their fields (docs/user-guide/plasma-stage.md). The
# length is ``ds``, as for every element; the other keywords are the deck keys.
class DriverBunch(Element):
    """A particle-beam driver defined with a quasistatic_2d ``PlasmaStage`` (PWFA): a Gaussian bunch given
    by particle, total charge (C, with the particle's sign), kin_energy (MeV), energy_spread (rms,
    relative), sigma_x, sigma_y, sigma_xi (m), xi_c (m, in the stage's xi), emittance_xn, emittance_yn
    (m rad), npart, seed and evolve (False: rigid). The deck keys of ``<driver>.*``. Not an element: it
    keeps Element's keyword handling and has no type or name key."""

    keyword_only = True
    params = (("particle", "electron"), ("charge", R), ("kin_energy", R), ("energy_spread", 0.0),
              ("sigma_x", R), ("sigma_y", None), ("sigma_xi", R), ("xi_c", R), ("emittance_xn", 0.0),
              ("emittance_yn", None), ("npart", 10000), ("seed", 1), ("evolve", True))

    def _deck_values(self) -> dict[str, Any]:
        values = super()._deck_values()
        del values["type"], values["name"]
        return values

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in super().to_dict().items() if k != "type"}


_PlasmaStageBase = _element(
    "PlasmaStage", "plasma_stage",
    (("ds", R), ("wakefield_model", "simple_blowout"), ("density", None), ("density_profile", "uniform"),
     ("density_expression", None), ("ramp_shape", "inverse_square"), ("ramp_type", "upramp"),
     ("ramp_density_down", None), ("ramp_position_down", None), ("ramp_decay_length", None),
     ("parabolic_coefficient", 0.0), ("bunch_pusher", "boris"), ("dt_bunch", "auto"), ("laser_xi_c", None),
     ("laser_l_0", None), ("field_offset", 0.0), ("lon_field", 0.0), ("lon_field_slope", 0.0),
     ("foc_strength", 0.0), ("xi_fields", 0.0),
     # quasistatic_2d: the wake grid and the laser (Wake-T's GaussianPulse) under laser_*.
     ("xi_min", None), ("xi_max", None), ("r_max", None), ("r_max_plasma", None), ("n_r", None),
     ("n_xi", None), ("ppc", 2), ("dz_fields", None), ("plasma_pusher", "ab5"), ("max_gamma", 10.0),
     ("laser_a0", None), ("laser_w0", None), ("laser_tau", None), ("laser_z_foc", 0.0),
     ("laser_cep_phase", 0.0), ("laser_polarization", "linear"), ("laser_evolution", True),
     ("laser_envelope_substeps", 1),
     # Particle-beam drivers (a list of DriverBunch) and field snapshots (openPMD meshes).
     ("drivers", None), ("diag_fields_every", 0), ("diag_fields_z", None), ("diag_fields", None),
     ("nslice", 1), ("name", None)),
    doc="A plasma accelerator stage (Wake-T's PlasmaStage; deck type 'plasma_stage'). Length ds (m), "
    "density (m^-3), wakefield_model = simple_blowout | custom_blowout | focusing_blowout (analytic) | "
    "quasistatic_2d (r-z wake solver, optional laser envelope, drivers=[DriverBunch(...)], field "
    "snapshots); see docs/user-guide/plasma-stage.md for every keyword.",
)


class PlasmaStage(_PlasmaStageBase):
    __doc__ = _PlasmaStageBase.__doc__

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        if d.get("drivers"):
            d["drivers"] = [x.to_dict() if isinstance(x, DriverBunch) else dict(x) for x in d["drivers"]]
        return d

    def _to_core(self, ref: _core.RefPart, sim: Any = None) -> _core.Element:
        # Dicts (from to_dict / Lattice.from_dicts) are accepted as DriverBunch keywords.
        drivers = [DriverBunch(**d) if isinstance(d, dict) else d for d in (self.drivers or [])]
        if not drivers:
            return super()._to_core(ref, sim)
        for d in drivers:
            if not isinstance(d, DriverBunch):
                raise TypeError(f"PlasmaStage: drivers must be DriverBunch objects, not {type(d).__name__}")
        origin = f"elements.PlasmaStage(name={self._label()!r})"
        key = self._label() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self._label()) else "element"
        values = self._deck_values()
        names = [f"{key}_driver{i}" for i in range(len(drivers))]
        values["drivers"] = names
        text = deck_text(key, values) + "".join(deck_text(n, d._deck_values()) for n, d in zip(names, drivers))
        element, notices = _core.element_from_deck(text, key, 1, ref.mass, origin)
        if sim is not None:
            sim._show(notices)
        return element
ActivePlasmaLens = _element(
    "ActivePlasmaLens", "active_plasma_lens",
    (("ds", R), ("foc_strength", R), ("wakefields", False), ("bunch_pusher", "boris"), ("dt_bunch", "auto"),
     # wakefields=True: the beam's own plasma wake (quasistatic_2d) on its grid, with PlasmaStage's keys.
     ("density", None), ("wakefield_model", "quasistatic_2d"), ("xi_min", None), ("xi_max", None),
     ("r_max", None), ("r_max_plasma", None), ("n_r", None), ("n_xi", None), ("ppc", 2), ("dz_fields", None),
     ("plasma_pusher", "ab5"), ("max_gamma", 10.0), ("diag_fields_every", 0), ("diag_fields_z", None),
     ("diag_fields", None), ("nslice", 1), ("name", None)),
    doc="An active plasma lens tracked in time (Wake-T's ActivePlasmaLens; deck type 'active_plasma_lens'): "
    "length ds (m), foc_strength g (T/m, positive focuses electrons); wakefields=True adds the beam's own "
    "plasma wake (quasistatic_2d: density and the grid keys of PlasmaStage).",
)

ALL = [
    Drift, ChrDrift, ExactDrift, Quad, ChrQuad, ExactQuad, QuadEdge, Sbend, ExactSbend, CFbend, ExactCFbend,
    DipEdge, ThinDipole, Multipole, ExactMultipole, NonlinearLens, Sol, ConstF, ChrPlasmaLens, TaperedPL, ChrAcc,
    ShortRF, Buncher, Kicker, PRot, PlaneXYRot, Aperture, PolygonAperture, RFCavity, SoftQuadrupole, SoftSolenoid,
    LinearMap, BeamMonitor, Source, Marker, Empty, Programmable, SpinMap, PlasmaStage, ActivePlasmaLens,
]
BY_NAME = {cls.__name__: cls for cls in ALL}
