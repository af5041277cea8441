"""The `fodo` case with its drifts as Programmable elements whose pushes are Python."""
from wakeline import ImpactX, distribution, elements

sim = ImpactX()
sim.slice_step_diagnostics = True
sim.init_grids()
sim.beam.ref.set_species("electron").set_kin_energy_MeV(2.0e3)
sim.add_particles(
    1.0e-9,
    distribution.Waterbag(
        lambdaX=3.9984884770e-5, lambdaY=3.9984884770e-5, lambdaT=1.0e-3,
        lambdaPx=2.6623538760e-5, lambdaPy=2.6623538760e-5, lambdaPt=2.0e-3,
        muxpx=-0.846574929020762, muypy=0.846574929020762, mutpt=0.0,
    ),
    10000,
)


def drift_particles(element, pti, refpart):
    """Linear drift of the particles relative to the reference, over one slice."""
    soa = pti.soa().to_xp()
    x, y, t = soa.real["position_x"], soa.real["position_y"], soa.real["position_t"]
    px, py, pt = soa.real["momentum_x"], soa.real["momentum_y"], soa.real["momentum_t"]
    ds = element.ds / element.nslice
    bg2 = refpart.pt**2 - 1.0
    x += ds * px
    y += ds * py
    t += (ds / bg2) * pt


def drift_reference(element, refpart):
    """Straight-line push of the reference particle over one slice."""
    ds = element.ds / element.nslice
    step = ds / (refpart.pt**2 - 1.0) ** 0.5
    refpart.x += step * refpart.px
    refpart.y += step * refpart.py
    refpart.z += step * refpart.pz
    refpart.t -= step * refpart.pt
    refpart.s += ds


def programmable_drift(name, ds):
    d = elements.Programmable(name=name)
    d.nslice = 25
    d.ds = ds
    d.beam_particles = lambda pti, refpart: drift_particles(d, pti, refpart)
    d.ref_particle = lambda refpart: drift_reference(d, refpart)
    return d


d1, d2 = programmable_drift("d1", 0.25), programmable_drift("d2", 0.5)
monitor = elements.BeamMonitor("monitor", backend="h5")
sim.lattice.extend([
    monitor, d1, monitor,
    elements.Quad(name="q1", ds=1.0, k=1.0, nslice=25), monitor,
    d2, monitor,
    elements.Quad(name="q2", ds=1.0, k=-1.0, nslice=25), monitor,
    d1, monitor,
])
sim.track_particles()
sim.finalize()
