// Deck -> run set-up: ImpactX's semantics for lines and reversal, defaults, notices.
#include <gtest/gtest.h>

#include "core/Error.hpp"
#include "io/DeckLoader.hpp"

using namespace wakeline;

namespace {

const char* kBeam = R"(
beam.npart = 10
beam.units = static
beam.kin_energy = 100
beam.particle = proton
beam.distribution = waterbag
beam.lambdaX = 1e-3
beam.lambdaY = 1e-3
beam.lambdaT = 1e-3
beam.lambdaPx = 1e-3
beam.lambdaPy = 1e-3
beam.lambdaPt = 1e-3
)";

io::RunSetup load(const std::string& lattice) {
  io::InputDeck deck = io::InputDeck::from_string(std::string(kBeam) + lattice, "test.in");
  return io::load_run(deck, std::nullopt);
}

std::vector<std::string> names(const io::RunSetup& s) {
  std::vector<std::string> out;
  for (const Element& e : s.sim.lattice.elements) out.push_back(common(e).name);
  return out;
}

const char* kElements = R"(
A.type = drift
A.ds = 1
B.type = drift
B.ds = 2
c.type = marker
d.type = marker
L.type = line
L.elements = c d
)";

}  // namespace

TEST(DeckLoader, ReverseActsOnItsOwnLevelOnly) {
  // ImpactX: lattice.reverse reverses the list of names; a line inside keeps its order.
  EXPECT_EQ(names(load(std::string(kElements) + "lattice.elements = A L B\n")),
            (std::vector<std::string>{"A", "c", "d", "B"}));
  EXPECT_EQ(names(load(std::string(kElements) + "lattice.elements = A L B\nlattice.reverse = true\n")),
            (std::vector<std::string>{"B", "c", "d", "A"}));
  EXPECT_EQ(
      names(load(std::string(kElements) + "lattice.elements = A L B\nL.reverse = true\nL.repeat = 2\n")),
      (std::vector<std::string>{"A", "d", "c", "d", "c", "B"}));
  // Reversal never flips an element: ds keeps its sign.
  const auto s = load(std::string(kElements) + "lattice.elements = A B\nlattice.reverse = true\n");
  EXPECT_EQ(common(s.sim.lattice.elements[0]).ds, 2.0);
}

TEST(DeckLoader, LineThatContainsItselfIsAnError) {
  EXPECT_THROW(load("L.type = line\nL.elements = L\nlattice.elements = L\n"), InputError);
}

TEST(DeckLoader, ImpactXDefaults) {
  const auto s = load("q.type = quad\nq.ds = 1\nq.k = 2\nlattice.elements = q\nlattice.nslice = 7\n");
  EXPECT_EQ(s.bunch_charge, 0.0);  // beam.charge is optional, default 0
  EXPECT_EQ(common(s.sim.lattice.elements[0]).nslice, 7);
  EXPECT_EQ(s.seed, io::kDefaultSeed);
  EXPECT_EQ(s.sim.lattice.periods, 1);
  EXPECT_EQ(std::get<elements::Quad>(s.sim.lattice.elements[0]).k, 2.0);
  const auto rf = load("r.type = shortrf\nr.V = 0.1\nr.freq = 1e9\nlattice.elements = r\n");
  EXPECT_EQ(std::get<elements::ShortRF>(rf.sim.lattice.elements[0]).phase_deg, -90.0);
}

TEST(DeckLoader, ThinElementsTakeAperturesAndIgnoreNslice) {
  const auto s = load(
      "k.type = kicker\nk.xkick = 1e-3\nk.ykick = 0\nk.aperture_x = 1e-3\nk.aperture_y = 2e-3\nk.nslice = 5\n"
      "lattice.elements = k\n");
  const auto& k = std::get<elements::Kicker>(s.sim.lattice.elements[0]);
  EXPECT_TRUE(k.aperture.active());
  EXPECT_EQ(k.nslice, 1);
  ASSERT_EQ(s.notices.size(), 1u);
  EXPECT_NE(s.notices[0].find("k.nslice"), std::string::npos);
}

TEST(DeckLoader, MonitorBackendsAndEncodings) {
  const auto s =
      load("m.type = beam_monitor\nm.backend = bp5\nm.encoding = f\nm.name = out\nlattice.elements = m\n");
  const auto& m = std::get<elements::BeamMonitor>(s.sim.lattice.elements[0]);
  EXPECT_EQ(m.output_name, "out");
  EXPECT_TRUE(m.file_based);
  ASSERT_EQ(s.notices.size(), 1u);  // bp5 -> h5, said once
  EXPECT_THROW(load("m.type = beam_monitor\nm.backend = adios\nlattice.elements = m\n"), InputError);
}

TEST(DeckLoader, UnknownKeyErrorsNameKeyFileAndLine) {
  try {
    load("q.type = quad\nq.ds = 1\nq.k = 2\nq.kk = 3\nlattice.elements = q\n");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "q.kk");
    EXPECT_NE(std::string(e.what()).find("test.in:16"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did you mean 'q.k'"), std::string::npos) << e.what();
  }
}

TEST(DeckLoader, InertImpactXKeysGiveNotices) {
  const auto s =
      load("lattice.elements =\namr.n_cell = 40 40 32\nalgo.particle_shape = 2\nbeam.bucket_length = 1\n");
  EXPECT_EQ(s.notices.size(), 3u);
  EXPECT_TRUE(s.sim.lattice.elements.empty());
}
