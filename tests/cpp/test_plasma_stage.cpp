// The plasma_stage and active_plasma_lens elements: analytic wake models (reference/plasma.md §1.4,
// §4.4), the lab-frame pushers (§1.3), the fixed-s <-> fixed-t coupling to the beamline, and the
// deck keys.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "TestSupport.hpp"
#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "distribution/Distribution.hpp"
#include "io/DeckLoader.hpp"
#include "io/PalsLattice.hpp"
#include "plasma/AnalyticStage.hpp"
#include "plasma/BunchPusher.hpp"
#include "plasma/QuasiStatic2D.hpp"
#include "tracking/Simulation.hpp"

using namespace wakeline;
using namespace wakeline::plasma;
using wakeline::constants::c;

namespace {

constexpr double kN = 1e23;  // m^-3 = 1e17 cm^-3, the reference table's row

// A plasma_stage element around an analytic stage.
elements::PlasmaStage stage_element(double length, StageFields fields, PushSettings push = {}) {
  elements::PlasmaStage e;
  e.name = "stage";
  e.ds = length;
  e.physics = std::make_shared<const AnalyticStage>(length, std::move(fields), push);
  return e;
}

elements::ActivePlasmaLens lens_element(double length, double g, PushSettings push = {}) {
  elements::ActivePlasmaLens e;
  e.name = "apl";
  e.ds = length;
  StageFields f;
  f.lens_gradient = g;
  e.physics = std::make_shared<const AnalyticStage>(length, std::move(f), push);
  return e;
}

// n particles with the given coordinates, weight 1, the reference's q/m.
Particles beam_of(const RefPart& ref, const std::vector<std::array<double, 6>>& coords) {
  Particles p;
  p.resize(coords.size());
  for (std::size_t i = 0; i < coords.size(); ++i) {
    const auto& q = coords[i];
    p.x[i] = q[0], p.px[i] = q[1], p.y[i] = q[2], p.py[i] = q[3], p.t[i] = q[4], p.pt[i] = q[5];
    p.qm[i] = ref.qm(), p.w[i] = 1.0, p.s_lost[i] = 0.0, p.id[i] = static_cast<std::int64_t>(i + 1);
  }
  return p;
}

void run(Simulation& sim) {
  TrackObserver none;
  track_particles(sim, none);
}

StageFields custom(double ez0, double slope, double g) {
  StageFields f;
  f.wake = AnalyticWake(WakeModel::custom_blowout, PlasmaProfile::uniform(0.0), 1.0);
  f.wake.set_custom(ez0, slope, g, 0.0);
  return f;
}

}  // namespace

TEST(PlasmaProfile, ScalingsMatchTheReferenceTable) {
  // reference/plasma.md §4.1, n = 1e17 cm^-3: 1/k_p = 16.80 um, E0 = 30.41 GV/m, slope 9.05e14 V/m^2.
  EXPECT_NEAR(1.0 / plasma_wavenumber(kN), 16.80e-6, 0.01e-6);
  EXPECT_NEAR(wavebreaking_field(kN), 30.41e9, 0.01e9);
  EXPECT_NEAR(blowout_slope(kN), 9.05e14, 0.01e14);
  EXPECT_NEAR(blowout_slope(kN), 0.5 * plasma_wavenumber(kN) * wavebreaking_field(kN),
              1e-6 * blowout_slope(kN));
}

TEST(PlasmaProfile, RampsReachTheirDownDensityAndExpressionsInterpolate) {
  for (RampShape s :
       {RampShape::linear, RampShape::inverse_square, RampShape::exponential, RampShape::gaussian}) {
    const PlasmaProfile down = PlasmaProfile::ramp(s, false, 0.01, kN, 0.1 * kN, 0.005, 0.0);
    EXPECT_NEAR(down.density(0.0), kN, 1e-12 * kN);
    EXPECT_NEAR(down.density(0.005), 0.1 * kN, 1e-12 * kN);
    const PlasmaProfile up = PlasmaProfile::ramp(s, true, 0.01, kN, 0.1 * kN, 0.005, 0.0);
    EXPECT_NEAR(up.density(0.01), kN, 1e-12 * kN);         // top at the exit of an up-ramp
    EXPECT_NEAR(up.density(0.005), 0.1 * kN, 1e-12 * kN);  // n_down 5 mm before it
    EXPECT_LT(up.density(0.002), up.density(0.008));
    EXPECT_DOUBLE_EQ(up.max_density(), kN);
  }
  // Explicit decay length: n_top/(1 + u/L)^2.
  const PlasmaProfile p = PlasmaProfile::ramp(RampShape::inverse_square, false, 0.01, kN, 0.0, 0.01, 2e-3);
  EXPECT_NEAR(p.density(4e-3), kN / 9.0, 1e-12 * kN);

  const PlasmaProfile e = PlasmaProfile::expression("1e23 * (1 + 2*z**2)", 0.5);
  EXPECT_NEAR(e.density(0.0), 1e23, 1e8);
  EXPECT_NEAR(e.density(0.3), 1e23 * (1 + 2 * 0.09), 1e-8 * 1e23);  // linear interpolation of a fine table
  EXPECT_NEAR(e.max_density(), 1.5e23, 1e8);
  EXPECT_THROW(PlasmaProfile::expression("1e23 * (1 + ", 0.5), std::invalid_argument);
  EXPECT_THROW(PlasmaProfile::expression("-1e23", 0.5), std::invalid_argument);
  EXPECT_THROW(PlasmaProfile::expression("1e23*q", 0.5), std::invalid_argument);
}

TEST(PlasmaStage, BlowoutFieldsHaveSlopeKpE0Over2AndLinearFocusing) {
  const double L = 0.01, xi_c = 50e-6, l0 = 0.8e-6;
  AnalyticWake w(WakeModel::simple_blowout, PlasmaProfile::uniform(kN), L);
  w.set_laser(xi_c, l0);
  const double slope = 0.5 * plasma_wavenumber(kN) * wavebreaking_field(kN);
  const double lambda_p = 2 * constants::pi / plasma_wavenumber(kN);
  FieldEB a, b, r;
  w.add_fields(0, 0, -10e-6, 0, a);
  w.add_fields(0, 0, -30e-6, 0, b);
  EXPECT_NEAR((a.ez - b.ez) / 20e-6, slope, 1e-9 * slope);
  // E_z crosses zero half a plasma wavelength behind the laser centre.
  FieldEB zero;
  w.add_fields(0, 0, xi_c - 0.5 * lambda_p, 0, zero);
  EXPECT_NEAR(zero.ez, 0.0, 1e-9 * slope * lambda_p);
  // Focusing E_r = slope * r, independent of xi; no magnetic field (W = E - v x B).
  w.add_fields(3e-6, -2e-6, -20e-6, 0, r);
  EXPECT_NEAR(r.ex, slope * 3e-6, 1e-12 * slope * 3e-6);
  EXPECT_NEAR(r.ey, -slope * 2e-6, 1e-12 * slope * 2e-6);
  EXPECT_EQ(r.bx, 0.0);
  EXPECT_EQ(r.by, 0.0);
  // The laser slips back at the group velocity: after t the zero crossing moved by (1 - beta_g) c t.
  const double k0 = 2 * constants::pi / l0, kp = plasma_wavenumber(kN);
  const double beta_g = k0 / std::sqrt(k0 * k0 + kp * kp);
  const double t = 0.7 * L / c;
  FieldEB later;
  w.add_fields(0, 0, xi_c - 0.5 * lambda_p - (1 - beta_g) * c * t, t, later);
  EXPECT_NEAR(later.ez, 0.0, 1e-6 * slope * lambda_p);
  // The auto time step's gradient: m_e omega_p^2/(2 e c).
  EXPECT_NEAR(w.max_focusing_gradient(), slope / c, 1e-12 * slope / c);

  // focusing_blowout: the same focusing at the particle's own z, no E_z.
  const PlasmaProfile ramp = PlasmaProfile::ramp(RampShape::linear, true, L, kN, 0.0, L, 0.0);
  AnalyticWake f(WakeModel::focusing_blowout, ramp, L);
  FieldEB mid;
  f.add_fields(1e-6, 0, -2e-6, (0.5 * L + 2e-6) / c, mid);  // z = L/2: n = n0/2
  EXPECT_NEAR(mid.ex, 0.5 * slope * 1e-6, 1e-9 * slope * 1e-6);
  EXPECT_EQ(mid.ez, 0.0);
}

// A zero-emittance off-axis beam in the ion column oscillates as x0 cos(omega_beta t),
// omega_beta = omega_p/sqrt(2 gamma) (reference/plasma.md §4.5; tolerance 2e-3 as HiPACE++).
TEST(PlasmaStage, BetatronOscillationInFocusingBlowout) {
  const RefPart ref = test::electron_GeV(1.0);
  const double gamma = ref.gamma();
  const double k_beta = plasma_wavenumber(kN) / std::sqrt(2.0 * gamma);
  const double lambda_beta = 2 * constants::pi / k_beta;
  const double x0 = 1e-6;
  for (Pusher pusher : {Pusher::boris, Pusher::rk4}) {
    for (double fraction : {0.1, 0.25, 0.4, 0.5, 1.0}) {
      SCOPED_TRACE(std::to_string(fraction) + (pusher == Pusher::rk4 ? " rk4" : " boris"));
      const double L = fraction * lambda_beta;
      StageFields f;
      f.wake = AnalyticWake(WakeModel::focusing_blowout, PlasmaProfile::uniform(kN), L);
      Simulation sim;
      sim.ref = ref;
      sim.beam = beam_of(ref, {{x0, 0, 0, 0, 0, 0}, {0, 0, -0.5 * x0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}});
      PushSettings push;
      push.pusher = pusher;
      sim.lattice.elements = {stage_element(L, f, push)};
      run(sim);
      ASSERT_EQ(sim.beam.size(), 3u);
      const double phase = k_beta * L;
      EXPECT_NEAR(sim.beam.x[0], x0 * std::cos(phase), 2e-3 * x0);
      EXPECT_NEAR(sim.beam.y[1], -0.5 * x0 * std::cos(phase), 2e-3 * 0.5 * x0);
      // x' = -x0 k_beta sin(phase). Boris' phase error, (omega dt)^2/24 = 4.2e-4 per radian with the
      // automatic step, reaches 2.6e-3 of the amplitude after a full period where x' crosses zero;
      // up to half a period it stays below 2e-3 (RK4 everywhere).
      if (pusher == Pusher::rk4 || fraction <= 0.5)
        EXPECT_NEAR(sim.beam.px[0], -x0 * k_beta * std::sin(phase), 2e-3 * x0 * k_beta);
      EXPECT_EQ(sim.beam.x[2], 0.0);
      EXPECT_EQ(sim.beam.px[2], 0.0);
      EXPECT_DOUBLE_EQ(sim.ref.s, L);
    }
  }
}

// A constant E_z gives every particle q E L: the reference takes the mean energy, pt stays ~0.
TEST(PlasmaStage, CustomBlowoutConstantFieldGivesQEL) {
  const double L = 0.1, ez = -10e9;  // V/m: accelerates electrons
  for (Pusher pusher : {Pusher::boris, Pusher::rk4}) {
    Simulation sim;
    sim.ref = test::electron_GeV(1.0);
    const double e0 = sim.ref.kin_energy_MeV();
    sim.beam = beam_of(sim.ref, {{1e-6, 1e-6, 0, 0, 1e-6, 1e-4}, {0, 0, -1e-6, -2e-6, -1e-6, -1e-4}});
    PushSettings push;
    push.pusher = pusher;
    sim.lattice.elements = {stage_element(L, custom(ez, 0.0, 0.0), push)};
    run(sim);
    const double gain_MeV = constants::q_e * std::fabs(ez) * L / constants::MeV;  // 1 GeV
    EXPECT_NEAR(sim.ref.kin_energy_MeV() - e0, gain_MeV, 1e-6 * gain_MeV);
    EXPECT_NEAR(sim.beam.pt[0] + sim.beam.pt[1], 0.0, 1e-12);
    // Each particle's own gain: its energy offset is kept (the gain does not depend on energy).
    const double bg = sim.ref.beta_gamma(), mc2 = sim.ref.mass_MeV();
    EXPECT_NEAR(-sim.beam.pt[0] * bg * mc2, -1e-4 * test::electron_GeV(1.0).beta_gamma() * mc2,
                1e-6 * gain_MeV);
    EXPECT_DOUBLE_EQ(sim.ref.s, L);
  }
}

// simple_blowout: a witness on axis gains -q int E_z dz, with E_z growing as the laser slips back.
TEST(PlasmaStage, SimpleBlowoutEnergyGainFollowsTheDephasingField) {
  const double L = 0.02, xi_c = 0.0, l0 = 0.8e-6;
  StageFields f;
  f.wake = AnalyticWake(WakeModel::simple_blowout, PlasmaProfile::uniform(kN), L);
  f.wake.set_laser(xi_c, l0);
  Simulation sim;
  sim.ref = test::electron_GeV(1.0);
  const double e0 = sim.ref.kin_energy_MeV();
  sim.beam = beam_of(sim.ref, {{0, 0, 0, 0, 0, 0}});
  // The reference (xi = 0) sits at the laser centre; the witness 3/4 lambda_p behind it.
  const double lambda_p = 2 * constants::pi / plasma_wavenumber(kN);
  const double xi_w = -0.75 * lambda_p;
  sim.beam.t[0] = -xi_w;  // t = -xi for beta ~ 1 (arrives later)
  sim.lattice.elements = {stage_element(L, f)};
  run(sim);
  const double k0 = 2 * constants::pi / l0, kp = plasma_wavenumber(kN);
  const double slip = (1 - k0 / std::sqrt(k0 * k0 + kp * kp)) * L;
  const double slope = blowout_slope(kN);
  // E_z = slope (xi_w - xi_c + lambda_p/2 + slip(z)); int_0^L dz, with slip linear in z.
  const double integral = slope * ((xi_w - xi_c + 0.5 * lambda_p) * L + 0.5 * slip * L);
  const double gain_MeV = constants::q_e * -integral / constants::MeV;
  const double got = sim.ref.kin_energy_MeV() - e0;  // one particle: the reference's energy is its own
  EXPECT_GT(gain_MeV, 0.0);
  EXPECT_NEAR(got, gain_MeV, 1e-4 * gain_MeV);
}

// With no field the stage is a drift: the entry/exit conversions must invert each other and give
// drift_exact's map (a beam symmetric in pt keeps the reference energy).
TEST(PlasmaStage, ZeroFieldStageEqualsExactDrift) {
  for (const bool proton : {false, true}) {
    SCOPED_TRACE(proton ? "proton 100 MeV" : "electron 5 MeV");
    RefPart ref;
    ref.set_species(proton ? "proton" : "electron");
    ref.set_kin_energy_MeV(proton ? 100.0 : 5.0);
    Distribution d;
    d.kind = DistributionKind::gaussian;
    d.planes = {PlaneParameters{1e-3, 2e-3, 0.3}, PlaneParameters{5e-4, 1e-3, -0.2},
                PlaneParameters{1e-3, 2e-3, 0.1}};
    Particles half;
    sample(d, 200, 5, ref, 1.0, half);
    Particles beam;
    beam.resize(2 * half.size());
    for (std::size_t i = 0; i < half.size(); ++i) {
      for (int s : {0, 1}) {
        const std::size_t j = 2 * i + static_cast<std::size_t>(s);
        const double g = s == 0 ? 1.0 : -1.0;
        beam.x[j] = g * half.x[i], beam.px[j] = g * half.px[i], beam.y[j] = g * half.y[i];
        beam.py[j] = g * half.py[i], beam.t[j] = g * half.t[i], beam.pt[j] = g * half.pt[i];
        beam.qm[j] = ref.qm(), beam.w[j] = 1.0, beam.s_lost[j] = 0.0,
        beam.id[j] = static_cast<std::int64_t>(j + 1);
      }
    }
    const double L = 1.7;
    Simulation a, b;
    a.ref = b.ref = ref;
    a.beam = b.beam = beam;
    a.lattice.elements = {test::thick<elements::ExactDrift>(L)};
    b.lattice.elements = {stage_element(L, StageFields{})};
    run(a);
    run(b);
    ASSERT_EQ(a.beam.size(), b.beam.size());
    EXPECT_NEAR(b.ref.gamma(), a.ref.gamma(), 1e-14 * a.ref.gamma());
    EXPECT_DOUBLE_EQ(b.ref.s, a.ref.s);
    EXPECT_NEAR(b.ref.t, a.ref.t, 1e-12);
    EXPECT_NEAR(b.ref.z, a.ref.z, 1e-12);
    double worst = 0.0;
    for (std::size_t i = 0; i < a.beam.size(); ++i) {
      for (auto m :
           {&Particles::x, &Particles::px, &Particles::y, &Particles::py, &Particles::t, &Particles::pt})
        worst = std::max(worst, std::fabs((a.beam.*m)[i] - (b.beam.*m)[i]));
    }
    EXPECT_LT(worst, 1e-12);
  }
}

// The active plasma lens: B = (g y, -g x, 0) focuses electrons with K = e g/p, x'' = -K x.
TEST(ActivePlasmaLens, EqualsTheThickLensMapAndPlasmaLensChromatic) {
  const RefPart ref = test::electron_GeV(1.0);
  const double g = 400.0, L = 0.05;  // T/m, m (reference/plasma.md §4.7: K = 120 m^-2 at 1 GeV/c)
  const double K = constants::q_e * g / (ref.mass * c * ref.beta_gamma());
  const double w = std::sqrt(K);
  const std::vector<std::array<double, 6>> coords = {{1e-6, 0, 0, 0, 0, 0},
                                                     {0, 1e-6, 2e-6, -1e-6, 0, 0},
                                                     {1e-6, 1e-6, -1e-6, 0, 0, 1e-3},
                                                     {2e-6, 0, 0, 1e-6, 0, -1e-3}};
  PushSettings push;
  push.pusher = Pusher::rk4;
  push.dt = 0.01 / (w * c);  // a tenth of the automatic step, to resolve 1e-6
  Simulation apl;
  apl.ref = ref;
  apl.beam = beam_of(ref, coords);
  apl.lattice.elements = {lens_element(L, g, push)};
  run(apl);
  // Analytic, reference energy (particles 0, 1).
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& q = coords[i];
    const double amp = std::hypot(q[0], q[1] / w) + std::hypot(q[2], q[3] / w);
    EXPECT_NEAR(apl.beam.x[i], q[0] * std::cos(w * L) + q[1] / w * std::sin(w * L), 1e-6 * amp);
    EXPECT_NEAR(apl.beam.px[i], -q[0] * w * std::sin(w * L) + q[1] * std::cos(w * L), 1e-6 * amp * w);
    EXPECT_NEAR(apl.beam.y[i], q[2] * std::cos(w * L) + q[3] / w * std::sin(w * L), 1e-6 * amp);
  }
  // plasma_lens_chromatic with the same field (units = 1: k = g/B rho, signed rigidity), every particle,
  // off-momentum ones included.
  elements::ChrPlasmaLens chr = test::thick<elements::ChrPlasmaLens>(L);
  chr.k = -g;  // negative rigidity of electrons: k < 0 focuses them
  chr.units = 1;
  Simulation s;
  s.ref = ref;
  s.beam = beam_of(ref, coords);
  s.lattice.elements = {chr};
  run(s);
  for (std::size_t i = 0; i < coords.size(); ++i) {
    SCOPED_TRACE(i);
    const double amp = 3e-6;
    EXPECT_NEAR(apl.beam.x[i], s.beam.x[i], 1e-6 * amp);
    EXPECT_NEAR(apl.beam.px[i], s.beam.px[i], 1e-6 * amp * w);
    EXPECT_NEAR(apl.beam.y[i], s.beam.y[i], 1e-6 * amp);
    EXPECT_NEAR(apl.beam.py[i], s.beam.py[i], 1e-6 * amp * w);
    EXPECT_NEAR(apl.beam.pt[i], s.beam.pt[i], 1e-12);
    EXPECT_NEAR(apl.beam.t[i], s.beam.t[i], 1e-12);
  }
}

TEST(ActivePlasmaLens, EnvelopeModeRefusesIt) {
  Simulation sim;
  sim.mode = TrackMode::envelope;
  sim.ref = test::electron_GeV(1.0);
  sim.lattice.elements = {lens_element(0.05, 400.0)};
  TrackObserver none;
  try {
    track_envelope(sim, none);
    FAIL() << "envelope tracking accepted an active plasma lens";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("active_plasma_lens"), std::string::npos) << e.what();
  }
}

namespace {

const char* kDeckLine = R"deck(
lattice.elements = d1 stage d2
d1.type = drift
d1.ds = 0.1
d2.type = drift
d2.ds = 0.1
)deck";

io::RunSetup load_stage(const std::string& stage) {
  io::InputDeck deck =
      io::InputDeck::from_string(std::string(test::kTestBeamDeck) + kDeckLine + stage, "stage.in");
  return io::load_run(deck, std::nullopt);
}

std::string error_key(const std::string& stage) {
  return test::input_error_key([&] { load_stage(stage); });
}

}  // namespace

TEST(PlasmaStage, DeckKeysBuildTheStage) {
  io::RunSetup s = load_stage(R"deck(
stage.type = plasma_stage
stage.ds = 0.05
stage.wakefield_model = custom_blowout
stage.lon_field = -10e9
stage.lon_field_slope = 1e15
stage.foc_strength = 1e5
stage.xi_fields = 1e-6
stage.bunch_pusher = rk4
stage.dt_bunch = 1e-13
)deck");
  ASSERT_EQ(s.sim.lattice.elements.size(), 3u);
  const auto* e = std::get_if<elements::PlasmaStage>(&s.sim.lattice.elements[1]);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->ds, 0.05);
  const auto* st = dynamic_cast<const AnalyticStage*>(e->physics.get());
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->settings().pusher, Pusher::rk4);
  EXPECT_EQ(st->settings().dt, 1e-13);
  FieldEB f;
  st->fields().wake.add_fields(1e-6, 0, 2e-6, 0, f);
  EXPECT_DOUBLE_EQ(f.ez, -10e9 + 1e15 * 1e-6);
  EXPECT_DOUBLE_EQ(f.ex, c * 1e5 * 1e-6);

  io::RunSetup l = load_stage("stage.type = active_plasma_lens\nstage.ds = 0.03\nstage.foc_strength = 300\n");
  ASSERT_NE(std::get_if<elements::ActivePlasmaLens>(&l.sim.lattice.elements[1]), nullptr);

  io::RunSetup r = load_stage(R"deck(
stage.type = plasma_stage
stage.ds = 0.01
stage.wakefield_model = focusing_blowout
stage.density_profile = ramp
stage.density = 1e23
stage.ramp_shape = gaussian
stage.ramp_type = downramp
stage.ramp_density_down = 1e21
)deck");
  const auto* rs = dynamic_cast<const AnalyticStage*>(
      std::get<elements::PlasmaStage>(r.sim.lattice.elements[1]).physics.get());
  EXPECT_NEAR(rs->fields().wake.profile().density(0.01), 1e21, 1e9);

  io::RunSetup x = load_stage(R"deck(
stage.type = plasma_stage
stage.ds = 0.01
stage.wakefield_model = simple_blowout
stage.density_profile = expression
stage.density_expression = "1e23 * (1 + 10*z)"
stage.laser_xi_c = 0
stage.laser_l_0 = 0.8e-6
)deck");
  const auto* xs = dynamic_cast<const AnalyticStage*>(
      std::get<elements::PlasmaStage>(x.sim.lattice.elements[1]).physics.get());
  EXPECT_NEAR(xs->fields().wake.profile().density(0.01), 1.1e23, 1e13);
}

TEST(PlasmaStage, BadDeckKeysNameTheKey) {
  const std::string base = "stage.type = plasma_stage\nstage.ds = 0.05\n";
  EXPECT_EQ(error_key("stage.type = plasma_stage\nstage.length = 0.05\n"), "stage.length");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = cold_fluid_1d\n"), "stage.wakefield_model");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = blowout\n"), "stage.wakefield_model");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = custom_blowout\nstage.bunch_pusher = leapfrog\n"),
            "stage.bunch_pusher");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = custom_blowout\nstage.nslice = 4\n"), "stage.nslice");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = custom_blowout\nstage.dt_bunch = -1\n"),
            "stage.dt_bunch");
  // simple_blowout needs the density and the laser centre.
  EXPECT_EQ(error_key(base + "stage.laser_xi_c = 0\n"), "stage.density");
  EXPECT_EQ(error_key(base + "stage.density = 1e23\n"), "stage.laser_xi_c");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = focusing_blowout\nstage.density = -1\n"),
            "stage.density");
  EXPECT_EQ(error_key(base + "stage.wakefield_model = focusing_blowout\nstage.density_profile = expression\n"
                             "stage.density_expression = 1e23*(1+\n"),
            "stage.density_expression");
  // wakefields = true adds the plasma's own quasi-static wake: it then needs the plasma's density.
  EXPECT_EQ(error_key("stage.type = active_plasma_lens\nstage.ds = 0.05\nstage.foc_strength = "
                      "1\nstage.wakefields = true\n"),
            "stage.density");
  EXPECT_EQ(error_key("stage.type = active_plasma_lens\nstage.ds = 0.05\nstage.foc_strength = "
                      "1\nstage.n_r = 100\n"),
            "stage.n_r");
  EXPECT_EQ(error_key("stage.type = active_plasma_lens\nstage.ds = 0.05\n"), "stage.foc_strength");
}

TEST(PlasmaStage, PalsWriterRefusesItAndReferenceModeDriftsThrough) {
  const RefPart ref = test::electron_GeV(1.0);
  const std::vector<Element> line = {stage_element(0.1, custom(-1e9, 0, 0))};
  try {
    io::write_pals_lattice(line, ref, "line");
    FAIL() << "a plasma_stage was written to PALS";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no PALS form yet"), std::string::npos) << e.what();
  }
  // reference_orbit mode has no beam to define the exit energy: the reference drifts.
  Simulation sim;
  sim.mode = TrackMode::reference_orbit;
  sim.ref = ref;
  sim.lattice.elements = line;
  TrackObserver none;
  track_reference(sim, none);
  EXPECT_DOUBLE_EQ(sim.ref.s, 0.1);
  EXPECT_DOUBLE_EQ(sim.ref.gamma(), ref.gamma());
  EXPECT_DOUBLE_EQ(sim.ref.t, 0.1 / ref.beta());
}

namespace {

// n particles of a 100 MeV-class electron bunch around (x, y, xi) = (0, 0, xi0), lab-frame variables.
LabBunch lab_bunch(std::size_t n, double sigma_r, double xi0, double sigma_xi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  const RefPart ref = test::electron_GeV(0.1);
  LabBunch b;
  b.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.x[i] = sigma_r * g(rng), b.y[i] = sigma_r * g(rng), b.xi[i] = xi0 + sigma_xi * g(rng);
    b.ux[i] = 0.5 * g(rng), b.uy[i] = 0.5 * g(rng), b.uz[i] = 200.0 * (1.0 + 0.01 * g(rng));
    b.qm[i] = ref.qm();
  }
  return b;
}

// The Boris step as the pusher took it particle by particle before it went to blocks (Wake-T's:
// half drift, fields at t + dt/2, rotation, half drift with the new u); the reference of the test below.
void reference_boris_step(LabBunch& b, std::size_t i, double t, double dt, const FieldFunction& fields) {
  const auto slip = [](double ux, double uy, double uz, double gamma) {
    return uz > 0.0 ? -(1.0 + ux * ux + uy * uy) / (gamma * (gamma + uz)) : uz / gamma - 1.0;
  };
  double x = b.x[i], y = b.y[i], xi = b.xi[i], ux = b.ux[i], uy = b.uy[i], uz = b.uz[i];
  double gamma = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
  const double hd = 0.5 * dt;
  x += hd * c * ux / gamma, y += hd * c * uy / gamma, xi += hd * c * slip(ux, uy, uz, gamma);
  const FieldEB f = fields(x, y, xi, t + hd);
  const double ke = b.qm[i] * hd / c;
  ux += ke * f.ex, uy += ke * f.ey, uz += ke * f.ez;
  const double gm = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
  const double kb = ke * c / gm;
  const double tx = kb * f.bx, ty = kb * f.by, tz = kb * f.bz;
  const double sf = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz);
  const double px = ux + (uy * tz - uz * ty), py = uy + (uz * tx - ux * tz), pz = uz + (ux * ty - uy * tx);
  ux += sf * (py * tz - pz * ty), uy += sf * (pz * tx - px * tz), uz += sf * (px * ty - py * tx);
  ux += ke * f.ex, uy += ke * f.ey, uz += ke * f.ez;
  gamma = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
  x += hd * c * ux / gamma, y += hd * c * uy / gamma, xi += hd * c * slip(ux, uy, uz, gamma);
  b.x[i] = x, b.y[i] = y, b.xi[i] = xi, b.ux[i] = ux, b.uy[i] = uy, b.uz[i] = uz;
}

// Largest |a_i - b_i| / scale over the coordinates of two bunches (positions in m, momenta in m c).
double bunch_difference(const LabBunch& a, const LabBunch& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (auto m : {&LabBunch::x, &LabBunch::y, &LabBunch::xi})
      worst = std::max(worst, std::fabs((a.*m)[i] - (b.*m)[i]) / 1e-6);
    for (auto m : {&LabBunch::ux, &LabBunch::uy})
      worst = std::max(worst, std::fabs((a.*m)[i] - (b.*m)[i]) / (1.0 + std::fabs((b.*m)[i])));
    worst = std::max(worst, std::fabs(a.uz[i] - b.uz[i]) / b.uz[i]);
  }
  return worst;
}

// A solved quasi-static wake (a beam driver and a laser) on a small grid, n_p = 1e23 m^-3.
QuasiStatic2D solved_wake() {
  QuasiStatic2DConfig c;
  c.r_max = 6, c.n_r = 60, c.xi_min = -8, c.xi_max = 3, c.n_xi = 111, c.ppc = 2;
  QuasiStatic2D qs(c);
  std::vector<double> rho(static_cast<std::size_t>(c.n_r) * c.n_xi), a2(rho.size()), da2(rho.size());
  for (int j = 0; j < c.n_xi; ++j)
    for (int k = 0; k < c.n_r; ++k) {
      const double r = qs.r(k), z = qs.xi(j), zl = z - 1.5;
      rho[qs.index(j, k)] = -0.3 * std::exp(-r * r / (2 * 0.4 * 0.4) - (z + 3) * (z + 3) / 2);
      a2[qs.index(j, k)] = 0.5 * std::exp(-2 * zl * zl - r * r / 2);
      da2[qs.index(j, k)] = -r * a2[qs.index(j, k)];
    }
  qs.update(rho, a2, da2);
  return qs;
}

}  // namespace

// The push goes through the bunch in blocks of particles (SIMD passes for the drifts and the kick); it
// must still be the particle-by-particle Boris step, for any bunch size (here not a multiple of the
// block), with every field component, B_z included.
TEST(BunchPusher, BlockBorisEqualsTheParticleByParticleStep) {
  const FieldFunction fields = [](double x, double y, double xi, double t) {
    FieldEB f;
    f.ex = 3e9 * x / 1e-5 + 1e8, f.ey = -2e9 * y / 1e-5, f.ez = -5e9 * (1.0 + xi / 1e-5) + 1e17 * t;
    f.bx = -4.0 * y / 1e-5, f.by = 6.0 * x / 1e-5, f.bz = 0.5 + 2.0 * xi / 1e-5;
    return f;
  };
  const double dt = 2e-13;
  const int steps = 25;
  for (const std::size_t n : {std::size_t{1}, std::size_t{131}}) {
    SCOPED_TRACE(n);
    LabBunch ref = lab_bunch(n, 3e-6, 0.0, 5e-6, 7);
    LabBunch got = ref;
    got.uz[0] = -3.0;  // one particle moving backwards: the other branch of the slip rate
    ref.uz[0] = -3.0;
    for (int s = 0; s < steps; ++s)
      for (std::size_t i = 0; i < n; ++i) reference_boris_step(ref, i, s * dt, dt, fields);
    const std::size_t taken =
        push_bunch(got, fields, 0.0, steps * dt, Pusher::boris, [dt](const LabBunch&) { return dt; });
    EXPECT_EQ(taken, static_cast<std::size_t>(steps));
    // Same operations; only the contraction into FMAs may differ between the scalar and SIMD code.
    EXPECT_LT(bunch_difference(got, ref), 1e-12);
  }
}

// The grid view the quasi-static stage pushes through reads QuasiStatic2D's fields in place: the same
// values as its gather_si everywhere (inside, on the axis, below the first radial centre, beyond r_max,
// next to the xi end nodes and outside the box, where both are exactly zero).
TEST(BunchPusher, GridFieldsEqualTheSolverGather) {
  const QuasiStatic2D qs = solved_wake();
  const PlasmaUnits u(kN);
  const RZGridFields grid = grid_fields(qs, u);
  const auto& cfg = qs.config();
  double e_max = 0.0, b_max = 0.0;
  for (std::size_t i = 0; i < qs.Ez().size(); ++i) {
    e_max = std::max({e_max, std::fabs(qs.Ez()[i]), std::fabs(qs.Er()[i])});
    b_max = std::max(b_max, std::fabs(qs.Btheta()[i]));
  }
  ASSERT_GT(e_max, 1e-3);
  ASSERT_GT(b_max, 1e-3);
  std::vector<std::array<double, 3>> points;  // normalised x, y, xi
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> ux(-1.2 * cfg.r_max, 1.2 * cfg.r_max),
      uxi(cfg.xi_min - 0.5, cfg.xi_max + 0.5), small(-0.5 * qs.dr(), 0.5 * qs.dr());
  for (int i = 0; i < 4000; ++i) points.push_back({ux(rng), ux(rng), uxi(rng)});
  for (int i = 0; i < 200; ++i) points.push_back({small(rng), small(rng), uxi(rng)});
  // Next to the end nodes rather than on them: there xi k_p - xi_min may be contracted into an FMA in
  // one and not in the other, which puts a particle on the node an ulp inside or outside the box.
  for (const double xi : {cfg.xi_min + 1e-9, cfg.xi_max - 1e-9, 0.0, cfg.xi_min - 1e-9, cfg.xi_max + 1e-9}) {
    points.push_back({0.0, 0.0, xi});
    points.push_back({0.3, -0.2, xi});
    points.push_back({cfg.r_max * 2, 0.1, xi});
  }
  RZGridFields lens = grid;
  lens.lens_gradient = 400.0;  // T/m
  int inside = 0;
  for (const auto& p : points) {
    const double x = p[0] / u.k_p, y = p[1] / u.k_p, xi = p[2] / u.k_p;
    const WakeFields w = qs.gather_si(x, y, xi, u);
    const FieldEB f = grid(x, y, xi, 0.0);
    // With a lens: its field B = (g y, -g x, 0) on top, inside the box and outside.
    const FieldEB fl = lens(x, y, xi, 0.0);
    EXPECT_EQ(fl.ez, f.ez);
    EXPECT_EQ(fl.bx, f.bx + 400.0 * y);
    EXPECT_EQ(fl.by, f.by - 400.0 * x);
    // The radius is sqrt(x^2 + y^2), not hypot: an ulp apart, which moves the interpolation weights by
    // ~1e-16 of a cell.
    const double te = 1e-13 * e_max * u.E0, tb = 1e-13 * b_max * u.B0;
    EXPECT_NEAR(f.ex, w.Ex, te);
    EXPECT_NEAR(f.ey, w.Ey, te);
    EXPECT_NEAR(f.ez, w.Ez, te);
    EXPECT_NEAR(f.bx, w.Bx, tb);
    EXPECT_NEAR(f.by, w.By, tb);
    EXPECT_EQ(f.bz, 0.0);
    if (p[2] < cfg.xi_min || p[2] > cfg.xi_max) {
      EXPECT_TRUE(f.ex == 0.0 && f.ey == 0.0 && f.ez == 0.0 && f.bx == 0.0 && f.by == 0.0);
    } else {
      ++inside;
    }
  }
  EXPECT_GT(inside, 3000);
}

// The same push through the grid view and through a FieldFunction around gather_si (the stage's former
// call per particle), with and without a lens field: equal to round-off, Boris and RK4, with particles
// leaving the box in xi and r.
TEST(BunchPusher, GridPushEqualsThePushThroughGatherSi) {
  const QuasiStatic2D qs = solved_wake();
  const PlasmaUnits u(kN);
  // 300 particles around the driver's tail, a few of them beyond r_max and behind the box.
  LabBunch start = lab_bunch(300, 1.0 / u.k_p, -5.0 / u.k_p, 2.0 / u.k_p, 11);
  start.x[1] = 7.0 / u.k_p, start.xi[2] = -8.5 / u.k_p, start.x[3] = start.y[3] = 0.0;
  for (const double g : {0.0, 300.0}) {
    const FieldFunction through_gather = [&](double x, double y, double xi, double) {
      const WakeFields w = qs.gather_si(x, y, xi, u);
      return FieldEB{w.Ex, w.Ey, w.Ez, w.Bx + g * y, w.By - g * x, 0.0};
    };
    RZGridFields grid = grid_fields(qs, u);
    grid.lens_gradient = g;
    const double kx = 0.5 * u.k_p * u.E0 / c + g;
    for (const Pusher pusher : {Pusher::boris, Pusher::rk4}) {
      LabBunch a = start, b = start;
      const auto step = [kx](const LabBunch& lb) { return auto_time_step(lb, kx); };
      const double t_end = 2e-3 / c;
      const std::size_t na = push_bunch(a, grid, 0.0, t_end, pusher, step);
      const std::size_t nb = push_bunch(b, through_gather, 0.0, t_end, pusher, step);
      const double diff = bunch_difference(a, b);
      std::printf("grid view vs gather_si (%s, lens %g T/m): %zu steps, largest difference %.2e\n",
                  pusher == Pusher::boris ? "boris" : "rk4", g, na, diff);
      EXPECT_EQ(na, nb);
      EXPECT_GT(na, 5u);
      EXPECT_LT(diff, 1e-10);
    }
  }
}

// The automatic time step takes the smallest gamma^2 and one square root: the same step, bit for bit,
// as the smallest of the particles' gammas.
TEST(BunchPusher, AutoTimeStepUsesTheSmallestGamma) {
  LabBunch b = lab_bunch(1000, 1e-6, 0.0, 1e-6, 5);
  b.qm[17] *= 2.0;  // one particle with a larger |q/m| sets it
  const double kx = 3e6;
  double gamma_min = std::numeric_limits<double>::infinity(), qm_max = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    gamma_min =
        std::min(gamma_min, std::sqrt(1.0 + b.ux[i] * b.ux[i] + b.uy[i] * b.uy[i] + b.uz[i] * b.uz[i]));
    qm_max = std::max(qm_max, std::fabs(b.qm[i]));
  }
  EXPECT_EQ(auto_time_step(b, kx), 0.1 / std::sqrt(qm_max * c * kx / gamma_min));
  EXPECT_EQ(auto_time_step(b, 0.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(auto_time_step(LabBunch{}, kx), std::numeric_limits<double>::infinity());
}
