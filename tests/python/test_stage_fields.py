"""Field snapshots (openPMD meshes) and particle-beam drivers of a quasistatic_2d plasma_stage.

* the CLI writes diags/openPMD/<stage>_fields.h5, which openPMD-viewer and openPMD-api read as a thetaMode
  (r, z) series: E (r, t, z), B (r, t, z), W_r, rho, rho_beam, psi, chi [, a_mod, a_phase], at the wake
  updates asked for, with the grid moving at c;
* a rigid driver defined with the stage (a PWFA driver) deposits its charge (rho_beam integrates to it)
  and drives a wake whose decelerating field sits on the driver;
* the Python API builds the same stage with elements.DriverBunch and writes the same file.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import wakeline
from wakeline import ImpactX, distribution, elements

N_P = 1e23
DS = 1.0e-3
DZ = 0.25e-3
Q_DRIVER = -200e-12

DECK = f"""\
beam.npart = 200
beam.units = static
beam.kin_energy = 500
beam.charge = 1e-15
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 1e-6
beam.lambdaY = 1e-6
beam.lambdaT = 1e-6
beam.lambdaPx = 1e-5
beam.lambdaPy = 1e-5
beam.lambdaPt = 1e-4

lattice.elements = stage
stage.type = plasma_stage
stage.ds = {DS}
stage.wakefield_model = quasistatic_2d
stage.density = {N_P}
stage.r_max = 80e-6
stage.xi_min = -40e-6
stage.xi_max = 100e-6
stage.n_r = 80
stage.n_xi = 141
stage.ppc = 2
stage.dz_fields = {DZ}
stage.diag_fields_every = 2
stage.drivers = drv
drv.charge = {Q_DRIVER}
drv.kin_energy = 1000
drv.sigma_x = 5e-6
drv.sigma_xi = 10e-6
drv.xi_c = 70e-6
drv.npart = 20000
drv.evolve = false
"""


def test_cli_writes_the_stage_fields_for_openpmd_viewer(wakeline, tmp_path):
    openpmd_viewer = pytest.importorskip("openpmd_viewer")
    wakeline.run_deck(DECK, cwd=tmp_path).assert_ok()
    path = tmp_path / "diags" / "openPMD" / "stage_fields.h5"
    ts = openpmd_viewer.OpenPMDTimeSeries(str(path), check_all_files=False)
    # 4 wake updates (z = 0, 0.25, 0.5, 0.75 mm), every second one written.
    assert list(ts.iterations) == [0, 1]
    assert np.allclose(ts.t, [0.0, 2 * DZ / 299792458.0], rtol=0, atol=1e-20)
    assert set(ts.avail_fields) == {"E", "B", "W_r", "rho", "rho_beam", "psi", "chi"}

    ez0, info0 = ts.get_field("E", "z", iteration=0)
    ez1, info1 = ts.get_field("E", "z", iteration=1)
    # openPMD-viewer mirrors the thetaMode grid to -r..r: 2 n_r by n_xi.
    assert ez0.shape == (160, 141)
    assert info0.z[0] == pytest.approx(-40e-6, abs=1e-12)
    assert info1.z[0] - info0.z[0] == pytest.approx(2 * DZ, rel=1e-9)  # the box moves at c
    assert info0.r[80] == pytest.approx(0.5e-6, rel=1e-9)  # cell-centred in r
    # A rigid driver: the same wake at every update (up to the 1e-15 C witness, which moves).
    assert np.allclose(ez1, ez0, rtol=0, atol=1e-4 * np.abs(ez0).max())
    # The driver decelerates itself (E_z > 0 on axis at its centre) and the wake behind it accelerates.
    on_axis = ez0[80]
    j_drv = int(round((70e-6 + 40e-6) / info0.dz))
    assert on_axis[j_drv] > 1e9
    assert on_axis[: j_drv - 20].min() < -1e9

    # The beam charge density integrates to the driver's charge (the witness carries 1e-15 C).
    rho_beam, info = ts.get_field("rho_beam", iteration=0)
    half = rho_beam[80:]  # r > 0
    r = info.r[80:]
    charge = np.sum(half * 2 * math.pi * r[:, None] * info.dr * info.dz)
    assert charge == pytest.approx(Q_DRIVER, rel=0.02)
    # The plasma responds: electron density (rho < 0) is pushed out near the driver.
    rho, _ = ts.get_field("rho", iteration=0)
    e_charge_density = -1.602176634e-19 * N_P
    assert rho[80, -1] == pytest.approx(e_charge_density, rel=1e-3)  # ahead of the driver: unperturbed
    assert rho[80].max() > 0.5 * e_charge_density  # somewhere the density drops

    # The driver is a lab-frame species of each snapshot: at the grid's position, with its charge and energy.
    assert ts.avail_species == ["drv"]
    z, uz, w = ts.get_particle(["z", "uz", "w"], species="drv", iteration=1)
    assert len(z) == 20000
    assert np.mean(z) == pytest.approx(2 * DZ + 70e-6, abs=0.5e-6)  # s_entrance + c t + xi_c
    assert np.mean(uz) == pytest.approx(1 + 1000 / 0.51099895, rel=1e-3)  # rigid: as it entered
    assert np.sum(w) * 1.602176634e-19 == pytest.approx(-Q_DRIVER, rel=1e-9)

    # wakeline.plot takes the snapshot file for what it is: meshes, not a beam monitor.
    from wakeline import plot

    assert plot.list_monitors(tmp_path / "diags") == {}


def test_openpmd_api_reads_the_field_records(wakeline, tmp_path):
    io = pytest.importorskip("openpmd_api")
    deck = DECK.replace("stage.diag_fields_every = 2", "stage.diag_fields_z = 0.0\nstage.diag_fields = E psi")
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    series = io.Series(str(tmp_path / "diags" / "openPMD" / "stage_fields.h5"), io.Access.read_only)
    assert list(series.iterations) == [0]
    it = series.iterations[0]
    assert sorted(it.meshes) == ["E", "psi"]
    e = it.meshes["E"]
    assert e.geometry == io.Geometry.thetaMode
    assert e.axis_labels == ["r", "z"]
    assert list(e.grid_spacing) == pytest.approx([1e-6, 1e-6])
    ez = e["z"].load_chunk()
    series.flush()
    assert ez.shape == (1, 80, 141)
    assert np.abs(ez).max() > 1e9


def test_python_stage_with_a_driver_bunch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    driver = elements.DriverBunch(charge=Q_DRIVER, kin_energy=1000.0, sigma_x=5e-6, sigma_xi=10e-6, xi_c=70e-6,
                                  npart=20000, evolve=False)
    stage = elements.PlasmaStage(ds=DS, density=N_P, wakefield_model="quasistatic_2d", r_max=80e-6,
                                 xi_min=-40e-6, xi_max=100e-6, n_r=80, n_xi=141, dz_fields=DZ,
                                 drivers=[driver], diag_fields_z=[0.0], name="pwfa")
    # to_dict / from_dicts keep the driver.
    d = stage.to_dict()
    assert d["drivers"][0]["charge"] == Q_DRIVER
    sim = ImpactX()
    sim.beam.ref.set_species("electron").set_kin_energy_MeV(500.0)
    sim.add_particles(1e-15, distribution.Gaussian(lambdaX=1e-6, lambdaY=1e-6, lambdaT=1e-6, lambdaPx=1e-5,
                                                   lambdaPy=1e-5, lambdaPt=1e-4), 200)
    sim.lattice.append(stage)
    sim.track_particles()
    sim.finalize()
    assert (tmp_path / "diags" / "openPMD" / "pwfa_fields.h5").exists()
    # The witness, 70 um behind the driver, rides its wake: its energy changed by ~E_z ds (GV/m * mm).
    assert sim.beam.ref.s == pytest.approx(DS, rel=1e-12)
    assert abs(sim.beam.ref.kin_energy_MeV - 500.0) > 0.1
    with pytest.raises(wakeline.InputError, match="drv|driver0"):
        bad = elements.DriverBunch(charge=-Q_DRIVER, kin_energy=1000.0, sigma_x=5e-6, sigma_xi=10e-6, xi_c=0.0)
        elements.PlasmaStage(ds=DS, density=N_P, wakefield_model="quasistatic_2d", r_max=80e-6, xi_min=-40e-6,
                             xi_max=100e-6, n_r=80, n_xi=141, drivers=[bad])._to_core(sim.beam.ref)
    with pytest.raises(TypeError, match="sigma_z"):
        elements.DriverBunch(charge=-1e-12, kin_energy=1.0, sigma_x=1e-6, sigma_z=1e-6, xi_c=0.0)


def test_python_active_plasma_lens_with_wakefields(tmp_path, monkeypatch):
    """A 300 pC beam in a 1 mm active plasma lens with its own wake loses energy; without the wake
    (and with the same lens field) it keeps it."""
    monkeypatch.chdir(tmp_path)

    def run(wakefields: bool) -> float:
        sim = ImpactX()
        sim.diagnostics = False
        sim.beam.ref.set_species("electron").set_kin_energy_MeV(1000.0)
        sim.add_particles(300e-12, distribution.Gaussian(lambdaX=2e-6, lambdaY=2e-6, lambdaT=15e-6,
                                                         lambdaPx=1e-5, lambdaPy=1e-5, lambdaPt=1e-5), 5000)
        kw = dict(density=1e22, xi_min=-100e-6, xi_max=60e-6, r_max=150e-6, n_r=60, n_xi=161) if wakefields else {}
        sim.lattice.append(elements.ActivePlasmaLens(ds=1e-3, foc_strength=100.0, wakefields=wakefields, **kw))
        sim.track_particles()
        return sim.beam.ref.kin_energy_MeV - 1000.0

    assert abs(run(False)) < 1e-3
    assert run(True) == pytest.approx(-1.53, rel=0.05)  # tests/cpp: the charge-weighted E_z of its wake
