#!/usr/bin/env python3
"""The LWFA stage of examples/lwfa_stage/lwfa.in in Wakeline (CLI) and in Wake-T (if installed).

Prints, for each code, the witness's mean kinetic energy, rms relative energy spread, normalised
emittances at the exit and the wall time, then the differences against the targets of the cross-check
(energy 1 %, spread 5 %, emittance 3 %). Both runs use the same set-up (Wake-T's coordinates: laser at
xi = 100 um, witness at 45 um, box [30, 120] um; the Wakeline deck is the same shifted by -45 um) and the
SAME witness particles: Wakeline writes its beam at the stage entrance (a lab-frame beam monitor), and
Wake-T starts from that file. (Two independently sampled 10^4-particle bunches differ by a few per cent
in their energy spread at the exit, so the 5 % target cannot be judged on different samples.)

Usage: WAKELINE_CLI=build/release/bin/wakeline python benchmarks/lwfa_vs_waket.py [--threads N] [--seed S]
Wake-T: pip install wake-t (it is not needed for the Wakeline half). Its first run compiles with numba
(minutes); the wall time printed is that of the run itself.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DECK = ROOT / "examples" / "lwfa_stage" / "lwfa.in"
MC2_MEV = 0.51099895000
N_P = 1e23


def last_row(path: Path) -> dict:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    return {k: float(v) for k, v in zip(lines[0], lines[-1])}


def wakeline_run(threads: int, seed: int, workdir: Path) -> dict:
    """Runs the example with an entrance monitor (lab frame); returns the exit figures and the entrance beam."""
    cli = str(Path(os.environ.get("WAKELINE_CLI", ROOT / "build" / "release" / "bin" / "wakeline")).resolve())
    deck = DECK.read_text()
    deck = deck.replace("lattice.elements = stage", "lattice.elements = entrance stage")
    deck += f"\nbeam.seed = {seed}\nentrance.type = beam_monitor\nentrance.name = entrance\nentrance.layout = lab\n"
    (workdir / "lwfa.in").write_text(deck)
    t0 = time.perf_counter()
    subprocess.run([cli, "lwfa.in", "--threads", str(threads), "--quiet"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    row = last_row(workdir / "diags" / "reduced_beam_characteristics_final.0")
    ref = last_row(workdir / "diags" / "ref_particle_final.0")
    # The exit reference carries the beam's mean energy.
    bg, gamma = ref["beta_gamma"], ref["gamma"]
    return {
        "energy_MeV": (gamma - 1) * MC2_MEV,
        "spread": row["sigma_pt"] * bg / gamma,  # sigma_gamma / gamma
        "emit_xn": row["emittance_xn"],
        "emit_yn": row["emittance_yn"],
        "wall_s": wall,
    }


def entrance_beam(workdir: Path) -> dict:
    """The witness at the stage entrance from the lab-frame monitor: SI positions (xi in Wake-T's frame,
    +45 um), momenta in m_e c, and charges."""
    import h5py

    with h5py.File(workdir / "diags" / "openPMD" / "entrance.h5", "r") as f:
        it = f["data"][sorted(f["data"].keys(), key=int)[0]]
        sp = it["particles"]["beam"]
        mc = 9.1093837015e-31 * 299792458.0
        z_off = float(sp["positionOffset"]["z"].attrs.get("value", 0.0))
        return {
            "x": sp["position"]["x"][()], "y": sp["position"]["y"][()],
            "xi": sp["position"]["z"][()] + z_off + 45e-6,
            "px": sp["momentum"]["x"][()] / mc, "py": sp["momentum"]["y"][()] / mc,
            "pz": sp["momentum"]["z"][()] / mc,
            "q": -sp["weight"][()],  # the macro-charge, C (electrons)
        }


def waket_run(beam: dict) -> dict | None:
    try:
        from wake_t import GaussianPulse, PlasmaStage
        from wake_t.particles.particle_bunch import ParticleBunch
    except ImportError as err:
        print(f"Wake-T not available ({err}); pip install wake-t", file=sys.stderr)
        return None
    # ParticleBunch's first argument is the number of physical particles per macro-particle.
    bunch = ParticleBunch(beam["q"] / -1.602176634e-19, x=beam["x"].copy(), y=beam["y"].copy(),
                          xi=beam["xi"].copy(), px=beam["px"].copy(), py=beam["py"].copy(),
                          pz=beam["pz"].copy(), name="witness")
    laser = GaussianPulse(xi_c=100e-6, a_0=3.0, w_0=50e-6, tau=30e-15, z_foc=0.0, l_0=0.8e-6)
    stage = PlasmaStage(length=1e-2, density=N_P, wakefield_model="quasistatic_2d", xi_min=30e-6,
                        xi_max=120e-6, r_max=200e-6, r_max_plasma=120e-6, n_r=200, n_xi=180, ppc=5,
                        dz_fields=0.5e-3, laser=laser, laser_evolution=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            stage.track(bunch)
        finally:
            os.chdir(cwd)
    wall = time.perf_counter() - t0
    gamma = np.sqrt(1 + bunch.px**2 + bunch.py**2 + bunch.pz**2)

    def emit(x, px):
        x, px = x - x.mean(), px - px.mean()
        return math.sqrt(np.mean(x * x) * np.mean(px * px) - np.mean(x * px) ** 2)

    return {
        "energy_MeV": (gamma.mean() - 1) * MC2_MEV,
        "spread": gamma.std() / gamma.mean(),
        "emit_xn": emit(bunch.x, bunch.px),
        "emit_yn": emit(bunch.y, bunch.py),
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1, help="beam.seed of the witness (both codes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours = wakeline_run(args.threads, args.seed, Path(tmp))
        beam = entrance_beam(Path(tmp))
    rows = {"Wakeline": ours, "Wake-T": waket_run(beam)}
    print(f"{'code':10s} {'E_kin (MeV)':>12s} {'dE/E rms':>10s} {'eps_xn (um)':>12s} {'eps_yn (um)':>12s} "
          f"{'wall (s)':>9s}")
    for name, r in rows.items():
        if r is None:
            print(f"{name:10s} (not run)")
            continue
        print(f"{name:10s} {r['energy_MeV']:12.3f} {r['spread']:10.4f} {r['emit_xn'] * 1e6:12.4f} "
              f"{r['emit_yn'] * 1e6:12.4f} {r['wall_s']:9.2f}")
    theirs = rows["Wake-T"]
    if theirs is not None:
        print("Wakeline vs Wake-T (target):")
        for key, label, target in (("energy_MeV", "mean energy", 0.01), ("spread", "energy spread", 0.05),
                                   ("emit_xn", "emittance x", 0.03), ("emit_yn", "emittance y", 0.03)):
            rel = ours[key] / theirs[key] - 1
            print(f"  {label:14s} {rel * 100:+7.2f} %  (within {target * 100:.0f} %: "
                  f"{'yes' if abs(rel) <= target else 'NO'})")


if __name__ == "__main__":
    main()
