"""The Python package: ImpactX's API over the C++ core (docs/user-guide/python.md).

The strongest checks compare a Python run with the CLI running the equivalent deck: both go
through the same deck reader, sampler and tracker, so with the same seed they must agree bit for
bit. ImpactX-style scripts (tests/python/python_api/) are checked against the conformance
expectations of the same cases.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wakeline
from wakeline import ImpactX, distribution, elements, twiss
from wakeline_helpers import REPO_ROOT, read_openpmd, read_table

SCRIPTS = Path(__file__).parent / "python_api"
CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance"

WATERBAG = dict(
    lambdaX=3.9984884770e-5, lambdaY=3.9984884770e-5, lambdaT=1.0e-3,
    lambdaPx=2.6623538760e-5, lambdaPy=2.6623538760e-5, lambdaPt=2.0e-3,
    muxpx=-0.846574929020762, muypy=0.846574929020762, mutpt=0.0,
)

FODO_DECK = """
beam.npart = 2000
beam.units = static
beam.kin_energy = 2.0e3
beam.charge = 1.0e-9
beam.particle = electron
beam.distribution = waterbag
beam.lambdaX = 3.9984884770e-5
beam.lambdaY = 3.9984884770e-5
beam.lambdaT = 1.0e-3
beam.lambdaPx = 2.6623538760e-5
beam.lambdaPy = 2.6623538760e-5
beam.lambdaPt = 2.0e-3
beam.muxpx = -0.846574929020762
beam.muypy = 0.846574929020762
beam.mutpt = 0.0
lattice.elements = monitor d1 q1 d2 q2 d1 monitor
lattice.nslice = 7
monitor.type = beam_monitor
d1.type = drift
d1.ds = 0.25
q1.type = quad
q1.ds = 1.0
q1.k = 1.0
d2.type = drift
d2.ds = 0.5
q2.type = quad
q2.ds = 1.0
q2.k = -1.0
algo.space_charge = false
diag.slice_step_diagnostics = true
"""


def python_fodo(prefix: str = "diags", npart: int = 2000) -> ImpactX:
    sim = ImpactX()
    sim.slice_step_diagnostics = True
    sim.diag_file_prefix = prefix
    sim.init_grids()
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(2.0e3)
    sim.add_particles(1.0e-9, distribution.Waterbag(**WATERBAG), npart)
    d1 = elements.Drift(name="d1", ds=0.25, nslice=7)
    monitor = elements.BeamMonitor("monitor")
    sim.lattice.extend([monitor, d1, elements.Quad(name="q1", ds=1.0, k=1.0, nslice=7),
                        elements.Drift(name="d2", ds=0.5, nslice=7),
                        elements.Quad(name="q2", ds=1.0, k=-1.0, nslice=7), d1, monitor])
    return sim


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_package_metadata():
    assert wakeline.__version__
    assert wakeline.Simulation is wakeline.ImpactX
    assert issubclass(wakeline.InputError, ValueError)


def test_python_run_is_the_deck_run_bit_for_bit(in_tmp, wakeline):
    (in_tmp / "deck.in").write_text(FODO_DECK)
    wakeline.run("deck.in", "diag.file_prefix=cli", "--quiet", cwd=in_tmp).assert_ok()
    sim = python_fodo("py")
    out = sim.track_particles()
    assert Path(out).name == "py"
    cli = read_table(in_tmp / "cli" / "reduced_beam_characteristics.0")
    py = read_table(in_tmp / "py" / "reduced_beam_characteristics.0")
    assert list(cli.columns) == list(py.columns)
    assert len(cli) == len(py) == 1 + 7 * 5 + 2
    np.testing.assert_array_equal(cli.to_numpy(), py.to_numpy())
    a = read_openpmd(in_tmp / "cli" / "openPMD" / "monitor.h5")
    b = read_openpmd(in_tmp / "py" / "openPMD" / "monitor.h5")
    assert sorted(a) == sorted(b)
    last = max(a)
    for comp in ("x", "px", "y", "py", "t", "pt"):
        np.testing.assert_array_equal(a[last][comp], b[last][comp])
    # the live beam is the final monitor's beam
    np.testing.assert_array_equal(np.sort(sim.beam.x), np.sort(b[last]["x"]))
    assert sim.beam.ref.s == pytest.approx(3.0, rel=1e-14)


def test_arrays_are_views_of_the_particles(in_tmp):
    sim = python_fodo(npart=100)
    x = sim.beam.x
    assert x.base is not None and not x.flags["OWNDATA"]
    assert np.shares_memory(x, sim.beam.x)
    before = sim.beam.beam_moments()["mean_x"]
    x += 1e-3  # moves the particles in the C++ storage
    assert sim.beam.beam_moments()["mean_x"] == pytest.approx(before + 1e-3, rel=1e-12)
    soa = sim.beam.soa().to_xp()
    assert np.shares_memory(soa.real["position_x"], x)
    df = sim.beam.to_df()
    assert list(df.columns[:6]) == ["position_x", "position_y", "position_t", "momentum_x", "momentum_y",
                                    "momentum_t"]
    assert len(df) == 100 and (df["id"] > 0).all()
    assert not np.shares_memory(df["position_x"].to_numpy(), x)  # to_df is a copy


def test_add_n_particles_and_moments(in_tmp):
    sim = ImpactX()
    sim.diagnostics = False
    sim.beam.ref.set_species("proton").set_kin_energy_MeV(100.0)
    n = 4
    x = np.array([1e-3, -1e-3, 2e-3, -2e-3])
    zero = np.zeros(n)
    sim.beam.add_n_particles(x, zero, zero, zero, zero, zero, qm=sim.beam.ref.qm_ratio_SI, bunch_charge=1e-12)
    m = sim.beam.beam_moments()
    assert m["sigma_x"] == pytest.approx(np.std(x), rel=1e-14)
    assert m["charge_C"] == pytest.approx(1e-12, rel=1e-12)
    assert list(sim.beam.id) == [1, 2, 3, 4]
    sim.lattice.append(elements.Drift(ds=1.0))
    sim.track_particles()
    np.testing.assert_array_equal(sim.beam.x, x)  # no momentum: a drift does not move them
    with pytest.raises(ValueError, match="exactly one of bunch_charge and w"):
        sim.beam.add_n_particles(x, zero, zero, zero, zero, zero, qm=1.0)


def test_programmable_drift_equals_the_drift(in_tmp):
    def run(programmable: bool) -> ImpactX:
        sim = python_fodo(npart=500)
        sim.diagnostics = False
        if programmable:
            d = elements.Programmable(name="pd", ds=0.5, nslice=7)

            def particles(pti, refpart):
                soa = pti.soa().to_xp()
                ds = d.ds / d.nslice
                soa.real["position_x"][:] += ds * soa.real["momentum_x"]
                soa.real["position_y"][:] += ds * soa.real["momentum_y"]
                soa.real["position_t"][:] += ds / (refpart.pt**2 - 1.0) * soa.real["momentum_t"]

            def reference(refpart):
                ds = d.ds / d.nslice
                step = ds / refpart.beta_gamma
                refpart.z += step * refpart.pz
                refpart.t -= step * refpart.pt
                refpart.s += ds

            d.beam_particles = particles
            d.ref_particle = reference
            sim.lattice[3] = d
        sim.track_particles()
        return sim

    a, b = run(False), run(True)
    for c in ("x", "px", "y", "py", "t", "pt"):
        np.testing.assert_allclose(getattr(b.beam, c), getattr(a.beam, c), rtol=1e-12, atol=1e-18)
    assert b.beam.ref.s == pytest.approx(a.beam.ref.s, rel=1e-14)
    assert b.beam.ref.t == pytest.approx(a.beam.ref.t, rel=1e-12)


def test_programmable_push_sees_the_whole_beam_and_can_lose_particles(in_tmp):
    sim = python_fodo(npart=200)
    sim.diagnostics = False
    calls = []

    def cut(beam, step, period):
        calls.append((step, period, len(beam)))
        beam.id[beam.x > 0] *= -1  # lose every particle with x > 0

    p = elements.Programmable(name="cut")
    p.push = cut
    sim.lattice.insert(2, p)
    sim.track_particles()
    assert len(calls) == 1 and calls[0][2] == 200
    assert 0 < len(sim.beam) < 200
    assert len(sim.beam) + len(sim.beam.lost) == 200
    assert (sim.beam.lost.id > 0).all()


def test_hooks_run_in_order_with_the_tracking_state(in_tmp):
    sim = python_fodo(npart=50)
    sim.diagnostics = False
    sim.periods = 2
    seen = []
    sim.hook["before_period"] = lambda s: seen.append(("period", s.tracking_period))
    sim.hook["before_element"] = lambda s: seen.append(("element", s.tracking_element.name, s.tracking_step))
    sim.hook["after_period"] = lambda s: seen.append(("end", s.tracking_period))
    sim.track_particles()
    names = [e[1] for e in seen if e[0] == "element"]
    assert names == ["monitor", "d1", "q1", "d2", "q2", "d1", "monitor"] * 2
    assert seen[0] == ("period", 0) and seen[-1] == ("end", 1)
    steps = [e[2] for e in seen if e[0] == "element"]
    assert steps[:3] == [0, 1, 8]  # the monitor is one step, d1 seven
    with pytest.raises(KeyError, match="unknown hook"):
        sim.hook["before_step"] = print


def test_a_hook_may_change_the_beam(in_tmp):
    sim = python_fodo(npart=50)
    sim.diagnostics = False

    def kick(s):
        if s.tracking_element.name == "d2":
            s.beam.px[:] += 1e-4

    sim.hook["before_element"] = kick
    ref = python_fodo(npart=50)
    ref.diagnostics = False
    sim.track_particles()
    ref.track_particles()
    assert sim.beam.beam_moments()["mean_px"] != pytest.approx(ref.beam.beam_moments()["mean_px"], abs=1e-6)


def test_a_python_exception_in_a_hook_stops_the_run_and_leaves_no_output(in_tmp):
    sim = python_fodo(npart=50)

    def fail(_):
        raise RuntimeError("stop here")

    sim.hook["after_element"] = fail
    with pytest.raises(RuntimeError, match="stop here"):
        sim.track_particles()
    assert not (in_tmp / "diags").exists()
    assert not [p for p in in_tmp.iterdir() if p.name.startswith(".")]


def test_envelope_matches_the_deck(in_tmp, wakeline):
    deck = FODO_DECK.replace("diag.slice_step_diagnostics = true", "algo.track = envelope")
    (in_tmp / "deck.in").write_text(deck)
    wakeline.run("deck.in", "diag.file_prefix=cli", "--quiet", cwd=in_tmp).assert_ok()
    sim = python_fodo("py")
    sim.slice_step_diagnostics = False
    sim.init_envelope(sim.beam.ref, distribution.Waterbag(**WATERBAG), 1e-9)
    sim.track_envelope()
    cli = read_table(in_tmp / "cli" / "reduced_beam_characteristics.0")
    py = read_table(in_tmp / "py" / "reduced_beam_characteristics.0")
    np.testing.assert_array_equal(cli.to_numpy(), py.to_numpy())
    m = sim.envelope.beam_moments()
    assert m["sigma_x"] == pytest.approx(cli["sigma_x"].iloc[-1], rel=1e-14)
    assert sim.envelope.envelope.shape == (6, 6)


def test_track_reference(in_tmp):
    sim = ImpactX()
    sim.diagnostics = False
    ref = wakeline.RefPart().set_species("electron").set_kin_energy_MeV(10.0)
    sim.lattice.extend([elements.Drift(ds=1.5), elements.Sbend(ds=0.5, rc=2.0)])
    sim.track_reference(ref)
    assert sim.beam.ref.s == pytest.approx(2.0, rel=1e-14)
    assert sim.beam.ref.z == pytest.approx(1.5 + 2.0 * np.sin(0.25), rel=1e-12)


def test_twiss_gives_the_deck_twiss_distribution(in_tmp, wakeline):
    t = twiss(beta_x=2.0, beta_y=3.0, beta_t=0.5, emitt_x=1e-9, emitt_y=2e-9, emitt_t=1e-6, alpha_x=-0.5,
              alpha_y=0.7)
    assert t["muxpx"] == pytest.approx(-0.5 / np.sqrt(2.0 * (1 + 0.25) / 2.0), rel=1e-14)
    assert t["lambdaX"] == pytest.approx(np.sqrt(1e-9 / ((1 + 0.25) / 2.0)), rel=1e-14)
    sim = ImpactX()
    sim.diagnostics = False
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(100.0)
    sim.add_particles(1e-9, distribution.Gaussian(**t), 20000)
    m = sim.beam.beam_moments()
    assert m["beta_x"] == pytest.approx(2.0, rel=0.05)
    assert m["alpha_y"] == pytest.approx(0.7, rel=0.05)
    with pytest.raises(ValueError, match="beta_x must be > 0"):
        twiss(beta_x=0, beta_y=1, beta_t=1, emitt_x=1, emitt_y=1, emitt_t=1)


def test_transfer_maps():
    ref = wakeline.RefPart().set_species("electron").set_kin_energy_MeV(2.0e3)
    drift = elements.Drift(ds=2.0, nslice=4)
    r = drift.transfer_map(ref)  # one slice
    assert r[0, 1] == pytest.approx(0.5, rel=1e-14)
    lat = wakeline.simulation.Lattice([drift, elements.Quad(ds=1.0, k=1.0)])
    m = lat.transfer_map(ref)
    k = 1.0
    quad = np.array([[np.cos(k), np.sin(k) / k], [-k * np.sin(k), np.cos(k)]])
    np.testing.assert_allclose(m[:2, :2], quad @ np.array([[1, 2.0], [0, 1]]), rtol=1e-13)
    trace = lat.map_trace(ref)
    assert [t["name"] for t in trace] == ["drift", "quad"]
    np.testing.assert_allclose(trace[-1]["M"], m, rtol=1e-13)
    assert lat.count_by_kind("Drift") == 1 and lat.has_kind("Quad") and not lat.has_kind("Sbend")
    assert lat.get_kinds() == ["Drift", "Quad"]
    assert lat.select(kind="Q.*")[0] is lat[1]


def test_elements_keep_impactx_keywords():
    q = elements.ChrQuad(ds=1.0, k=2.0, unit=1, nslice=3, name="qq")
    assert q.to_dict()["unit"] == 1 and q.nslice == 3
    q.nslice = 5
    assert q._to_core(wakeline.RefPart().set_kin_energy_MeV(1.0)).nslice == 5
    m = elements.Multipole(multipole=2, K_normal=0.1, K_skew=0.0)
    assert m._deck_values()["k_normal"] == 0.1
    assert elements.BeamMonitor("mon").name == "mon"
    assert elements.Quad(1.0, 2.0) == elements.Quad(ds=1.0, k=2.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'kk'"):
        elements.Quad(ds=1.0, kk=2.0)
    with pytest.raises(TypeError, match="missing required argument 'k'"):
        elements.Quad(ds=1.0)
    with pytest.raises(TypeError, match="keyword arguments only"):
        elements.RFCavity(1.0, 2.0, 3.0, 4.0)
    with pytest.raises(AttributeError, match="no parameter 'kk'"):
        q.kk = 1.0
    old = elements.Drift(ds=1.0, x_aperture=1e-3, y_aperture=2e-3)  # ImpactX's older spelling
    assert (old.aperture_x, old.aperture_y) == (1e-3, 2e-3)
    lin = elements.LinearMap(R=np.eye(6), ds=0.5)
    r = lin.transfer_map(wakeline.RefPart().set_kin_energy_MeV(1.0))
    np.testing.assert_array_equal(r, np.eye(6))


def test_every_element_class_builds(in_tmp):
    ref = wakeline.RefPart().set_species("electron").set_kin_energy_MeV(100.0)
    made = [
        elements.Drift(ds=1), elements.ChrDrift(ds=1), elements.ExactDrift(ds=1), elements.Quad(ds=1, k=1),
        elements.ChrQuad(ds=1, k=1), elements.ExactQuad(ds=1, k=1), elements.QuadEdge(k=1, flag="exit"),
        elements.Sbend(ds=1, rc=10), elements.ExactSbend(ds=1, phi=5), elements.CFbend(ds=1, rc=10, k=0.1),
        elements.ExactCFbend(ds=1, k_normal=[0.1, 0.2], k_skew=[0, 0]), elements.DipEdge(psi=0.1, rc=10, g=0.01),
        elements.ThinDipole(theta=1, rc=10), elements.Multipole(multipole=3, K_normal=1, K_skew=0),
        elements.ExactMultipole(ds=1, k_normal=[0, 0.1], k_skew=[0, 0]), elements.NonlinearLens(knll=1e-6, cnll=0.01),
        elements.Sol(ds=1, ks=0.5), elements.ConstF(ds=1, kx=1, ky=1, kt=0.5), elements.ChrPlasmaLens(ds=1, k=1),
        elements.TaperedPL(k=1, taper=0.1), elements.ChrAcc(ds=1, ez=0.1, bz=0.1), elements.ShortRF(V=0.01, freq=1e9),
        elements.Buncher(V=0.01, k=1.0), elements.Kicker(xkick=1e-3, ykick=0), elements.PRot(phi_in=1, phi_out=2),
        elements.PlaneXYRot(angle=10), elements.Aperture(aperture_x=1e-3, aperture_y=1e-3),
        elements.PolygonAperture(vertices_x=[1, -1, -1, 1, 1], vertices_y=[1, 1, -1, -1, 1]),
        elements.RFCavity(ds=1, escale=0.01, freq=1.3e9, phase=0), elements.SoftQuadrupole(ds=1, gscale=1),
        elements.SoftSolenoid(ds=1, bscale=1), elements.LinearMap(R=np.eye(6)), elements.BeamMonitor("m"),
        elements.Marker("mark"), elements.Empty(),
    ]
    kinds = set()
    for e in made:
        core = e._to_core(ref)
        kinds.add(core.type)
    assert len(kinds) == len(made) - 1  # Empty is a marker


def test_bad_values_name_the_parameter():
    ref = wakeline.RefPart().set_kin_energy_MeV(1.0)
    with pytest.raises(wakeline.InputError, match=r"nslice.*>= 1"):
        elements.Drift(ds=1.0, nslice=0)._to_core(ref)
    with pytest.raises(wakeline.InputError, match="unknown species 'muon'"):
        wakeline.RefPart().set_species("muon")
    sim = ImpactX()
    sim.space_charge = "4D"
    with pytest.raises(wakeline.InputError, match="space_charge.*'4D' is not valid"):
        sim.init_grids()
    sim.space_charge = "3D"
    sim.init_grids()
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(100.0)
    sim.lattice.append(elements.Drift(ds=1.0))
    with pytest.raises(wakeline.InputError, match="algo.particle_shape.*missing required key"):
        sim.track_particles()  # the mesh keys are checked when tracking starts
    with pytest.raises(AttributeError, match="no setting 'space_charg'"):
        sim.space_charg = True
    sim.blocking_factor_x = [16]  # an AMReX setting: accepted, no effect


def test_add_particles_calls_draw_different_particles():
    sim = ImpactX()
    sim.diagnostics = False
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(100.0)
    sim.add_particles(1e-9, distribution.Waterbag(**WATERBAG), 10)
    sim.add_particles(1e-9, distribution.Waterbag(**WATERBAG), 10)
    assert len(set(sim.beam.x)) == 20
    assert list(sim.beam.id) == list(range(1, 21))


# ImpactX-style scripts against the conformance expectations of the same cases.
CASES = {"fodo.py": "fodo", "fodo_programmable.py": "fodo", "fodo_envelope.py": "fodo_envelope",
         "chicane.py": "chicane", "expanding_fft.py": "expanding_fft"}


@pytest.mark.skipif(not (CONFORMANCE / "check").exists(), reason="../shared/conformance is not there")
@pytest.mark.parametrize("script", sorted(CASES))
def test_impactx_style_scripts_meet_the_conformance_expectations(script, tmp_path):
    loader = importlib.machinery.SourceFileLoader("conformance_check", str(CONFORMANCE / "check"))
    spec = importlib.util.spec_from_loader("conformance_check", loader)
    check = importlib.util.module_from_spec(spec)
    loader.exec_module(check)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, str(SCRIPTS / script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    case = CONFORMANCE / "cases" / CASES[script]
    ok, why = check.evaluate(str(case), str(tmp_path), json.loads((case / "expect.json").read_text()))
    assert ok, why


@pytest.mark.parametrize("layout", ["impactx", "lab"])
def test_beam_to_openpmd_and_back(in_tmp, layout):
    sim = python_fodo(npart=300)
    sim.beam.to_openpmd(in_tmp / "beam.h5", layout=layout)
    other = ImpactX()
    other.diagnostics = False
    other.beam.ref = sim.beam.ref.copy()
    assert other.beam.add_from_openpmd(in_tmp / "beam.h5") == 300
    for c in ("x", "px", "y", "py", "t", "pt"):
        want = getattr(sim.beam, c)
        # the lab layout goes through SI momenta and a drift to the reference plane and back
        np.testing.assert_allclose(getattr(other.beam, c), want, rtol=0, atol=1e-11 * np.abs(want).max())
    assert other.beam.beam_moments()["charge_C"] == pytest.approx(sim.beam.beam_moments()["charge_C"], rel=1e-12)
    with pytest.raises(wakeline.InputError, match="layout"):
        sim.beam.to_openpmd(in_tmp / "x.h5", layout="si")


def test_source_element_injects_a_saved_beam(in_tmp):
    first = python_fodo(npart=200)
    first.diagnostics = False
    first.beam.to_openpmd(in_tmp / "start.h5")
    first.track_particles()
    sim = ImpactX()
    sim.diagnostics = False
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(2.0e3)
    sim.lattice.append(elements.Source(distribution="openPMD", openpmd_path="start.h5"))
    sim.lattice.extend(first.lattice[1:])
    sim.track_particles()
    assert len(sim.beam) == 200
    np.testing.assert_allclose(np.sort(sim.beam.x), np.sort(first.beam.x), rtol=1e-12, atol=1e-18)


def test_pals_round_trip_tracks_identically(in_tmp):
    sim = python_fodo(npart=300)
    sim.diagnostics = False
    ref = sim.beam.ref.copy()
    text = sim.lattice.to_pals(in_tmp / "fodo.pals.yaml", ref=ref)
    assert "PALS" in text and (in_tmp / "fodo.pals.yaml").read_text() == text
    again = python_fodo(npart=300)
    again.diagnostics = False
    again.lattice.clear()
    again.lattice.load_file(in_tmp / "fodo.pals.yaml", ref=ref)
    assert [e.name for e in again.lattice] == [e.name for e in sim.lattice]
    sim.track_particles()
    again.track_particles()
    for c in ("x", "px", "y", "py", "t", "pt"):
        np.testing.assert_array_equal(getattr(again.beam, c), getattr(sim.beam, c))
    with pytest.raises(ValueError, match="reference particle"):
        again.lattice.load_file(in_tmp / "fodo.pals.yaml")


def test_the_getting_started_example_runs(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "examples" / "python" / "getting_started.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "getting_started"
    for f in ("beam_lab.h5", "beam_impactx.h5", "fodo.pals.yaml", "diags/openPMD/monitor.h5",
              "diags/plots/phasespace_monitor.png"):
        assert (out / f).is_file(), f
    assert "PALS lattice: ['monitor', 'd1', 'qf', 'd2', 'qd', 'd1', 'monitor']" in proc.stdout


def test_elements_changed_in_a_hook_take_effect(in_tmp):
    """ImpactX holds elements by reference: a hook may retune the lattice between turns."""
    sim = ImpactX()
    sim.diagnostics = False
    sim.periods = 4
    sim.beam.ref.set_species("proton").set_kin_energy_MeV(100.0)
    drift = elements.Drift(name="drift1", ds=1.0)

    def retune(s):
        s.lattice.select(name="drift1")[0].ds = 1.0 / (s.tracking_period + 1)

    sim.lattice.append(drift)
    sim.hook["before_period"] = retune
    sim.track_particles()
    assert sim.beam.ref.s == pytest.approx(1 + 1 / 2 + 1 / 3 + 1 / 4, rel=1e-14)


def test_map6x6_and_cut_gaussian():
    r = wakeline.Map6x6.identity()
    r[1, 2] = 0.5
    assert r[1, 2] == 0.5 and np.asarray(r)[0, 1] == 0.5
    with pytest.raises(IndexError):
        r[0, 1]
    ref = wakeline.RefPart().set_kin_energy_MeV(1.0)
    np.testing.assert_array_equal(elements.LinearMap(R=r).transfer_map(ref), np.asarray(r))
    keys = dict(lambdaX=1e-3, lambdaY=1e-3, lambdaT=1e-3, lambdaPx=1e-4, lambdaPy=1e-4, lambdaPt=1e-4, cutX=2.0,
                cutY=2.0, cutT=2.0)
    beams = []
    for kind in (distribution.CutGaussian, distribution.Gaussian):
        sim = ImpactX()
        sim.diagnostics = False
        sim.beam.ref.set_species("electron").set_kin_energy_MeV(100.0)
        sim.add_particles(1e-9, kind(**keys), 5000)
        beams.append(sim.beam.x.copy())
    np.testing.assert_array_equal(beams[0], beams[1])
    # cut at 2 sigma in action, rescaled to rms lambdaX: |x| <= 2 lambdaX / sqrt(variance of the cut pair)
    edge = np.exp(-2.0)
    bound = 2.0 * 1e-3 / np.sqrt(1.0 - 0.5 * 4.0 * edge / (1.0 - edge))
    assert np.abs(beams[0]).max() <= bound * (1 + 1e-12)


def test_2d_space_charge_takes_the_current_from_add_particles(in_tmp):
    """ImpactX passes the beam current (A) as add_particles' first argument with 2D space charge."""
    def run(current):
        sim = ImpactX()
        sim.diagnostics = False
        sim.space_charge = "2D"
        sim.particle_shape = 2
        sim.n_cell = [32, 32, 1]
        sim.init_grids()
        sim.beam.ref.set_charge_qe(1.0).set_mass_MeV(938.27208816).set_kin_energy_MeV(6.7)
        sim.add_particles(current, distribution.Waterbag(lambdaX=1e-3, lambdaY=1e-3, lambdaT=1e-3,
                                                         lambdaPx=1e-4, lambdaPy=1e-4, lambdaPt=1e-4), 2000)
        sim.lattice.append(elements.Drift(ds=1.0, nslice=5))
        sim.track_particles()
        return sim.beam.beam_moments()["sigma_x"]

    assert run(0.5) > run(0.05) * 1.001  # more current, more defocusing


def test_plasma_stage_from_python(in_tmp):
    """elements.PlasmaStage with Wake-T's custom_blowout: a constant -10 GV/m over 1 cm gives an
    electron 100 MeV, and the reference particle follows the beam's mean energy."""
    sim = ImpactX()
    sim.diagnostics = False
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(100.0)
    sim.add_particles(1e-12, distribution.Gaussian(lambdaX=1e-6, lambdaY=1e-6, lambdaT=1e-6, lambdaPx=1e-5,
                                                   lambdaPy=1e-5, lambdaPt=1e-4), 500)
    sim.lattice.append(elements.PlasmaStage(ds=0.01, density=1e23, wakefield_model="custom_blowout",
                                            lon_field=-10e9))
    sim.track_particles()
    assert sim.beam.ref.kin_energy_MeV == pytest.approx(200.0, rel=1e-4)
    assert sim.beam.ref.s == pytest.approx(0.01, rel=1e-14)
    assert abs(sim.beam.beam_moments()["mean_pt"]) < 1e-6
    with pytest.raises(wakeline.InputError, match="cold_fluid_1d"):
        elements.PlasmaStage(ds=0.01, density=1e23, wakefield_model="cold_fluid_1d")._to_core(sim.beam.ref)
