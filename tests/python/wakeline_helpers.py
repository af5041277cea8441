"""Helpers of the Python test suite: editing and reading decks, reading what wakeline writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DECKS_DIR = REPO_ROOT / "tests" / "decks"
SMALL_DECK = DECKS_DIR / "small.in"

# CODATA 2018, the values AMReX/ImpactX (and Wakeline) use. scipy.constants carries CODATA 2022,
# whose electron mass differs in the 9th digit, so it is not used here.
Q_E = 1.602176634e-19  # C
M_E = 9.1093837015e-31  # kg
C_LIGHT = 299792458.0  # m/s
M_E_MEV = M_E * C_LIGHT**2 / (1.0e6 * Q_E)


# ---------------------------------------------------------------------------- deck helpers


def set_keys(deck: str, keys: dict[str, object]) -> str:
    """Returns `deck` with the definitions of `keys` replaced (or appended when absent)."""
    lines = deck.splitlines()
    for key, v in keys.items():
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        hits = [i for i, line in enumerate(lines) if pattern.match(line)]
        if hits:
            for i in hits:
                lines[i] = f"{key} = {v}"
        else:
            lines.append(f"{key} = {v}")
    return "\n".join(lines) + "\n"


def parse_deck(text: str) -> dict[str, str]:
    """A minimal reader of `key = value` lines (no includes, no continuation lines): enough for
    the decks written by these tests, to compute expectations from the deck itself."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


THIN_TYPES = {"beam_monitor", "marker", "dipedge", "multipole", "kicker", "thin_dipole", "prot",
              "plane_xyrotation", "buncher", "shortrf", "linear_map", "aperture", "polygon_aperture",
              "source", "quadedge", "nonlinear_lens", "tapered_plasma_lens", "tapered_pl"}


def slice_plan(text: str) -> list[tuple[str, int]]:
    """(element name, number of slices) in lattice order, as the tracker steps through them:
    thick elements have `<name>.nslice` or else lattice.nslice slices, thin ones one."""
    keys = parse_deck(text)
    default = int(keys.get("lattice.nslice", "1"))
    plan = []
    for name in keys["lattice.elements"].split():
        kind = keys[f"{name}.type"]
        n = 1 if kind in THIN_TYPES else int(keys.get(f"{name}.nslice", default))
        plan.append((name, n))
    return plan


def monitor_steps(text: str) -> list[int]:
    """The global slice step at which each beam monitor in the lattice writes. Every slice of
    every element (thin elements count one) advances the step by one, starting from 1; a monitor
    writes the step of its own (single) slice."""
    keys = parse_deck(text)
    steps, step = [], 0
    for name, n in slice_plan(text):
        step += n
        if keys[f"{name}.type"] == "beam_monitor":
            steps.append(step)
    return steps


def total_steps(text: str) -> int:
    return sum(n for _, n in slice_plan(text))


# ---------------------------------------------------------------------------- output readers


@dataclass
class SpeciesData:
    """One iteration of one species of an openPMD series, loaded into numpy arrays."""

    iteration: int
    time: float
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    attributes: dict[str, object] = field(default_factory=dict)
    records: dict[str, list[str]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


def read_openpmd(path: Path, species: str = "beam") -> dict[int, SpeciesData]:
    """Reads every iteration of `species` in the openPMD file at `path`. Arrays are named
    x, y, t (position), px, py, pt (momentum) and after the scalar records (qm, weighting, id,
    s_lost)."""
    import openpmd_api as io

    series = io.Series(str(path), io.Access.read_only)
    out: dict[int, SpeciesData] = {}
    try:
        for number, it in series.iterations.items():
            sp = it.particles[species]
            data = SpeciesData(iteration=int(number), time=float(it.time))
            chunks = {}
            for record_name, record in sp.items():
                data.records[record_name] = list(record)
                if record_name == "position":
                    for c in "xyt":
                        chunks[c] = record[c].load_chunk()
                elif record_name == "momentum":
                    for c in "xyt":
                        chunks["p" + c] = record[c].load_chunk()
                elif record_name in ("qm", "weighting", "id", "s_lost"):
                    chunks[record_name] = record[io.Mesh_Record_Component.SCALAR].load_chunk()
            series.flush()
            data.arrays = {k: np.array(v) for k, v in chunks.items()}
            data.attributes = {a: sp.get_attribute(a) for a in sp.attributes}
            out[data.iteration] = data
    finally:
        series.close()
    return out


def read_table(path: Path) -> pd.DataFrame:
    """Reads ImpactX's whitespace-separated diagnostics tables (reduced_beam_characteristics.0,
    ref_particle.0) as its analysis scripts do."""
    return pd.read_csv(path, delimiter=r"\s+")


def weighted_sigma(values: np.ndarray, weights: np.ndarray) -> float:
    mean = np.average(values, weights=weights)
    return float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))


def listing(folder: Path) -> set[str]:
    """Every entry under `folder`, hidden ones included, as paths relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}
