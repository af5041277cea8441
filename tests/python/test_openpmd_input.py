"""Beams from other codes' openPMD files: beam.distribution = openPMD and the source element.

The files are written here with openPMD-api in the layouts WarpX and Wake-T write (lab frame, one time,
SI). A few particles with known offsets give the expected ImpactX coordinates analytically: a particle
dz behind the reference plane arrives dz / beta_z later (t = dz / beta_z), one with a transverse
momentum reaches the plane displaced by (p_x / p_z) dz, and pt = -(E - E_ref) / (p0 c).
"""

from __future__ import annotations

import numpy as np
import openpmd_api as io
import pytest

from wakeline_helpers import C_LIGHT, M_E, M_E_MEV, Q_E, read_openpmd, read_table

KIN = 100.0  # MeV, the run's reference electron
GAMMA0 = 1.0 + KIN / M_E_MEV
BG0 = np.sqrt(GAMMA0**2 - 1.0)
P0 = M_E * C_LIGHT * BG0  # kg m/s
E0 = GAMMA0 * M_E * C_LIGHT**2  # J
MEV = 1.0e6 * Q_E

BASE = f"""\
beam.particle = electron
beam.kin_energy = {KIN}
algo.space_charge = false
lattice.elements = mon
mon.type = beam_monitor
"""


def momentum_for_kinetic(kin_mev):
    gamma = 1.0 + kin_mev / M_E_MEV
    return M_E * C_LIGHT * np.sqrt(gamma**2 - 1.0)


def known_particles(z0):
    """Three electrons around the plane z0: (x, y, z, px, py, pz) in SI, weights, and the analytic ImpactX
    coordinates each must get at the plane z0 relative to the 100 MeV reference."""
    p_b = momentum_for_kinetic(KIN + 1.0)  # B: 1 MeV above, 1 mm behind
    pz_c = P0 / np.sqrt(1.0 + 2e-3**2)  # C: |p| = p0 with x' = 2 mrad, 2 mm ahead
    lab = {
        "x": np.array([0.0, 5e-5, 1e-4]),
        "y": np.array([0.0, -3e-5, 0.0]),
        "z": np.array([z0, z0 - 1e-3, z0 + 2e-3]),
        "px": np.array([0.0, 0.0, 2e-3 * pz_c]),
        "py": np.array([0.0, 0.0, 0.0]),
        "pz": np.array([P0, p_b, pz_c]),
    }
    # Weights that put the weighted mean z on z0: 2e7 * (-1 mm) + 1e7 * (+2 mm) = 0.
    w = np.array([1.0e7, 2.0e7, 1.0e7])
    e_b = np.sqrt((p_b * C_LIGHT) ** 2 + (M_E * C_LIGHT**2) ** 2)
    beta_b = p_b * C_LIGHT / e_b
    beta_zc = pz_c * C_LIGHT / E0
    want = {
        "x": np.array([0.0, 5e-5, 1e-4 - 2e-3 * 2e-3]),  # C crossed the plane 2 mm * 2 mrad further in
        "y": np.array([0.0, -3e-5, 0.0]),
        "t": np.array([0.0, 1e-3 / beta_b, -2e-3 / beta_zc]),
        "px": np.array([0.0, 0.0, 2e-3 * pz_c / P0]),
        "py": np.zeros(3),
        "pt": np.array([0.0, -1.0 * MEV / (P0 * C_LIGHT), 0.0]),
    }
    return lab, w, want


def store(rc, array):
    array = np.ascontiguousarray(array)
    rc.reset_dataset(io.Dataset(array.dtype, array.shape))
    rc.store_chunk(array)


def constant(rc, value, n):
    rc.reset_dataset(io.Dataset(np.dtype("float64"), [n]))
    rc.make_constant(value)


def write_warpx(path, species, iteration=400, time=2.0e-8):
    """A WarpX particle diagnostic (openPMD-api, ED-PIC): position {x,y,z} and momentum in SI with a constant
    positionOffset 0, constant charge and mass, weighting (macroWeighted), id."""
    s = io.Series(str(path), io.Access.create)
    s.set_software("WarpX", "25.01")
    s.openPMD_extension = 1
    it = s.iterations[iteration]
    it.time = time
    it.dt = 1.0e-15
    for name, (lab, w, charge, mass) in species.items():
        n = len(w)
        sp = it.particles[name]
        for c in "xyz":
            store(sp["position"][c], lab[c])
            constant(sp["positionOffset"][c], 0.0, n)
            store(sp["momentum"][c], lab["p" + c])
        sp["position"].unit_dimension = {io.Unit_Dimension.L: 1}
        sp["positionOffset"].unit_dimension = {io.Unit_Dimension.L: 1}
        sp["momentum"].unit_dimension = {io.Unit_Dimension.L: 1, io.Unit_Dimension.M: 1, io.Unit_Dimension.T: -1}
        sp["momentum"].set_attribute("macroWeighted", np.uint32(0))
        sp["momentum"].set_attribute("weightingPower", 1.0)
        sc = io.Record_Component.SCALAR
        store(sp["weighting"][sc], w)
        sp["weighting"].set_attribute("macroWeighted", np.uint32(1))
        sp["weighting"].set_attribute("weightingPower", 1.0)
        constant(sp["charge"][sc], charge, n)
        constant(sp["mass"][sc], mass, n)
        sp["charge"].unit_dimension = {io.Unit_Dimension.T: 1, io.Unit_Dimension.I: 1}
        sp["mass"].unit_dimension = {io.Unit_Dimension.M: 1}
        store(sp["id"][sc], np.arange(11, 11 + n, dtype=np.uint64))
        sp.set_attribute("particleShape", 3.0)
        sp.set_attribute("currentDeposition", "Esirkepov")
    s.flush()
    s.close()


def write_waket(path, iterations):
    """Wake-T's openpmd_diag.py: fileBased data%08T.h5, one species per bunch, z = xi (co-moving) with a
    constant positionOffset/z = c t of shape [1] (x, y offsets 0 of shape [1]), momenta in SI, weighting,
    and charge and mass as constants of shape [1]."""
    s = io.Series(str(path), io.Access.create)
    s.set_software("Wake-T", "0.8.0")
    s.meshes_path = "fields"
    s.particles_path = "particles"
    s.openPMD_extension = 1
    for index, (time, xi, lab, w) in iterations.items():
        it = s.iterations[index]
        it.time = time
        it.dt = 1.0e-13
        sp = it.particles["elec_bunch"]
        for c in "xyz":
            store(sp["position"][c], xi if c == "z" else lab[c])
            off = sp["positionOffset"][c]
            off.reset_dataset(io.Dataset(np.dtype("float64"), [1]))
            off.make_constant(time * C_LIGHT if c == "z" else 0.0)
            store(sp["momentum"][c], lab["p" + c])
        sp["position"].unit_dimension = {io.Unit_Dimension.L: 1}
        sp["momentum"].unit_dimension = {io.Unit_Dimension.L: 1, io.Unit_Dimension.M: 1, io.Unit_Dimension.T: -1}
        sc = io.Record_Component.SCALAR
        store(sp["weighting"][sc], w)
        for record, value in (("charge", -Q_E), ("mass", M_E)):
            rc = sp[record][sc]
            rc.reset_dataset(io.Dataset(np.dtype("float64"), [1]))
            rc.make_constant(value)
        s.flush()
    s.close()


def run_and_read(wakeline, deck, cwd):
    result = wakeline.run_deck(deck, cwd=cwd).assert_ok()
    data = read_openpmd(cwd / "diags" / "openPMD" / "mon.h5")
    return result, data[min(data)]


def assert_coordinates(got, want, rtol=1e-12):
    for c in ("x", "y", "t", "px", "py", "pt"):
        scale = max(np.abs(want[c]).max(), 1e-300)
        np.testing.assert_allclose(got[c], want[c], rtol=0, atol=rtol * scale, err_msg=c)


def test_warpx_beam_at_its_mean_z(wakeline, tmp_path):
    lab, w, want = known_particles(z0=0.35)
    ions = {k: v[:1] for k, v in lab.items()}
    folder = tmp_path / "warpx" / "diags" / "diag1"
    folder.mkdir(parents=True)
    write_warpx(folder / "openpmd_%06T.h5", {"electrons": (lab, w, -Q_E, M_E), "ions": (ions, w[:1], Q_E, 1836 * M_E)})
    deck = BASE + (
        "beam.distribution = openPMD\n"
        f"beam.openpmd_path = {folder}/openpmd_%06T.h5\n"
        "beam.openpmd_species = electrons\n"
        "beam.npart = 1000\n"
        "beam.charge = 1e-9\n"
    )
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    result, got = run_and_read(wakeline, deck, run_dir)
    assert_coordinates(got, want)
    np.testing.assert_array_equal(got["weighting"], w)
    np.testing.assert_allclose(got["qm"], -Q_E / M_E, rtol=1e-15)
    np.testing.assert_array_equal(got["id"], [11, 12, 13])
    assert got.attributes["charge_C"] == pytest.approx(-4.0e7 * Q_E, rel=1e-12)
    # beam.npart and beam.charge are the file's: the deck's values only get a notice.
    out = result.stdout + result.stderr
    for key in ("beam.npart", "beam.charge"):
        assert f"'{key}' has no effect with beam.distribution = openPMD" in out


def test_warpx_beam_at_a_given_plane_and_through_the_source_element(wakeline, tmp_path):
    # The plane 1 mm downstream of the beam: every particle arrives later by 1 mm / beta_z, and C moves
    # 1 mm * 2 mrad further out.
    lab, w, want = known_particles(z0=0.35)
    path = tmp_path / "warpx.h5"
    write_warpx(path, {"electrons": (lab, w, -Q_E, M_E)})
    betaz = lab["pz"] * C_LIGHT / np.sqrt((np.sqrt(lab["px"] ** 2 + lab["pz"] ** 2) * C_LIGHT) ** 2 + (M_E * C_LIGHT**2) ** 2)
    want = dict(want, t=want["t"] + 1e-3 / betaz, x=want["x"] + lab["px"] / lab["pz"] * 1e-3)
    deck = BASE + (f"beam.distribution = openPMD\nbeam.openpmd_path = {path}\nbeam.openpmd_reference_plane = 0.351\n")
    (tmp_path / "a").mkdir()
    _, got = run_and_read(wakeline, deck, tmp_path / "a")
    assert_coordinates(got, want)

    # The same particles injected by a source element (only species in the file: no name needed).
    deck = BASE.replace("lattice.elements = mon", "lattice.elements = src mon") + (
        "beam.distribution = empty\n"
        "beam.units = static\n"
        "src.type = source\n"
        "src.distribution = openPMD\n"
        f"src.openpmd_path = {path}\n"
        "src.openpmd_reference_plane = 0.351\n"
    )
    (tmp_path / "b").mkdir()
    _, injected = run_and_read(wakeline, deck, tmp_path / "b")
    assert_coordinates(injected, want)
    np.testing.assert_array_equal(injected["weighting"], w)


def test_waket_bunch_from_its_last_iteration(wakeline, tmp_path):
    lab1, w1, want1 = known_particles(z0=0.0)
    lab0, w0, _ = known_particles(z0=0.0)
    lab0 = dict(lab0, x=lab0["x"] + 1.0)  # iteration 0 differs: the default must take iteration 1
    t1 = 3.0e-10  # s: the bunch has moved c t1 = 9 cm; positions are xi relative to that
    xi1 = lab1["z"] - 0.0
    folder = tmp_path / "hdf5"
    folder.mkdir()
    write_waket(folder / "data%08T.h5", {0: (0.0, lab0["z"], lab0, w0), 1: (t1, xi1, lab1, w1)})
    assert sorted(p.name for p in folder.iterdir()) == ["data00000000.h5", "data00000001.h5"]
    deck = BASE + f"beam.distribution = openPMD\nbeam.openpmd_path = {folder}/data%08T.h5\n"
    (tmp_path / "run").mkdir()
    _, got = run_and_read(wakeline, deck, tmp_path / "run")
    # The plane is the weighted mean z = c t1 (xi's weighted mean is 0): the same analytic coordinates.
    assert_coordinates(got, want1)
    np.testing.assert_array_equal(got["weighting"], w1)
    np.testing.assert_array_equal(got["id"], [1, 2, 3])  # Wake-T writes no ids

    # iteration 0 on request
    deck0 = deck + "beam.openpmd_iteration = 0\n"
    (tmp_path / "run0").mkdir()
    _, got0 = run_and_read(wakeline, deck0, tmp_path / "run0")
    np.testing.assert_allclose(got0["x"], want1["x"] + 1.0, rtol=1e-15)


LAB_RUN = """\
beam.npart = 2000
beam.units = static
beam.kin_energy = 300.0
beam.charge = 5.0e-10
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 5.0e-4
beam.lambdaY = 3.0e-4
beam.lambdaT = 2.0e-3
beam.lambdaPx = 1.0e-4
beam.lambdaPy = 2.0e-4
beam.lambdaPt = 5.0e-3
beam.muxpx = -0.5
beam.mutpt = 0.6
algo.space_charge = false
lattice.elements = d q imp lab
d.type = drift
d.ds = 1.0
q.type = quad
q.ds = 0.5
q.k = 2.0
imp.type = beam_monitor
lab.type = beam_monitor
lab.layout = lab
"""


@pytest.fixture(scope="module")
def lab_run(wakeline, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("labrun")
    wakeline.run_deck(LAB_RUN, cwd=cwd).assert_ok()
    return cwd


def reread_deck(path, extra=""):
    return (
        "beam.particle = electron\nbeam.kin_energy = 300.0\nalgo.space_charge = false\n"
        f"beam.distribution = openPMD\nbeam.openpmd_path = {path}\n"
        "lattice.elements = mon\nmon.type = beam_monitor\n" + extra
    )


def test_round_trip_through_the_lab_layout(wakeline, lab_run, tmp_path):
    before = read_openpmd(lab_run / "diags" / "openPMD" / "imp.h5")[3]  # d, q, imp: step 3
    _, after = run_and_read(wakeline, reread_deck(lab_run / "diags" / "openPMD" / "lab.h5"), tmp_path)
    assert_coordinates(after, before.arrays, rtol=1e-12)
    np.testing.assert_array_equal(after["id"], before["id"])
    np.testing.assert_allclose(after["weighting"], before["weighting"], rtol=1e-15)
    assert after.attributes["charge_C"] == pytest.approx(before.attributes["charge_C"], rel=1e-12)
    # The plane was the file's own reference (s_ref = 1.5 m), not the beam's mean z: with `mean` the
    # beam is taken to a plane a little away, which shifts t by the mean offset.
    (tmp_path / "mean").mkdir()
    deck = reread_deck(lab_run / "diags" / "openPMD" / "lab.h5", "beam.openpmd_reference_plane = mean\n")
    _, shifted = run_and_read(wakeline, deck, tmp_path / "mean")
    assert np.average(shifted["t"], weights=shifted["weighting"]) == pytest.approx(0.0, abs=1e-9)
    assert abs(np.average(before["t"], weights=before["weighting"])) > 1e-6


def test_envelope_from_an_openpmd_beam_is_its_covariance(wakeline, lab_run, tmp_path):
    path = lab_run / "diags" / "openPMD" / "lab.h5"
    (tmp_path / "p").mkdir()
    wakeline.run_deck(reread_deck(path), cwd=tmp_path / "p").assert_ok()
    (tmp_path / "e").mkdir()
    wakeline.run_deck(reread_deck(path, "algo.track = envelope\n"), cwd=tmp_path / "e").assert_ok()
    particles = read_table(tmp_path / "p" / "diags" / "reduced_beam_characteristics.0").iloc[0]
    envelope = read_table(tmp_path / "e" / "diags" / "reduced_beam_characteristics.0").iloc[0]
    for column in ("mean_x", "mean_pt", "sigma_x", "sigma_px", "sigma_y", "sigma_py", "sigma_t", "sigma_pt",
                   "emittance_x", "emittance_y", "emittance_t", "alpha_x", "beta_x", "charge_C"):
        assert envelope[column] == pytest.approx(particles[column], rel=1e-9, abs=1e-15), column
    assert envelope["sigma_x"] > 0 and envelope["charge_C"] == pytest.approx(-5.0e-10, rel=1e-12)


def test_several_species_without_beam_must_be_named(wakeline, tmp_path):
    lab, w, _ = known_particles(z0=0.0)
    path = tmp_path / "two.h5"
    write_warpx(path, {"electrons": (lab, w, -Q_E, M_E), "positrons": (lab, w, Q_E, M_E)})
    result = wakeline.run_deck(BASE + f"beam.distribution = openPMD\nbeam.openpmd_path = {path}\n", cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "beam.openpmd_path" in result.stderr and "electrons, positrons" in result.stderr
    assert not (tmp_path / "diags").exists()


def test_lab_file_without_mass_and_bad_plane_are_input_errors(wakeline, tmp_path):
    lab, w, _ = known_particles(z0=0.0)
    path = tmp_path / "nomass.h5"
    write_warpx(path, {"electrons": (lab, w, -Q_E, M_E)})
    import h5py

    with h5py.File(path, "r+") as f:
        del f["data/400/particles/electrons/mass"]
    result = wakeline.run_deck(BASE + f"beam.distribution = openPMD\nbeam.openpmd_path = {path}\n", cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "no 'mass' record" in result.stderr

    good = tmp_path / "good.h5"
    write_warpx(good, {"electrons": (lab, w, -Q_E, M_E)})
    deck = BASE + f"beam.distribution = openPMD\nbeam.openpmd_path = {good}\nbeam.openpmd_reference_plane = middle\n"
    result = wakeline.run_deck(deck, cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "beam.openpmd_reference_plane" in result.stderr and "mean" in result.stderr


def test_backward_moving_particle_is_an_input_error(wakeline, tmp_path):
    lab, w, _ = known_particles(z0=0.0)
    lab["pz"][1] = -lab["pz"][1]
    path = tmp_path / "back.h5"
    write_warpx(path, {"electrons": (lab, w, -Q_E, M_E)})
    result = wakeline.run_deck(BASE + f"beam.distribution = openPMD\nbeam.openpmd_path = {path}\n", cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "particle 1" in result.stderr and "does not move forward" in result.stderr
