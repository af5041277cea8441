"""The conformance case `fodo` written with ImpactX's Python API (import line: wakeline)."""
from wakeline import ImpactX, distribution, elements

sim = ImpactX()
sim.space_charge = False
sim.slice_step_diagnostics = True
sim.init_grids()

ref = sim.particle_container().push_ref_particle()  # ImpactX's older spelling of sim.beam.ref
ref.set_species("electron").set_kin_energy_MeV(2.0e3)

beam = distribution.Waterbag(
    lambdaX=3.9984884770e-5, lambdaY=3.9984884770e-5, lambdaT=1.0e-3,
    lambdaPx=2.6623538760e-5, lambdaPy=2.6623538760e-5, lambdaPt=2.0e-3,
    muxpx=-0.846574929020762, muypy=0.846574929020762, mutpt=0.0,
)
sim.add_particles(1.0e-9, beam, 10000)

monitor = elements.BeamMonitor("monitor", backend="h5")
cell = [
    monitor,
    elements.Drift(name="drift1", ds=0.25, nslice=25),
    monitor,
    elements.Quad(name="quad1", ds=1.0, k=1.0, nslice=25),
    monitor,
    elements.Drift(name="drift2", ds=0.5, nslice=25),
    monitor,
    elements.Quad(name="quad2", ds=1.0, k=-1.0, nslice=25),
    monitor,
    elements.Drift(name="drift3", ds=0.25, nslice=25),
    monitor,
]
sim.lattice.extend(cell)
sim.track_particles()
sim.finalize()
