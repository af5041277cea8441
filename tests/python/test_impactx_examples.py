"""ImpactX example cases as regression tests (tests/impactx_examples/).

Each folder under tests/impactx_examples/ holds one ImpactX example deck (copied from the ImpactX
repository, BSD-3-Clause-LBNL, with a one-line origin comment that also names any change) and an
expect.json in the format of the shared conformance cases: the beam moments that ImpactX's own analysis
script of that example checks, with its tolerance. The shared checker (../shared/conformance/check) runs
them all in one test.

Checks of those analysis scripts that the checker cannot express (centroids, Twiss attributes, IOTA
invariants, tunes, particle counts and losses, exact inverses, ...) are written out below, one test per
case, on a fresh run of the case's deck. Two folders have no expect.json and are run only here:
rfcavity_ref_part (reference-orbit tracking: no beam moments) and solenoid_restart (its deck reads the
output of a first stage from ../solenoid/).
"""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "impactx_examples"
CHECKER = ROOT.parent / "shared" / "conformance" / "check"


def test_impactx_examples_checker(wakeline):
    """All cases pass the shared conformance checker."""
    if not CHECKER.exists():
        pytest.skip("../shared/conformance/check is absent")
    pytest.importorskip("openpmd_api")
    pytest.importorskip("pandas")
    r = subprocess.run([sys.executable, str(CHECKER), "--cli", str(wakeline.executable), "--cases", str(CASES)],
                       capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    lines = r.stdout.strip().splitlines()
    assert lines, "checker printed nothing; stderr:\n" + r.stderr
    assert lines[-1].endswith(" 0 failed"), r.stdout + "\n" + r.stderr
    n_cases = len(list(CASES.glob("*/expect.json")))
    assert lines[-1] == "%d passed, 0 failed" % n_cases, r.stdout


# --- helpers for the extra checks -----------------------------------------------------------------


def run_case(wakeline, name, tmp_path, *overrides):
    """Run the case's deck with the CLI in a scratch copy of its folder; return that folder."""
    src = CASES / name
    exp = json.loads((src / "expect.json").read_text())
    work = tmp_path / name
    shutil.copytree(src, work)
    wakeline.run(exp["deck"], *overrides, cwd=work).assert_ok()
    return work


class Monitor:
    """The iterations of one beam-monitor series, read with openpmd_api."""

    def __init__(self, path):
        io = pytest.importorskip("openpmd_api")
        assert Path(path).exists(), "missing %s" % path
        self.io = io
        self.series = io.Series(str(path), io.Access.read_only)
        self.its = list(self.series.iterations)

    def species(self, it):
        return self.series.iterations[it].particles["beam"]

    def first(self):
        return self.species(self.its[0])

    def last(self):
        return self.species(self.its[-1])

    def data(self, sp, *scalars):
        """Dict of numpy arrays x, y, t, px, py, pt, plus the scalar records named (id, H, I, ...)."""
        chunks = {}
        for key, rec, comp in (("x", "position", "x"), ("y", "position", "y"), ("t", "position", "t"),
                               ("px", "momentum", "x"), ("py", "momentum", "y"), ("pt", "momentum", "t")):
            chunks[key] = sp[rec][comp].load_chunk()
        for name in scalars:
            chunks[name] = sp[name][self.io.Mesh_Record_Component.SCALAR].load_chunk()
        self.series.flush()
        return {k: np.asarray(v) if k == "id" else np.asarray(v, dtype=float) for k, v in chunks.items()}


def particles(name):
    """beam.npart of a case, as its expect.json records it."""
    return json.loads((CASES / name / "expect.json").read_text())["particles"]


def attr(sp, *names):
    """A species attribute under its current name or an older alias (mean_x / x_mean)."""
    for n in names:
        if n in sp.attributes:
            return float(sp.get_attribute(n))
    raise KeyError("none of %s in %s" % (names, sorted(sp.attributes)))


def twiss(sp):
    return [attr(sp, n) for n in ("alpha_x", "beta_x", "alpha_y", "beta_y", "dispersion_x", "dispersion_px")]


def _emittance(q, p):
    """rms emittance sqrt(<q^2><p^2> - <qp>^2), population moments, no dispersion correction."""
    dq, dp = q - q.mean(), p - p.mean()
    return math.sqrt(max(np.mean(dq**2) * np.mean(dp**2) - np.mean(dq * dp) ** 2, 0.0))


def _moments6(d):
    """sigma_x, sigma_y, sigma_t, emittance_x, emittance_y, emittance_t, as the analysis scripts compute them."""
    return [d["x"].std(), d["y"].std(), d["t"].std(),
            _emittance(d["x"], d["px"]), _emittance(d["y"], d["py"]), _emittance(d["t"], d["pt"])]


# --- extra checks, one per case, from the ImpactX analysis scripts -------------------------------------


def test_dogleg_twiss(wakeline, tmp_path):
    """analysis_dogleg.py: final Twiss and dispersion, rtol 3.5/sqrt(N)."""
    m = Monitor(run_case(wakeline, "dogleg", tmp_path) / "diags/openPMD/monitor.h5")
    ax, bx, ay, by, dx, _ = twiss(m.last())
    assert np.allclose([ax, bx, ay, by, dx], [1.338583e00, 1.437407e01, -1.347910e00, 4.600362e00, -2.666972e-01],
                       rtol=3.5 / math.sqrt(1e4), atol=0.0)


def test_dogleg_jitter_centroid(wakeline, tmp_path):
    """analysis_dogleg_jitter.py: final Twiss; centroid = -D * <pt> for <pt> = 0.025."""
    m = Monitor(run_case(wakeline, "dogleg_jitter", tmp_path) / "diags/openPMD/monitor.h5")
    fin = m.last()
    ax, bx, ay, by, dx, dpx = twiss(fin)
    rtol = 3.5 / math.sqrt(1e4)
    assert np.allclose([ax, bx, ay, by, dx], [1.338583e00, 1.437407e01, -1.347910e00, 4.600362e00, -2.666972e-01],
                       rtol=rtol, atol=0.0)
    x_mean, px_mean, pt_mean = (attr(fin, "mean_x", "x_mean"), attr(fin, "mean_px", "px_mean"),
                                attr(fin, "mean_pt", "pt_mean"))
    assert np.allclose([x_mean, pt_mean], [-dx * pt_mean, 0.025], rtol=rtol, atol=0.0)
    assert np.allclose([px_mean], [-dpx * pt_mean], atol=1.0e-6)


def test_dogleg_reverse_twiss(wakeline, tmp_path):
    """analysis_dogleg_reverse.py: initial and final Twiss and dispersion."""
    m = Monitor(run_case(wakeline, "dogleg_reverse", tmp_path) / "diags/openPMD/monitor.h5")
    rtol = 3.5 / math.sqrt(1e4)
    ax, bx, ay, by, dx, _ = twiss(m.first())
    assert np.allclose([ax, bx, ay, by, dx], [1.340770e00, 1.440253e01, -1.347747e00, 4.602637e00, -2.667038e-01],
                       rtol=rtol, atol=0.0)
    ax, bx, ay, by, dx, _ = twiss(m.last())
    assert np.allclose([bx, ay, by], [5.176642e00, -4.973010e00, 4.687750e01], rtol=rtol, atol=0.0)
    assert np.allclose([ax], [0.0], atol=0.1)
    assert np.allclose([dx], [0.0], atol=3.0e-5)


def test_alignment_centroid(wakeline, tmp_path):
    """analysis_alignment.py: centroid before (0, 0) and after the shifted, rolled quad."""
    m = Monitor(run_case(wakeline, "alignment", tmp_path) / "diags/openPMD/monitor.h5")
    n = 100000
    for sp, expect in ((m.first(), [0.0, 0.0]), (m.last(), [1.79719761842e-4, 3.24815908981e-4])):
        d = m.data(sp)
        assert len(d["x"]) == n
        atol = 3.0 * n**-0.5 * d["x"].std()
        assert np.allclose([d["x"].mean(), d["y"].mean()], expect, atol=atol)


def test_kicker_centroid(wakeline, tmp_path):
    """analysis_kicker.py: mean px, py are 0 before and (2, 3) mrad after the kickers."""
    m = Monitor(run_case(wakeline, "kicker", tmp_path) / "diags/openPMD/m1.h5")
    rtol = 5.0 / math.sqrt(1e4)
    for sp, expect in ((m.first(), [0.0, 0.0]), (m.last(), [2.0e-3, 3.0e-3])):
        d = m.data(sp)
        atol = rtol * _emittance(d["x"], d["px"]) / d["x"].std()  # relative to the rms divergence
        assert np.allclose([d["px"].mean(), d["py"].mean()], expect, atol=atol)


def test_cyclotron_loss_fraction(wakeline, tmp_path):
    """analysis_cyclotron_loss.py: 7.7754 % of the charge is lost (atol 0.3 %)."""
    work = run_case(wakeline, "cyclotron_loss", tmp_path)
    m = Monitor(work / "diags/openPMD/monitor.h5")
    charge_i, charge_f = attr(m.first(), "charge_C"), attr(m.last(), "charge_C")
    loss_pct = 100.0 * (charge_i - charge_f) / charge_i
    assert np.allclose([loss_pct], [7.7754], atol=0.3)
    # the lost particles are written out, and together with the survivors they are the whole beam
    lost = Monitor(work / "diags/openPMD/particles_lost.h5")
    n_lost = len(lost.data(lost.first())["x"])
    assert n_lost + len(m.data(m.last())["x"]) == 10000


def _invariant_checks(m, n, expect_initial, rtol_initial, expect_final, rtol_final):
    """Mean and spread of H and I at the first and last monitor; returns the per-particle |dH|, |dI|
    (particles matched by id) and the final Hrms, Irms."""
    ini, fin = m.data(m.first(), "id", "H", "I"), m.data(m.last(), "id", "H", "I")
    assert len(ini["H"]) == len(fin["H"]) == n
    for d, expect, rtol in ((ini, expect_initial, rtol_initial), (fin, expect_final, rtol_final)):
        got = [d["H"].mean(), d["H"].std(), d["I"].mean(), d["I"].std()]
        assert np.allclose(got, expect, rtol=rtol, atol=0.0), got
    oi, of = np.argsort(ini["id"]), np.argsort(fin["id"])
    assert np.array_equal(ini["id"][oi], fin["id"][of])
    dH = np.abs(ini["H"][oi] - fin["H"][of])
    dI = np.abs(ini["I"][oi] - fin["I"][of])
    h_rms = math.sqrt(fin["H"].std() ** 2 + fin["H"].mean() ** 2)
    i_rms = math.sqrt(fin["I"].std() ** 2 + fin["I"].mean() ** 2)
    return dH, dI, h_rms, i_rms


def test_iotalens_invariants(wakeline, tmp_path):
    """analysis_iotalens.py: H and I statistics; each particle keeps H (|dH| < 2e-3) and I (|dI| < 3e-3)."""
    m = Monitor(run_case(wakeline, "iotalens", tmp_path) / "diags/openPMD/monitor.h5")
    # the analysis tolerances are those of N = 10^4; the deck samples 10^5 (see it)
    dH, dI, _, _ = _invariant_checks(m, particles("iotalens"),
                                     [4.122650e-02, 4.235181e-02, 7.356057e-02, 8.793753e-02], 3.0 / math.sqrt(1e4),
                                     [4.122704e-02, 4.230576e-02, 7.348275e-02, 8.783157e-02], 3.2 / math.sqrt(1e4))
    assert dH.max() <= 2.0e-3
    assert dI.max() <= 3.0e-3


def test_iotalens_sdep_invariants(wakeline, tmp_path):
    """analysis_iotalens_sdep.py: H and I statistics; |dH| < 2.5e-3 Hrms, |dI| < 3.5e-3 Irms per particle."""
    m = Monitor(run_case(wakeline, "iotalens_sdep", tmp_path) / "diags/openPMD/monitor.h5")
    expect = [6.016450e-02, 3.502064e-02, 8.560226e-02, 7.148169e-02]
    rtol = 3.0 / math.sqrt(1e4)  # the analysis tolerance of N = 10^4; the deck samples 10^5 (see it)
    dH, dI, h_rms, i_rms = _invariant_checks(m, particles("iotalens_sdep"), expect, rtol, expect, rtol)
    assert dH.max() <= 2.5e-3 * h_rms
    assert dI.max() <= 3.5e-3 * i_rms


def _divergence_emittances(d):
    """analysis_apochromatic*.py: sigma of the divergence px/|p| times sigma x, with the x-px covariance."""
    scale = np.sqrt((1.0 - d["pt"]) ** 2 + d["px"] ** 2 + d["py"] ** 2)
    out = []
    for q, p in (("x", "px"), ("y", "py")):
        dq = d[q] - d[q].mean()
        dp = d[p] - d[p].mean()
        dv = d[p] / scale
        dv = dv - dv.mean()
        out.append(math.sqrt(np.mean(dq**2) * np.mean(dv**2) - np.mean(dq * dp) ** 2))
    return out


def test_apochromatic_emittance_growth(wakeline, tmp_path):
    """analysis_apochromatic.py: initial (divergence) emittances 5.11e-12 (rtol 3/sqrt(N)); their growth
    through the apochromat is 0.94 % (rtol 26/sqrt(N))."""
    m = Monitor(run_case(wakeline, "apochromatic", tmp_path) / "diags/openPMD/monitor.h5")
    n = particles("apochromatic")
    ex, ey = _divergence_emittances(m.data(m.first()))
    assert np.allclose([ex, ey], [5.10997388810014764e-12] * 2, rtol=3.0 / math.sqrt(n), atol=0.0)
    exf, eyf = _divergence_emittances(m.data(m.last()))
    growth = [100 * (exf - ex) / ex, 100 * (eyf - ey) / ey]
    assert np.allclose(growth, [0.94, 0.94], rtol=26.0 / math.sqrt(n), atol=0.0), growth


def test_apochromatic_pl_emittance_preserved(wakeline, tmp_path):
    """analysis_apochromatic_pl.py: initial emittances 5.11e-12; |change| of x, y, t emittances < 0.002 %."""
    m = Monitor(run_case(wakeline, "apochromatic_pl", tmp_path) / "diags/openPMD/monitor.h5")
    n = particles("apochromatic_pl")
    ini, fin = m.data(m.first()), m.data(m.last())
    ex, ey = _divergence_emittances(ini)
    assert np.allclose([ex, ey], [5.10997388810014764e-12] * 2, rtol=3.0 / math.sqrt(n), atol=0.0)
    exf, eyf = _divergence_emittances(fin)
    et, etf = _emittance(ini["t"], ini["pt"]), _emittance(fin["t"], fin["pt"])
    change = [100 * abs(exf - ex) / ex, 100 * abs(eyf - ey) / ey, 100 * abs(etf - et) / et]
    assert np.allclose(change, [0.0, 0.0, 0.0], atol=2.0e-3), change


def _kept_and_lost(wakeline, tmp_path, name, n):
    """Run a loss case: the final beam and the lost particles (with s_lost), checked to add up to n."""
    work = run_case(wakeline, name, tmp_path)
    m = Monitor(work / "diags/openPMD/monitor.h5")
    assert len(m.data(m.first())["x"]) == n
    kept = m.data(m.last())
    lost_series = Monitor(work / "diags/openPMD/particles_lost.h5")
    lost = lost_series.data(lost_series.first(), "s_lost")
    assert 0 < len(lost["x"]) < n
    assert len(kept["x"]) + len(lost["x"]) == n
    return kept, lost


def test_aperture_losses(wakeline, tmp_path):
    """analysis_aperture.py and the example README: kept particles inside the 1 mm x 1.5 mm rectangle,
    lost ones outside it, lost at s = 0.123 m."""
    kept, lost = _kept_and_lost(wakeline, tmp_path, "aperture", 10000)
    xmax, ymax = 1.0e-3, 1.5e-3
    assert np.all(np.abs(kept["x"]) <= xmax) and np.all(np.abs(kept["y"]) <= ymax)
    assert np.all((np.abs(lost["x"]) > xmax) | (np.abs(lost["y"]) > ymax))
    assert np.allclose(lost["s_lost"], 0.123)


def test_absorber_losses(wakeline, tmp_path):
    """analysis_absorber.py: the negative of the aperture case; lost at s = 0.123 m."""
    kept, lost = _kept_and_lost(wakeline, tmp_path, "absorber", 10000)
    xmax, ymax = 1.0e-3, 1.5e-3
    assert np.all((np.abs(kept["x"]) > xmax) | (np.abs(kept["y"]) > ymax))
    assert np.all((np.abs(lost["x"]) <= xmax) & (np.abs(lost["y"]) <= ymax))
    assert np.allclose(lost["s_lost"], 0.123)


def test_aperture_periodic_losses(wakeline, tmp_path):
    """analysis_aperture_periodic.py: kept particles, folded into the fundamental cell of the pepper-pot
    (odd rows shifted by half a period), lie inside the 0.15 mm x 0.1 mm hole; lost ones outside it."""
    kept, lost = _kept_and_lost(wakeline, tmp_path, "aperture_periodic", 100000)
    xmax, ymax, repeat_x, repeat_y = 1.5e-4, 1.0e-4, 1.0e-3, 1.0e-3

    def fold(x, y):  # as the analysis script does it
        xs, ys = np.abs(x) + xmax, np.abs(y) + ymax
        xs = np.where(np.fmod(np.floor((ys + 0.5 * repeat_y) / repeat_y), 2) == 1, xs + 0.5 * repeat_x, xs)
        return np.fmod(xs, repeat_x) - xmax, np.fmod(ys, repeat_y) - ymax

    u, v = fold(kept["x"], kept["y"])
    assert np.abs(u).max() - xmax <= 0.0 and np.abs(v).max() - ymax <= 0.0
    u, v = fold(lost["x"], lost["y"])
    assert np.all((np.abs(u) > xmax) | (np.abs(v) > ymax))


def test_aperture_thick_losses(wakeline, tmp_path):
    """analysis_aperture_thick.py: the pipe of the drift keeps particles within |x| <= 1 mm, |y| <= 1.5 mm
    (an elliptical pipe in current ImpactX: checked too); lost particles are outside, at s = 0.123 m."""
    kept, lost = _kept_and_lost(wakeline, tmp_path, "aperture_thick", 10000)
    xmax, ymax = 1.0e-3, 1.5e-3
    assert np.all(np.abs(kept["x"]) <= xmax) and np.all(np.abs(kept["y"]) <= ymax)
    assert np.all((kept["x"] / xmax) ** 2 + (kept["y"] / ymax) ** 2 <= 1.0)
    assert np.all((lost["x"] / xmax) ** 2 + (lost["y"] / ymax) ** 2 > 1.0)
    assert np.allclose(lost["s_lost"], 0.123)


def test_reversibility_exact_inverse(wakeline, tmp_path):
    """analysis_zero_bend_inverse.py: zero-field sbend / sbend_exact undone by negative drifts, so the
    final moments equal the initial ones to roundoff (rtol 1e-12)."""
    m = Monitor(run_case(wakeline, "reversibility", tmp_path) / "diags/openPMD/monitor.h5")
    assert np.allclose(_moments6(m.data(m.last())), _moments6(m.data(m.first())), rtol=1.0e-12, atol=0.0)


def test_charge_sign_inverse_maps(wakeline, tmp_path):
    """analysis_charge_sign.py: quads and bends given in normalized and in SI (signed-rigidity) units undo
    each other, so the final moments equal the initial ones to rtol 1e-11."""
    m = Monitor(run_case(wakeline, "charge_sign", tmp_path) / "diags/openPMD/monitor.h5")
    assert np.allclose(_moments6(m.data(m.last())), _moments6(m.data(m.first())), rtol=1.0e-11, atol=0.0)


def test_linear_map_tunes(wakeline, tmp_path):
    """analysis_map.py: the tunes of the one-turn map from one particle's first four turns (4-turn
    formula) are 0.139, 0.219 and 0.0250 (rtol 1e-3)."""
    m = Monitor(run_case(wakeline, "linear_map", tmp_path) / "diags/openPMD/monitor.h5")
    assert len(m.its) >= 4
    turns = [m.data(m.species(it), "id") for it in m.its]
    j = turns[0]["id"][5]  # the analysis follows the particle in row 5; follow it by its id
    tunes = []
    for q in ("x", "y", "t"):
        v = [d[q][np.nonzero(d["id"] == j)[0][0]] for d in turns]
        tunes.append(np.arccos((v[0] - v[1] + v[2] - v[3]) / (2.0 * (v[1] - v[2]))) / (2.0 * np.pi))
    assert np.allclose(tunes, [0.139, 0.219, 0.0250], rtol=1.0e-3), tunes


def test_exact_quad_hamiltonian(wakeline, tmp_path):
    """analysis_exact_quad.py: across quad2 (B' = 207 T/m, exact Hamiltonian) each particle keeps its
    value of H: max |dH| < 1e-3 of the spread of H."""
    m = Monitor(run_case(wakeline, "exact_quad", tmp_path) / "diags/openPMD/monitor.h5")
    sp = m.last()
    ini, fin = m.data(m.first(), "id"), m.data(sp, "id")
    oi, of = np.argsort(ini["id"]), np.argsort(fin["id"])
    assert np.array_equal(ini["id"][oi], fin["id"][of])
    beta_ref, bg_ref = attr(sp, "beta_ref"), attr(sp, "beta_gamma_ref")
    m_e, c, q_e = 9.1093837015e-31, 299792458.0, 1.602176634e-19
    k = 207.0 / (m_e * bg_ref * c / q_e)

    def hamiltonian(d, o):
        x, y, px, py, pt = (d[n][o] for n in ("x", "y", "px", "py", "pt"))
        return (-np.sqrt(1.0 - 2.0 / beta_ref * pt + pt**2 - px**2 - py**2) + 0.5 * k * (x**2 - y**2)
                - pt / beta_ref + 1.0)

    h_i, h_f = hamiltonian(ini, oi), hamiltonian(fin, of)
    h_sigma = 0.5 * (h_i.std() + h_f.std())
    assert np.abs(h_f - h_i).max() / h_sigma <= 1.0e-3


def test_exact_cfbend_multipole_inverse(wakeline, tmp_path):
    """analysis_exact_cfbend_multipole.py: a cfbend_exact with a vanishing dipole term, followed by the
    same multipole_exact with ds < 0, returns the initial moments to rtol 1e-4."""
    m = Monitor(run_case(wakeline, "exact_cfbend_multipole", tmp_path) / "diags/openPMD/monitor.h5")
    assert np.allclose(_moments6(m.data(m.last())), _moments6(m.data(m.first())), rtol=1.0e-4, atol=0.0)


def test_fodo_channel_monitor_sampling(wakeline, tmp_path):
    """fodo_channel/analysis_fodo.py: the beamline is 300 m long and the monitor, sampled every 10th
    period of 101, writes 11 iterations."""
    m = Monitor(run_case(wakeline, "fodo_channel", tmp_path) / "diags/openPMD/monitor.h5")
    assert np.isclose(300.0, attr(m.last(), "z_ref"))
    assert len(m.its) == 11


def test_iotalattice_sdep_invariants(wakeline, tmp_path):
    """analysis_iotalattice_sdep.py: H and I statistics (rtol 1.6/sqrt(10^4)) before and after 5 turns
    of IOTA with the s-dependent nonlinear insert; |dH| < 4.2e-3 Hrms, |dI| < 5.7e-3 Irms per particle."""
    m = Monitor(run_case(wakeline, "iotalattice_sdep", tmp_path) / "diags/openPMD/monitor.h5")
    expect = [7.263202e-02, 4.454371e-02, 9.288060e-02, 8.211506e-02]
    rtol = 1.6 / math.sqrt(1e4)  # the analysis tolerance of N = 10^4; the deck samples 10^5 (see it)
    dH, dI, h_rms, i_rms = _invariant_checks(m, particles("iotalattice_sdep"), expect, rtol, expect, rtol)
    assert dH.max() <= 4.2e-3 * h_rms
    assert dI.max() <= 5.7e-3 * i_rms


def test_iotalens_sdep_aperture_loss_fraction(wakeline, tmp_path):
    """analysis_iotalens_sdep_aperture.py: the elliptical apertures inside the nonlinear insert remove
    6.0824 % of the charge (atol 0.2 %) over 3 periods."""
    work = run_case(wakeline, "iotalens_sdep_aperture", tmp_path)
    m = Monitor(work / "diags/openPMD/monitor.h5")
    charge_i, charge_f = attr(m.first(), "charge_C"), attr(m.last(), "charge_C")
    loss_pct = 100.0 * (charge_i - charge_f) / charge_i
    assert np.allclose([loss_pct], [6.0824], atol=0.2), loss_pct


def test_polygon_aperture_cross(wakeline, tmp_path):
    """analysis_polygon_aperture.py: some particles are lost, and every survivor lies inside the cross
    (|y| < 0.5 mm and |x| < 1.5 mm, or |x| < 0.5 mm and |y| < 1.5 mm)."""
    m = Monitor(run_case(wakeline, "polygon_aperture", tmp_path) / "diags/openPMD/monitor.h5")
    n = len(m.data(m.first())["x"])
    fin = m.data(m.last())
    assert 0 < len(fin["x"]) < n
    ax, ay = np.abs(fin["x"]), np.abs(fin["y"])
    assert np.all(((ay < 0.5e-3) & (ax < 1.5e-3)) | ((ax < 0.5e-3) & (ay < 1.5e-3)))


def test_scraping_beam_prediction(wakeline, tmp_path):
    """analysis_scraping.py: a cold beam given a linear kick expands in a drift with a round 3.5 mm pipe;
    momentum spreads (initially 0, atol 1e-11) and the lost fraction follow the analytic prediction."""
    work = run_case(wakeline, "scraping_beam", tmp_path)
    m = Monitor(work / "diags/openPMD/monitor.h5")
    n = particles("scraping_beam")
    beam_radius, aperture_radius, k, drift = 2.0e-3, 3.5e-3, 0.5, 6.0
    radius_free = beam_radius * (1.0 + k * drift)
    fractional_loss = 1.0 - min(1.0, (aperture_radius / radius_free) ** 2)
    sigma_px = k / (1.0 + k * drift) * min(radius_free, aperture_radius) / 2.0
    ini, fin = m.data(m.first()), m.data(m.last())
    assert np.allclose([ini["px"].std(), ini["py"].std(), ini["pt"].std()], 0.0, atol=1.0e-11)
    assert np.allclose([fin["px"].std(), fin["py"].std()], [sigma_px] * 2, rtol=2.0 / math.sqrt(n), atol=0.0)
    charge_i, charge_f = attr(m.first(), "charge_C"), attr(m.last(), "charge_C")
    loss_pct = 100.0 * (charge_i - charge_f) / charge_i
    assert np.allclose([loss_pct], [100 * fractional_loss], atol=0.2), loss_pct


def test_rfcavity_ref_part(wakeline, tmp_path):
    """analysis_rfcavity_ref_part.py (reference-orbit tracking through 4 TESLA cavities; no expect.json,
    as there are no beam moments to check): s and gamma of the reference particle at the start
    (0, 451.09877160930125) and the end (5.93916828, 585.11989430128892), atol 1e-4."""
    work = tmp_path / "rfcavity_ref_part"
    shutil.copytree(CASES / "rfcavity_ref_part", work)
    wakeline.run("input_rfcavity_ref_part.in", cwd=work).assert_ok()
    pd = pytest.importorskip("pandas")
    files = [f for f in (work / "diags").glob("ref_particle.*") if "final" not in f.name]
    assert files, "no diags/ref_particle.*"
    ref = pd.concat([pd.read_csv(f, sep=r"\s+") for f in files], ignore_index=True)
    assert np.allclose([ref["s"].iloc[0], ref["gamma"].iloc[0]], [0.0, 451.09877160930125], atol=1.0e-4)
    assert np.allclose([ref["s"].iloc[-1], ref["gamma"].iloc[-1]], [5.9391682799999987, 585.11989430128892],
                       atol=1.0e-4)


def _eigenemittances(d):
    """The three eigenemittances of the 6x6 covariance matrix of (x, px, y, py, t, pt): the moduli of the
    eigenvalues of J Sigma (as ImpactX's diag.eigenemittances, up to the constant beta*gamma)."""
    z = np.vstack([d[n] - d[n].mean() for n in ("x", "px", "y", "py", "t", "pt")])
    sigma = z @ z.T / z.shape[1]
    j = np.kron(np.eye(3), np.array([[0.0, 1.0], [-1.0, 0.0]]))
    ev = np.sort(np.abs(np.linalg.eigvals(j @ sigma).imag))
    return ev[1::2]  # each eigenemittance appears as a pair +-i*eps


def test_coupled_optics_eigenemittances(wakeline, tmp_path):
    """analysis_coupled_optics.py: through a dogleg with a solenoid (x-y coupling) the eigenemittances are
    conserved (rtol 3.5/sqrt(N)). Checked on Wakeline's diag.eigenemittances output (the reduced file and the
    monitors' attributes) and against an independent computation from the monitors' particles."""
    run = run_case(wakeline, "coupled_optics", tmp_path)
    m = Monitor(run / "diags/openPMD/monitor.h5")
    e_i, e_f = _eigenemittances(m.data(m.first())), _eigenemittances(m.data(m.last()))
    assert np.allclose(e_f, e_i, rtol=3.5 / math.sqrt(1e4), atol=0.0), (e_i, e_f)
    for beam, e in ((m.first(), e_i), (m.last(), e_f)):
        ours = [beam.get_attribute("emittance_%d" % k) for k in (1, 2, 3)]
        assert np.allclose(ours, np.sort(e) * beam.get_attribute("beta_gamma_ref"), rtol=1e-9), (ours, e)
    pd = pytest.importorskip("pandas")
    reduced = pd.read_csv(run / "diags/reduced_beam_characteristics.0", sep=r"\s+")
    for col in ("emittance_1", "emittance_2", "emittance_3"):
        assert np.allclose(reduced[col], reduced[col].iloc[0], rtol=1e-9), col  # linear optics conserve them


def test_fodo_tune_turn_by_turn(wakeline, tmp_path):
    """analysis_fodo_tune.py: from one particle's turn-by-turn x, px over 100 FODO periods, the 4-turn
    formulas give alpha_x = -1.59050035, beta_x = 2.82161941 m and the tune 0.1883 (from x, from px and
    from the phase advance of the normalized data), rtol 1e-3. (Its PyNAFF tune is not recomputed.)"""
    m = Monitor(run_case(wakeline, "fodo_tune", tmp_path) / "diags/openPMD/monitor.h5")
    turns = [m.data(m.species(it), "id") for it in m.its]
    assert len(turns) == 100
    j = turns[0]["id"][5]  # the analysis follows the particle in row 5; follow it by its id
    rows = [np.nonzero(d["id"] == j)[0][0] for d in turns]
    x = [d["x"][r] for d, r in zip(turns, rows)]
    px = [d["px"][r] for d, r in zip(turns, rows)]
    tune1 = np.arccos((x[0] - x[1] + x[2] - x[3]) / (2.0 * (x[1] - x[2]))) / (2.0 * np.pi)
    tune2 = np.arccos((px[0] - px[1] + px[2] - px[3]) / (2.0 * (px[1] - px[2]))) / (2.0 * np.pi)
    c1 = px[0] * (x[1] - x[2]) + px[1] * (x[2] - x[0]) + px[2] * (x[0] - x[1])
    c2 = -px[0] * (x[1] - x[2]) + px[1] * (x[2] + x[0]) + px[2] * (-x[0] - x[1])
    c3 = px[0] * (-x[1] - x[2]) - px[1] * (x[2] - x[0]) + px[2] * (x[0] + x[1])
    c4 = px[0] * (x[1] + x[2]) + px[1] * (-x[2] - x[0]) - px[2] * (x[0] - x[1])
    c = -c1 * c2 * c3 * c4
    alphax = (px[0] ** 2 * (x[1] ** 2 - x[2] ** 2) + px[1] ** 2 * (x[2] ** 2 - x[0] ** 2)
              + px[2] ** 2 * (x[0] ** 2 - x[1] ** 2)) / np.sqrt(c)
    betax = 2.0 * (px[0] * x[0] * (x[2] ** 2 - x[1] ** 2) + px[1] * x[1] * (x[0] ** 2 - x[2] ** 2)
                   + px[2] * x[2] * (x[1] ** 2 - x[0] ** 2)) / np.sqrt(c)
    alphax, betax = np.sign(betax) * alphax, np.sign(betax) * betax
    z = [complex(x[n] / np.sqrt(betax), -(px[n] * np.sqrt(betax) + x[n] * alphax / np.sqrt(betax)))
         for n in range(2)]
    tune3 = np.angle(z[1] / z[0]) / (2.0 * np.pi)
    got = [alphax, betax, tune1, tune2, tune3]
    assert np.allclose(got, [-1.59050035, 2.82161941, 0.1883, 0.1883, 0.1883], rtol=1.0e-3), got


def test_solenoid_restart(wakeline, tmp_path):
    """analysis_solenoid.py of solenoid_restart: the beam after the solenoid example (stage 1) is read back
    with a `source` element and sent through 3 more solenoids (270 degrees): x and y swap back; moments
    rtol 1.4/sqrt(N). (No expect.json: the deck reads ../solenoid/diags/openPMD/m1.h5.)"""
    case = CASES / "solenoid_restart"
    stage1, stage2 = tmp_path / "solenoid", tmp_path / "solenoid_restart"
    stage1.mkdir()
    stage2.mkdir()
    shutil.copy(case / "input_solenoid_stage1.in", stage1 / "input_solenoid.in")
    shutil.copy(case / "input_solenoid.in", stage2 / "input_solenoid.in")
    wakeline.run("input_solenoid.in", cwd=stage1).assert_ok()
    wakeline.run("input_solenoid.in", cwd=stage2).assert_ok()
    m = Monitor(stage2 / "diags/openPMD/m1.h5")
    ini, fin = m.data(m.first()), m.data(m.last())
    assert len(ini["x"]) == len(fin["x"]) == 10000
    rtol = 1.4 / math.sqrt(1e4)
    assert np.allclose(_moments6(ini), [2.205510139392e-3, 1.559531175539e-3, 6.404930308742e-3, 2.0e-6, 1.0e-6,
                                        1.0e-6], rtol=rtol, atol=0.0)
    got = _moments6(fin)
    assert np.allclose([got[0], got[1], got[3], got[4], got[5]],
                       [1.559531175539e-3, 2.205510139392e-3, 1.0e-6, 2.0e-6, 1.0e-6], rtol=rtol, atol=0.0)
