#!/usr/bin/env python3
"""The LWFA stage of examples/lwfa_stage/lwfa.in in Wakeline (CLI) and in Wake-T (if installed).

Prints, for each code, the witness's mean kinetic energy, rms relative energy spread, normalised
emittances at the exit and the wall time. Both runs use the same set-up (Wake-T's coordinates: laser at
xi = 100 um, witness at 45 um, box [30, 120] um; the Wakeline deck is the same shifted by -45 um).

Usage: WAKELINE_CLI=build/release/bin/wakeline python benchmarks/lwfa_vs_waket.py [--threads N]
Wake-T: pip install wake-t (it is not needed for the Wakeline half).
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


def wakeline_run(threads: int) -> dict:
    cli = str(Path(os.environ.get("WAKELINE_CLI", ROOT / "build" / "release" / "bin" / "wakeline")).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([cli, str(DECK), "--threads", str(threads)], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        row = last_row(Path(tmp) / "diags" / "reduced_beam_characteristics_final.0")
        ref = last_row(Path(tmp) / "diags" / "ref_particle_final.0")
    # The exit reference carries the beam's mean energy.
    bg, gamma = ref["beta_gamma"], ref["gamma"]
    return {
        "energy_MeV": (gamma - 1) * MC2_MEV,
        "spread": row["sigma_pt"] * bg / gamma,  # sigma_gamma / gamma
        "emit_xn": row["emittance_xn"],
        "emit_yn": row["emittance_yn"],
        "wall_s": wall,
    }


def waket_run() -> dict | None:
    try:
        from wake_t import GaussianPulse, PlasmaStage
        from wake_t.utilities.bunch_generation import get_gaussian_bunch_from_twiss
    except ImportError as err:
        print(f"Wake-T not available ({err}); pip install wake-t", file=sys.stderr)
        return None
    kp = math.sqrt(N_P * 1.602176634e-19**2 / (8.8541878128e-12 * 9.1093837015e-31)) / 299792458.0
    bg = 200.0
    beta = math.sqrt(2 * math.sqrt(1 + bg * bg)) / kp
    # Wake-T units: ene = beta*gamma, ene_sp in %, s_t in fs, q_tot in pC.
    bunch = get_gaussian_bunch_from_twiss(en_x=1e-6, en_y=1e-6, a_x=0, a_y=0, b_x=beta, b_y=beta, ene=bg,
                                          ene_sp=0.3, s_t=10.0, xi_c=45e-6, q_tot=100, n_part=10000,
                                          name="witness")
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
    args = parser.parse_args()
    rows = {"Wakeline": wakeline_run(args.threads), "Wake-T": waket_run()}
    print(f"{'code':10s} {'E_kin (MeV)':>12s} {'dE/E rms':>10s} {'eps_xn (um)':>12s} {'eps_yn (um)':>12s} "
          f"{'wall (s)':>9s}")
    for name, r in rows.items():
        if r is None:
            print(f"{name:10s} (not run)")
            continue
        print(f"{name:10s} {r['energy_MeV']:12.2f} {r['spread']:10.4f} {r['emit_xn'] * 1e6:12.4f} "
              f"{r['emit_yn'] * 1e6:12.4f} {r['wall_s']:9.2f}")


if __name__ == "__main__":
    main()
