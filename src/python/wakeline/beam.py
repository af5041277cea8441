"""The beam of a simulation: ImpactX's particle container, over the C++ arrays without copies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .simulation import ImpactX

# ImpactX's names of the particle components (soa.real / to_df columns) and ours.
REAL_COMPONENTS = {
    "position_x": "x",
    "position_y": "y",
    "position_t": "t",
    "momentum_x": "px",
    "momentum_y": "py",
    "momentum_t": "pt",
    "qm": "qm",
    "weighting": "w",
}


class _StructOfArrays:
    """What ImpactX's ``pti.soa().to_xp()`` gives: ``real[...]`` and ``int[...]`` NumPy arrays
    that are views of the particle storage (writing into them moves the particles)."""

    def __init__(self, particles: _core.Particles) -> None:
        self.real = {name: getattr(particles, ours) for name, ours in REAL_COMPONENTS.items()}
        self.int = {"id": particles.id}

    def to_xp(self) -> _StructOfArrays:
        return self

    def to_numpy(self) -> _StructOfArrays:
        return self


class ParticleTile:
    """The one 'tile' a programmable element's ``push_beam_particles(pti, refpart)`` receives:
    Wakeline keeps every particle in one set of arrays."""

    def __init__(self, particles: _core.Particles) -> None:
        self._particles = particles

    def soa(self) -> _StructOfArrays:
        return _StructOfArrays(self._particles)

    def num_particles(self) -> int:
        return len(self._particles)

    def __len__(self) -> int:
        return len(self._particles)


class ParticleContainer:
    """``sim.beam``: the beam particles and the reference particle.

    The arrays ``x, y, t, px, py, pt, qm, w, id`` are NumPy views of the C++ storage (no copy):
    writing into them changes the beam. A view shows the arrays as they were when it was taken;
    tracking that loses particles, or adding particles, reallocates them, so take new views after.
    """

    def __init__(self, sim: ImpactX) -> None:
        self._sim = sim

    @property
    def _particles(self) -> _core.Particles:
        return self._sim._core.beam

    # -- reference particle --------------------------------------------------------------------
    @property
    def ref(self) -> _core.RefPart:
        """The reference particle (changes to it change the simulation's)."""
        return self._sim._core.ref

    @ref.setter
    def ref(self, value: _core.RefPart) -> None:
        self._sim._core.ref = value

    def ref_particle(self) -> _core.RefPart:
        return self.ref

    def push_ref_particle(self) -> _core.RefPart:
        """ImpactX's older name for the reference particle."""
        return self.ref

    # -- arrays ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._particles)

    def total_number_of_particles(self, local: bool = True) -> int:  # noqa: ARG002 (one rank)
        return len(self._particles)

    def __getattr__(self, name: str) -> Any:
        if name in ("x", "y", "t", "px", "py", "pt", "qm", "w", "id"):
            return getattr(self._particles, name)
        raise AttributeError(f"'ParticleContainer' object has no attribute '{name}'")

    @property
    def lost(self) -> _core.Particles:
        """Particles lost so far (with ``s_lost``, in m)."""
        return self._sim._core.lost

    def soa(self) -> _StructOfArrays:
        return _StructOfArrays(self._particles)

    def add_n_particles(
        self,
        x: np.ndarray,
        y: np.ndarray,
        t: np.ndarray,
        px: np.ndarray,
        py: np.ndarray,
        pt: np.ndarray,
        qm: float | np.ndarray,
        bunch_charge: float | None = None,
        w: np.ndarray | None = None,
    ) -> None:
        """Adds particles given in ImpactX's coordinates. Give either the bunch charge (C; the
        weights are then equal, charge/(q_e n)) or the weights ``w`` (real particles each)."""
        x = np.ascontiguousarray(x, dtype=float)
        n = x.size
        if (bunch_charge is None) == (w is None):
            raise ValueError("add_n_particles: give exactly one of bunch_charge and w")
        if w is None:
            if bunch_charge < 0:
                raise ValueError("add_n_particles: bunch_charge must be >= 0 (C)")
            w = np.full(n, bunch_charge / (_core.q_e * n) if n else 0.0)
        qm_arr = np.broadcast_to(np.asarray(qm, dtype=float), (n,)).copy()
        self._particles.append(x, y, t, px, py, pt, qm_arr, np.broadcast_to(np.asarray(w, float), (n,)).copy())

    # -- reductions -----------------------------------------------------------------------------
    def beam_moments(self) -> dict[str, float]:
        """ImpactX's reduced beam characteristics (mean_x, sigma_x, emittance_x, alpha_x, ...)."""
        return _core.beam_moments(self._particles, self.ref, True)

    def min_and_max_positions(self) -> tuple[float, float, float, float, float, float]:
        p = self._particles
        return (p.x.min(), p.y.min(), p.t.min(), p.x.max(), p.y.max(), p.t.max())

    def mean_and_std_positions(self) -> tuple[float, float, float, float, float, float]:
        p = self._particles
        return (p.x.mean(), p.x.std(), p.y.mean(), p.y.std(), p.t.mean(), p.t.std())

    def to_df(self, local: bool = True) -> pandas.DataFrame:  # noqa: ARG002 (one rank)
        """A pandas DataFrame (a copy) with ImpactX's columns: position_x/y/t, momentum_x/y/t,
        qm, w, id (and cpu = 0)."""
        import pandas as pd

        p = self._particles
        return pd.DataFrame(
            {
                "position_x": p.x.copy(),
                "position_y": p.y.copy(),
                "position_t": p.t.copy(),
                "momentum_x": p.px.copy(),
                "momentum_y": p.py.copy(),
                "momentum_t": p.pt.copy(),
                "qm": p.qm.copy(),
                "w": p.w.copy(),
                "cpu": np.zeros(len(p), dtype=np.int64),
                "id": p.id.copy(),
            }
        )

    # -- openPMD ----------------------------------------------------------------------------------
    def to_openpmd(self, path, layout: str = "impactx") -> None:
        """Writes the beam to a one-iteration openPMD file: ``layout="impactx"`` (ImpactX's monitor
        layout) or ``"lab"`` (SI lab frame that openPMD-viewer and openpmd-beamphysics read)."""
        import os

        _core.write_beam_file(os.fspath(path), self._particles, self.ref, layout)

    def add_from_openpmd(self, path, iteration: int = -1, species: str = "", reference_plane=None) -> int:
        """Adds the particles of an openPMD file (written by Wakeline, ImpactX, WarpX or Wake-T),
        converted to coordinates relative to the current reference particle; returns how many.
        ``reference_plane``: None/"auto", "mean", or an absolute z in m (docs/user-guide/openpmd.md)."""
        import os

        p = _core.read_beam_file(os.fspath(path), self.ref, iteration, species, reference_plane)
        self._particles.append(p.x, p.y, p.t, p.px, p.py, p.pt, p.qm, p.w)
        return len(p)

    def plot_phasespace(self, **kwargs: Any):
        """The phase-space figure of the beam now (see wakeline.plot.plot_phasespace)."""
        from . import plot

        return plot.plot_phasespace(self.to_df(), **kwargs)

    def __repr__(self) -> str:
        return f"<wakeline beam: {len(self)} particles, {self.ref!r}>"
