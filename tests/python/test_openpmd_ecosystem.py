"""Beam monitors read by the openPMD ecosystem: openPMD-api, openPMD-viewer and openpmd-beamphysics.

One run writes the same beam twice at each place, through a monitor in ImpactX's layout (`imp`) and one
in the SI lab layout (`lab`, `lab.layout = lab`). The tests check that each reader opens what it should
and that the numbers mean what they say: the lab data are computed here from the ImpactX data
independently (each particle taken back along its straight line to the reference particle's time).
"""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

from wakeline_helpers import C_LIGHT, Q_E, read_openpmd

M_P = 1.67262192369e-27  # kg, CODATA 2018 (as Wakeline)
KIN_ENERGY = 250.0  # MeV: protons with beta = 0.61, so the lab-frame drift back is visible
CHARGE = 2.0e-10  # C
NPART = 3000

DECK = f"""\
beam.npart = {NPART}
beam.units = static
beam.kin_energy = {KIN_ENERGY}
beam.charge = {CHARGE}
beam.particle = proton
beam.distribution = gaussian
beam.lambdaX = 1.0e-3
beam.lambdaY = 2.0e-3
beam.lambdaT = 3.0e-3
beam.lambdaPx = 2.0e-4
beam.lambdaPy = 1.0e-4
beam.lambdaPt = 2.0e-3
beam.muxpx = 0.3
beam.mutpt = -0.4
beam.meanPt = 1.0e-3
beam.meanX = 2.0e-4
lattice.elements = imp lab d q imp lab
imp.type = beam_monitor
lab.type = beam_monitor
lab.layout = lab
d.type = drift
d.ds = 1.0
q.type = quad
q.ds = 0.5
q.k = 1.5
algo.space_charge = false
"""


@pytest.fixture(scope="module")
def run(wakeline, tmp_path_factory):
    cwd = tmp_path_factory.mktemp("ecosystem")
    wakeline.run_deck(DECK, cwd=cwd).assert_ok()
    return cwd


@pytest.fixture(scope="module")
def impactx(run):
    return read_openpmd(run / "diags" / "openPMD" / "imp.h5")


@pytest.fixture(scope="module")
def lab_path(run):
    return run / "diags" / "openPMD" / "lab.h5"


@pytest.fixture(scope="module")
def lab(lab_path):
    """iteration -> dict of the lab file's arrays (positions with their offsets added) and attributes."""
    out = {}
    with h5py.File(lab_path, "r") as f:
        for name, it in f["data"].items():
            sp = it["particles"]["beam"]
            d = {c: sp["position"][c][()] + sp["positionOffset"][c].attrs["value"] for c in "xyz"}
            d.update({"p" + c: sp["momentum"][c][()] for c in "xyz"})
            d["weighting"] = sp["weighting"][()]
            d["weight"] = sp["weight"][()]
            d["id"] = sp["id"][()]
            d["attrs"] = dict(sp.attrs)
            d["time"] = it.attrs["time"] * it.attrs["timeUnitSI"]
            out[int(name)] = d
    return out


def pairs(impactx, lab):
    """(ImpactX data, lab data) written at the same place: the lab monitor is the next slice step."""
    assert sorted(lab) == [k + 1 for k in sorted(impactx)]
    return [(impactx[k], lab[k + 1]) for k in sorted(impactx)]


def expected_lab(imp):
    """The lab frame computed here from ImpactX coordinates, written out step by step."""
    a = imp.attributes
    m = a["mass_ref"]
    gamma0, bg0 = a["gamma_ref"], a["beta_gamma_ref"]
    p0 = m * C_LIGHT * bg0
    # Each particle's energy and momentum: E = E0 - pt p0 c, |p| from E.
    energy = gamma0 * m * C_LIGHT**2 - imp["pt"] * p0 * C_LIGHT
    p = np.sqrt((energy / C_LIGHT) ** 2 - (m * C_LIGHT) ** 2)
    px, py = imp["px"] * p0, imp["py"] * p0
    pz = np.sqrt(p**2 - px**2 - py**2)
    # It crosses s_ref at dt = t/c after the reference; at the reference's time it is v dt short of that.
    dt = imp["t"] / C_LIGHT
    vx, vy, vz = (q * C_LIGHT**2 / energy for q in (px, py, pz))
    return {
        "x": imp["x"] - vx * dt,
        "y": imp["y"] - vy * dt,
        "z": a["s_ref"] - vz * dt,
        "px": px,
        "py": py,
        "pz": pz,
        "energy": energy,
    }


def test_lab_records_and_units_with_openpmd_api(lab_path, impactx):
    import openpmd_api as io

    series = io.Series(str(lab_path), io.Access.read_only)
    try:
        assert len(series.iterations) == len(impactx)
        for k, it in series.iterations.items():
            sp = it.particles["beam"]
            assert sorted(sp) == sorted(
                ["charge", "id", "mass", "momentum", "position", "positionOffset", "time", "weight", "weighting"]
            )
            assert list(sp["position"]) == ["x", "y", "z"] and list(sp["momentum"]) == ["x", "y", "z"]
            # (L, M, T, I, theta, N, J)
            assert list(sp["position"].unit_dimension) == [1, 0, 0, 0, 0, 0, 0]
            assert list(sp["momentum"].unit_dimension) == [1, 1, -1, 0, 0, 0, 0]
            assert list(sp["charge"].unit_dimension) == [0, 0, 1, 1, 0, 0, 0]
            assert list(sp["mass"].unit_dimension) == [0, 1, 0, 0, 0, 0, 0]
            assert sp["momentum"]["x"].unit_SI == 1.0
            z_offset = sp["positionOffset"]["z"].load_chunk()
            mass = sp["mass"][io.Record_Component.SCALAR].load_chunk()
            series.flush()
            assert np.all(z_offset == sp.get_attribute("s_ref"))
            assert np.all(mass == M_P)
            # The frame's time is the reference particle's clock.
            assert it.time * it.time_unit_SI == pytest.approx(sp.get_attribute("t_ref") / C_LIGHT, rel=1e-15)
    finally:
        series.close()


def test_lab_data_are_the_impactx_beam_at_the_reference_time(impactx, lab):
    for imp, lb in pairs(impactx, lab):
        want = expected_lab(imp)
        p0 = imp.attributes["mass_ref"] * C_LIGHT * imp.attributes["beta_gamma_ref"]
        for c in "xy":
            np.testing.assert_allclose(lb[c], want[c], rtol=0, atol=1e-12 * np.abs(want[c]).max())
        # z is absolute (s_ref + a few mm): compare the offsets from s_ref.
        s = imp.attributes["s_ref"]
        np.testing.assert_allclose(lb["z"] - s, want["z"] - s, rtol=0, atol=1e-15 * max(1.0, s) + 1e-12 * 3e-3)
        for c in ("px", "py", "pz"):
            np.testing.assert_allclose(lb[c], want[c], rtol=0, atol=1e-13 * p0)
        np.testing.assert_array_equal(lb["weighting"], imp["weighting"])
        np.testing.assert_array_equal(lb["id"], imp["id"])
        np.testing.assert_allclose(lb["weight"], imp["weighting"] * Q_E, rtol=1e-15)
        assert lb["weight"].sum() == pytest.approx(CHARGE, rel=1e-12)
        # Protons: the particles ahead (t < 0) are further along z, by |v_z| |dt|, not by |t|.
        ahead = imp["t"] < 0
        assert np.all(lb["z"][ahead] > s) and np.all(lb["z"][~ahead] <= s)
        assert np.abs(lb["z"] - s).max() < 0.7 * np.abs(imp["t"]).max()


@pytest.mark.parametrize("backend", ["h5py", "openpmd-api"])
def test_openpmd_viewer_reads_the_lab_layout(lab_path, impactx, lab, backend):
    from openpmd_viewer import OpenPMDTimeSeries

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = OpenPMDTimeSeries(str(lab_path), backend=backend)
    assert list(ts.iterations) == sorted(lab)
    for imp, lb in pairs(impactx, lab):
        it = [k for k, v in lab.items() if v is lb][0]
        x, z, ux, uy, uz, w = ts.get_particle(["x", "z", "ux", "uy", "uz", "w"], species="beam", iteration=it)
        a = imp.attributes
        # u = gamma beta: px = p_x / p0 with p0 = m c (beta gamma)_ref.
        np.testing.assert_allclose(ux, imp["px"] * a["beta_gamma_ref"], rtol=1e-13, atol=1e-18)
        np.testing.assert_allclose(uy, imp["py"] * a["beta_gamma_ref"], rtol=1e-13, atol=1e-18)
        gamma = a["gamma_ref"] - imp["pt"] * a["beta_gamma_ref"]  # E = E0 - pt p0 c
        np.testing.assert_allclose(np.sqrt(1.0 + ux**2 + uy**2 + uz**2), gamma, rtol=1e-13)
        np.testing.assert_allclose(x, lb["x"], rtol=0, atol=1e-18)
        np.testing.assert_allclose(z, lb["z"], rtol=0, atol=1e-15)
        np.testing.assert_array_equal(w, imp["weighting"])
        assert ts.t[list(ts.iterations).index(it)] == pytest.approx(a["t_ref"] / C_LIGHT, rel=1e-15)


def test_impactx_layout_stays_impactx(run, impactx):
    # What ImpactX's scripts and openPMD-api users of the default monitors see: unchanged. No mass
    # record either: openPMD-viewer would then divide the normalised px by m c and call it u.
    for data in impactx.values():
        assert sorted(data.records) == ["id", "momentum", "position", "positionOffset", "qm", "weighting"]
        assert data.records["momentum"] == ["t", "x", "y"]
    from openpmd_viewer import OpenPMDTimeSeries

    path = run / "diags" / "openPMD" / "imp.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = OpenPMDTimeSeries(str(path), backend="h5py")
    it = ts.iterations[0]
    (x,) = ts.get_particle(["x"], species="beam", iteration=it)  # positions do work
    np.testing.assert_array_equal(x, impactx[it]["x"])
    with pytest.raises(KeyError):
        ts.get_particle(["ux"], species="beam", iteration=it)


def test_openpmd_beamphysics_reads_the_lab_layout(lab_path, impactx, lab):
    from pmd_beamphysics import ParticleGroup

    with h5py.File(lab_path, "r") as f:
        for imp, lb in pairs(impactx, lab):
            it = [k for k, v in lab.items() if v is lb][0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # beamphysics warns when handed a species group
                P = ParticleGroup(h5=f[f"/data/{it}/particles/beam"])
            a = imp.attributes
            assert P.species == "proton"
            assert len(P) == NPART
            assert P.charge == pytest.approx(CHARGE, rel=1e-12)
            # Normalised emittance: beamphysics takes it at fixed time, from the lab data; computed here from
            # the expected lab arrays (numpy's unbiased covariance, N - 1, as beamphysics). ImpactX's
            # emittance_xn is at fixed s: the two differ by the shear of the drift back (up to 1.4e-3 here).
            want = expected_lab(imp)
            mc = a["mass_ref"] * C_LIGHT
            for c in "xy":
                cov = np.cov(want[c], want["p" + c] / mc)
                assert P[f"norm_emit_{c}"] == pytest.approx(np.sqrt(np.linalg.det(cov)), rel=1e-8)
                assert P[f"norm_emit_{c}"] == pytest.approx(a[f"emittance_{c}n"], rel=1e-2)
            mc2_eV = M_P * C_LIGHT**2 / Q_E
            w = imp["weighting"]
            mean_pt = np.average(imp["pt"], weights=w)
            assert P["mean_energy"] == pytest.approx(mc2_eV * (a["gamma_ref"] - a["beta_gamma_ref"] * mean_pt), rel=1e-8)
            sigma_pt = np.sqrt(np.average((imp["pt"] - mean_pt) ** 2, weights=w))
            assert P["sigma_energy"] == pytest.approx(mc2_eV * a["beta_gamma_ref"] * sigma_pt, rel=1e-6)
            # Positions in m, momenta in eV/c, time in s.
            np.testing.assert_allclose(P.z, lb["z"], rtol=0, atol=1e-15)
            np.testing.assert_allclose(P.px, lb["px"] * C_LIGHT / Q_E, rtol=1e-14)
            np.testing.assert_allclose(P.t, lb["time"], rtol=1e-15)


def test_file_based_lab_monitor_opens_by_path_in_beamphysics(wakeline, tmp_path):
    # beamphysics opens a file path only when it holds one iteration and one species: file-based output.
    from pmd_beamphysics import ParticleGroup

    deck = DECK.replace("lab.layout = lab", "lab.layout = lab\nlab.encoding = f")
    wakeline.run_deck(deck, cwd=tmp_path).assert_ok()
    files = sorted((tmp_path / "diags" / "openPMD").glob("lab_*.h5"))
    assert [f.name for f in files] == ["lab_000002.h5", "lab_000006.h5"]
    for f in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            P = ParticleGroup(str(f))
        assert P.charge == pytest.approx(CHARGE, rel=1e-12)
        # beam.meanPt = 1e-3: a mean energy below the reference's by beta gamma m c^2 * 1e-3 (0.79 MeV).
        mc2 = M_P * C_LIGHT**2 / Q_E
        gamma0 = 1.0 + KIN_ENERGY * 1e6 / mc2
        expected = mc2 * (gamma0 - np.sqrt(gamma0**2 - 1.0) * 1.0e-3 - 1.0)
        assert P["mean_kinetic_energy"] == pytest.approx(expected, rel=5e-4)


def test_bad_layout_is_an_input_error(wakeline, tmp_path):
    result = wakeline.run_deck(DECK.replace("lab.layout = lab", "lab.layout = si"), cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert "lab.layout" in result.stderr and "impactx, lab" in result.stderr
