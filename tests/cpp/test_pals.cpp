// PALS lattice files: every element type written and read back bit for bit, tracking through the
// round trip, the standard's FODO against the same deck, ImpactX's example file, conversions of field
// strengths and edges, and the errors for bad input.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "TestSupport.hpp"
#include "distribution/Distribution.hpp"
#include "io/DeckLoader.hpp"
#include "io/InputDeck.hpp"
#include "io/OpenPMDWriter.hpp"
#include "io/PalsLattice.hpp"
#include "tracking/Lattice.hpp"
#include "tracking/Simulation.hpp"

using namespace wakeline;
using namespace wakeline::elements;
using wakeline::test::thick;

namespace {

RefPart electron() { return test::electron_GeV(0.25); }

std::vector<Element> read(const std::string& text, std::vector<std::string>* notices = nullptr,
                          int nslice = 1) {
  std::vector<std::string> local;
  return io::read_pals_lattice_text(text, "test.pals.yaml", electron(), nslice, notices ? *notices : local);
}

// The message of the InputError that reading `text` throws ("" if none).
std::string read_error(const std::string& text) {
  try {
    read(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string wrap(const std::string& facility) { return "PALS:\n  facility:\n" + facility; }

// A small beam through a lattice; returns the simulation after tracking.
Simulation track(const std::vector<Element>& elements) {
  Simulation sim;
  sim.ref = electron();
  sim.lattice.elements = elements;
  Distribution d;
  d.kind = DistributionKind::gaussian;
  d.planes = {PlaneParameters{1e-4, 1e-5, 0.1}, PlaneParameters{1e-4, 1e-5, -0.1},
              PlaneParameters{1e-4, 1e-4, 0}};
  sample(d, 500, 7, sim.ref, 1.0, sim.beam);
  TrackObserver none;
  track_particles(sim, none);
  return sim;
}

// Bit patterns, so that a NaN (a particle some map could not continue) compares equal to itself.
std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }
void expect_same(const Particles& a, const Particles& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(bits(a.x[i]), bits(b.x[i])) << i;
    ASSERT_EQ(bits(a.px[i]), bits(b.px[i])) << i;
    ASSERT_EQ(bits(a.y[i]), bits(b.y[i])) << i;
    ASSERT_EQ(bits(a.py[i]), bits(b.py[i])) << i;
    ASSERT_EQ(bits(a.t[i]), bits(b.t[i])) << i;
    ASSERT_EQ(bits(a.pt[i]), bits(b.pt[i])) << i;
    ASSERT_EQ(a.id[i], b.id[i]) << i;
  }
}

template <class E>
E aligned(E e, double dx, double dy, double rot_deg) {
  e.alignment.dx = dx, e.alignment.dy = dy, e.alignment.rotation_deg = rot_deg;
  return e;
}
template <class E>
E named(E e, const std::string& name) {
  e.name = name;
  return e;
}

// The type names of every alternative of Element.
template <std::size_t... I>
std::set<std::string> variant_types(std::index_sequence<I...>) {
  return {std::string(std::variant_alternative_t<I, Element>::type)...};
}

// A source element reading a two-particle openPMD file written here.
Source make_source(const std::string& path) {
  Particles p;
  p.resize(2);
  for (std::size_t i = 0; i < 2; ++i) {
    p.x[i] = 1e-4 * (i + 1), p.y[i] = -2e-4, p.t[i] = 1e-5, p.px[i] = 1e-6, p.py[i] = 2e-6, p.pt[i] = 0;
    p.qm[i] = electron().qm(), p.w[i] = 10.0, p.id[i] = static_cast<std::int64_t>(i + 1);
  }
  io::write_beam_file(path, p, electron(), io::BeamLayout::impactx, "test");
  auto deck = io::InputDeck::from_string(
      "beam.particle = electron\nbeam.kin_energy = 250\nsrc.type = source\nsrc.openpmd_path = " + path + "\n",
      "src.in");
  std::vector<std::string> notices;
  return std::get<Source>(io::read_element(deck, "src", 1, electron().mass, notices));
}

// One element of every Wakeline type, with parameters away from their defaults, misalignments,
// pipe apertures and slice counts, and values whose PALS units are not Wakeline's (degrees).
std::vector<Element> every_type(const std::string& source_path) {
  std::vector<Element> v;
  v.push_back(named(aligned(thick<Drift>(0.3, 3), 1e-4, -2e-4, 12.345), "d1"));
  auto q = aligned(thick<Quad>(0.2, 2), 0.0, 1e-5, 0.1);
  q.k = 3.3, q.aperture.aperture_x = 0.02, q.aperture.aperture_y = 0.01;
  v.push_back(named(q, "q1"));
  auto sb = thick<Sbend>(0.5, 4);
  sb.rc = 7.123456789;
  v.push_back(named(sb, "b1"));
  DipEdge de;
  de.psi = 0.1, de.rc = 7.123456789, de.g = 0.03, de.K2 = 0.7, de.exit = true;
  v.push_back(named(de, "edge_out"));
  DipEdge dn;
  dn.psi = -0.05, dn.rc = -3.0, dn.g = 0.02, dn.nonlinear = true, dn.K0 = 1.5, dn.R = 0.4,
  dn.modify_ref_part = true;
  v.push_back(named(dn, "edge_nl"));
  auto cf = thick<ConstF>(0.4, 2);
  cf.kx = 1.1, cf.ky = 0.9, cf.kt = 0.3;
  v.push_back(named(cf, "cf"));
  auto so = thick<Solenoid>(0.6, 3);
  so.ks = 0.77;
  v.push_back(named(so, "sol"));
  Multipole mp;
  mp.multipole = 3, mp.k_normal = 2.5, mp.k_skew = -1.25;
  v.push_back(named(aligned(mp, 0.0, 0.0, 33.3), "sext"));
  Kicker kk;
  kk.xkick = 1e-4, kk.ykick = -2e-4;
  v.push_back(named(kk, "kick"));
  Kicker kt;
  kt.xkick = 1e-3, kt.ykick = 0.0, kt.field_units = true;
  v.push_back(named(kt, "kick_tm"));
  ThinDipole td;
  td.theta_deg = 0.7, td.rc = 4.0;
  v.push_back(named(td, "thin_b"));
  PRot pr;
  pr.phi_in_deg = 0.3, pr.phi_out_deg = 0.3;
  v.push_back(named(pr, "rot"));
  PlaneXYRot xy;
  xy.angle_deg = 17.7;
  v.push_back(named(xy, "roll"));
  Buncher bu;
  bu.V = 1e-3, bu.k = 12.0;
  v.push_back(named(bu, "bunch"));
  ShortRF sr;
  sr.V = 2e-4, sr.freq = 1.3e9, sr.phase_deg = -87.3;
  v.push_back(named(sr, "gap"));
  LinearMap lm;
  lm.ds = 0.1;
  lm.r.R(1, 2) = 0.1, lm.r.R(3, 4) = 0.1, lm.r.R(2, 1) = -0.01;
  v.push_back(named(lm, "map"));
  BeamMonitor bm;
  bm.output_name = "mon";
  bm.period_sample_intervals = 3, bm.write_particles = false, bm.lens_invariants = true, bm.tn = 0.3,
  bm.cn = 0.02;
  v.push_back(named(bm, "mon"));
  v.push_back(named(Marker{}, "mark"));
  Aperture ap;
  ap.half_x = 0.5, ap.half_y = 0.4, ap.elliptical = true, ap.mask.repeat_x = 2.0;
  v.push_back(named(aligned(ap, 1e-3, 0.0, 0.0), "coll"));
  PolygonAperture pa;
  const double px[] = {-1, 1, 1, -1, -1}, py[] = {-1, -1, 1, 1, -1};
  for (int i = 0; i < 5; ++i)
    pa.shape.vx[static_cast<std::size_t>(i)] = px[i], pa.shape.vy[static_cast<std::size_t>(i)] = py[i];
  pa.shape.n = 5, pa.shape.min_radius2 = 1e-6;
  v.push_back(named(pa, "poly"));
  v.push_back(named(make_source(source_path), "inject"));
  auto rf = thick<RFCavity>(0.4, 2);
  rf.escale = 1e-3, rf.freq = 1.3e9, rf.phase_deg = 12.5, rf.mapsteps = 3;
  v.push_back(named(rf, "cav"));
  auto ss = thick<SoftSolenoid>(0.5, 2);
  ss.bscale = 0.4, ss.field_units = true, ss.mapsteps = 4, ss.cos_coefficients = {1.0, 0.5},
  ss.sin_coefficients = {0.0, 0.1};
  v.push_back(named(ss, "ssol"));
  auto sq = thick<SoftQuadrupole>(0.5, 2);
  sq.gscale = 2.0, sq.mapsteps = 5;
  v.push_back(named(sq, "squad"));
  auto xs = thick<ExactSbend>(0.5, 2);
  xs.phi_deg = 3.3, xs.B = 0.0;
  v.push_back(named(xs, "bx"));
  auto xs2 = thick<ExactSbend>(0.5, 2);
  xs2.phi_deg = 2.0, xs2.B = 1.5;
  v.push_back(named(xs2, "bxB"));
  auto cb = thick<CFbend>(0.4, 2);
  cb.rc = 5.0, cb.k = 0.8;
  v.push_back(named(cb, "cfb"));
  auto xc = thick<ExactCFbend>(0.4, 2);
  xc.k_normal = {0.2, 0.5, 0.1}, xc.k_skew = {0.0, 0.01, 0.0}, xc.int_order = 4, xc.mapsteps = 3;
  v.push_back(named(xc, "cfbx"));
  auto acc = thick<ChrAcc>(0.3, 2);
  acc.ez = 0.01, acc.bz = 0.2;
  v.push_back(named(acc, "acc"));
  v.push_back(named(thick<ChrDrift>(0.2, 2), "dchr"));
  v.push_back(named(thick<ExactDrift>(0.2, 2), "dx"));
  auto cq = thick<ChrQuad>(0.3, 3);
  cq.k = -4.0 / 3.0, cq.units = 1;
  v.push_back(named(cq, "qchr"));
  auto xq = thick<ExactQuad>(0.3, 3);
  xq.k = 1.7, xq.int_order = 6, xq.mapsteps = 2;
  v.push_back(named(xq, "qx"));
  auto pl = thick<ChrPlasmaLens>(0.05, 2);
  pl.k = 100.0, pl.units = 0;
  v.push_back(named(pl, "apl"));
  TaperedPL tp;
  tp.k = 0.5, tp.taper = 2.0;
  v.push_back(named(tp, "tpl"));
  NonlinearLens nl;
  nl.knll = 1e-5, nl.cnll = 0.01;
  v.push_back(named(nl, "nll"));
  auto em = thick<ExactMultipole>(0.2, 2);
  em.k_normal = {0.0, 1.0, 5.0}, em.k_skew = {0.0, 0.0, 0.5}, em.units = 0, em.mapsteps = 2;
  v.push_back(named(em, "mx"));
  QuadEdge qe;
  qe.k = 3.3, qe.exit = true;
  v.push_back(named(qe, "qedge"));
  return v;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("wakeline_pals_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST(Pals, EveryElementTypeWritesAndReadsBackBitForBit) {
  TempDir dir;
  const auto original = every_type((dir.path / "beam.h5").string());
  std::set<std::string> covered;
  for (const Element& e : original) covered.insert(type_name(e));
  std::set<std::string> all = variant_types(std::make_index_sequence<std::variant_size_v<Element>>{});
  all.erase("programmable");        // Python callbacks have no file form
  all.erase("plasma_stage");        // no PALS form yet
  all.erase("active_plasma_lens");  // no PALS form yet
  EXPECT_EQ(covered, all) << "a new element type needs its PALS form (io/PalsLattice.cpp) and a case here";

  const std::string text = io::write_pals_lattice(original, electron(), "every");
  std::vector<std::string> notices;
  const auto back = read(text, &notices);
  ASSERT_EQ(back.size(), original.size()) << text;
  for (std::size_t i = 0; i < back.size(); ++i) {
    const auto &a = common(original[i]), &b = common(back[i]);
    SCOPED_TRACE(a.name);
    EXPECT_EQ(type_name(back[i]), type_name(original[i]));
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.ds, a.ds);
    EXPECT_EQ(b.nslice, a.nslice);
    EXPECT_EQ(b.alignment.dx, a.alignment.dx);
    EXPECT_EQ(b.alignment.dy, a.alignment.dy);
    EXPECT_EQ(b.alignment.rotation_deg, a.alignment.rotation_deg);
    EXPECT_EQ(b.aperture.aperture_x, a.aperture.aperture_x);
    EXPECT_EQ(b.aperture.aperture_y, a.aperture.aperture_y);
  }
  // Every parameter the writer knows comes back the same: writing the read lattice gives the same text.
  EXPECT_EQ(io::write_pals_lattice(back, electron(), "every"), text);
  // Spot checks of values PALS holds in other units.
  EXPECT_EQ(std::get<PlaneXYRot>(back[12]).angle_deg, 17.7);
  EXPECT_EQ(std::get<ShortRF>(back[14]).phase_deg, -87.3);
  EXPECT_EQ(std::get<ShortRF>(back[14]).V, 2e-4);
  EXPECT_EQ(std::get<ExactSbend>(back[24]).phi_deg, 3.3);
  EXPECT_EQ(std::get<DipEdge>(back[3]).K2, 0.7);
  EXPECT_TRUE(std::get<DipEdge>(back[3]).exit);
  EXPECT_TRUE(std::get<DipEdge>(back[4]).nonlinear);
  EXPECT_EQ(std::get<SoftSolenoid>(back[22]).cos_coefficients, (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(std::get<BeamMonitor>(back[16]).period_sample_intervals, 3);
  EXPECT_EQ(std::get<Source>(back[20]).injected->x, std::get<Source>(original[20]).injected->x);

  // The tracking is the same, bit for bit (the source injects, nothing is lost on the way).
  const Simulation s1 = track(original), s2 = track(back);
  expect_same(s1.beam, s2.beam);
  expect_same(s1.lost, s2.lost);
  EXPECT_EQ(s1.ref.pt, s2.ref.pt);
  EXPECT_EQ(s1.ref.t, s2.ref.t);
  EXPECT_EQ(s1.ref.x, s2.ref.x);
  EXPECT_EQ(s1.beam.size() + s1.lost.size(), 502u);  // the source injected its two particles
  EXPECT_GT(s1.beam.size(), 250u);
}

TEST(Pals, WrittenFileIsStandardPals) {
  std::vector<Element> lattice;
  auto q = thick<ChrQuad>(1.0, 4);
  q.k = 1.0;
  lattice.push_back(named(thick<Drift>(0.25), "d1"));
  lattice.push_back(named(q, "qf"));
  lattice.push_back(named(thick<Drift>(0.25), "d1"));  // same element: one definition
  auto q2 = q;
  q2.k = -1.0;
  lattice.push_back(named(q2, "qf"));  // another element with the same name
  lattice.push_back(named(Marker{}, "not a pals name"));
  const std::string text = io::write_pals_lattice(lattice, electron(), "cell");
  EXPECT_NE(text.find("PALS:\n  version: null\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kind: BeginningEle"), std::string::npos);
  EXPECT_NE(text.find("species_ref: electron"), std::string::npos);
  EXPECT_NE(text.find("- use: cell"), std::string::npos);
  EXPECT_NE(text.find("- qf_2:"), std::string::npos);
  EXPECT_EQ(text.find("- d1_2:"), std::string::npos);
  EXPECT_NE(text.find("Kn1: -1"), std::string::npos);
  const auto back = read(text);
  ASSERT_EQ(back.size(), 5u);
  EXPECT_EQ(common(back[2]).name, "d1");
  EXPECT_EQ(common(back[3]).name, "qf");
  EXPECT_EQ(std::get<ChrQuad>(back[3]).k, -1.0);
  EXPECT_EQ(common(back[4]).name, "not a pals name");
  EXPECT_THROW(io::write_pals_lattice(lattice, electron(), "bad name"), InputError);
}

// standards.md 3.9: BeginningEle, inheritance, an in-place marker, a line repeated 4 times.
TEST(Pals, StandardFodoHasTheSameTransferMapAsTheDeck) {
  const std::string pals = R"(PALS:
  version: null
  authors:
    - name: "Toolkit, Example"
  facility:
    - start:
        kind: BeginningEle
        ReferenceP:
          species_ref: "electron"
          E_tot_ref: 2.0e9          # eV
    - d_half:
        kind: Drift
        length: 0.5                 # m
    - qf:
        kind: Quadrupole
        length: 0.4
        MagneticMultipoleP:
          Kn1: 1.2                  # 1/m^2, focusing in x
    - qd:
        inherit: qf
        MagneticMultipoleP:
          Kn1: -1.2
    - fodo_cell:
        kind: BeamLine
        line:
          - qf
          - d_half
          - d_half
          - qd
          - d_half
          - bpm:                    # in-place zero-length element
              kind: Marker
          - d_half
    - channel:
        kind: BeamLine
        line:
          - start
          - fodo_cell:
              repeat: 4
          - end_mark:
              kind: Marker
    - fodo_lattice:
        kind: Lattice
        branches:
          - channel
    - use: fodo_lattice
)";
  const std::string deck_text = R"(
beam.particle = electron
beam.kin_energy = 2000 - 0.51099895
lattice.elements = cell cell cell cell end_mark
lattice.nslice = 5
cell.type = line
cell.elements = qf d_half d_half qd d_half bpm d_half
d_half.type = drift
d_half.ds = 0.5
qf.type = quad_chromatic
qf.ds = 0.4
qf.k = 1.2
qd.type = quad_chromatic
qd.ds = 0.4
qd.k = -1.2
bpm.type = marker
end_mark.type = marker
)";
  auto deck = io::InputDeck::from_string(deck_text, "fodo.in");
  const RefPart ref = io::read_reference(deck);
  std::vector<std::string> notices;
  Lattice from_pals;
  from_pals.elements = io::read_pals_lattice_text(pals, "fodo.pals.yaml", ref, 5, notices);
  EXPECT_TRUE(notices.empty()) << notices.front();  // the reference energy agrees
  ASSERT_EQ(from_pals.elements.size(), 29u);
  EXPECT_EQ(common(from_pals.elements[3]).name, "qd");
  EXPECT_EQ(std::get<ChrQuad>(from_pals.elements[3]).k, -1.2);
  EXPECT_EQ(common(from_pals.elements[3]).nslice, 5);

  // The same lattice from the deck (load_run's element reading).
  Lattice from_deck;
  const std::vector<std::string> names = {"qf", "d_half", "d_half", "qd", "d_half", "bpm", "d_half"};
  for (int c = 0; c < 4; ++c)
    for (const auto& n : names) from_deck.elements.push_back(io::read_element(deck, n, 5, ref.mass, notices));
  from_deck.elements.push_back(io::read_element(deck, "end_mark", 5, ref.mass, notices));
  const Matrix6 a = transfer_map(from_pals, ref), b = transfer_map(from_deck, ref);
  for (int i = 0; i < 36; ++i) EXPECT_EQ(a.m[i], b.m[i]) << i;
  // And it is a focusing channel: |trace| < 2 in both planes.
  EXPECT_LT(std::fabs(a(0, 0) + a(1, 1)), 2.0);
  EXPECT_LT(std::fabs(a(2, 2) + a(3, 3)), 2.0);
}

TEST(Pals, ImpactXExampleReadsAsDriftsAndChromaticQuads) {
  std::vector<std::string> notices;
  const auto v = io::read_pals_lattice(std::string(WAKELINE_SOURCE_DIR) + "/examples/pals/fodo.pals.yaml",
                                       electron(), 25, notices);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(type_name(v[0]), "drift");
  EXPECT_EQ(std::get<Drift>(v[0]).ds, 0.25);
  EXPECT_EQ(std::get<Drift>(v[0]).nslice, 25);
  EXPECT_EQ(std::get<ChrQuad>(v[1]).k, 1.0);
  EXPECT_EQ(std::get<ChrQuad>(v[1]).units, 0);
  EXPECT_EQ(std::get<ChrQuad>(v[3]).k, -1.0);
  EXPECT_EQ(common(v[3]).name, "quad2");
  EXPECT_EQ(std::get<Drift>(v[4]).ds, 0.25);
}

TEST(Pals, FieldStrengthsUseTheSignedRigidity) {
  const RefPart ref = electron();
  const double brho = ref.rigidity_Tm();
  ASSERT_LT(brho, 0.0);
  auto v = read(wrap(R"(    - l:
        kind: BeamLine
        line:
          - q1: {kind: Quadrupole, length: 0.5, MagneticMultipoleP: {Bn1: 2.0}}
          - q2: {kind: Quadrupole, length: 0.5, MagneticMultipoleP: {Bn1: 2.0}, WakelineP: {type: quad}}
          - q3: {kind: Quadrupole, length: 0.5, MagneticMultipoleP: {Kn1L: 1.0, tilt1: 0.1}}
          - s1: {kind: Solenoid, length: 1.0, SolenoidP: {Bsol: 0.5}}
          - k1: {kind: Kicker, MagneticMultipoleP: {Kn0L: 1.0e-3, Ks0L: 2.0e-3}}
          - m1: {kind: Multipole, MagneticMultipoleP: {Kn2L: 3.0, Bs3L: 0.5}}
)"));
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(std::get<ChrQuad>(v[0]).k, 2.0);  // ImpactX: Bn1 -> ChrQuad with units = 1
  EXPECT_EQ(std::get<ChrQuad>(v[0]).units, 1);
  EXPECT_EQ(std::get<Quad>(v[1]).k, 2.0 / brho);
  EXPECT_DOUBLE_EQ(std::get<ChrQuad>(v[2]).k, 2.0);                           // integrated / length
  EXPECT_DOUBLE_EQ(common(v[2]).alignment.rotation_deg, 0.1 * 180.0 / M_PI);  // tilt1 rolls the quad
  EXPECT_EQ(std::get<Solenoid>(v[3]).ks, 0.5 / brho);
  // Kn0L > 0 kicks toward -x (F = q v x B); Ks0L > 0 toward +y.
  EXPECT_EQ(std::get<Kicker>(v[4]).xkick, -1e-3);
  EXPECT_EQ(std::get<Kicker>(v[4]).ykick, 2e-3);
  EXPECT_EQ(std::get<Multipole>(v[5]).multipole, 3);
  EXPECT_EQ(std::get<Multipole>(v[5]).k_normal, 3.0);
  EXPECT_EQ(std::get<Multipole>(v[6]).multipole, 4);
  EXPECT_EQ(std::get<Multipole>(v[6]).k_skew, 0.5 / brho);
  // A particle through the kicker: px changes by -Kn0L.
  Particles p;
  p.resize(1);
  p.id[0] = 1;
  Simulation sim;
  sim.ref = electron();
  sim.lattice.elements = {v[4]};
  sim.beam = p;
  TrackObserver none;
  track_particles(sim, none);
  EXPECT_EQ(sim.beam.px[0], -1e-3);
}

TEST(Pals, BendEdgesBecomeDipedgesAndLegacyFormIsRead) {
  // The older form: a bare list, SBend, rho_ref and edge_int1 (standards.md 3.11).
  auto v = read(R"(- arc:
    kind: BeamLine
    line:
      - b1:
          kind: SBend
          length: 1.0
          BendP: {rho_ref: 10.0, e1: 0.05, e2: 0.05, edge_int1: 0.01}
      - b2:
          kind: Bend
          length: 0.5
          BendP: {angle_ref: 0.1}
          WakelineP: {type: sbend_exact}
      - b3: {kind: Bend, length: 0.5, BendP: {g_ref: 0.2}, MagneticMultipoleP: {Kn1: 0.3}}
)");
  ASSERT_EQ(v.size(), 5u);
  const auto& in = std::get<DipEdge>(v[0]);
  EXPECT_EQ(in.rc, 10.0);
  EXPECT_EQ(in.psi, 0.05);
  EXPECT_EQ(in.g * in.K2, 0.02);  // g K2 = 2 fint hgap = 2 edge1_int
  EXPECT_FALSE(in.exit);
  EXPECT_EQ(std::get<Sbend>(v[1]).rc, 10.0);
  EXPECT_TRUE(std::get<DipEdge>(v[2]).exit);
  EXPECT_EQ(std::get<DipEdge>(v[2]).g, 0.0);
  EXPECT_DOUBLE_EQ(std::get<ExactSbend>(v[3]).phi_deg, 0.1 * 180.0 / M_PI);
  EXPECT_DOUBLE_EQ(std::get<CFbend>(v[4]).rc, 5.0);
  EXPECT_EQ(std::get<CFbend>(v[4]).k, 0.3);
}

TEST(Pals, RepeatReversalIncludesAndSelection) {
  TempDir dir;
  std::ofstream(dir.path / "parts.subpals.yaml") << "- c: {kind: Drift, length: 3}\n";
  std::ofstream(dir.path / "main.pals.yaml") << R"(PALS:
  facility:
    - a: {kind: Drift, length: 1}
    - b: {kind: Drift, length: 2}
    - include: parts.subpals.yaml
    - inner: {kind: BeamLine, line: [a, b, c]}
    - other: {kind: BeamLine, line: [a]}
    - outer:
        kind: BeamLine
        line:
          - inner: {repeat: -2}
          - a: {length: 5}
    - lat: {kind: Lattice, branches: [outer]}
    - lat2: {kind: Lattice, branches: [other]}
    - use: lat
)";
  std::vector<std::string> notices;
  const auto v = io::read_pals_lattice((dir.path / "main.pals.yaml").string(), electron(), 1, notices);
  std::vector<double> ds;
  for (const auto& e : v) ds.push_back(common(e).ds);
  EXPECT_EQ(ds, (std::vector<double>{3, 2, 1, 3, 2, 1, 5}));
}

TEST(Pals, EditedStandardValueWinsOverTheExactWakelineValue) {
  auto d = thick<Drift>(1.0);
  d.alignment.rotation_deg = 0.9;  // 0.9 deg -> rad -> deg does not return 0.9
  const std::string text = io::write_pals_lattice({named(d, "d")}, electron());
  ASSERT_NE(text.find("rotation: 0.9"), std::string::npos) << text;
  std::vector<std::string> notices;
  EXPECT_EQ(common(read(text, &notices)[0]).alignment.rotation_deg, 0.9);
  EXPECT_TRUE(notices.empty());
  std::string edited = text;
  const auto pos = edited.find("z_rot: ");
  edited.replace(pos, edited.find('\n', pos) - pos, "z_rot: 0.5");
  EXPECT_EQ(common(read(edited, &notices)[0]).alignment.rotation_deg, 0.5 * 180.0 / M_PI);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("d.WakelineP.rotation"), std::string::npos) << notices[0];
}

TEST(Pals, BadInputNamesTheElementTheKeyAndTheLine) {
  const std::string head = "PALS:\n  facility:\n    - l:\n        kind: BeamLine\n        line:\n";
  auto err = read_error(head + "          - w: {kind: Wiggler, length: 1}\n");
  EXPECT_NE(err.find("test.pals.yaml:6: 'w.kind': element kind 'Wiggler' is not supported"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("Quadrupole"), std::string::npos) << err;
  err = read_error(head + "          - q: {kind: Quadrupole, length: 1, MagneticMultipoleP: {Kx1: 1}}\n");
  EXPECT_NE(err.find("'q.MagneticMultipoleP.Kx1': unknown parameter"), std::string::npos) << err;
  err = read_error(head + "          - q: {kind: Quadrupole, length: 1, MagneticMultipoleP: {Kn1: 2*pi}}\n");
  EXPECT_NE(err.find("'q.MagneticMultipoleP.Kn1': expected a number, got '2*pi'"), std::string::npos) << err;
  err = read_error(head + "          - q: {kind: Quadrupole, length: 1}\n");
  EXPECT_NE(err.find("'q': a Quadrupole needs MagneticMultipoleP.Kn1"), std::string::npos) << err;
  err = read_error(head + "          - d: {kind: Drift, length: 1, BendP: {g_ref: 1}}\n");
  EXPECT_NE(err.find("'d.BendP.g_ref': is not a parameter Wakeline reads for kind Drift"), std::string::npos)
      << err;
  err = read_error(head + "          - d: {kind: Drift, length: 1, WakelineP: {type: quad}}\n");
  EXPECT_NE(err.find("'d.WakelineP.type': 'quad' is not a Wakeline model of PALS kind Drift; valid: drift, "
                     "drift_chromatic, drift_exact"),
            std::string::npos)
      << err;
  err = read_error(head + "          - d: {kind: Drift, length: 1, WakelineP: {nslices: 3}}\n");
  EXPECT_NE(
      err.find(
          "'d.WakelineP.nslices': is not a parameter of Wakeline's drift (did you mean WakelineP.nslice?)"),
      std::string::npos)
      << err;
  // A range check of the deck reader, reported against the PALS parameter.
  err = read_error(head +
                   "          - n: {kind: Wakeline_NonlinearLens, WakelineP: {knll: 1.0e-6, cnll: 0}}\n");
  EXPECT_NE(err.find("test.pals.yaml:6: 'n.WakelineP.cnll': must be nonzero"), std::string::npos) << err;
  err = read_error(head + "          - c: {kind: Wakeline_ConstF, length: 1, WakelineP: {kx: 1, ky: 1}}\n");
  EXPECT_NE(err.find("'c.WakelineP.kt': missing required key"), std::string::npos) << err;
  err = read_error(head + "          - a: {repeat: 2, direction: -1}\n    - a: {kind: Drift}\n");
  EXPECT_NE(err.find("'a.direction': direction reversal is not supported"), std::string::npos) << err;
  err = read_error(head + "          - a\n    - a: {kind: Drift}\n    - a: {kind: Marker}\n");
  EXPECT_NE(err.find("'a': is defined a second time (first at test.pals.yaml:7)"), std::string::npos) << err;
  err = read_error(head + "          - l\n");
  EXPECT_NE(err.find("BeamLine 'l' contains itself"), std::string::npos) << err;
  err = read_error(head + "          - nothing\n");
  EXPECT_NE(err.find("'nothing' is not defined in the facility"), std::string::npos) << err;
  err = read_error(head + "          - b: {kind: Bend, length: 1, BendP: {g_ref: 1, tilt_ref: 0.1}}\n");
  EXPECT_NE(err.find("'b.BendP.tilt_ref': is not supported by Wakeline"), std::string::npos) << err;
  err = read_error("PALS:\n  facility:\n    - a: {kind: Drift\n");
  EXPECT_NE(err.find("test.pals.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("YAML syntax error"), std::string::npos) << err;
  err = read_error("lattice:\n  - a\n");
  EXPECT_NE(err.find("not a PALS document"), std::string::npos) << err;
  err = read_error(wrap("    - a: {kind: Drift}\n    - use: lat\n"));
  EXPECT_NE(err.find("'use': 'lat' is not defined"), std::string::npos) << err;
  err =
      read_error(wrap("    - l1: {kind: BeamLine, line: [a]}\n    - a: {kind: Drift}\n    - lat: {kind: "
                      "Lattice, branches: [l1, l1]}\n"));
  EXPECT_NE(err.find("Wakeline tracks one branch"), std::string::npos) << err;
}

TEST(Pals, DeckKeyLatticeFileReadsRelativeToTheDeck) {
  TempDir dir;
  std::filesystem::create_directories(dir.path / "sub");
  std::ofstream(dir.path / "sub" / "cell.pals.yaml") << wrap(
      "    - cell: {kind: BeamLine, line: [{d: {kind: Drift, length: 2}}, {q: {kind: Quadrupole, length: 1, "
      "MagneticMultipoleP: {Kn1: 0.5}}}]}\n");
  const std::string beam =
      "beam.particle = electron\nbeam.kin_energy = 100\nalgo.track = reference_orbit\nlattice.nslice = 3\n";
  std::ofstream(dir.path / "sub" / "deck.in")
      << beam << "lattice.file = cell.pals.yaml\nlattice.reverse = true\n";
  auto deck = io::InputDeck::from_file((dir.path / "sub" / "deck.in").string());
  const io::RunSetup setup = io::load_run(deck, std::nullopt);
  ASSERT_EQ(setup.sim.lattice.elements.size(), 2u);
  EXPECT_EQ(std::get<ChrQuad>(setup.sim.lattice.elements[0]).nslice, 3);
  EXPECT_EQ(std::get<Drift>(setup.sim.lattice.elements[1]).ds, 2.0);

  std::ofstream(dir.path / "both.in") << beam << "lattice.file = sub/cell.pals.yaml\nlattice.elements = d\n"
                                      << "d.type = drift\nd.ds = 1\n";
  auto both = io::InputDeck::from_file((dir.path / "both.in").string());
  try {
    io::load_run(both, std::nullopt);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "lattice.elements");
    EXPECT_NE(std::string(e.what()).find("not both"), std::string::npos) << e.what();
  }
  std::ofstream(dir.path / "missing.in") << beam << "lattice.file = nowhere.pals.yaml\n";
  auto missing = io::InputDeck::from_file((dir.path / "missing.in").string());
  EXPECT_THROW(io::load_run(missing, std::nullopt), InputError);
}
