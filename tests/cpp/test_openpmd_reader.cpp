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

#include "core/Error.hpp"
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

}  // namespace
