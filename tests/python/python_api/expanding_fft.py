"""The conformance case `expanding_fft` (3D space charge, FFT Poisson solve) from the Python API."""
from wakeline import ImpactX, distribution, elements

sim = ImpactX()
sim.n_cell = [16, 16, 20]
sim.blocking_factor_x = [16]
sim.blocking_factor_y = [16]
sim.blocking_factor_z = [4]
sim.particle_shape = 2
sim.space_charge = "3D"
sim.poisson_solver = "fft"
sim.dynamic_size = True
sim.prob_relative = [1.2, 1.1]
sim.init_grids()

sim.beam.ref.set_species("electron").set_kin_energy_MeV(250.0)
sim.add_particles(
    1.0e-9,
    distribution.Kurth6D(
        lambdaX=4.472135955e-4, lambdaY=4.472135955e-4, lambdaT=9.12241869e-7,
        lambdaPx=0.0, lambdaPy=0.0, lambdaPt=0.0,
    ),
    10000,
)
monitor = elements.BeamMonitor("monitor", backend="h5")
sim.lattice.extend([monitor, elements.Drift(name="d1", ds=6.0, nslice=40), monitor])
sim.track_particles()
sim.finalize()
