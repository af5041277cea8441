"""The conformance case `chicane` (bends with edge focusing) from the Python API."""
from wakeline import ImpactX, distribution, elements

sim = ImpactX()
sim.space_charge = False
sim.slice_step_diagnostics = True
sim.init_grids()
sim.beam.ref.set_species("electron").set_kin_energy_MeV(5.0e3)
sim.add_particles(
    1.0e-9,
    distribution.Waterbag(
        lambdaX=2.2951017632e-5, lambdaY=1.3084093142e-5, lambdaT=5.5555553e-8,
        lambdaPx=1.598353425e-6, lambdaPy=2.803697378e-6, lambdaPt=2.000000000e-6,
        muxpx=0.933345606203060, muypy=0.933345606203060, mutpt=0.999999961419755,
    ),
    10000,
)
ns = 25
rc = 10.3462283686195526
psi = 0.048345620280243
sbend1 = elements.Sbend(name="sbend1", ds=0.500194828041958, rc=-rc, nslice=ns)
sbend2 = elements.Sbend(name="sbend2", ds=0.500194828041958, rc=rc, nslice=ns)
dipedge1 = elements.DipEdge(name="dipedge1", psi=-psi, rc=-rc, g=0.0, K2=0.0)
dipedge2 = elements.DipEdge(name="dipedge2", psi=psi, rc=rc, g=0.0, K2=0.0)
drift1 = elements.Drift(name="drift1", ds=5.0058489435, nslice=ns)
drift2 = elements.Drift(name="drift2", ds=1.0, nslice=ns)
drift3 = elements.Drift(name="drift3", ds=2.0, nslice=ns)
monitor = elements.BeamMonitor("monitor", backend="h5")
sim.lattice.extend([
    monitor, sbend1, dipedge1, monitor, drift1, monitor, dipedge2, sbend2, monitor, drift2,
    monitor, sbend2, dipedge2, monitor, drift1, monitor, dipedge1, sbend1, monitor, drift3, monitor,
])
sim.track_particles()
sim.finalize()
