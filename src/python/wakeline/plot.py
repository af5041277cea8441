"""Plots of a run's output folder (``diags/``) with matplotlib.

Everything here works on the files a run leaves behind, in ImpactX's layout, so it plots Wakeline's
output and ImpactX's alike and needs neither the C++ extension nor the deck:

- ``reduced_beam_characteristics.0`` / ``_final.0``: beam moments along s (whitespace-separated
  tables with a header line);
- ``openPMD/<monitor>.h5`` (or ``<monitor>_%06T.h5``, one file per visit): beam monitors,
  openPMD 1.1 over HDF5, species ``beam``;
- ``openPMD/particles_lost.h5``: the particles lost in apertures, with ``s_lost``.

Python use::

    from wakeline import plot
    df = plot.read_moments("diags")                 # moments along s (reduced files + monitors)
    fig = plot.plot_moments(df, "beam_size")       # sigma_x, sigma_y; sigma_t, in mm/um/...
    fig = plot.plot_phasespace("diags")            # last visit of the monitor named "monitor"
    paths = plot.plot_diags("diags")               # every figure, as PNGs in diags/plots/

Command line: ``python -m wakeline.plot DIAG_DIR [-o OUT_DIR] [--quiet]`` (the same as
``wakeline plot``).

Figures are made without touching matplotlib's global backend: if the caller has imported
``matplotlib.pyplot`` the figures are pyplot figures (so ``plt.show()`` and notebooks work as
usual); otherwise they are bare :class:`matplotlib.figure.Figure` objects, which can always be
saved.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # matplotlib is imported lazily: reading output must not need it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DiagnosticsError",
    "PRESETS",
    "find_diag_dir",
    "list_monitors",
    "read_reduced",
    "read_moments",
    "read_monitor",
    "plot_moments",
    "plot_phasespace",
    "plot_losses",
    "plot_diags",
    "main",
]

PathLike = Union[str, os.PathLike]

REDUCED_FILE = "reduced_beam_characteristics.0"
REDUCED_FINAL_FILE = "reduced_beam_characteristics_final.0"
OPENPMD_DIR = "openPMD"
LOST_SERIES = "particles_lost"
DEFAULT_SPECIES = "beam"

# The six phase-space coordinates, then the weight and the id (the columns of read_monitor).
PARTICLE_COLUMNS = ("x", "px", "y", "py", "t", "pt", "w", "id")

# Default resolution of the PNGs that plot_diags writes; the pixel size is figsize x dpi.
DEFAULT_DPI = 120

# Above this many particles a scatter plot is a blot of overlapping dots: show the density instead.
MAX_SCATTER = 5000

# Named groups of reduced-diagnostics columns: one inner tuple per panel (one y axis each). Panels
# never mix units, and quantities of very different size (sigma_t vs sigma_x) get their own panel.
PRESETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "beam_size": (("sigma_x", "sigma_y"), ("sigma_t",)),
    "divergence": (("sigma_px", "sigma_py"), ("sigma_pt",)),
    "emittance": (("emittance_x", "emittance_y"), ("emittance_xn", "emittance_yn"),
                  ("emittance_t",)),
    "twiss": (("beta_x", "beta_y"), ("alpha_x", "alpha_y"), ("dispersion_x", "dispersion_y")),
    "dispersion": (("dispersion_x", "dispersion_y"), ("dispersion_px", "dispersion_py")),
    "centroid": (("mean_x", "mean_y"), ("mean_px", "mean_py"), ("mean_t",), ("mean_pt",)),
    "charge": (("charge_C",),),
}

# The presets plot_diags writes, as moments_<preset>.png.
DIAG_PRESETS = ("beam_size", "emittance", "twiss", "centroid")


class DiagnosticsError(ValueError):
    """An output folder or file is missing, empty or not what a run writes.

    The message names the path and what was expected there, so a user can tell a typo from a run
    that wrote nothing."""


# ---------------------------------------------------------------------------- quantities and units


@dataclass(frozen=True)
class _Quantity:
    symbol: str  # mathtext, for labels and legends
    unit: str  # "m", "rad" (px, py: p/p0, the paraxial angle), "C", or "1" (dimensionless)


def _quantity_table() -> dict[str, _Quantity]:
    """Units of every column ImpactX's reduced diagnostics can hold (docs/user-guide/running.md)."""
    table: dict[str, _Quantity] = {"s": _Quantity("s", "m"), "charge_C": _Quantity("Q", "C")}
    momentum_unit = {"px": "rad", "py": "rad", "pt": "1"}
    for q in ("x", "y", "t", "px", "py", "pt"):
        unit = momentum_unit.get(q, "m")
        sub = q if len(q) == 1 else f"p_{q[1]}"
        table[f"mean_{q}"] = _Quantity(rf"$\langle {sub}\rangle$", unit)
        table[f"min_{q}"] = _Quantity(rf"$\min\,{sub}$", unit)
        table[f"max_{q}"] = _Quantity(rf"$\max\,{sub}$", unit)
        table[f"sigma_{q}"] = _Quantity(rf"$\sigma_{{{sub}}}$", unit)
    for q in ("x", "y", "t"):
        table[f"emittance_{q}"] = _Quantity(rf"$\varepsilon_{q}$", "m")
        table[f"emittance_{q}n"] = _Quantity(rf"$\varepsilon_{{n,{q}}}$", "m")
        table[f"alpha_{q}"] = _Quantity(rf"$\alpha_{q}$", "1")
        table[f"beta_{q}"] = _Quantity(rf"$\beta_{q}$", "m")
    for q in ("x", "y"):
        table[f"dispersion_{q}"] = _Quantity(rf"$D_{q}$", "m")
        table[f"dispersion_p{q}"] = _Quantity(rf"$D_{{p_{q}}}$", "1")
    for i in (1, 2, 3):
        table[f"emittance_{i}"] = _Quantity(rf"$\varepsilon_{{n,{i}}}$ (eigen)", "m")
    return table


QUANTITIES = _quantity_table()

# Older ImpactX versions (and ImpactX's Python beam_moments()) name the columns x_mean, sig_x, ...
_ALIASES: dict[str, str] = {}
for _q in ("x", "y", "t", "px", "py", "pt"):
    _ALIASES.update({f"{_q}_mean": f"mean_{_q}", f"{_q}_min": f"min_{_q}", f"{_q}_max": f"max_{_q}",
                     f"sig_{_q}": f"sigma_{_q}"})
del _q

# The same doubles as the file's 17 digits, not a last-digit approximation: pandas 3 parses
# exactly by default (and deprecates the option), older pandas needs "round_trip".
_EXACT_FLOATS: dict[str, str] = ({"float_precision": "round_trip"}
                                 if int(pd.__version__.split(".")[0]) < 3 else {})

_PREFIXES = {3: "k", 0: "", -3: "m", -6: "µ", -9: "n", -12: "p", -15: "f", -18: "a"}


def _resolve_column(df: pd.DataFrame, name: str) -> str:
    """The column of `df` that holds quantity `name`, accepting the old and new ImpactX names."""
    if name in df.columns:
        return name
    canonical = _ALIASES.get(name, name)
    for candidate in [canonical] + [old for old, new in _ALIASES.items() if new == canonical]:
        if candidate in df.columns:
            return candidate
    raise KeyError(f"no column '{name}' in the beam moments; available: "
                   f"{', '.join(map(str, df.columns))}")


def _scale_for(values: np.ndarray, unit: str) -> tuple[float, str]:
    """A power-of-1000 factor that brings the largest |value| into [1, 1000), and the unit label
    that goes with it ("µm", "nC", "10^-3" for a dimensionless quantity). Scaling by whole SI
    prefixes keeps the numbers on the axis readable without a separate offset label."""
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite)]
    peak = float(finite.max()) if finite.size else 0.0
    exponent = 0 if peak == 0.0 else 3 * math.floor(math.log10(peak) / 3)
    if unit == "1":
        exponent = max(-18, min(exponent, 18))
        return 10.0 ** (-exponent), ("" if exponent == 0 else f"$10^{{{exponent}}}$")
    if unit == "":
        return 1.0, ""
    exponent = max(-18, min(exponent, 3 if unit != "rad" else 0))
    return 10.0 ** (-exponent), _PREFIXES[exponent] + unit


def _axis_label(names: str, unit_label: str) -> str:
    return f"{names} [{unit_label}]" if unit_label else names


# ---------------------------------------------------------------------------- figures


# Set while plot_diags runs: it makes many figures only to save them, and pyplot would keep every
# one of them alive (and warn past 20), so they are bare Figures even when pyplot is imported.
_bare_figures = False


def _new_figure(**kwargs: Any) -> Figure:
    """A figure that does not depend on (or change) the global backend.

    If the caller has imported pyplot, the figure is a pyplot figure, so it shows up in notebooks
    and with plt.show(); otherwise it is a bare Figure, which can always be saved."""
    if not _bare_figures and "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        return plt.figure(**kwargs)
    from matplotlib.figure import Figure

    return Figure(**kwargs)


@contextlib.contextmanager
def _saving_only() -> Iterator[None]:
    global _bare_figures
    previous, _bare_figures = _bare_figures, True
    try:
        yield
    finally:
        _bare_figures = previous


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError(
            f"wakeline.plot needs matplotlib to draw figures ({e}); install it with "
            "'pip install matplotlib'") from e


# ---------------------------------------------------------------------------- finding output


def find_diag_dir(path: PathLike) -> Path:
    """The output folder at or directly below `path`.

    Accepts the folder a run wrote (``diags/``, or whatever ``diag.file_prefix`` named) or the
    folder the run was started in (which holds ``diags/``), because both are what users type."""
    p = Path(path)
    if not p.exists():
        raise DiagnosticsError(
            f"{p}: no such folder; expected a run's output folder (diags/) holding "
            f"{REDUCED_FILE} or {OPENPMD_DIR}/*.h5")
    if not p.is_dir():
        raise DiagnosticsError(
            f"{p}: not a folder; expected a run's output folder (diags/) holding "
            f"{REDUCED_FILE} or {OPENPMD_DIR}/*.h5")
    if _looks_like_diags(p):
        return p
    if _looks_like_diags(p / "diags"):
        return p / "diags"
    raise DiagnosticsError(
        f"{p}: no run output found; expected {REDUCED_FILE}, {REDUCED_FINAL_FILE} or "
        f"{OPENPMD_DIR}/*.h5 (ImpactX's output layout) in this folder or in {p / 'diags'}")


def _looks_like_diags(p: Path) -> bool:
    return p.is_dir() and ((p / REDUCED_FILE).is_file() or (p / REDUCED_FINAL_FILE).is_file()
                           or any((p / OPENPMD_DIR).glob("*.h5")))


def _openpmd_dir(path: Path) -> Path:
    if path.name == OPENPMD_DIR or not (path / OPENPMD_DIR).is_dir():
        return path
    return path / OPENPMD_DIR


def _series_files(openpmd_dir: Path) -> dict[str, list[Path]]:
    """Every openPMD series in a folder: group-based `<name>.h5` and file-based `<name>_<digits>.h5`
    (one file per iteration), keyed by series name."""
    series: dict[str, list[Path]] = {}
    for f in sorted(openpmd_dir.glob("*.h5")):
        if not _is_beam_series(f):
            continue  # a plasma stage's field snapshots <stage>_fields.h5 (meshes, maybe its drivers)
        m = re.fullmatch(r"(.+)_(\d+)", f.stem)
        # `<name>_<digits>.h5` belongs to a file-based series only if the file says so: a
        # group-based monitor may itself be named like "bpm_2".
        file_based = m is not None and _is_file_based(f)
        series.setdefault(m.group(1) if file_based else f.stem, []).append(f)
    return series


def _is_beam_series(f: Path) -> bool:
    """Whether an openPMD file is a beam monitor's: particles and no meshes."""
    with _open_h5(f) as h5:
        return "particlesPath" in h5.attrs and "meshesPath" not in h5.attrs


def _open_h5(f: Path) -> Any:
    """h5py.File for reading, with a message that names the file when it is not HDF5."""
    try:
        import h5py
    except ImportError as e:
        raise ImportError(f"reading the openPMD files in {f.parent} needs h5py ({e}); install it "
                          "with 'pip install h5py'") from e
    try:
        return h5py.File(f, "r")
    except OSError as e:
        raise DiagnosticsError(f"{f}: not a readable HDF5 file ({e}); expected an openPMD 1.x "
                               "file as a beam monitor writes it") from None


def _is_file_based(f: Path) -> bool:
    with _open_h5(f) as h5:
        return _attr_str(h5, "iterationEncoding", "") == "fileBased"


def _iterations_of(f: Path) -> list[int]:
    with _open_h5(f) as h5:
        base = _base_path(h5)
        group = h5.get(base)
        if group is None:
            return []
        return sorted(int(k) for k in group.keys() if k.isdigit())


def _base_path(h5: Any) -> str:
    """The group that holds the iterations: the part of openPMD's basePath before '%T'."""
    base = h5.attrs.get("basePath", b"/data/%T/")
    base = base.decode() if isinstance(base, bytes) else str(base)
    return base.split("%T")[0].rstrip("/") or "/"


def list_monitors(diag_dir: PathLike, *, include_lost: bool = False) -> dict[str, list[int]]:
    """The beam-monitor series of an output folder and their iterations (global slice steps), in
    ascending order. ``particles_lost`` is left out unless `include_lost`."""
    d = find_diag_dir(diag_dir)
    folder = d / OPENPMD_DIR
    if not folder.is_dir():
        return {}
    out: dict[str, list[int]] = {}
    for name, files in _series_files(folder).items():
        if name == LOST_SERIES and not include_lost:
            continue
        steps = sorted({it for f in files for it in _iterations_of(f)})
        out[name] = steps
    return out


# ---------------------------------------------------------------------------- reduced diagnostics


def read_reduced(diag_dir: PathLike, *, final: bool = False) -> pd.DataFrame:
    """The table ``reduced_beam_characteristics.0`` (``_final.0`` with `final`) as a DataFrame,
    with the file's own column names and values (the way ImpactX's analysis scripts read it).

    Without ``diag.slice_step_diagnostics`` the file holds only step 0; :func:`read_moments`
    combines it with the final line and the beam monitors for a fuller picture along s."""
    d = find_diag_dir(diag_dir)
    path = d / (REDUCED_FINAL_FILE if final else REDUCED_FILE)
    if not path.is_file():
        raise DiagnosticsError(
            f"{path}: no such file; the folder holds no reduced beam diagnostics (it is written "
            "unless diag.enable = false; reference-orbit runs do not write it)")
    try:
        df = pd.read_csv(path, sep=r"\s+", **_EXACT_FLOATS)
    except pd.errors.EmptyDataError:
        raise DiagnosticsError(
            f"{path}: empty file; expected a header line and one line per step") from None
    if df.empty or "s" not in df.columns:
        raise DiagnosticsError(
            f"{path}: no data; expected a header line (step s mean_x ...) and at least one line "
            "of numbers")
    return df


def read_moments(diag_dir: PathLike, *, monitors: bool = True) -> pd.DataFrame:
    """Beam moments along s from everything the folder holds, one row per step, sorted by step.

    Rows come from ``reduced_beam_characteristics.0``, its ``_final.0`` line and, with `monitors`,
    from the moment attributes each beam-monitor visit carries. A run without
    ``diag.slice_step_diagnostics`` writes only step 0 to the reduced file, so without the other
    two sources a plot along s would be a single point. Where sources overlap at a step the
    reduced file wins (the numbers are the same)."""
    d = find_diag_dir(diag_dir)
    # A file that is absent is fine (diag.enable = false writes none); one that is there but
    # unreadable is an error worth reporting.
    frames = [read_reduced(d, final=final) for final, name in ((False, REDUCED_FILE),
                                                               (True, REDUCED_FINAL_FILE))
              if (d / name).exists()]
    if monitors:
        mon = _monitor_moments(d)
        if not mon.empty:
            frames.append(mon)
    if not frames:
        raise DiagnosticsError(
            f"{d}: no beam moments found; expected {REDUCED_FILE} or beam monitors with "
            f"moments in {OPENPMD_DIR}/")
    columns = list(frames[0].columns)
    for f in frames[1:]:
        columns += [c for c in f.columns if c not in columns]
    df = pd.concat([f.reindex(columns=columns) for f in frames], ignore_index=True)
    if "step" in df.columns:
        df = df.drop_duplicates(subset="step", keep="first")
        df = df.sort_values(["step"], kind="stable")
        df["step"] = df["step"].astype("int64")
    return df.reset_index(drop=True)


def _monitor_moments(d: Path) -> pd.DataFrame:
    """One row per beam-monitor iteration, from the moments the monitor stores as attributes."""
    folder = d / OPENPMD_DIR
    if not folder.is_dir():
        return pd.DataFrame()
    rows = []
    for name, files in _series_files(folder).items():
        if name == LOST_SERIES:
            continue  # its moments are those of the lost particles, not of the beam
        for f in files:
            with _open_h5(f) as h5:
                base = h5.get(_base_path(h5))
                if base is None:
                    continue
                particles_path = _attr_str(h5, "particlesPath", "particles/").strip("/")
                for key, it in base.items():
                    sp = it.get(f"{particles_path}/{DEFAULT_SPECIES}")
                    if not key.isdigit() or sp is None or "sigma_x" not in sp.attrs:
                        continue
                    s_ref = sp.attrs.get("s_ref", it.attrs.get("time", np.nan))
                    row = {"step": int(key), "s": float(s_ref)}
                    for attr, value in sp.attrs.items():
                        if attr in QUANTITIES and np.ndim(value) == 0:
                            row[attr] = float(value)
                    if "period" in sp.attrs:
                        row["period"] = int(sp.attrs["period"])
                    rows.append(row)
    return pd.DataFrame(rows)


def _attr_str(h5: Any, key: str, default: str) -> str:
    v = h5.attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else str(v)


# ---------------------------------------------------------------------------- particle data


def read_monitor(path_or_dir: PathLike, name: str = "monitor", iteration: int | None = None, *,
                 species: str = DEFAULT_SPECIES) -> pd.DataFrame:
    """The particles of one beam-monitor visit as a DataFrame with the columns x, px, y, py, t, pt
    (ImpactX's coordinates relative to the reference particle: m, p/p0, m, p/p0, m, -dE/(p0 c)),
    w (weighting: real particles per macroparticle) and id, plus any further per-particle scalar
    records (``s_lost`` of lost particles, the IOTA invariants ``H`` and ``I``).

    `path_or_dir` is an ``.h5`` file, an ``openPMD/`` folder, or an output folder (``diags/``), in
    which case the series `name` is read (``<name>.h5`` or file-based ``<name>_<step>.h5``).
    `iteration` is the global slice step of the visit; None means the last one.

    ``df.attrs`` holds ``series``, ``iteration``, ``s`` (reference s in m), ``file`` and
    ``species_attributes`` (reference particle and beam moments the monitor stored)."""
    p = Path(path_or_dir)
    if p.is_file():
        files = [p]
        series = re.sub(r"_\d+$", "", p.stem) if _is_file_based(p) else p.stem
    else:
        if not p.exists():
            raise DiagnosticsError(f"{p}: no such file or folder; expected an openPMD .h5 file "
                                   "or an output folder (diags/) with openPMD/<monitor>.h5")
        folder = _openpmd_dir(find_diag_dir(p) if p.name != OPENPMD_DIR else p)
        all_series = _series_files(folder) if folder.is_dir() else {}
        if name not in all_series:
            found = ", ".join(sorted(all_series)) or "none"
            raise DiagnosticsError(
                f"{folder}: no openPMD series '{name}' ({name}.h5 or {name}_<step>.h5); "
                f"series found: {found}")
        files, series = all_series[name], name

    # Map iteration -> file (file-based series hold one iteration per file).
    where: dict[int, Path] = {}
    for f in files:
        for it in _iterations_of(f):
            where[it] = f
    if not where:
        raise DiagnosticsError(
            f"{files[0]}: no iterations; expected openPMD data under /data/<step>/")
    if iteration is None:
        iteration = max(where)
    if iteration not in where:
        raise DiagnosticsError(
            f"{series}: no iteration {iteration}; iterations present: "
            f"{', '.join(map(str, sorted(where)))}")

    f = where[iteration]
    with _open_h5(f) as h5:
        it = h5[f"{_base_path(h5)}/{iteration}"]
        particles_path = _attr_str(h5, "particlesPath", "particles/").strip("/")
        sp = it.get(f"{particles_path}/{species}")
        if sp is None:
            raise DiagnosticsError(f"{f}: iteration {iteration} has no species '{species}'")
        columns: dict[str, np.ndarray] = {}
        for record, prefix in (("position", ""), ("momentum", "p")):
            if record not in sp:
                raise DiagnosticsError(f"{f}: iteration {iteration}: species '{species}' has no "
                                       f"'{record}' record; expected {record}/x, y, t")
            for c in ("x", "y", "t"):
                columns[prefix + c] = _read_component(sp[record][c])
        n = len(columns["x"])
        columns["w"] = _read_component(sp["weighting"]) if "weighting" in sp else np.ones(n)
        columns["id"] = _read_component(sp["id"]) if "id" in sp else np.arange(n, dtype=np.uint64)
        for record in sp:
            if record in ("position", "momentum", "positionOffset", "weighting", "id", "qm"):
                continue
            obj = sp[record]
            if hasattr(obj, "dtype") or "value" in obj.attrs:  # a dataset or a constant
                columns[record] = _read_component(obj)
        species_attrs = {k: _plain(v) for k, v in sp.attrs.items()}
        s_ref = float(species_attrs.get("s_ref", _plain(it.attrs.get("time", np.nan))))
    df = pd.DataFrame({k: columns[k] for k in PARTICLE_COLUMNS} |
                      {k: v for k, v in columns.items() if k not in PARTICLE_COLUMNS})
    df.attrs.update(series=series, iteration=int(iteration), s=s_ref, file=str(f),
                    species_attributes=species_attrs)
    return df


def _read_component(obj: Any) -> np.ndarray:
    """One openPMD record component: a dataset, or a constant component (attributes value and
    shape), scaled by unitSI to SI."""
    unit = float(obj.attrs.get("unitSI", 1.0))
    if "value" in obj.attrs and not hasattr(obj, "dtype"):
        shape = tuple(int(s) for s in np.atleast_1d(obj.attrs["shape"]))
        data = np.full(shape, obj.attrs["value"])
    else:
        data = obj[()]
    if unit != 1.0:
        data = data * unit
    return np.asarray(data)


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def _as_particles(particles: Any, name: str, iteration: int | None) -> pd.DataFrame:
    if isinstance(particles, pd.DataFrame):
        df = particles
    elif isinstance(particles, (str, os.PathLike)):
        df = read_monitor(particles, name, iteration)
    elif isinstance(particles, Mapping):
        df = pd.DataFrame({k: np.asarray(v) for k, v in particles.items()})
    else:
        arr = np.asarray(particles, dtype=float)
        if arr.ndim != 2 or 6 not in arr.shape:
            raise ValueError("particles: expected a DataFrame, a dict of arrays, an (N, 6) or "
                             f"(6, N) array of x, px, y, py, t, pt, or a path; got shape "
                             f"{arr.shape}")
        arr = arr if arr.shape[1] == 6 else arr.T
        df = pd.DataFrame(arr, columns=list(PARTICLE_COLUMNS[:6]))
    missing = [c for c in PARTICLE_COLUMNS[:6] if c not in df.columns]
    if missing:
        raise ValueError(f"particles: missing column(s) {', '.join(missing)}; expected "
                         "x, px, y, py, t, pt (and optionally w)")
    return df


# ---------------------------------------------------------------------------- moments along s


def _panels(quantities: str | Sequence[str] | Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    if isinstance(quantities, str):
        if quantities in PRESETS:
            return [tuple(p) for p in PRESETS[quantities]]
        return [(quantities,)]
    quantities = list(quantities)
    if not quantities:
        raise ValueError("quantities: nothing to plot")
    if all(isinstance(q, str) for q in quantities):
        return [tuple(quantities)]
    return [(q,) if isinstance(q, str) else tuple(q) for q in quantities]


def plot_moments(data: pd.DataFrame | PathLike,
                 quantities: str | Sequence[str] | Sequence[Sequence[str]] = "beam_size", *,
                 ax: Axes | None = None, title: str | None = None) -> Figure:
    """Beam moments along s.

    `data` is a table of moments (from :func:`read_moments` or :func:`read_reduced`) or an output
    folder. `quantities` is a preset name (see :data:`PRESETS`: "beam_size", "emittance", "twiss",
    "dispersion", "divergence", "centroid", "charge"), a list of columns for one panel, or a list of
    such lists, one panel each. Old ImpactX names (sig_x, x_mean) are accepted.

    Every panel is scaled by one SI prefix chosen from its data, and its y label says which, e.g.
    ``$\\sigma_x$, $\\sigma_y$ [µm]``; the plotted numbers are the column times that factor. s is
    in m. With `ax`, the (single) panel is drawn there and that figure is returned."""
    _require_matplotlib()
    df = read_moments(data) if isinstance(data, (str, os.PathLike)) else data
    panels = _panels(quantities)
    if ax is not None and len(panels) != 1:
        raise ValueError(f"quantities: {len(panels)} panels requested but one axes given; pass "
                         "ax=None for a figure with one panel each")
    s_col = _resolve_column(df, "s")
    order = np.argsort(df[s_col].to_numpy(), kind="stable") if "step" not in df.columns else \
        np.arange(len(df))
    s = df[s_col].to_numpy(dtype=float)[order]
    # Few points (no per-slice diagnostics): show where the samples are.
    marker = "o" if len(s) <= 30 else None

    if ax is None:
        fig = _new_figure(figsize=(8.0, 2.6 * len(panels) + 0.6), layout="constrained")
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    else:
        fig, axes = ax.figure, [ax]
    for axis, panel in zip(axes, panels):
        cols = [_resolve_column(df, q) for q in panel]
        qs = [QUANTITIES.get(_ALIASES.get(c, c), _Quantity(c, "")) for c in cols]
        units = {q.unit for q in qs}
        if len(units) != 1:
            raise ValueError(f"quantities {', '.join(panel)}: mixed units "
                             f"({', '.join(sorted(units))}) on one axis; put them in separate "
                             "panels")
        values = [df[c].to_numpy(dtype=float)[order] for c in cols]
        factor, unit_label = _scale_for(np.concatenate(values), qs[0].unit)
        for c, q, v in zip(cols, qs, values):
            axis.plot(s, v * factor, marker=marker, markersize=3, label=q.symbol, gid=c)
        axis.set_ylabel(_axis_label(", ".join(q.symbol for q in qs), unit_label))
        _no_false_detail(axis, np.concatenate(values) * factor)
        axis.grid(True, alpha=0.3)
        if len(cols) > 1:
            axis.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel("s [m]")
    if title:
        (fig.suptitle(title) if ax is None else axes[0].set_title(title))
    return fig


# ---------------------------------------------------------------------------- phase space


def _no_false_detail(axis: Axes, values: np.ndarray) -> None:
    """Shows a (nearly) constant quantity as a flat line. matplotlib would otherwise zoom into
    rounding-level changes (sigma_t through a drift changes in the 10th digit) and label the axis
    with an offset like '1e-10+1.0026', which reads as a real variation."""
    axis.ticklabel_format(axis="y", useOffset=False)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return
    lo, hi = float(finite.min()), float(finite.max())
    peak = max(abs(lo), abs(hi))
    if peak > 0 and hi - lo < 1e-3 * peak:
        center = 0.5 * (lo + hi)
        axis.set_ylim(center - 0.05 * peak, center + 0.05 * peak)


def _weighted_stats(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """rms size of `a` and rms emittance of the (a, b) plane, weighted like the reduced
    diagnostics (unit weights when all weights are 0)."""
    if not np.any(w):
        w = np.ones_like(a)
    wsum = w.sum()
    da, db = a - np.dot(w, a) / wsum, b - np.dot(w, b) / wsum
    aa, bb, ab = np.dot(w, da * da) / wsum, np.dot(w, db * db) / wsum, np.dot(w, da * db) / wsum
    return math.sqrt(aa), math.sqrt(max(aa * bb - ab * ab, 0.0))


def _format_si(value: float, unit: str) -> str:
    factor, label = _scale_for(np.array([value]), unit)
    return f"{value * factor:.3g} {label}".rstrip()


def plot_phasespace(particles: pd.DataFrame | Mapping[str, Any] | np.ndarray | PathLike, *,
                    name: str = "monitor", iteration: int | None = None, kind: str = "auto",
                    bins: int | None = None, title: str | None = None) -> Figure:
    """ImpactX-style phase-space figure: x–px, y–py, t–pt and x–y, in a 2×2 grid.

    `particles` is a DataFrame or dict with columns x, px, y, py, t, pt (optionally w), an (N, 6)
    array, or a path (a monitor file, ``openPMD/`` or an output folder, read with
    :func:`read_monitor` using `name` and `iteration`). `kind` is "scatter", "hist" (density of
    real particles per bin, weighted by w) or "auto": scatter up to 5000 particles, density above,
    where dots would just overlap. `bins` (per axis) defaults to about sqrt(N/4), 20 to 200.

    Positions are shown with one SI prefix shared by x and y (so the x–y panel is not distorted)
    and one for t; px, py (p/p0, the paraxial angle) in rad with a prefix; pt (−ΔE/(p0 c),
    dimensionless) as a power of ten. Each phase plane shows its rms size and rms emittance."""
    _require_matplotlib()
    df = _as_particles(particles, name, iteration)
    n = len(df)
    if n == 0:
        where = df.attrs.get("file", "the particle data")
        raise DiagnosticsError(f"{where}: no particles to plot (monitor with particles = false, "
                               "or every particle lost)")
    if kind not in ("auto", "scatter", "hist"):
        raise ValueError(f"kind: expected 'auto', 'scatter' or 'hist', got '{kind}'")
    use_hist = kind == "hist" or (kind == "auto" and n > MAX_SCATTER)
    if bins is None:
        # About 4 particles per bin in 1D terms keeps the 2D density readable rather than speckled
        # at small N, and caps the image detail at large N.
        bins = int(np.clip(np.sqrt(n / 4), 20, 200))
    w = df["w"].to_numpy(dtype=float) if "w" in df.columns else np.ones(n)
    col = {c: df[c].to_numpy(dtype=float) for c in PARTICLE_COLUMNS[:6]}

    # Shared scales: x with y, px with py; t and pt each their own.
    scale: dict[str, tuple[float, str]] = {}
    scale["x"] = scale["y"] = _scale_for(np.concatenate([col["x"], col["y"]]), "m")
    scale["px"] = scale["py"] = _scale_for(np.concatenate([col["px"], col["py"]]), "rad")
    scale["t"] = _scale_for(col["t"], "m")
    scale["pt"] = _scale_for(col["pt"], "1")
    symbols = {"x": "x", "y": "y", "t": "t", "px": "$p_x$", "py": "$p_y$", "pt": "$p_t$"}

    fig = _new_figure(figsize=(10.0, 8.4), layout="constrained")
    axes = fig.subplots(2, 2)
    planes = (("x", "px"), ("y", "py"), ("t", "pt"), ("x", "y"))
    for axis, (a, b) in zip(axes.flat, planes):
        fa, la = scale[a]
        fb, lb = scale[b]
        va, vb = col[a] * fa, col[b] * fb
        if use_hist:
            h, ea, eb = np.histogram2d(va, vb, bins=bins, weights=w if np.any(w) else None)
            h = np.ma.masked_where(h == 0, h)
            mesh = axis.pcolormesh(ea, eb, h.T, cmap="viridis", shading="flat", rasterized=True)
            fig.colorbar(mesh, ax=axis, label="particles / bin" if np.any(w) else
                         "macroparticles / bin")
        else:
            axis.scatter(va, vb, s=float(np.clip(2000.0 / n, 1.0, 10.0)), alpha=0.6, linewidths=0,
                         rasterized=True)
        axis.set_xlabel(_axis_label(symbols[a], la))
        axis.set_ylabel(_axis_label(symbols[b], lb))
        axis.grid(True, alpha=0.3)
        if b.startswith("p"):
            sigma, eps = _weighted_stats(col[a], col[b], w)
            text = (f"$\\sigma_{a}$ = {_format_si(sigma, 'm')}\n"
                    f"$\\varepsilon_{a}$ = {_format_si(eps, 'm')}")
            axis.text(0.02, 0.98, text, transform=axis.transAxes, va="top", ha="left",
                      fontsize="small", bbox=dict(boxstyle="round", fc="white", alpha=0.8))
        else:
            axis.set_aspect("equal", adjustable="datalim")
    if title is None:
        parts = []
        if "series" in df.attrs:
            parts.append(str(df.attrs["series"]))
        if "iteration" in df.attrs:
            parts.append(f"step {df.attrs['iteration']}")
        if "s" in df.attrs and np.isfinite(df.attrs["s"]):
            parts.append(f"s = {df.attrs['s']:.4g} m")
        parts.append(f"{n} macroparticles")
        title = ", ".join(parts)
    fig.suptitle(title)
    return fig


def plot_losses(lost: pd.DataFrame | PathLike, *, bins: int = 50,
                title: str | None = None) -> Figure:
    """Where particles were lost: a histogram of the loss position s_lost (real particles, weighted
    by w) and the transverse positions x–y at loss. `lost` is the output of
    ``read_monitor(diags, "particles_lost")`` or an output folder."""
    _require_matplotlib()
    df = read_monitor(lost, LOST_SERIES) if isinstance(lost, (str, os.PathLike)) else lost
    if len(df) == 0:
        raise DiagnosticsError(
            f"{df.attrs.get('file', 'lost particles')}: no lost particles to plot")
    if "s_lost" not in df.columns:
        raise ValueError("lost: no 's_lost' column; expected the particles_lost series")
    w = df["w"].to_numpy(dtype=float) if "w" in df.columns else np.ones(len(df))
    fig = _new_figure(figsize=(10.0, 4.2), layout="constrained")
    ax_s, ax_xy = fig.subplots(1, 2)
    s_lost = df["s_lost"].to_numpy(dtype=float)
    ax_s.hist(s_lost, bins=bins, weights=w if np.any(w) else None, color="C3")
    ax_s.set_xlabel("s at loss [m]")
    ax_s.set_ylabel("lost particles / bin" if np.any(w) else "lost macroparticles / bin")
    ax_s.grid(True, alpha=0.3)
    fx, lx = _scale_for(np.concatenate([df["x"].to_numpy(float), df["y"].to_numpy(float)]), "m")
    dots = ax_xy.scatter(df["x"] * fx, df["y"] * fx, s=6, c=s_lost, cmap="plasma", linewidths=0)
    fig.colorbar(dots, ax=ax_xy, label="s at loss [m]")
    ax_xy.set_xlabel(_axis_label("x", lx))
    ax_xy.set_ylabel(_axis_label("y", lx))
    ax_xy.set_aspect("equal", adjustable="datalim")
    ax_xy.grid(True, alpha=0.3)
    fig.suptitle(title or f"{len(df)} macroparticles lost")
    return fig


# ---------------------------------------------------------------------------- everything at once


def _save(fig: Figure, path: Path, dpi: int) -> Path:
    """Writes through a temporary name, so an interrupted run never leaves a truncated PNG that
    looks like a finished one."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        fig.savefig(tmp, dpi=dpi, format="png")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def plot_diags(diag_dir: PathLike, out_dir: PathLike | None = None, *, dpi: int = DEFAULT_DPI,
               all_iterations: bool = False) -> list[Path]:
    """Writes a PNG of everything found in an output folder and returns their paths:

    - ``moments_<preset>.png`` for beam_size, emittance, twiss and centroid (moments along s,
      from :func:`read_moments`);
    - ``phasespace_<monitor>.png``: the last visit of every beam monitor (every visit, as
      ``phasespace_<monitor>_<step>.png``, with `all_iterations`);
    - ``losses.png`` when particles were lost.

    `out_dir` defaults to ``<diag_dir>/plots``; it is created if needed. Monitors that wrote no
    particles (``particles = false``) get no phase-space figure."""
    _require_matplotlib()
    d = find_diag_dir(diag_dir)
    out = Path(out_dir) if out_dir is not None else d / "plots"
    where = f"{d.resolve().parent.name}/{d.name}"
    written: list[Path] = []

    def save(fig: Figure, filename: str) -> None:
        out.mkdir(parents=True, exist_ok=True)  # only once there is something to write
        written.append(_save(fig, out / filename, dpi))

    try:
        moments = read_moments(d)
    except DiagnosticsError:
        moments = None  # e.g. monitors with beam_moments = false: phase space only
    with _saving_only():
        if moments is not None:
            for preset in DIAG_PRESETS:
                panels = [tuple(q for q in panel if _has_column(moments, q))
                          for panel in PRESETS[preset]]
                panels = [p for p in panels if p]
                if panels:
                    title = f"{preset.replace('_', ' ')} along s — {where}"
                    save(plot_moments(moments, panels, title=title), f"moments_{preset}.png")

        for name, steps in list_monitors(d).items():
            for step in (steps if all_iterations else steps[-1:]):
                df = read_monitor(d, name, step)
                if len(df) == 0:
                    continue
                suffix = f"_{step:06d}" if all_iterations else ""
                save(plot_phasespace(df), f"phasespace_{name}{suffix}.png")

        if LOST_SERIES in list_monitors(d, include_lost=True):
            lost = read_monitor(d, LOST_SERIES)
            if len(lost) > 0:
                save(plot_losses(lost), "losses.png")
    if not written:
        raise DiagnosticsError(
            f"{d}: nothing to plot; expected beam moments ({REDUCED_FILE}) or beam monitors with "
            f"particles ({OPENPMD_DIR}/*.h5)")
    return written


def _has_column(df: pd.DataFrame, name: str) -> bool:
    try:
        _resolve_column(df, name)
    except KeyError:
        return False
    return True


# ---------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """``python -m wakeline.plot DIAG_DIR [-o OUT_DIR]``: writes the PNGs of :func:`plot_diags`
    and lists them. Exit status 0 on success, 2 on bad input (missing folder, nothing to plot,
    matplotlib missing), 1 on any other failure."""
    parser = argparse.ArgumentParser(
        prog=prog or "python -m wakeline.plot",
        description="Plots a run's output folder (ImpactX layout: reduced_beam_characteristics.0, "
                    "openPMD/*.h5) as PNG files: moments along s, phase space of every beam "
                    "monitor's last visit, lost particles.")
    parser.add_argument("diag_dir", metavar="DIAG_DIR",
                        help="the run's output folder (diags/), or the folder that holds it")
    parser.add_argument("-o", "--out-dir", metavar="OUT_DIR",
                        help="where to write the PNGs (default: DIAG_DIR/plots)")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI,
                        help=f"resolution of the PNGs (default {DEFAULT_DPI})")
    parser.add_argument("--all-iterations", action="store_true",
                        help="a phase-space figure for every monitor visit, not only the last")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not list the files written")
    args = parser.parse_args(argv)  # exits 2 with a usage message on bad arguments
    name = parser.prog
    if args.dpi < 10 or args.dpi > 2000:
        print(f"{name}: error: --dpi {args.dpi}: expected 10 to 2000", file=sys.stderr)
        return 2
    try:
        # The command line never shows figures, so the non-interactive backend is chosen here and
        # only here: importing this module leaves an interactive user's backend alone.
        import matplotlib

        matplotlib.use("Agg")
    except ImportError as e:
        print(f"{name}: error: matplotlib is not available to {sys.executable} ({e}); install it "
              "with 'pip install matplotlib' (wakeline plot runs the interpreter named by "
              "WAKELINE_PYTHON, default python3)", file=sys.stderr)
        return 2
    try:
        paths = plot_diags(args.diag_dir, args.out_dir, dpi=args.dpi,
                           all_iterations=args.all_iterations)
    except DiagnosticsError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:  # h5py, needed only when there are openPMD files
        print(f"{name}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        for p in paths:
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
