"""``ImpactX`` (also ``Simulation``): a run as ImpactX's Python API describes it.

Settings are plain attributes with ImpactX's names and defaults. They are turned into ImpactX
deck keys and read by the same C++ reader as the CLI when tracking starts (and checked early by
``init_grids``), so a Python run and a deck run with the same settings are the same run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from ._deck import deck_text
from .beam import ParticleContainer
from .lattice import Lattice

HOOK_NAMES = ("before_period", "after_period", "before_element", "after_element", "before_slice")


class Hooks(dict):
    """``sim.hook[name] = function(sim)``: user code called during tracking (names: HOOK_NAMES).
    Hooks end the fused passes over the particles, so a run with hooks is slower."""

    def __setitem__(self, name: str, fn: Callable[..., Any] | None) -> None:
        if name not in HOOK_NAMES:
            raise KeyError(f"unknown hook '{name}'; valid: {', '.join(HOOK_NAMES)}")
        if fn is not None and not callable(fn):
            raise TypeError(f"hook '{name}' must be callable")
        super().__setitem__(name, fn)


# ImpactX settings that exist for AMReX or solvers Wakeline does not have: accepted, no effect.
INERT_SETTINGS = frozenset({
    "blocking_factor_x", "blocking_factor_y", "blocking_factor_z", "mlmg_relative_tolerance",
    "mlmg_absolute_tolerance", "mlmg_max_iters", "mlmg_verbosity", "abort_on_warning_threshold",
    "always_warn_immediately", "diagnostics_prefix_ascii", "store_beam_moments", "spin_distr",
    "tiny_profiler", "particle_lost_diagnostics_backend",  # Wakeline writes lost particles as HDF5
})

SPACE_CHARGE_MODELS = ("false", "0", "off", "none", "true", "1", "3d", "2d", "2p5d", "gauss3d", "gauss2p5d")


class ImpactX:
    """A Wakeline simulation with ImpactX's Python interface.

    Typical use::

        sim = ImpactX()
        sim.init_grids()
        sim.beam.ref.set_species("electron").set_kin_energy_MeV(2.0e3)
        sim.add_particles(1e-9, distribution.Waterbag(...), 10000)
        sim.lattice.extend([elements.Drift(name="d", ds=0.25), ...])
        sim.track_particles()
    """

    def __init__(self) -> None:
        self._core = _core.Simulation()
        self._core.ref = _core.RefPart()
        self.beam = ParticleContainer(self)
        self.lattice = Lattice()
        self.hook = Hooks()
        # Collective effects (ImpactX's names; see docs/parameters.md for the deck keys).
        self.space_charge: bool | str = False
        self.particle_shape: int | None = None
        self.poisson_solver = "fft"
        self.n_cell: list[int] | None = None
        self.max_level = 0
        self.dynamic_size = True
        self.prob_relative: list[float] | float | None = None
        self.domain = None  # fixed domain: (lo, hi) triples; only with dynamic_size = False
        self.space_charge_num_longitudinal_bins: int | None = None
        self.space_charge_apply_longitudinal_kick: bool | None = None
        self.space_charge_gauss_nint: int | None = None
        self.space_charge_gauss_taylor_delta: float | None = None
        self.space_charge_gauss_charge_z_bins: int | None = None
        self.space_charge_gauss_long_scale: float | None = None
        self.csr = False
        self.csr_bins = 150
        self.isr = False
        self.isr_order = 1
        self.isr_on_ref_part = False
        self.particle_bc = "open"
        self.spin = False
        # Output.
        self.diagnostics = True
        self.slice_step_diagnostics = False
        self.diag_file_prefix = "diags"
        self.file_min_digits = 6
        self.eigenemittances = False
        self.verbose = 1
        self.periods = 1
        self.seed = 1  # Wakeline: the beam's random seed (runs are reproducible)
        self._grids = False
        self._particles_added = 0
        self._tracked_lattice: list = []
        self._envelope_intensity: float | None = None
        self._beam_intensity = 0.0  # sum of add_particles' first arguments (C, or A for 2D)
        self._core_snapshot: list = []

    def __setattr__(self, name: str, value: Any) -> None:
        # A misspelt setting would otherwise be ignored without a word.
        if not name.startswith("_") and name not in self.__dict__ and name not in INERT_SETTINGS and not hasattr(
            type(self), name
        ) and "_grids" in self.__dict__:
            raise AttributeError(f"ImpactX has no setting '{name}' (see docs/user-guide/python.md for the list)")
        object.__setattr__(self, name, value)

    # -- compatibility ---------------------------------------------------------------------------
    def particle_container(self) -> ParticleContainer:
        return self.beam

    @property
    def omp_threads(self) -> int:
        return _core.max_threads()

    @omp_threads.setter
    def omp_threads(self, n: int) -> None:
        _core.set_threads(int(n))

    @property
    def tracking_step(self) -> int:
        """Slices done so far (ImpactX's step), readable inside hooks."""
        return self._core.step

    @property
    def tracking_period(self) -> int:
        return self._core.period

    @property
    def tracking_element(self):
        """The element being tracked (inside before_/after_element and before_slice hooks)."""
        i = self._core.element_index
        return self._tracked_lattice[i] if i < len(self._tracked_lattice) else None

    # -- settings as deck keys -------------------------------------------------------------------
    def _settings_text(self, mode: str) -> str:
        sc = self.space_charge
        sc_text = ("true" if sc else "false") if isinstance(sc, (bool, np.bool_)) else str(sc)
        values: dict[str, object] = {
            "algo.space_charge": sc_text,
            # ImpactX allows 0 (no deposition) with envelope tracking: the same as not set here.
            "algo.particle_shape": self.particle_shape or None,
            "algo.poisson_solver": self.poisson_solver,
            "amr.n_cell": self.n_cell,
            "amr.max_level": self.max_level,
            "geometry.dynamic_size": self.dynamic_size,
            "algo.csr": self.csr,
            "algo.csr_bins": self.csr_bins,
            "algo.isr": self.isr,
            "algo.isr_order": self.isr_order,
            "algo.isr_on_ref_part": self.isr_on_ref_part,
        }
        rel = self.prob_relative
        values["geometry.prob_relative"] = [rel] if isinstance(rel, (int, float)) else rel
        if self.domain is not None:
            lo, hi = self.domain
            values["geometry.prob_lo"], values["geometry.prob_hi"] = list(lo), list(hi)
        sub = "algo.space_charge."
        for key in ("num_longitudinal_bins", "apply_longitudinal_kick", "gauss_nint", "gauss_taylor_delta",
                    "gauss_charge_z_bins", "gauss_long_scale"):
            values[sub + key] = getattr(self, "space_charge_" + key)
        # The intensity: ImpactX passes the bunch charge (C) to add_particles/init_envelope, or the
        # beam current (A) with 2D space charge; the deck has beam.charge and beam.current for them.
        intensity = self._envelope_intensity if mode == "envelope" else self._beam_intensity
        if intensity:
            values["beam.charge"] = intensity
            values["beam.current"] = intensity
        if self.spin:
            raise ValueError("spin: spin tracking is not available in this version of Wakeline")
        if self.particle_bc not in ("open", "none"):
            raise ValueError(f"particle_bc: '{self.particle_bc}' is not available; valid: open")
        return deck_text("", values)

    def init_grids(self) -> None:
        """Checks the space-charge model name (ImpactX builds its mesh here; Wakeline's space-charge
        mesh follows the beam and is made per kick). Every other setting is read, with the deck
        reader's checks, when tracking starts: then the mode and the beam are known."""
        sc = self.space_charge
        if not isinstance(sc, (bool, np.bool_)) and str(sc).lower() not in SPACE_CHARGE_MODELS:
            raise _core.InputError(
                f"ImpactX settings: 'space_charge': '{sc}' is not valid; valid values: False, 3D, 2D, 2p5D, "
                "Gauss3D, Gauss2p5D"
            )
        self._grids = True

    # -- beam --------------------------------------------------------------------------------------
    def add_particles(self, bunch_charge_C: float, distr, npart: int) -> None:
        """Samples ``npart`` macroparticles of ``distr`` with total charge ``bunch_charge_C`` (C, >= 0;
        the sign comes from the species). Each call draws from its own stream of ``seed``."""
        seed = int(self.seed) + 0x9E3779B97F4A7C15 * self._particles_added
        seed &= (1 << 64) - 1
        notices = self._core.add_particles(distr._deck_text(), float(bunch_charge_C), int(npart), seed)
        self._particles_added += 1
        self._beam_intensity += float(bunch_charge_C)
        self._show(notices)

    def init_envelope(self, ref: _core.RefPart, distr, intensity: float | None = None) -> None:
        """The envelope (second moments) of ``distr`` for track_envelope(); ``intensity`` is the bunch
        charge (C) for 3D space charge or the beam current (A) for 2D."""
        if ref is not None:
            self._core.ref = ref
        self._envelope_intensity = None if intensity is None else float(intensity)
        self._core.init_envelope(distr._deck_text(), abs(float(intensity or 0.0)))

    @property
    def envelope(self):
        """The envelope: ``.envelope`` (6x6 covariance about the centroid), ``.centroid``,
        ``.beam_intensity``, ``.beam_moments()``."""
        return _Envelope(self)

    # -- tracking ------------------------------------------------------------------------------------
    def _track(self, mode: str) -> Path | None:
        if mode != "reference_orbit":
            self._show(self._core.configure(self._settings_text(mode), mode))
        else:
            self._core.configure("algo.space_charge = false\n", mode)
        ref = self._core.ref
        flat = self.lattice.flattened()
        self._tracked_lattice = flat
        self._core.elements = [el._to_core(ref, self) for el in flat]
        self._core_snapshot = [_snapshot(el) for el in flat]
        self._core.periods = int(self.periods)
        self._core.slice_step_diagnostics = bool(self.slice_step_diagnostics)
        diagnostics = None
        if self.diagnostics:
            diagnostics = {
                "enable": True,
                "file_prefix": str(self.diag_file_prefix),
                "file_min_digits": int(self.file_min_digits),
                "eigenemittances": bool(self.eigenemittances),
            }
        def call(fn):
            fn(self)
            self._sync_lattice()  # a hook may have changed elements (ImpactX holds them by reference)

        hooks = {name: (lambda fn=fn: call(fn)) for name, fn in self.hook.items() if fn is not None}
        return self._core.track(mode, diagnostics, hooks)

    def _sync_lattice(self) -> None:
        """Rebuilds the C++ elements whose Python parameters changed since tracking started."""
        for i, el in enumerate(self._tracked_lattice):
            snap = _snapshot(el)
            if snap != self._core_snapshot[i]:
                self._core.set_element(i, el._to_core(self._core.ref, self))
                self._core_snapshot[i] = snap

    def track_particles(self) -> Path | None:
        """Tracks the beam particles through ``periods`` passes of the lattice; with ``diagnostics``
        on, writes ImpactX's output layout under ``diag_file_prefix`` and returns that folder."""
        return self._track("particles")

    def evolve(self) -> Path | None:
        """ImpactX's deprecated name of track_particles()."""
        warnings.warn("evolve() is deprecated; use track_particles()", DeprecationWarning, stacklevel=2)
        return self.track_particles()

    def track_envelope(self) -> Path | None:
        """Tracks the envelope set by init_envelope()."""
        return self._track("envelope")

    def track_reference(self, ref: _core.RefPart | None = None) -> Path | None:
        """Tracks the reference particle alone (``ref``, if given, replaces the current one)."""
        if ref is not None:
            self._core.ref = ref
        return self._track("reference_orbit")

    def resize_mesh(self) -> None:
        """The space-charge mesh follows the beam at every kick: nothing to resize."""

    def finalize(self) -> None:
        """Ends the simulation (ImpactX frees AMReX here; Wakeline has nothing left open)."""
        self.hook.clear()

    # -- helpers -----------------------------------------------------------------------------------
    def _show(self, notices: list[str]) -> None:
        if self.verbose:
            for n in notices:
                warnings.warn(n, stacklevel=3)

    def __repr__(self) -> str:
        return (f"<wakeline.ImpactX: {len(self.beam)} particles, {len(self.lattice)} elements, "
                f"ref s = {self._core.ref.s} m>")


def _snapshot(element) -> Any:
    """What identifies the state of an element's parameters: its change count (Element.__setattr__);
    elements without one (built in C++, e.g. read from PALS) cannot change."""
    return getattr(element, "_version", None)


class _Envelope:
    """``sim.envelope``: the beam's second moments as tracked by track_envelope()."""

    def __init__(self, sim: ImpactX) -> None:
        self._sim = sim

    @property
    def envelope(self) -> np.ndarray:
        return self._sim._core.envelope_sigma

    @envelope.setter
    def envelope(self, m) -> None:
        self._sim._core.envelope_sigma = np.asarray(m, dtype=float)

    @property
    def centroid(self) -> list[float]:
        return self._sim._core.envelope_centroid

    @property
    def beam_intensity(self) -> float:
        return self._sim._envelope_intensity or 0.0

    def beam_moments(self, ref=None) -> dict[str, float]:  # noqa: ARG002 (the simulation's reference)
        """The reduced beam characteristics of the envelope (extrema are NaN)."""
        return _core.envelope_moments(self._sim._core)


Simulation = ImpactX
