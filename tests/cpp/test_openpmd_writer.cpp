// OpenPMDSeriesWriter: reads the files back with the plain HDF5 C API and checks the openPMD 1.1
// structure that ImpactX's BeamMonitor produces (and openpmd-api / openPMD-viewer expect).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "io/OpenPMDWriter.hpp"

namespace {

namespace fs = std::filesystem;
using wakeline::RunError;
using wakeline::io::BeamFrame;
using wakeline::io::CylMeshFrame;
using wakeline::io::OpenPMDSeriesWriter;

// A fresh directory per test (tests may run in parallel processes), removed afterwards.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() /
           ("wakeline_openpmd_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
};

// Owns particle arrays and exposes them as a BeamFrame.
struct TestBeam {
  std::vector<double> x, y, t, px, py, pt, qm, w, s_lost;
  std::vector<std::int64_t> id;
  explicit TestBeam(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const double k = static_cast<double>(i);
      x.push_back(1e-3 * k), y.push_back(-2e-3 * k), t.push_back(3e-4 * k);
      px.push_back(1e-5 * k), py.push_back(-1e-5 * k), pt.push_back(2e-5 * k);
      qm.push_back(-1.75882001076e11), w.push_back(1e4 + k), s_lost.push_back(0.25 * k);
      // odd particles are "lost": the tracker stores them with a negated id
      id.push_back(i % 2 == 1 ? -static_cast<std::int64_t>(i + 1) : static_cast<std::int64_t>(i + 1));
    }
  }
  [[nodiscard]] BeamFrame frame() const {
    BeamFrame f;
    f.n = x.size();
    f.x = x.data(), f.y = y.data(), f.t = t.data();
    f.px = px.data(), f.py = py.data(), f.pt = pt.data();
    f.qm = qm.data(), f.w = w.data(), f.id = id.data();
    f.ref_x = 0.1, f.ref_y = -0.2, f.ref_t = 3.5;
    f.attributes = {{"s_ref", 3.5}, {"gamma_ref", 3914.9}, {"sigma_x", 1.4e-3}};
    f.time = 3.5 / 299792458.0;
    return f;
  }
};

// ---- read-back helpers (HDF5 C API) -------------------------------------------------------

class H5File {
 public:
  explicit H5File(const std::string& path) : id_(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
  ~H5File() {
    if (id_ >= 0) H5Fclose(id_);
  }
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  [[nodiscard]] hid_t id() const { return id_; }

 private:
  hid_t id_;
};

// Whether `path` exists, checked link by link (H5Lexists fails on a missing intermediate group).
bool exists(hid_t file, const std::string& path) {
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

H5I_type_t object_type(hid_t file, const std::string& path) {
  const hid_t obj = H5Oopen(file, path.c_str(), H5P_DEFAULT);
  if (obj < 0) return H5I_BADID;
  const H5I_type_t type = H5Iget_type(obj);
  H5Oclose(obj);
  return type;
}

struct AttrInfo {
  H5T_class_t cls = H5T_NO_CLASS;
  std::size_t size = 0;
  bool scalar = false;
  hssize_t npoints = 0;
};

AttrInfo attr_info(hid_t file, const std::string& obj, const std::string& name) {
  AttrInfo info;
  const hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) return info;
  const hid_t type = H5Aget_type(a), space = H5Aget_space(a);
  info.cls = H5Tget_class(type);
  info.size = H5Tget_size(type);
  info.scalar = H5Sget_simple_extent_type(space) == H5S_SCALAR;
  info.npoints = H5Sget_simple_extent_npoints(space);
  H5Sclose(space), H5Tclose(type), H5Aclose(a);
  return info;
}

bool has_attr(hid_t file, const std::string& obj, const std::string& name) {
  return H5Aexists_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

// Reads a string attribute and checks it is fixed-length, NUL-terminated ASCII.
std::string string_attr(hid_t file, const std::string& obj, const std::string& name) {
  const hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) {
    ADD_FAILURE() << "missing attribute " << obj << " @" << name;
    return {};
  }
  const hid_t type = H5Aget_type(a);
  EXPECT_EQ(H5Tget_class(type), H5T_STRING) << name;
  EXPECT_EQ(H5Tis_variable_str(type), 0) << name << " must be a fixed-length string";
  EXPECT_EQ(H5Tget_strpad(type), H5T_STR_NULLTERM) << name;
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_ASCII) << name;
  std::vector<char> buf(H5Tget_size(type) + 1, '\0');
  EXPECT_GE(H5Aread(a, type, buf.data()), 0);
  H5Tclose(type), H5Aclose(a);
  return buf.data();
}

template <class T>
std::vector<T> numeric_attr(hid_t file, const std::string& obj, const std::string& name, hid_t mem_type) {
  const hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) {
    ADD_FAILURE() << "missing attribute " << obj << " @" << name;
    return {};
  }
  const hid_t space = H5Aget_space(a);
  std::vector<T> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  EXPECT_GE(H5Aread(a, mem_type, v.data()), 0);
  H5Sclose(space), H5Aclose(a);
  return v;
}

double double_attr(hid_t file, const std::string& obj, const std::string& name) {
  const AttrInfo info = attr_info(file, obj, name);
  EXPECT_TRUE(info.cls == H5T_FLOAT && info.size == 8 && info.scalar)
      << obj << " @" << name << " must be a scalar double";
  const auto v = numeric_attr<double>(file, obj, name, H5T_NATIVE_DOUBLE);
  return v.empty() ? 0.0 : v[0];
}

template <class T>
std::vector<T> dataset(hid_t file, const std::string& path, hid_t mem_type, int rank = 1) {
  const hid_t d = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  if (d < 0) {
    ADD_FAILURE() << "missing dataset " << path;
    return {};
  }
  const hid_t space = H5Dget_space(d);
  EXPECT_EQ(H5Sget_simple_extent_ndims(space), rank) << path;
  std::vector<T> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (!v.empty()) {
    EXPECT_GE(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0);
  }
  H5Sclose(space), H5Dclose(d);
  return v;
}

// Checks the record-level attributes (unitDimension, timeOffset) on `obj`.
void expect_record(hid_t file, const std::string& obj, const std::array<double, 7>& dim) {
  const AttrInfo ud = attr_info(file, obj, "unitDimension");
  EXPECT_TRUE(ud.cls == H5T_FLOAT && ud.size == 8 && !ud.scalar && ud.npoints == 7) << obj;
  const auto got = numeric_attr<double>(file, obj, "unitDimension", H5T_NATIVE_DOUBLE);
  EXPECT_EQ(got, std::vector<double>(dim.begin(), dim.end())) << obj;
  const AttrInfo to = attr_info(file, obj, "timeOffset");
  EXPECT_TRUE(to.cls == H5T_FLOAT && to.size == 4 && to.scalar)
      << obj << " @timeOffset must be a scalar float";
}

constexpr std::array<double, 7> kLength{1, 0, 0, 0, 0, 0, 0};
constexpr std::array<double, 7> kNone{};
constexpr std::array<double, 7> kChargePerMass{0, -1, 1, 1, 0, 0, 0};

}  // namespace

TEST(OpenPMDWriter, RootAttributesFollowOpenPMD11) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  OpenPMDSeriesWriter writer(path, "1.2.3");
  writer.commit();

  H5File f(path);
  ASSERT_GE(f.id(), 0);
  EXPECT_EQ(string_attr(f.id(), "/", "openPMD"), "1.1.0");
  const AttrInfo ext = attr_info(f.id(), "/", "openPMDextension");
  EXPECT_TRUE(ext.cls == H5T_INTEGER && ext.size == 4 && ext.scalar)
      << "openPMDextension must be a scalar uint32";
  EXPECT_EQ(numeric_attr<std::uint32_t>(f.id(), "/", "openPMDextension", H5T_NATIVE_UINT32),
            std::vector<std::uint32_t>{0});
  EXPECT_EQ(string_attr(f.id(), "/", "basePath"), "/data/%T/");
  EXPECT_EQ(string_attr(f.id(), "/", "particlesPath"), "particles/");
  EXPECT_EQ(string_attr(f.id(), "/", "iterationEncoding"), "groupBased");
  EXPECT_EQ(string_attr(f.id(), "/", "iterationFormat"), "/data/%T/");
  EXPECT_EQ(string_attr(f.id(), "/", "software"), "Wakeline");
  EXPECT_EQ(string_attr(f.id(), "/", "softwareVersion"), "1.2.3");
  EXPECT_TRUE(std::regex_match(string_attr(f.id(), "/", "date"),
                               std::regex(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4})")));
  EXPECT_FALSE(has_attr(f.id(), "/", "meshesPath")) << "meshesPath would require a meshes group";
  EXPECT_EQ(object_type(f.id(), "/data"), H5I_GROUP);
}

TEST(OpenPMDWriter, IterationRecordsRoundTrip) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  const TestBeam beam(5);
  {
    OpenPMDSeriesWriter writer(path, "dev");
    writer.write_iteration(1, beam.frame());
    writer.flush();
    writer.commit();
  }
  H5File f(path);
  ASSERT_GE(f.id(), 0);

  const std::string it = "/data/1";
  EXPECT_DOUBLE_EQ(double_attr(f.id(), it, "time"), 3.5 / 299792458.0);
  EXPECT_DOUBLE_EQ(double_attr(f.id(), it, "dt"), 1.0);
  EXPECT_DOUBLE_EQ(double_attr(f.id(), it, "timeUnitSI"), 1.0);

  const std::string sp = it + "/particles/beam";
  EXPECT_DOUBLE_EQ(double_attr(f.id(), sp, "s_ref"), 3.5);
  EXPECT_DOUBLE_EQ(double_attr(f.id(), sp, "gamma_ref"), 3914.9);
  EXPECT_DOUBLE_EQ(double_attr(f.id(), sp, "sigma_x"), 1.4e-3);

  // position / momentum: vector records of 1-D double datasets
  expect_record(f.id(), sp + "/position", kLength);
  expect_record(f.id(), sp + "/momentum", kNone);
  const std::array<const char*, 3> comps{"x", "y", "t"};
  const std::vector<std::pair<std::string, const std::vector<double>*>> components{
      {"position/x", &beam.x},  {"position/y", &beam.y},  {"position/t", &beam.t},
      {"momentum/x", &beam.px}, {"momentum/y", &beam.py}, {"momentum/t", &beam.pt}};
  for (const auto& [name, data] : components) {
    const std::string comp = sp + "/" + name;
    EXPECT_EQ(object_type(f.id(), comp), H5I_DATASET) << comp;
    EXPECT_EQ(dataset<double>(f.id(), comp, H5T_NATIVE_DOUBLE), *data) << comp;
    EXPECT_DOUBLE_EQ(double_attr(f.id(), comp, "unitSI"), 1.0);
  }

  // positionOffset: constant components (empty groups with value and shape = [n])
  expect_record(f.id(), sp + "/positionOffset", kLength);
  const std::array<double, 3> ref{0.1, -0.2, 3.5};
  for (std::size_t c = 0; c < 3; ++c) {
    const std::string comp = sp + "/positionOffset/" + comps[c];
    EXPECT_EQ(object_type(f.id(), comp), H5I_GROUP) << comp;
    EXPECT_DOUBLE_EQ(double_attr(f.id(), comp, "value"), ref[c]);
    const AttrInfo shape = attr_info(f.id(), comp, "shape");
    EXPECT_TRUE(shape.cls == H5T_INTEGER && shape.size == 8 && !shape.scalar && shape.npoints == 1) << comp;
    EXPECT_EQ(numeric_attr<std::uint64_t>(f.id(), comp, "shape", H5T_NATIVE_UINT64),
              std::vector<std::uint64_t>{5});
    EXPECT_DOUBLE_EQ(double_attr(f.id(), comp, "unitSI"), 1.0);
  }

  // scalar records: one dataset with record and component attributes
  expect_record(f.id(), sp + "/qm", kChargePerMass);
  EXPECT_EQ(dataset<double>(f.id(), sp + "/qm", H5T_NATIVE_DOUBLE), beam.qm);
  expect_record(f.id(), sp + "/weighting", kNone);
  EXPECT_EQ(dataset<double>(f.id(), sp + "/weighting", H5T_NATIVE_DOUBLE), beam.w);
  expect_record(f.id(), sp + "/id", kNone);
  for (const char* scalar : {"qm", "weighting", "id"})
    EXPECT_DOUBLE_EQ(double_attr(f.id(), sp + "/" + scalar, "unitSI"), 1.0);

  // id: stored as uint64, sign of lost particles dropped
  const hid_t d = H5Dopen2(f.id(), (sp + "/id").c_str(), H5P_DEFAULT);
  ASSERT_GE(d, 0);
  const hid_t type = H5Dget_type(d);
  EXPECT_EQ(H5Tget_class(type), H5T_INTEGER);
  EXPECT_EQ(H5Tget_size(type), 8u);
  EXPECT_EQ(H5Tget_sign(type), H5T_SGN_NONE);
  H5Tclose(type), H5Dclose(d);
  EXPECT_EQ(dataset<std::uint64_t>(f.id(), sp + "/id", H5T_NATIVE_UINT64),
            (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));

  EXPECT_FALSE(exists(f.id(), sp + "/s_lost")) << "s_lost only appears in lost-particle files";
}

TEST(OpenPMDWriter, ZeroParticleIterationHasEmptyRecords) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  const TestBeam beam(3);
  {
    OpenPMDSeriesWriter writer(path, "dev");
    writer.write_iteration(2, beam.frame());
    BeamFrame empty;  // n = 0 with null pointers is valid
    empty.ref_t = 7.0;
    empty.attributes = {{"s_ref", 7.0}};
    writer.write_iteration(9, empty);
    writer.commit();
  }
  H5File f(path);
  ASSERT_GE(f.id(), 0);
  EXPECT_TRUE(exists(f.id(), "/data/2/particles/beam/position/x"));
  const std::string sp = "/data/9/particles/beam";
  for (const char* comp : {"/position/x", "/position/y", "/position/t", "/momentum/x", "/momentum/y",
                           "/momentum/t", "/qm", "/weighting"}) {
    EXPECT_EQ(object_type(f.id(), sp + comp), H5I_DATASET) << comp;
    EXPECT_TRUE(dataset<double>(f.id(), sp + comp, H5T_NATIVE_DOUBLE).empty()) << comp;
  }
  EXPECT_TRUE(dataset<std::uint64_t>(f.id(), sp + "/id", H5T_NATIVE_UINT64).empty());
  EXPECT_EQ(numeric_attr<std::uint64_t>(f.id(), sp + "/positionOffset/t", "shape", H5T_NATIVE_UINT64),
            std::vector<std::uint64_t>{0});
  EXPECT_DOUBLE_EQ(double_attr(f.id(), sp + "/positionOffset/t", "value"), 7.0);
  EXPECT_DOUBLE_EQ(double_attr(f.id(), sp, "s_ref"), 7.0);
}

TEST(OpenPMDWriter, LostParticleFileCarriesSLost) {
  ScratchDir dir;
  const std::string path = dir.file("particles_lost.h5");
  const TestBeam beam(4);
  BeamFrame frame = beam.frame();
  frame.s_lost = beam.s_lost.data();
  {
    OpenPMDSeriesWriter writer(path, "dev");
    writer.write_iteration(0, frame);
    writer.commit();
  }
  H5File f(path);
  ASSERT_GE(f.id(), 0);
  const std::string rec = "/data/0/particles/beam/s_lost";
  EXPECT_EQ(object_type(f.id(), rec), H5I_DATASET);
  expect_record(f.id(), rec, kLength);
  EXPECT_DOUBLE_EQ(double_attr(f.id(), rec, "unitSI"), 1.0);
  EXPECT_EQ(dataset<double>(f.id(), rec, H5T_NATIVE_DOUBLE), beam.s_lost);
}

TEST(OpenPMDWriter, WritesToHiddenTemporaryUntilCommit) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  { std::ofstream(path) << "stale output of an earlier run"; }

  OpenPMDSeriesWriter writer(path, "dev");
  EXPECT_EQ(writer.final_path(), path);
  EXPECT_EQ(writer.temporary_path(), dir.file(".monitor.h5.partial"));
  writer.write_iteration(1, TestBeam(2).frame());
  writer.flush();
  EXPECT_TRUE(fs::exists(writer.temporary_path()));
  EXPECT_EQ(fs::file_size(path), 30u) << "the old file stays untouched until commit";

  writer.commit();
  EXPECT_FALSE(fs::exists(writer.temporary_path()));
  EXPECT_GT(H5Fis_hdf5(path.c_str()), 0) << "commit replaces the old file";
  H5File f(path);
  EXPECT_TRUE(exists(f.id(), "/data/1/particles/beam/id"));
}

TEST(OpenPMDWriter, AbandonAndDestructorDeleteTemporary) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  std::string temp;
  {
    OpenPMDSeriesWriter writer(path, "dev");
    temp = writer.temporary_path();
    writer.write_iteration(1, TestBeam(2).frame());
    ASSERT_TRUE(fs::exists(temp));
    writer.abandon();
    EXPECT_FALSE(fs::exists(temp));
    writer.abandon();  // idempotent
  }
  {
    OpenPMDSeriesWriter writer(path, "dev");
    writer.write_iteration(1, TestBeam(2).frame());
  }  // destroyed without commit
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(OpenPMDWriter, AbandonedWriterLeavesANewerWritersTemporaryAlone) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  auto first = std::make_unique<OpenPMDSeriesWriter>(path, "dev");
  first->abandon();
  OpenPMDSeriesWriter second(path, "dev");  // same temporary name
  first.reset();
  EXPECT_TRUE(fs::exists(second.temporary_path()));
  second.commit();
  EXPECT_TRUE(fs::exists(path));
}

TEST(OpenPMDWriter, RepeatedIterationThrows) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  OpenPMDSeriesWriter writer(path, "dev");
  writer.write_iteration(3, TestBeam(2).frame());
  EXPECT_THROW(writer.write_iteration(3, TestBeam(2).frame()), RunError);
  writer.write_iteration(4, TestBeam(1).frame());  // the series is still usable
  writer.commit();
  H5File f(path);
  EXPECT_EQ(dataset<double>(f.id(), "/data/3/particles/beam/position/x", H5T_NATIVE_DOUBLE).size(), 2u);
  EXPECT_EQ(dataset<double>(f.id(), "/data/4/particles/beam/position/x", H5T_NATIVE_DOUBLE).size(), 1u);
}

TEST(OpenPMDWriter, InvalidFramesAreRejectedBeforeWriting) {
  ScratchDir dir;
  const std::string path = dir.file("monitor.h5");
  const TestBeam beam(3);
  OpenPMDSeriesWriter writer(path, "dev");

  BeamFrame missing = beam.frame();
  missing.pt = nullptr;
  EXPECT_THROW(writer.write_iteration(1, missing), RunError);

  BeamFrame bad_name = beam.frame();
  bad_name.species = "beam/lost";
  EXPECT_THROW(writer.write_iteration(1, bad_name), RunError);

  BeamFrame duplicate = beam.frame();
  duplicate.attributes.emplace_back("s_ref", 1.0);
  EXPECT_THROW(writer.write_iteration(1, duplicate), RunError);

  // None of the rejected frames touched the file: the same iteration can still be written.
  BeamFrame good = beam.frame();
  good.species = "lost_beam";
  writer.write_iteration(1, good);
  writer.commit();
  H5File f(path);
  EXPECT_TRUE(exists(f.id(), "/data/1/particles/lost_beam/position/x"));
  EXPECT_FALSE(exists(f.id(), "/data/1/particles/beam"));
}

TEST(OpenPMDWriter, ClosedWriterRejectsFurtherUse) {
  ScratchDir dir;
  OpenPMDSeriesWriter committed(dir.file("a.h5"), "dev");
  committed.commit();
  EXPECT_THROW(committed.write_iteration(1, TestBeam(1).frame()), RunError);
  EXPECT_THROW(committed.flush(), RunError);
  EXPECT_THROW(committed.commit(), RunError);
  committed.abandon();  // must not delete the committed file
  EXPECT_TRUE(fs::exists(dir.file("a.h5")));

  OpenPMDSeriesWriter abandoned(dir.file("b.h5"), "dev");
  abandoned.abandon();
  EXPECT_THROW(abandoned.commit(), RunError);
  EXPECT_FALSE(fs::exists(dir.file("b.h5")));
}

TEST(OpenPMDWriter, MissingDirectoryThrows) {
  ScratchDir dir;
  EXPECT_THROW(OpenPMDSeriesWriter(dir.file("no/such/dir/monitor.h5"), "dev"), RunError);
  EXPECT_THROW(OpenPMDSeriesWriter(dir.file("ends_in_slash/"), "dev"), RunError);
}

// ---- the lab layout ------------------------------------------------------------------------

namespace {

// Three electrons relative to a 100 MeV reference at s = 2.5 m, reference clock c t = 2.6 m.
wakeline::RefPart lab_reference() {
  wakeline::RefPart ref;
  ref.set_species("electron");
  ref.set_kin_energy_MeV(100.0);
  ref.s = 2.5;
  ref.t = 2.6;
  return ref;
}

wakeline::Particles lab_beam(const wakeline::RefPart& ref) {
  wakeline::Particles p;
  p.resize(3);
  // 0: the reference itself; 1: 1 mm late with 1 % less energy; 2: transverse momentum, 2 mm early.
  const double x[] = {0.0, 1e-4, -2e-4}, y[] = {0.0, 0.0, 3e-4}, t[] = {0.0, 1e-3, -2e-3};
  const double px[] = {0.0, 0.0, 1e-3}, py[] = {0.0, 0.0, -5e-4}, pt[] = {0.0, 0.0, 0.0};
  for (std::size_t i = 0; i < 3; ++i) {
    p.x[i] = x[i], p.y[i] = y[i], p.t[i] = t[i], p.px[i] = px[i], p.py[i] = py[i], p.pt[i] = pt[i];
    p.qm[i] = ref.qm(), p.w[i] = 1e5 * static_cast<double>(i + 1), p.id[i] = static_cast<std::int64_t>(i + 1);
    p.s_lost[i] = 0.0;
  }
  // 1 % less energy: pt = -dE/(p0 c) = 0.01 gamma / (beta gamma).
  p.pt[1] = 0.01 * ref.gamma() / ref.beta_gamma();
  return p;
}

}  // namespace

TEST(OpenPMDWriter, LabFrameFollowsEachParticleBackToTheReferenceTime) {
  using wakeline::constants::c;
  const wakeline::RefPart ref = lab_reference();
  const wakeline::Particles beam = lab_beam(ref);
  wakeline::io::LabArrays arrays;
  BeamFrame f;
  wakeline::io::make_lab_frame(beam, ref, arrays, f);
  ASSERT_EQ(f.n, 3u);
  EXPECT_EQ(f.layout, wakeline::io::BeamLayout::lab);
  EXPECT_EQ(f.ref_t, 2.5);  // positionOffset/z = s
  EXPECT_DOUBLE_EQ(f.time, 2.6 / c);
  EXPECT_EQ(f.species_type, "electron");
  const double m = wakeline::constants::m_e, p0 = m * c * ref.beta_gamma();

  // The reference particle sits at the origin with p = p0 along z.
  EXPECT_EQ(f.x[0], 0.0);
  EXPECT_EQ(f.t[0], 0.0);
  EXPECT_DOUBLE_EQ(f.pt[0], p0);
  // 1 mm late at the plane with 99 % of the reference energy: it is beta_1 * 1 mm behind at the reference
  // time.
  const double gamma1 = 0.99 * ref.gamma(), beta1 = std::sqrt(1.0 - 1.0 / (gamma1 * gamma1));
  EXPECT_NEAR(f.t[1], -beta1 * 1e-3, 1e-15);
  EXPECT_NEAR(f.pt[1], m * c * gamma1 * beta1, 1e-12 * p0);
  EXPECT_EQ(f.x[1], 1e-4);  // no transverse momentum: x unchanged
  // 2 mm early with a transverse momentum: it still has to fly 2 mm (t < 0), along its own direction.
  const double pz2 = p0 * std::sqrt(1.0 - 1e-6 - 2.5e-7), p2 = p0;  // |p| = p0 (pt = 0)
  const double energy = std::sqrt(p2 * p2 * c * c + m * m * c * c * c * c);
  const double fly = 2e-3 * p0 * c / energy;  // c |dt| times p/p0 ... per unit normalised momentum
  EXPECT_NEAR(f.px[2], 1e-3 * p0, 1e-15 * p0);
  EXPECT_NEAR(f.py[2], -5e-4 * p0, 1e-15 * p0);
  EXPECT_NEAR(f.pt[2], pz2, 1e-13 * p0);
  EXPECT_NEAR(f.x[2], -2e-4 + 1e-3 * fly, 1e-16);
  EXPECT_NEAR(f.y[2], 3e-4 - 5e-4 * fly, 1e-16);
  EXPECT_NEAR(f.t[2], pz2 / p0 * fly, 1e-16);
  // weight: the macro-charge in C.
  EXPECT_DOUBLE_EQ(f.weight[2], 3e5 * wakeline::constants::q_e);
}

TEST(OpenPMDWriter, LabLayoutFileHasWhatViewerAndBeamphysicsRead) {
  ScratchDir dir;
  const std::string path = dir.file("beam.h5");
  const wakeline::RefPart ref = lab_reference();
  const wakeline::Particles beam = lab_beam(ref);
  wakeline::io::write_beam_file(path, beam, ref, wakeline::io::BeamLayout::lab, "test");
  H5File f(path);
  const std::string sp = "/data/0/particles/beam";
  for (const char* c : {"x", "y", "z"}) {
    EXPECT_EQ(object_type(f.id(), sp + "/position/" + c), H5I_DATASET) << c;
    EXPECT_EQ(object_type(f.id(), sp + "/momentum/" + c), H5I_DATASET) << c;
    EXPECT_EQ(object_type(f.id(), sp + "/positionOffset/" + c), H5I_GROUP) << c;  // constant
  }
  EXPECT_FALSE(exists(f.id(), sp + "/position/t"));
  EXPECT_FALSE(exists(f.id(), sp + "/qm"));
  expect_record(f.id(), sp + "/position", kLength);
  expect_record(f.id(), sp + "/momentum", {1, 1, -1, 0, 0, 0, 0});
  expect_record(f.id(), sp + "/charge", {0, 0, 1, 1, 0, 0, 0});
  expect_record(f.id(), sp + "/mass", {0, 1, 0, 0, 0, 0, 0});
  expect_record(f.id(), sp + "/time", {0, 0, 1, 0, 0, 0, 0});
  expect_record(f.id(), sp + "/weight", {0, 0, 1, 1, 0, 0, 0});
  EXPECT_EQ(double_attr(f.id(), sp + "/mass", "value"), wakeline::constants::m_e);
  EXPECT_EQ(double_attr(f.id(), sp + "/charge", "value"), -wakeline::constants::q_e);
  EXPECT_EQ(double_attr(f.id(), sp + "/mass", "unitSI"), 1.0);
  EXPECT_EQ(double_attr(f.id(), sp + "/positionOffset/z", "value"), 2.5);
  EXPECT_EQ(string_attr(f.id(), sp, "speciesType"), "electron");
  EXPECT_EQ(numeric_attr<std::uint64_t>(f.id(), sp, "numParticles", H5T_NATIVE_UINT64),
            std::vector<std::uint64_t>{3});
  EXPECT_DOUBLE_EQ(double_attr(f.id(), sp, "totalCharge"), 6e5 * wakeline::constants::q_e);
  EXPECT_EQ(double_attr(f.id(), sp, "chargeUnitSI"), 1.0);
  EXPECT_EQ(double_attr(f.id(), sp, "s_ref"), 2.5);  // the reference particle, as in a monitor
  EXPECT_DOUBLE_EQ(double_attr(f.id(), "/data/0", "time"), 2.6 / wakeline::constants::c);
  EXPECT_EQ(dataset<double>(f.id(), sp + "/weighting", H5T_NATIVE_DOUBLE),
            (std::vector<double>{1e5, 2e5, 3e5}));
}

TEST(OpenPMDWriter, BeamFileInImpactXLayoutIsWhatAMonitorWrites) {
  ScratchDir dir;
  const std::string path = dir.file("beam.h5");
  const wakeline::RefPart ref = lab_reference();
  const wakeline::Particles beam = lab_beam(ref);
  wakeline::io::write_beam_file(path, beam, ref, wakeline::io::BeamLayout::impactx, "test");
  EXPECT_FALSE(fs::exists(dir.file(".beam.h5.partial")));
  H5File f(path);
  const std::string sp = "/data/0/particles/beam";
  EXPECT_EQ(dataset<double>(f.id(), sp + "/momentum/t", H5T_NATIVE_DOUBLE),
            std::vector<double>(beam.pt.begin(), beam.pt.end()));
  EXPECT_FALSE(exists(f.id(), sp + "/mass"));              // openPMD-viewer would misread px as kg m/s
  EXPECT_EQ(double_attr(f.id(), "/data/0", "time"), 2.5);  // ImpactX: the iteration time is s
  EXPECT_EQ(double_attr(f.id(), sp, "gamma_ref"), ref.gamma());
}

TEST(OpenPMDWriter, LabFrameRejectsAParticleMovingBackwards) {
  const wakeline::RefPart ref = lab_reference();
  wakeline::Particles beam = lab_beam(ref);
  beam.px[2] = 1.5;  // more transverse momentum than it has in all
  wakeline::io::LabArrays arrays;
  BeamFrame f;
  EXPECT_THROW(wakeline::io::make_lab_frame(beam, ref, arrays, f), RunError);
}

// Meshes of an axisymmetric grid: openPMD thetaMode with one mode, (1, n_r, n_z), Wake-T's layout.
TEST(OpenPMDWriter, CylindricalMeshesFollowThetaModeLayout) {
  ScratchDir dir;
  const std::string path = dir.file("stage_fields.h5");
  const int nr = 3, nz = 4;
  std::vector<double> ez(nr * nz), er(nr * nz, 0.5), rho(nr * nz);
  for (int i = 0; i < nr * nz; ++i) ez[i] = i, rho[i] = -i;
  CylMeshFrame frame;
  frame.n_r = nr, frame.n_z = nz, frame.dr = 1e-6, frame.dz = 2e-6, frame.z_offset = 0.25, frame.time = 1e-9;
  frame.records.push_back({"E", {{"r", er.data()}, {"z", ez.data()}}, {1, 1, -3, -1, 0, 0, 0}});
  frame.records.push_back({"rho", {{"", rho.data()}}, {-3, 0, 1, 1, 0, 0, 0}});
  frame.attributes = {{"fieldSolver", "other"}};
  OpenPMDSeriesWriter writer(path, "1.2.3");
  writer.write_mesh_iteration(7, frame);
  EXPECT_THROW(writer.write_mesh_iteration(7, frame), RunError);
  writer.commit();

  H5File f(path);
  ASSERT_GE(f.id(), 0);
  EXPECT_EQ(string_attr(f.id(), "/", "meshesPath"), "meshes/");
  EXPECT_FALSE(has_attr(f.id(), "/", "particlesPath")) << "a series of meshes names no particles";
  EXPECT_EQ(double_attr(f.id(), "/data/7", "time"), 1e-9);
  const std::string E = "/data/7/meshes/E";
  EXPECT_EQ(object_type(f.id(), E), H5I_GROUP);
  EXPECT_EQ(string_attr(f.id(), E, "geometry"), "thetaMode");
  EXPECT_EQ(string_attr(f.id(), E, "dataOrder"), "C");
  EXPECT_EQ(numeric_attr<double>(f.id(), E, "gridSpacing", H5T_NATIVE_DOUBLE),
            (std::vector<double>{1e-6, 2e-6}));
  EXPECT_EQ(numeric_attr<double>(f.id(), E, "gridGlobalOffset", H5T_NATIVE_DOUBLE),
            (std::vector<double>{0, 0.25}));
  expect_record(f.id(), E, {1, 1, -3, -1, 0, 0, 0});
  EXPECT_EQ(dataset<double>(f.id(), E + "/z", H5T_NATIVE_DOUBLE, 3), ez);
  EXPECT_EQ(numeric_attr<double>(f.id(), E + "/z", "position", H5T_NATIVE_DOUBLE),
            (std::vector<double>{0.5, 0}));
  // A scalar mesh is one dataset carrying the mesh and component attributes.
  const std::string R = "/data/7/meshes/rho";
  EXPECT_EQ(object_type(f.id(), R), H5I_DATASET);
  EXPECT_EQ(string_attr(f.id(), R, "geometry"), "thetaMode");
  EXPECT_EQ(double_attr(f.id(), R, "unitSI"), 1.0);
  EXPECT_EQ(dataset<double>(f.id(), R, H5T_NATIVE_DOUBLE, 3), rho);
  hid_t d = H5Dopen2(f.id(), R.c_str(), H5P_DEFAULT);
  hid_t space = H5Dget_space(d);
  std::array<hsize_t, 3> dims{};
  ASSERT_EQ(H5Sget_simple_extent_ndims(space), 3);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  EXPECT_EQ(dims, (std::array<hsize_t, 3>{1, 3, 4}));
  H5Sclose(space);
  H5Dclose(d);
}

// Several species may share an iteration, also one with meshes (a plasma stage's drivers and fields);
// the same species twice is refused.
TEST(OpenPMDWriter, SpeciesShareAnIterationWithMeshes) {
  ScratchDir dir;
  const std::string path = dir.file("stage_fields.h5");
  const TestBeam beam(4);
  std::vector<double> ez(6, 1.0);
  CylMeshFrame frame;
  frame.n_r = 2, frame.n_z = 3, frame.dr = 1e-6, frame.dz = 1e-6;
  frame.records.push_back({"rho", {{"", ez.data()}}, {-3, 0, 1, 1, 0, 0, 0}});
  {
    OpenPMDSeriesWriter writer(path, "dev");
    writer.write_mesh_iteration(0, frame);
    BeamFrame a = beam.frame(), b = beam.frame();
    a.species = "driver1", b.species = "driver2";
    writer.write_iteration(0, a);
    writer.write_iteration(0, b);
    EXPECT_THROW(writer.write_iteration(0, a), RunError);
    writer.commit();
  }
  H5File f(path);
  ASSERT_GE(f.id(), 0);
  EXPECT_EQ(string_attr(f.id(), "/", "particlesPath"), "particles/");
  EXPECT_EQ(string_attr(f.id(), "/", "meshesPath"), "meshes/");
  EXPECT_EQ(object_type(f.id(), "/data/0/meshes/rho"), H5I_DATASET);
  EXPECT_EQ(object_type(f.id(), "/data/0/particles/driver1/position"), H5I_GROUP);
  EXPECT_EQ(object_type(f.id(), "/data/0/particles/driver2/position"), H5I_GROUP);
}
