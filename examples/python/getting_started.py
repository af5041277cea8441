#!/usr/bin/env python3
"""Getting started with Wakeline from Python: read it top to bottom, then run it.

    pip install .                                    # once, from the repository root
    python examples/python/getting_started.py        # writes into ./getting_started/

It builds a 2 GeV electron beam, tracks it through a FODO channel with ImpactX's Python API,
looks at the particles without copying them, saves the beam as openPMD for other codes, writes the
lattice as a PALS file and reads it back, and draws the standard figures.
"""

from pathlib import Path
import os

import numpy as np

from wakeline import ImpactX, distribution, elements, twiss

out = Path("getting_started")
out.mkdir(exist_ok=True)
os.chdir(out)  # every file below goes here

# --- 1. The simulation and its settings ------------------------------------------------------------
# ImpactX's names: an ImpactX script runs with only its import line changed.
sim = ImpactX()
sim.space_charge = False          # "3D", "2D", "2p5D", "Gauss3D", "Gauss2p5D" for space charge
sim.slice_step_diagnostics = True  # one line of beam moments per slice in diags/
sim.init_grids()                  # checks the settings

# --- 2. The beam ---------------------------------------------------------------------------------
ref = sim.beam.ref
ref.set_species("electron").set_kin_energy_MeV(2.0e3)
print(f"reference: gamma = {ref.gamma:.1f}, rigidity = {ref.rigidity_Tm:.4f} T m")

# Twiss parameters -> distribution keywords (unnormalised rms emittances in m).
beam = distribution.Waterbag(**twiss(beta_x=2.8, beta_y=2.8, beta_t=0.5, emitt_x=2e-9, emitt_y=2e-9,
                                     emitt_t=2e-6, alpha_x=-1.6, alpha_y=1.6))
sim.add_particles(1.0e-9, beam, 10000)  # 1 nC in 10^4 macroparticles (seed: sim.seed)

# --- 3. The lattice ------------------------------------------------------------------------------
monitor = elements.BeamMonitor("monitor", backend="h5")  # -> diags/openPMD/monitor.h5
cell = [
    elements.Drift(name="d1", ds=0.25, nslice=25),
    elements.Quad(name="qf", ds=1.0, k=1.0, nslice=25),
    elements.Drift(name="d2", ds=0.5, nslice=25),
    elements.Quad(name="qd", ds=1.0, k=-1.0, nslice=25),
    elements.Drift(name="d1", ds=0.25, nslice=25),
]
sim.lattice.extend([monitor, *cell, monitor])
sim.periods = 4

# The linear optics of one cell, straight from the elements.
m = sim.lattice.transfer_map(ref)
mu_x = np.degrees(np.arccos((m[0, 0] + m[1, 1]) / 2))
print(f"phase advance per period: {mu_x:.1f} deg")

# --- 4. Hooks: user code during tracking ---------------------------------------------------------
sizes = []
sim.hook["after_period"] = lambda s: sizes.append(s.beam.beam_moments()["sigma_x"])

# --- 5. Track ------------------------------------------------------------------------------------
sim.track_particles()  # writes diags/ as the CLI does
print("sigma_x after each period [um]:", ", ".join(f"{1e6 * v:.3f}" for v in sizes))

# --- 6. The particles are NumPy views of the C++ arrays ------------------------------------------
x, px = sim.beam.x, sim.beam.px  # no copy: writing into them moves the particles
print(f"{len(sim.beam)} particles; <x px> = {np.mean(x * px):.3e} m")
moments = sim.beam.beam_moments()
print(f"emittance_x = {moments['emittance_x']:.4e} m, beta_x = {moments['beta_x']:.3f} m")
df = sim.beam.to_df()  # a pandas copy with ImpactX's columns
print(df[["position_x", "momentum_x"]].describe().loc[["mean", "std"]])

# --- 7. openPMD for other codes ------------------------------------------------------------------
sim.beam.to_openpmd("beam_lab.h5", layout="lab")          # SI lab frame: openPMD-viewer, beamphysics
sim.beam.to_openpmd("beam_impactx.h5", layout="impactx")  # ImpactX's layout (a `source` can restart)

# --- 8. PALS: write the lattice, read it back, track the same ------------------------------------
sim.lattice.to_pals("fodo.pals.yaml", ref=ref)
again = ImpactX()
again.diagnostics = False
again.beam.ref.set_species("electron").set_kin_energy_MeV(2.0e3)
again.beam.add_from_openpmd("beam_impactx.h5")
again.lattice.load_file("fodo.pals.yaml", ref=again.beam.ref)
print("PALS lattice:", [e.name for e in again.lattice])

# --- 9. Figures ------------------------------------------------------------------------------------
try:
    from wakeline import plot

    for png in plot.plot_diags("diags"):
        print("figure:", png)
except ImportError as err:  # matplotlib is optional
    print("no figures:", err)
