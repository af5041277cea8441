// Push cost of every element type: ns per particle per element on one core, 10^6 particles,
// double precision, best of several repetitions. Each element is built from deck text by the
// deck reader, so the table covers exactly what users can write. Exact and chromatic elements
// are compared with their linear counterpart.
// Run: build/release/bin/bench_elements [particles [label-substring]]   (or benchmarks/run_elements.sh)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "distribution/Distribution.hpp"
#include "io/DeckLoader.hpp"
#include "tracking/Push.hpp"

using namespace wakeline;

namespace {

struct Case {
  const char* label;
  const char* deck;      // the element's keys, element name `e`
  const char* baseline;  // label of the linear counterpart, or nullptr
};

// Typical strengths; one slice each (the cost of one slice is what is measured).
const std::vector<Case> kCases = {
    {"drift", "e.type = drift\ne.ds = 1\n", nullptr},
    {"quad", "e.type = quad\ne.ds = 0.5\ne.k = 1.2\n", nullptr},
    {"sbend", "e.type = sbend\ne.ds = 0.5\ne.rc = 10\n", nullptr},
    {"constf", "e.type = constf\ne.ds = 1\ne.kx = 1\ne.ky = 1\ne.kt = 0.5\n", nullptr},
    {"solenoid", "e.type = solenoid\ne.ds = 1\ne.ks = 0.8\n", nullptr},
    {"dipedge", "e.type = dipedge\ne.psi = 0.05\ne.rc = 10\ne.g = 0.02\n", nullptr},
    {"multipole (sextupole)", "e.type = multipole\ne.multipole = 3\ne.k_normal = 2\ne.k_skew = 0\n", nullptr},
    {"kicker", "e.type = kicker\ne.xkick = 1e-4\ne.ykick = 0\n", nullptr},
    {"thin_dipole", "e.type = thin_dipole\ne.theta = 0.5\ne.rc = 10\n", "dipedge"},
    {"prot", "e.type = prot\ne.phi_in = 1\ne.phi_out = -1\n", nullptr},
    {"plane_xyrotation", "e.type = plane_xyrotation\ne.angle = 30\n", nullptr},
    {"buncher", "e.type = buncher\ne.V = 0.01\ne.k = 15\n", nullptr},
    {"shortrf", "e.type = shortrf\ne.V = 0.01\ne.freq = 1.3e9\n", "buncher"},
    {"linear_map", "e.type = linear_map\ne.R12 = 1\ne.R34 = 1\n", nullptr},
    {"rfcavity", "e.type = rfcavity\ne.ds = 1.31\ne.escale = 0.03\ne.freq = 1.3e9\ne.phase = -10\n", nullptr},
    {"solenoid_softedge", "e.type = solenoid_softedge\ne.ds = 1\ne.bscale = 0.8\n", "solenoid"},
    {"quadrupole_softedge", "e.type = quadrupole_softedge\ne.ds = 0.5\ne.gscale = 1.2\n", "quad"},
    {"sbend_exact", "e.type = sbend_exact\ne.ds = 0.5\ne.phi = 2.8647889756541165\n", "sbend"},
    {"cfbend", "e.type = cfbend\ne.ds = 0.5\ne.rc = 10\ne.k = 0.5\n", nullptr},
    {"cfbend_exact (quad, mapsteps 10)",
     "e.type = cfbend_exact\ne.ds = 0.5\ne.k_normal = 0.1 0.5\ne.k_skew = 0 0\n", "cfbend"},
    {"uniform_acc_chromatic", "e.type = uniform_acc_chromatic\ne.ds = 1\ne.ez = 1\ne.bz = 0.5\n", "solenoid"},
    {"drift_chromatic", "e.type = drift_chromatic\ne.ds = 1\n", "drift"},
    {"drift_exact", "e.type = drift_exact\ne.ds = 1\n", "drift"},
    {"quad_chromatic", "e.type = quad_chromatic\ne.ds = 0.5\ne.k = 1.2\n", "quad"},
    {"quad_exact (mapsteps 10)", "e.type = quad_exact\ne.ds = 0.5\ne.k = 1.2\n", "quad"},
    {"quad_exact (mapsteps 1)", "e.type = quad_exact\ne.ds = 0.5\ne.k = 1.2\ne.mapsteps = 1\n", "quad"},
    {"plasma_lens_chromatic", "e.type = plasma_lens_chromatic\ne.ds = 0.02\ne.k = 1000\n", "constf"},
    {"multipole_exact (sextupole)",
     "e.type = multipole_exact\ne.ds = 0.2\ne.k_normal = 0 0 5\ne.k_skew = 0 0 0\n", "drift"},
    {"tapered_plasma_lens", "e.type = tapered_plasma_lens\ne.k = 10\ne.taper = 1\n", "kicker"},
    {"nonlinear_lens", "e.type = nonlinear_lens\ne.knll = 1e-6\ne.cnll = 0.01\n", "kicker"},
    {"quadedge", "e.type = quadedge\ne.k = 1.2\n", "dipedge"},
    {"aperture", "e.type = aperture\ne.aperture_x = 1\ne.aperture_y = 1\n", nullptr},
    {"polygon_aperture (8 vertices)",
     "e.type = polygon_aperture\ne.vertices_x = 1 0.7 0 -0.7 -1 -0.7 0 0.7 1\ne.vertices_y = 0 0.7 1 0.7 0 "
     "-0.7 -1 -0.7 0\n",
     nullptr},
};

const char* kBeam = R"(
beam.npart = 1
beam.units = static
beam.kin_energy = 1000
beam.particle = electron
beam.distribution = gaussian
beam.lambdaX = 1e-4
beam.lambdaY = 1e-4
beam.lambdaT = 1e-3
beam.lambdaPx = 1e-5
beam.lambdaPy = 1e-5
beam.lambdaPt = 1e-3
lattice.elements = e
)";

double ns_per_particle(const Case& c, const Particles& initial, int repetitions) {
  io::InputDeck deck = io::InputDeck::from_string(std::string(kBeam) + c.deck, c.label);
  io::RunSetup setup = io::load_run(deck, std::nullopt);
  const Element& e = setup.sim.lattice.elements.at(0);
  RefPart before = setup.sim.ref, after = before;
  push_reference(e, after);
  SliceStep step = SliceStep::make(e, before, after);
  double best = 1e300;
  for (int r = 0; r < repetitions; ++r) {
    Particles beam = initial;  // apertures may remove particles: start from the same beam
    const auto t0 = std::chrono::steady_clock::now();
    apply_steps(beam, std::span<const SliceStep>(&step, 1));
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  return best / static_cast<double>(initial.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::string only = argc > 2 ? argv[2] : "";  // measure only the labels containing this
  omp_set_num_threads(1);
  Particles initial;
  RefPart ref;
  ref.set_species("electron");
  ref.set_kin_energy_MeV(1000.0);
  Distribution d;
  d.kind = DistributionKind::gaussian;
  d.planes = {PlaneParameters{1e-4, 1e-5, 0.1}, PlaneParameters{1e-4, 1e-5, -0.1},
              PlaneParameters{1e-3, 1e-3, 0}};
  sample(d, n, 1, ref, 1.0, initial);

  std::printf("Push cost per element type: %zu particles, 1 thread, double precision, best of 7\n\n", n);
  std::printf("%-32s %12s %22s\n", "element", "ns/particle", "vs linear counterpart");
  std::vector<std::pair<std::string, double>> done;
  for (const Case& c : kCases) {
    if (std::string(c.label).find(only) == std::string::npos) continue;
    const double ns = ns_per_particle(c, initial, 7);
    done.emplace_back(c.label, ns);
    std::printf("%-32s %12.2f", c.label, ns);
    if (c.baseline) {
      const auto it =
          std::find_if(done.begin(), done.end(), [&](const auto& p) { return p.first == c.baseline; });
      if (it != done.end()) std::printf(" %14.2fx %s", ns / it->second, c.baseline);
    }
    std::printf("\n");
  }
  return 0;
}
