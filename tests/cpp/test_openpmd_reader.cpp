// read_openpmd_beam: round trips through OpenPMDSeriesWriter (groupBased and fileBased), files
// edited with the HDF5 C API (unitSI != 1, constant record components), a file written by the
// real openPMD-api, and the errors a user sees for a bad path, iteration or species.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "core/RefPart.hpp"
#include "io/OpenPMDReader.hpp"
#include "io/OpenPMDWriter.hpp"

namespace {

namespace fs = std::filesystem;
using wakeline::InputError;
using wakeline::io::BeamData;
using wakeline::io::BeamFrame;
using wakeline::io::OpenPMDSeriesWriter;
using wakeline::io::read_openpmd_beam;

// A fresh directory per test (tests may run in parallel processes), removed afterwards.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() /
           ("wakeline_opmd_reader_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
};

// Particle arrays, distinct per `seed`, exposed as a BeamFrame.
struct TestBeam {
  std::vector<double> x, y, t, px, py, pt, qm, w;
  std::vector<std::int64_t> id;
  double ref_x, ref_y, ref_t;
  std::vector<std::pair<std::string, double>> attributes;

  TestBeam(std::size_t n, double seed) : ref_x(0.1 * seed), ref_y(-0.2 * seed), ref_t(3.5 * seed) {
    for (std::size_t i = 0; i < n; ++i) {
      const double k = static_cast<double>(i) + seed;
      x.push_back(1.1e-3 * k), y.push_back(-2.3e-3 * k), t.push_back(3.7e-4 * k);
      px.push_back(1.3e-5 * k), py.push_back(-1.9e-5 * k), pt.push_back(2.9e-5 * k);
      qm.push_back(-1.75882001076e11 * (1 + 1e-3 * k)), w.push_back(1e4 + k);
      id.push_back(static_cast<std::int64_t>(i) + 100 * static_cast<std::int64_t>(seed));
    }
    attributes = {{"s_ref", 3.5 * seed}, {"gamma_ref", 3914.9 + seed}, {"charge_C", -1.6e-9 * seed}};
  }
  [[nodiscard]] BeamFrame frame() const {
    BeamFrame f;
    f.n = x.size();
    f.x = x.data(), f.y = y.data(), f.t = t.data();
    f.px = px.data(), f.py = py.data(), f.pt = pt.data();
    f.qm = qm.data(), f.w = w.data(), f.id = id.data();
    f.ref_x = ref_x, f.ref_y = ref_y, f.ref_t = ref_t;
    f.attributes = attributes;
    return f;
  }
};

void expect_matches(const BeamData& got, std::uint64_t iteration, const TestBeam& want) {
  EXPECT_EQ(got.iteration, iteration);
  EXPECT_EQ(got.x, want.x);
  EXPECT_EQ(got.y, want.y);
  EXPECT_EQ(got.t, want.t);
  EXPECT_EQ(got.px, want.px);
  EXPECT_EQ(got.py, want.py);
  EXPECT_EQ(got.pt, want.pt);
  EXPECT_EQ(got.qm, want.qm);
  EXPECT_EQ(got.w, want.w);
  ASSERT_EQ(got.id.size(), want.id.size());
  for (std::size_t i = 0; i < want.id.size(); ++i)
    EXPECT_EQ(got.id[i], static_cast<std::uint64_t>(want.id[i]));
  EXPECT_EQ(got.ref_x, want.ref_x);
  EXPECT_EQ(got.ref_y, want.ref_y);
  EXPECT_EQ(got.ref_t, want.ref_t);
  const std::map<std::string, double> attributes(want.attributes.begin(), want.attributes.end());
  EXPECT_EQ(got.attributes, attributes);
}

// Writes a groupBased series with iterations 10 (seed 1) and 20 (seed 2).
void write_two_iterations(const std::string& path, const TestBeam& first, const TestBeam& second) {
  OpenPMDSeriesWriter writer(path, "test");
  writer.write_iteration(10, first.frame());
  writer.write_iteration(20, second.frame());
  writer.commit();
}

// Runs `fn`, expects an InputError naming `key` and `where` whose message contains every string
// of `parts`.
void expect_input_error(const std::function<void()>& fn, const std::string& key, const std::string& where,
                        std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "expected wakeline::InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), key);
    EXPECT_EQ(e.where(), where);
    const std::string message = e.what();
    for (const auto& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << message << "\nlacks: " << part;
  }
}

// ---- HDF5 file surgery ---------------------------------------------------------------------

class H5File {
 public:
  explicit H5File(const std::string& path) : id_(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {
    EXPECT_GE(id_, 0) << path;
  }
  ~H5File() {
    if (id_ >= 0) H5Fclose(id_);
  }
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  [[nodiscard]] hid_t id() const { return id_; }

 private:
  hid_t id_;
};

void set_double_attribute(hid_t obj, const char* name, double value) {
  if (H5Aexists(obj, name) > 0) {
    ASSERT_GE(H5Adelete(obj, name), 0);
  }
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(attr, 0);
  EXPECT_GE(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), 0);
  H5Aclose(attr), H5Sclose(space);
}

void set_unit_si(const std::string& file, const std::string& object, double unit) {
  H5File f(file);
  const hid_t obj = H5Oopen(f.id(), object.c_str(), H5P_DEFAULT);
  ASSERT_GE(obj, 0) << object;
  set_double_attribute(obj, "unitSI", unit);
  H5Oclose(obj);
}

// Replaces the scalar record dataset `object` by an openPMD constant record component.
void make_constant(const std::string& file, const std::string& object, double value, std::uint64_t n,
                   double unit_si) {
  H5File f(file);
  ASSERT_GE(H5Ldelete(f.id(), object.c_str(), H5P_DEFAULT), 0) << object;
  const hid_t group = H5Gcreate2(f.id(), object.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(group, 0);
  set_double_attribute(group, "value", value);
  set_double_attribute(group, "unitSI", unit_si);
  const hsize_t one = 1;
  const hid_t space = H5Screate_simple(1, &one, nullptr);
  const hid_t attr = H5Acreate2(group, "shape", H5T_NATIVE_UINT64, space, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(H5Awrite(attr, H5T_NATIVE_UINT64, &n), 0);
  H5Aclose(attr), H5Sclose(space), H5Gclose(group);
}

void delete_link(const std::string& file, const std::string& object) {
  H5File f(file);
  ASSERT_GE(H5Ldelete(f.id(), object.c_str(), H5P_DEFAULT), 0) << object;
}

// ---- groupBased round trip -----------------------------------------------------------------

TEST(OpenPMDReader, GroupBasedRoundTripReadsLastAndChosenIteration) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  const TestBeam first(5, 1.0), second(7, 2.0);
  write_two_iterations(path, first, second);

  {
    SCOPED_TRACE("default: highest iteration");
    expect_matches(read_openpmd_beam(path, "beam.file"), 20, second);
  }
  {
    SCOPED_TRACE("iteration 10");
    expect_matches(read_openpmd_beam(path, "beam.file", 10), 10, first);
  }
  {
    SCOPED_TRACE("iteration 20, species named");
    expect_matches(read_openpmd_beam(path, "beam.file", 20, "beam"), 20, second);
  }
}

TEST(OpenPMDReader, NegativeIdsComeBackAsTheirMagnitude) {
  ScratchDir dir;
  const std::string path = dir.file("lost.h5");
  TestBeam beam(3, 1.0);
  beam.id = {5, -6, 7};  // the writer stores |id|
  {
    OpenPMDSeriesWriter writer(path, "test");
    writer.write_iteration(0, beam.frame());
    writer.commit();
  }
  EXPECT_EQ(read_openpmd_beam(path, "k").id, (std::vector<std::uint64_t>{5, 6, 7}));
}

TEST(OpenPMDReader, ZeroParticleIterationKeepsReferenceAndAttributes) {
  ScratchDir dir;
  const std::string path = dir.file("empty.h5");
  const TestBeam beam(0, 3.0);
  {
    OpenPMDSeriesWriter writer(path, "test");
    writer.write_iteration(4, beam.frame());
    writer.commit();
  }
  const BeamData got = read_openpmd_beam(path, "k");
  expect_matches(got, 4, beam);
  EXPECT_TRUE(got.x.empty());
  EXPECT_EQ(got.ref_t, 3.5 * 3.0);  // positionOffset is a constant of shape [0]: still read
}

// ---- unitSI and constant record components (edited with the HDF5 C API) -------------------

TEST(OpenPMDReader, AppliesUnitSIAndReadsConstantRecords) {
  ScratchDir dir;
  const std::string path = dir.file("edited.h5");
  const TestBeam first(4, 1.0), second(4, 2.0);
  write_two_iterations(path, first, second);
  const std::string sp = "/data/10/particles/beam/";
  set_unit_si(path, sp + "position/y", 1e-3);  // stored in mm
  set_unit_si(path, sp + "momentum/t", -2.0);
  make_constant(path, sp + "weighting", 2.5e4, 4, 1.0);
  make_constant(path, sp + "qm", -1.0, 4, 1.75e11);  // constant with unitSI != 1
  make_constant(path, sp + "id", 9.0, 4, 1.0);
  make_constant(path, sp + "positionOffset/t", 2.0, 4, 0.5);

  const BeamData got = read_openpmd_beam(path, "k", 10);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(got.x[i], first.x[i]);
    EXPECT_EQ(got.y[i], first.y[i] * 1e-3);
    EXPECT_EQ(got.pt[i], first.pt[i] * -2.0);
  }
  EXPECT_EQ(got.w, std::vector<double>(4, 2.5e4));
  EXPECT_EQ(got.qm, std::vector<double>(4, -1.75e11));
  EXPECT_EQ(got.id, std::vector<std::uint64_t>(4, 9));
  EXPECT_EQ(got.ref_t, 1.0);
  EXPECT_EQ(got.ref_x, first.ref_x);

  // The other iteration is untouched.
  expect_matches(read_openpmd_beam(path, "k", 20), 20, second);
}

TEST(OpenPMDReader, MissingOptionalRecordsGiveEmptyVectors) {
  ScratchDir dir;
  const std::string path = dir.file("sparse.h5");
  write_two_iterations(path, TestBeam(3, 1.0), TestBeam(3, 2.0));
  const std::string sp = "/data/20/particles/beam/";
  delete_link(path, sp + "qm");
  delete_link(path, sp + "weighting");
  delete_link(path, sp + "id");
  delete_link(path, sp + "positionOffset");
  const BeamData got = read_openpmd_beam(path, "k");
  EXPECT_EQ(got.x.size(), 3u);
  EXPECT_TRUE(got.qm.empty());
  EXPECT_TRUE(got.w.empty());
  EXPECT_TRUE(got.id.empty());
  EXPECT_EQ(got.ref_x, 0.0);
  EXPECT_EQ(got.ref_y, 0.0);
  EXPECT_EQ(got.ref_t, 0.0);
}

// ---- fileBased series ----------------------------------------------------------------------

TEST(OpenPMDReader, FileBasedPatternFindsFilesByListingTheDirectory) {
  ScratchDir dir;
  const fs::path series = dir.path / "diags" / "openPMD";
  fs::create_directories(series);
  const TestBeam early(3, 1.0), late(6, 2.0);
  for (const auto& [iteration, beam] : {std::pair<std::uint64_t, const TestBeam*>{5, &early}, {12, &late}}) {
    char name[64];
    std::snprintf(name, sizeof name, "monitor_%06llu.h5", static_cast<unsigned long long>(iteration));
    OpenPMDSeriesWriter writer((series / name).string(), "test", "monitor_%06T.h5");
    writer.write_iteration(iteration, beam->frame());
    writer.commit();
  }
  std::ofstream(series / "monitor_abc.h5") << "decoy";      // not digits
  std::ofstream(series / "monitor_000099.txt") << "decoy";  // wrong suffix
  std::ofstream(series / "other_000099.h5") << "decoy";     // wrong prefix

  const std::string pattern = (series / "monitor_%06T.h5").string();
  expect_matches(read_openpmd_beam(pattern, "k"), 12, late);
  expect_matches(read_openpmd_beam(pattern, "k", 5), 5, early);
  // %T without padding matches any number of digits.
  expect_matches(read_openpmd_beam((series / "monitor_%T.h5").string(), "k", 5), 5, early);
  // One file of the series can also be named directly.
  expect_matches(read_openpmd_beam((series / "monitor_000005.h5").string(), "k"), 5, early);

  expect_input_error([&] { read_openpmd_beam(pattern, "beam.file", 7); }, "beam.file", pattern,
                     {"iteration 7", "5, 12"});
  // Wider padding than any file: nothing matches.
  const std::string wide = (series / "monitor_%08T.h5").string();
  expect_input_error([&] { read_openpmd_beam(wide, "beam.file"); }, "beam.file", wide, {"no files match"});
  const std::string nodir = (dir.path / "nowhere" / "monitor_%06T.h5").string();
  expect_input_error([&] { read_openpmd_beam(nodir, "beam.file"); }, "beam.file", nodir,
                     {"no such directory"});
}

// ---- errors --------------------------------------------------------------------------------

TEST(OpenPMDReader, MissingFileIsAnInputErrorNamingTheKey) {
  ScratchDir dir;
  const std::string path = dir.file("absent.h5");
  expect_input_error([&] { read_openpmd_beam(path, "beam.file"); }, "beam.file", path, {"no such file"});
}

TEST(OpenPMDReader, NonHDF5AndNonOpenPMDFilesAreRejected) {
  ScratchDir dir;
  const std::string text = dir.file("notes.h5");
  std::ofstream(text) << "this is not HDF5\n";
  expect_input_error([&] { read_openpmd_beam(text, "beam.file"); }, "beam.file", text, {"HDF5"});

  const std::string plain = dir.file("plain.h5");
  const hid_t f = H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  expect_input_error([&] { read_openpmd_beam(plain, "beam.file"); }, "beam.file", plain,
                     {"not an openPMD file"});

  expect_input_error([&] { read_openpmd_beam(dir.path.string(), "beam.file"); }, "beam.file",
                     dir.path.string(), {"directory"});
}

TEST(OpenPMDReader, WrongIterationListsTheAvailableOnes) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  write_two_iterations(path, TestBeam(2, 1.0), TestBeam(2, 2.0));
  expect_input_error([&] { read_openpmd_beam(path, "beam.file", 15); }, "beam.file", path,
                     {"no iteration 15", "10, 20"});
}

TEST(OpenPMDReader, WrongSpeciesListsTheAvailableOnes) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  write_two_iterations(path, TestBeam(2, 1.0), TestBeam(2, 2.0));
  expect_input_error([&] { read_openpmd_beam(path, "beam.file", -1, "electrons"); }, "beam.file", path,
                     {"'electrons'", "iteration 20", "available: beam"});
}

TEST(OpenPMDReader, MissingPositionOrMomentumComponentIsReported) {
  ScratchDir dir;
  const std::string path = dir.file("broken.h5");
  write_two_iterations(path, TestBeam(2, 1.0), TestBeam(2, 2.0));
  delete_link(path, "/data/20/particles/beam/momentum/t");
  delete_link(path, "/data/10/particles/beam/position");
  expect_input_error([&] { read_openpmd_beam(path, "k", 20); }, "k", path, {"momentum/t", "has: x, y"});
  expect_input_error([&] { read_openpmd_beam(path, "k", 10); }, "k", path, {"no 'position' record"});
}

TEST(OpenPMDReader, InconsistentRecordLengthsAreReported) {
  ScratchDir dir;
  const std::string path = dir.file("ragged.h5");
  write_two_iterations(path, TestBeam(3, 1.0), TestBeam(3, 2.0));
  make_constant(path, "/data/20/particles/beam/weighting", 1.0, 5, 1.0);
  expect_input_error([&] { read_openpmd_beam(path, "k"); }, "k", path, {"weighting", "5 entries"});
}

// ---- a file written by openPMD-api ---------------------------------------------------------

std::string python_path() {
  if (const char* env = std::getenv("WAKELINE_PYTHON")) return env;
#ifdef WAKELINE_SOURCE_DIR
  return std::string(WAKELINE_SOURCE_DIR) + "/.venv/bin/python";
#else
  // tests/cpp/<this file> -> repository root
  return fs::absolute(fs::path(__FILE__).parent_path().parent_path().parent_path() / ".venv" / "bin" /
                      "python")
      .string();
#endif
}

// Iterations 3 and 8 of species "electrons" (4 particles), groupBased. In iteration i:
// position/x = 1 + 0.5 k + i stored with unitSI 1e-3, position/y = 2 + 0.25 k, position/t = -1 - 0.125 k
// (f64); momentum/x = 0.5 k - 1, momentum/y = float32(0.1 k), momentum/t = 3 + k + i (f32); positionOffset
// constants (0.25, -0.5, 12 + i); weighting constant 2.5; id = 7 + k (uint64); no qm.
constexpr const char* kOpenPMDApiScript = R"PY(
import sys
try:
    import numpy as np
    import openpmd_api as io
except ImportError as e:
    print(e)
    sys.exit(77)
s = io.Series(sys.argv[1], io.Access.create)
n = 4
k = np.arange(n, dtype=np.float64)
for i in (3, 8):
    it = s.iterations[i]
    b = it.particles["electrons"]
    def store(rc, a):
        rc.reset_dataset(io.Dataset(a.dtype, a.shape))
        rc.store_chunk(a)
    store(b["position"]["x"], 1.0 + 0.5 * k + i)
    b["position"]["x"].unit_SI = 1e-3
    store(b["position"]["y"], 2.0 + 0.25 * k)
    store(b["position"]["t"], -1.0 - 0.125 * k)
    store(b["momentum"]["x"], (0.5 * k - 1.0).astype(np.float32))
    store(b["momentum"]["y"], (0.1 * k).astype(np.float32))
    store(b["momentum"]["t"], (3.0 + k + i).astype(np.float32))
    for c, v in (("x", 0.25), ("y", -0.5), ("t", 12.0 + i)):
        po = b["positionOffset"][c]
        po.reset_dataset(io.Dataset(np.dtype("float64"), [n]))
        po.make_constant(v)
    w = b["weighting"][io.Record_Component.SCALAR]
    w.reset_dataset(io.Dataset(np.dtype("float64"), [n]))
    w.make_constant(2.5)
    store(b["id"][io.Record_Component.SCALAR], np.arange(n, dtype=np.uint64) + 7)
    b.set_attribute("charge_C", -1.0e-9)
    b.set_attribute("s_ref", 1.5 * i)
    b.set_attribute("n_turns", 3)
    b.set_attribute("label", "not a number")
    s.flush()
s.close()
)PY";

TEST(OpenPMDReader, ReadsAFileWrittenByOpenPMDApi) {
  const std::string python = python_path();
  if (!fs::exists(python)) GTEST_SKIP() << "no Python venv at " << python;
  ScratchDir dir;
  const std::string script = dir.file("make_series.py");
  std::ofstream(script) << kOpenPMDApiScript;
  const std::string path = dir.file("openpmd_api.h5");
  const std::string log = dir.file("make_series.log");
  const std::string command = "'" + python + "' '" + script + "' '" + path + "' > '" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << command;
  std::ifstream log_in(log);
  const std::string output((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "openpmd_api not importable: " << output;
  ASSERT_EQ(WEXITSTATUS(status), 0) << output;

  for (const long long iteration : {-1LL, 3LL}) {
    SCOPED_TRACE(iteration);
    const BeamData got = read_openpmd_beam(path, "k", iteration, "electrons");
    const double i = iteration < 0 ? 8.0 : static_cast<double>(iteration);
    EXPECT_EQ(got.iteration, static_cast<std::uint64_t>(i));
    ASSERT_EQ(got.x.size(), 4u);
    for (std::size_t j = 0; j < 4; ++j) {
      const double k = static_cast<double>(j);
      EXPECT_EQ(got.x[j], (1.0 + 0.5 * k + i) * 1e-3);  // unitSI applied
      EXPECT_EQ(got.y[j], 2.0 + 0.25 * k);
      EXPECT_EQ(got.t[j], -1.0 - 0.125 * k);
      EXPECT_EQ(got.px[j], 0.5 * k - 1.0);
      EXPECT_EQ(got.py[j], static_cast<double>(static_cast<float>(0.1 * k)));  // float32 widened
      EXPECT_EQ(got.pt[j], 3.0 + k + i);
      EXPECT_EQ(got.id[j], 7u + j);
    }
    EXPECT_EQ(got.w, std::vector<double>(4, 2.5));  // constant record
    EXPECT_TRUE(got.qm.empty());
    EXPECT_EQ(got.ref_x, 0.25);
    EXPECT_EQ(got.ref_y, -0.5);
    EXPECT_EQ(got.ref_t, 12.0 + i);
    EXPECT_EQ(got.attributes.at("charge_C"), -1.0e-9);
    EXPECT_EQ(got.attributes.at("s_ref"), 1.5 * i);
    EXPECT_EQ(got.attributes.at("n_turns"), 3.0);
    EXPECT_EQ(got.attributes.count("label"), 0u);  // strings are not numeric attributes
  }
  expect_input_error([&] { read_openpmd_beam(path, "k", -1, "beam"); }, "k", path, {"available: electrons"});
}

// ---- lab-frame input (WarpX, Wake-T, our lab layout) -----------------------------------------

using wakeline::Particles;
using wakeline::ReferencePlane;
using wakeline::RefPart;
using wakeline::io::BeamLayout;
using wakeline::io::import_beam;
using wakeline::io::ImportedBeam;

RefPart electron_reference(double kin_MeV) {
  RefPart ref;
  ref.set_species("electron");
  ref.set_kin_energy_MeV(kin_MeV);
  return ref;
}

// Lab-frame data of electrons: (x, y, z) in m and (px, py, pz) in kg m/s.
BeamData lab_data(const std::vector<std::array<double, 6>>& particles, const std::vector<double>& w = {}) {
  BeamData d;
  d.layout = BeamLayout::lab;
  d.species = "electrons";
  for (const auto& p : particles) {
    d.x.push_back(p[0]), d.y.push_back(p[1]), d.z.push_back(p[2]);
    d.px.push_back(p[3]), d.py.push_back(p[4]), d.pz.push_back(p[5]);
    d.charge.push_back(-wakeline::constants::q_e), d.mass.push_back(wakeline::constants::m_e);
  }
  d.w = w;
  return d;
}

TEST(OpenPMDImport, LabParticleWithKnownOffsetsGivesAnalyticTAndPt) {
  using wakeline::constants::c;
  using wakeline::constants::m_e;
  const RefPart ref = electron_reference(200.0);
  const double p0 = m_e * c * ref.beta_gamma();
  // Kinetic energy 202 MeV: a particle 1 % above in kinetic energy, 0.5 mm behind the plane z = 3 m.
  const double gamma1 = 1.0 + 202.0 / wakeline::constants::m_e_MeV;
  const double p1 = m_e * c * std::sqrt(gamma1 * gamma1 - 1.0),
               beta1 = std::sqrt(1.0 - 1.0 / (gamma1 * gamma1));
  // A reference-momentum particle 2 mm ahead of the plane with x' = 1 mrad (p_x = 1e-3 p_z).
  const double pz2 = p0 / std::sqrt(1.0 + 1e-6);
  const BeamData d = lab_data({{0.0, 0.0, 3.0, 0.0, 0.0, p0},
                               {1e-4, -2e-4, 3.0 - 5e-4, 0.0, 0.0, p1},
                               {3e-4, 0.0, 3.0 + 2e-3, 1e-3 * pz2, 0.0, pz2}},
                              {1e6, 2e6, 3e6});
  const ReferencePlane plane{ReferencePlane::Kind::given, 3.0};
  const ImportedBeam got = import_beam(d, ref, plane, "beam.openpmd_path", "f.h5");
  const Particles& p = got.particles;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(got.plane_z, 3.0);
  // The reference itself: all zero.
  for (const double v : {p.x[0], p.y[0], p.t[0], p.px[0], p.py[0]}) EXPECT_EQ(v, 0.0);
  EXPECT_NEAR(p.pt[0], 0.0, 1e-15);
  // Behind by 0.5 mm at speed beta1 c: it arrives 0.5 mm / beta1 later (t = c dt), 1 % more kinetic energy.
  EXPECT_NEAR(p.t[1], 5e-4 / beta1, 1e-15);  // z is stored near 3 m: ~4e-16 resolution
  EXPECT_EQ(p.x[1], 1e-4);
  EXPECT_NEAR(p.pt[1], -(2.0 * wakeline::constants::MeV) / (p0 * c), 1e-13);
  EXPECT_NEAR(p.px[1], 0.0, 0.0);
  // Ahead by 2 mm: it crossed the plane earlier (t < 0) and 2 mm * x' before, so x is smaller there.
  const double beta2 = ref.beta();
  EXPECT_NEAR(p.t[2], -2e-3 / (beta2 * pz2 / p0), 1e-15);
  EXPECT_NEAR(p.x[2], 3e-4 - 1e-3 * 2e-3, 1e-18);
  EXPECT_NEAR(p.px[2], 1e-3 * pz2 / p0, 1e-18);
  EXPECT_NEAR(p.pt[2], 0.0, 1e-14);  // |p| = p0
  // qm, weights and the bunch charge from the file.
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(p.qm[i], ref.qm());
  EXPECT_EQ(p.w[1], 2e6);
  EXPECT_DOUBLE_EQ(got.bunch_charge, 6e6 * wakeline::constants::q_e);
  EXPECT_EQ(p.id[2], 3);  // no ids in the data: 1..n
}

TEST(OpenPMDImport, ReferencePlaneIsTheWeightedMeanZUnlessGiven) {
  const RefPart ref = electron_reference(50.0);
  const double p0 = wakeline::constants::m_e * wakeline::constants::c * ref.beta_gamma();
  const BeamData d = lab_data({{0, 0, 1.0, 0, 0, p0}, {0, 0, 1.4, 0, 0, p0}}, {3.0, 1.0});
  const ImportedBeam mean = import_beam(d, ref, {}, "k", "f");  // no s_ref: the mean
  EXPECT_DOUBLE_EQ(mean.plane_z, 1.1);
  EXPECT_NEAR(mean.particles.t[0], 0.1 / ref.beta(), 1e-15);
  EXPECT_NEAR(mean.particles.t[1], -0.3 / ref.beta(), 1e-15);
  BeamData ours = d;
  ours.attributes["s_ref"] = 1.4;  // Wakeline's lab layout: the reference is at s_ref
  EXPECT_EQ(import_beam(ours, ref, {}, "k", "f").plane_z, 1.4);
  EXPECT_DOUBLE_EQ(import_beam(ours, ref, {ReferencePlane::Kind::mean, 0.0}, "k", "f").plane_z, 1.1);
  EXPECT_EQ(import_beam(ours, ref, {ReferencePlane::Kind::given, -2.0}, "k", "f").plane_z, -2.0);
}

TEST(OpenPMDImport, BackwardParticleAndEmptyMeanAreInputErrors) {
  const RefPart ref = electron_reference(50.0);
  const BeamData backwards = lab_data({{0, 0, 1.0, 0, 0, 1e-20}, {0, 0, 1.0, 0, 0, -1e-20}});
  expect_input_error([&] { import_beam(backwards, ref, {}, "k", "f.h5"); }, "k", "f.h5",
                     {"particle 1", "does not move forward"});
  const BeamData empty = lab_data({});
  expect_input_error([&] { import_beam(empty, ref, {}, "k", "f.h5"); }, "k", "f.h5",
                     {"no particles", "mean z"});
  EXPECT_EQ(import_beam(empty, ref, {ReferencePlane::Kind::given, 0.0}, "k", "f.h5").particles.size(), 0u);
}

TEST(OpenPMDImport, ImpactXDataFromAnotherReferenceAreReexpressed) {
  // A file written relative to 100 MeV, read relative to 120 MeV: same momenta and energies.
  const RefPart file_ref = electron_reference(100.0), ref = electron_reference(120.0);
  BeamData d;
  d.x = {1e-3}, d.y = {2e-3}, d.t = {3e-3}, d.px = {1e-3}, d.py = {-2e-3}, d.pt = {1e-2};
  d.attributes = {
      {"beta_gamma_ref", file_ref.beta_gamma()}, {"mass_ref", file_ref.mass}, {"charge_C", -1e-9}};
  const ImportedBeam got = import_beam(d, ref, {}, "k", "f");
  const double scale = file_ref.beta_gamma() / ref.beta_gamma();
  EXPECT_NEAR(got.particles.px[0], 1e-3 * scale, 1e-17);
  EXPECT_NEAR(got.particles.py[0], -2e-3 * scale, 1e-17);
  // gamma = gamma_f - pt_f betagamma_f = gamma_ref - pt betagamma_ref.
  const double gamma = file_ref.gamma() - 1e-2 * file_ref.beta_gamma();
  EXPECT_NEAR(got.particles.pt[0], (ref.gamma() - gamma) / ref.beta_gamma(), 1e-14);
  EXPECT_EQ(got.particles.x[0], 1e-3);
  EXPECT_EQ(got.particles.t[0], 3e-3);
  EXPECT_DOUBLE_EQ(got.bunch_charge, 1e-9);
  EXPECT_DOUBLE_EQ(got.particles.w[0], 1e-9 / wakeline::constants::q_e);
  // The same reference: the numbers exactly as stored.
  const ImportedBeam same = import_beam(d, file_ref, {}, "k", "f");
  EXPECT_EQ(same.particles.px[0], 1e-3);
  EXPECT_EQ(same.particles.pt[0], 1e-2);
}

// Our lab layout read back: the ImpactX coordinates come back (the plane is the file's s_ref).
TEST(OpenPMDImport, LabLayoutFileRoundTrip) {
  ScratchDir dir;
  const std::string path = dir.file("lab.h5");
  RefPart ref = electron_reference(1000.0);
  ref.s = 7.25, ref.t = 7.3;
  Particles beam;
  beam.resize(50);
  for (std::size_t i = 0; i < beam.size(); ++i) {
    const double k = static_cast<double>(i) - 25.0;
    beam.x[i] = 1e-4 * std::sin(k), beam.y[i] = 2e-4 * std::cos(3 * k), beam.t[i] = 1e-3 * std::sin(0.7 * k);
    beam.px[i] = 3e-5 * std::cos(k), beam.py[i] = -1e-5 * std::sin(2 * k),
    beam.pt[i] = 2e-3 * std::cos(0.3 * k);
    beam.qm[i] = ref.qm(), beam.w[i] = 1e4 * (1.0 + 0.01 * k), beam.s_lost[i] = 0.0;
    beam.id[i] = 100 + static_cast<std::int64_t>(i);
  }
  wakeline::io::write_beam_file(path, beam, ref, BeamLayout::lab, "test");
  const BeamData data = read_openpmd_beam(path, "k");
  EXPECT_EQ(data.layout, BeamLayout::lab);
  EXPECT_EQ(data.species, "beam");
  EXPECT_DOUBLE_EQ(data.time, 7.3 / wakeline::constants::c);
  const Particles back = wakeline::io::read_beam_file(path, ref);
  ASSERT_EQ(back.size(), beam.size());
  for (std::size_t i = 0; i < beam.size(); ++i) {
    EXPECT_NEAR(back.x[i], beam.x[i], 1e-12 * 2e-4) << i;
    EXPECT_NEAR(back.y[i], beam.y[i], 1e-12 * 2e-4) << i;
    EXPECT_NEAR(back.t[i], beam.t[i], 1e-12 * 1e-3) << i;
    EXPECT_NEAR(back.px[i], beam.px[i], 1e-12 * 3e-5) << i;
    EXPECT_NEAR(back.py[i], beam.py[i], 1e-12 * 1e-5) << i;
    EXPECT_NEAR(back.pt[i], beam.pt[i], 1e-12 * 2e-3) << i;
    EXPECT_DOUBLE_EQ(back.qm[i], beam.qm[i]);
    EXPECT_EQ(back.w[i], beam.w[i]);
    EXPECT_EQ(back.id[i], beam.id[i]);
  }
}

// Wake-T writes charge, mass and the position offsets as constants of shape [1] for N particles, and
// WarpX-style ED-PIC records may be macro-weighted.
TEST(OpenPMDImport, ShapeOneConstantsStandForEveryParticleAndMacroWeightsAreDivided) {
  ScratchDir dir;
  const std::string path = dir.file("waket.h5");
  RefPart ref = electron_reference(500.0);
  Particles beam;
  beam.resize(4);
  for (std::size_t i = 0; i < 4; ++i) {
    beam.x[i] = 1e-5 * static_cast<double>(i), beam.y[i] = 0, beam.t[i] = 0, beam.px[i] = 0, beam.py[i] = 0;
    beam.pt[i] = 0, beam.qm[i] = ref.qm(), beam.w[i] = 2.0 + static_cast<double>(i), beam.s_lost[i] = 0;
    beam.id[i] = static_cast<std::int64_t>(i + 1);
  }
  wakeline::io::write_beam_file(path, beam, ref, BeamLayout::lab, "test");
  const std::string sp = "/data/0/particles/beam/";
  make_constant(path, sp + "mass", wakeline::constants::m_e, 1, 1.0);
  make_constant(path, sp + "charge", -wakeline::constants::q_e, 1, 1.0);
  make_constant(path, sp + "positionOffset/z", 0.5, 1, 1.0);
  {
    // momentum/x stored for the whole macroparticle: value * w^1.
    H5File f(path);
    const hid_t rec = H5Gopen2(f.id(), (sp + "momentum").c_str(), H5P_DEFAULT);
    set_double_attribute(rec, "macroWeighted", 1.0);
    set_double_attribute(rec, "weightingPower", 1.0);
    H5Gclose(rec);
  }
  const BeamData data = read_openpmd_beam(path, "k");
  ASSERT_EQ(data.mass.size(), 4u);
  EXPECT_EQ(data.mass, std::vector<double>(4, wakeline::constants::m_e));
  EXPECT_EQ(data.charge, std::vector<double>(4, -wakeline::constants::q_e));
  const double p0 = wakeline::constants::m_e * wakeline::constants::c * ref.beta_gamma();
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(data.z[i], 0.5);  // offset 0.5 + position 0
    EXPECT_NEAR(data.pz[i], p0 / beam.w[i], 1e-12 * p0);
  }
  make_constant(path, sp + "mass", wakeline::constants::m_e, 3, 1.0);  // 3 for 4 particles: an error
  expect_input_error([&] { read_openpmd_beam(path, "k"); }, "k", path, {"'mass'", "3 entries", "has 4"});
}

TEST(OpenPMDImport, LabSpeciesWithoutMassIsAnInputError) {
  ScratchDir dir;
  const std::string path = dir.file("nomass.h5");
  const RefPart ref = electron_reference(500.0);
  Particles beam;
  beam.resize(1);
  beam.pt[0] = 0, beam.qm[0] = ref.qm(), beam.w[0] = 1, beam.id[0] = 1;
  wakeline::io::write_beam_file(path, beam, ref, BeamLayout::lab, "test");
  delete_link(path, "/data/0/particles/beam/mass");
  expect_input_error([&] { read_openpmd_beam(path, "beam.openpmd_path"); }, "beam.openpmd_path", path,
                     {"no 'mass' record", "lab-frame"});
}

TEST(OpenPMDReader, DefaultSpeciesIsBeamElseTheOnlyOneElseAnErrorListingThem) {
  ScratchDir dir;
  const std::string path = dir.file("species.h5");
  write_two_iterations(path, TestBeam(2, 1.0), TestBeam(3, 2.0));
  EXPECT_EQ(read_openpmd_beam(path, "k").species, "beam");
  {
    H5File f(path);
    ASSERT_GE(H5Lmove(f.id(), "/data/20/particles/beam", f.id(), "/data/20/particles/electrons", H5P_DEFAULT,
                      H5P_DEFAULT),
              0);
  }
  const BeamData only = read_openpmd_beam(path, "k");
  EXPECT_EQ(only.species, "electrons");
  EXPECT_EQ(only.x.size(), 3u);
  {
    H5File f(path);
    ASSERT_GE(H5Lcopy(f.id(), "/data/20/particles/electrons", f.id(), "/data/20/particles/ions", H5P_DEFAULT,
                      H5P_DEFAULT),
              0);
  }
  expect_input_error([&] { read_openpmd_beam(path, "k"); }, "k", path,
                     {"several particle species", "electrons, ions"});
  EXPECT_EQ(read_openpmd_beam(path, "k", -1, "ions").species, "ions");
}

}  // namespace
