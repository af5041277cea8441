#include "io/OpenPMDWriter.hpp"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <system_error>
#include <type_traits>
#include <utility>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "io/Diagnostics.hpp"

namespace wakeline::io {
namespace {

namespace fs = std::filesystem;

// The header stores the file id as std::int64_t so that it need not include hdf5.h.
static_assert(std::is_same_v<hid_t, std::int64_t>, "HDF5 >= 1.10 uses 64-bit identifiers");

// openPMD unitDimension: powers of (L, M, T, I, theta, N, J).
using UnitDimension = std::array<double, 7>;
constexpr UnitDimension kDimensionless{};
constexpr UnitDimension kLength{1, 0, 0, 0, 0, 0, 0};
constexpr UnitDimension kChargePerMass{0, -1, 1, 1, 0, 0, 0};  // C/kg = A s kg^-1
constexpr UnitDimension kMomentum{1, 1, -1, 0, 0, 0, 0};       // kg m s^-1
constexpr UnitDimension kCharge{0, 0, 1, 1, 0, 0, 0};          // C = A s
constexpr UnitDimension kMass{0, 1, 0, 0, 0, 0, 0};
constexpr UnitDimension kTime{0, 0, 1, 0, 0, 0, 0};

[[noreturn]] void fail(const std::string& what) { throw RunError("openPMD/HDF5: " + what); }

void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

// Owns one HDF5 identifier and releases it with the matching H5*close function, so that an
// exception in the middle of writing an iteration leaks no handles.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) fail(what);
  }
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }

 private:
  hid_t id_;
  Closer closer_;
};

Handle make_group(hid_t parent, const std::string& name) {
  return {H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
          "cannot create group '" + name + "'"};
}

Handle scalar_space() { return {H5Screate(H5S_SCALAR), H5Sclose, "cannot create dataspace"}; }

Handle vector_space(hsize_t n) {
  // A zero extent is legal in a simple dataspace; openPMD readers see a 0-length record.
  return {H5Screate_simple(1, &n, nullptr), H5Sclose, "cannot create dataspace"};
}

void write_attribute(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* data) {
  Handle attr(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              "cannot create attribute '" + name + "'");
  check(H5Awrite(attr.get(), type, data), "cannot write attribute '" + name + "'");
}

// Scalar attributes use an H5S_SCALAR dataspace: a one-element array reads back as an array in
// h5py and fails the exact type checks of openPMD-validator.
template <class T>
void attribute(hid_t obj, const std::string& name, hid_t type, T value) {
  write_attribute(obj, name, type, scalar_space().get(), &value);
}

template <class T, std::size_t N>
void array_attribute(hid_t obj, const std::string& name, hid_t type, const std::array<T, N>& values) {
  write_attribute(obj, name, type, vector_space(N).get(), values.data());
}

// Fixed-length, NUL-terminated ASCII: what openPMD-api writes and what openPMD-viewer,
// openpmd-beamphysics and the validator expect (variable-length strings come back as Python
// str instead of bytes and break them).
void string_attribute(hid_t obj, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create string type");
  check(H5Tset_size(type.get(), value.size() + 1), "cannot size string type");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "cannot set string padding");
  check(H5Tset_cset(type.get(), H5T_CSET_ASCII), "cannot set string charset");
  write_attribute(obj, name, type.get(), scalar_space().get(), value.c_str());
}

// Attributes every openPMD record carries (on the record group, or on the dataset of a scalar
// record). timeOffset is float like openPMD-api's default; all our records are at `time`.
void record_attributes(hid_t obj, const UnitDimension& dim) {
  array_attribute(obj, "unitDimension", H5T_NATIVE_DOUBLE, dim);
  attribute(obj, "timeOffset", H5T_NATIVE_FLOAT, 0.0f);
}

// Our data are stored in the SI (or dimensionless) unit the record declares, so unitSI = 1.
void component_attributes(hid_t obj) { attribute(obj, "unitSI", H5T_NATIVE_DOUBLE, 1.0); }

Handle write_dataset(hid_t parent, const std::string& name, hid_t type, std::size_t n, const void* data) {
  Handle space = vector_space(n);
  Handle dset(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, "cannot create dataset '" + name + "'");
  // With n == 0 there is nothing to write (and the caller's pointer may be null).
  if (n > 0)
    check(H5Dwrite(dset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          "cannot write dataset '" + name + "'");
  return dset;
}

void scalar_record(hid_t species, const std::string& name, hid_t type, std::size_t n, const void* data,
                   const UnitDimension& dim) {
  // A scalar record is one dataset carrying both the record and the component attributes.
  Handle dset = write_dataset(species, name, type, n, data);
  record_attributes(dset.get(), dim);
  component_attributes(dset.get());
}

using Components = std::array<const char*, 3>;
constexpr Components kImpactXComponents{"x", "y", "t"};  // s-based tracking, as ImpactX
constexpr Components kLabComponents{"x", "y", "z"};

void vector_record(hid_t species, const std::string& name, std::size_t n,
                   const std::array<const double*, 3>& data, const UnitDimension& dim,
                   const Components& components) {
  Handle record = make_group(species, name);
  record_attributes(record.get(), dim);
  for (std::size_t c = 0; c < components.size(); ++c) {
    Handle dset = write_dataset(record.get(), components[c], H5T_NATIVE_DOUBLE, n, data[c]);
    component_attributes(dset.get());
  }
}

// openPMD constant record components: an empty group with `value` and `shape` in place of a
// dataset. ImpactX stores the reference particle's x, y, t this way as positionOffset.
void constant_component(hid_t parent, const std::string& name, std::size_t n, double value) {
  Handle component = make_group(parent, name);
  attribute(component.get(), "value", H5T_NATIVE_DOUBLE, value);
  array_attribute(component.get(), "shape", H5T_NATIVE_UINT64, std::array<std::uint64_t, 1>{n});
  component_attributes(component.get());
}

void constant_vector_record(hid_t species, const std::string& name, std::size_t n,
                            const std::array<double, 3>& values, const UnitDimension& dim,
                            const Components& components) {
  Handle record = make_group(species, name);
  record_attributes(record.get(), dim);
  for (std::size_t c = 0; c < components.size(); ++c)
    constant_component(record.get(), components[c], n, values[c]);
}

// A scalar record that is one constant component (the record group carries both sets of attributes).
void constant_scalar_record(hid_t species, const std::string& name, std::size_t n, double value,
                            const UnitDimension& dim) {
  Handle component = make_group(species, name);
  attribute(component.get(), "value", H5T_NATIVE_DOUBLE, value);
  array_attribute(component.get(), "shape", H5T_NATIVE_UINT64, std::array<std::uint64_t, 1>{n});
  record_attributes(component.get(), dim);
  component_attributes(component.get());
}

// openPMD names records and species with [A-Za-z0-9_]+; readers split other names oddly.
bool valid_openpmd_name(const std::string& name) {
  if (name.empty()) return false;
  for (char ch : name) {
    const bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    if (!ok) return false;
  }
  return true;
}

// openPMD's date format "YYYY-MM-DD HH:mm:ss +hhmm" (checked by a regex in openPMD-validator).
std::string openpmd_date() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[64];
  const std::size_t len = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &local);
  return {buf, len};
}

std::string temporary_sibling(const std::string& final_path) {
  const fs::path path(final_path);
  if (!path.has_filename()) fail("output path '" + final_path + "' names no file");
  return (path.parent_path() / ("." + path.filename().string() + ".partial")).string();
}

void validate(std::uint64_t iteration, const BeamFrame& f,
              const std::set<std::pair<std::uint64_t, std::string>>& written) {
  if (written.count({iteration, f.species}) != 0)
    fail("species '" + f.species + "' of iteration " + std::to_string(iteration) + " was already written");
  if (!valid_openpmd_name(f.species))
    fail("species name '" + f.species + "' is not a valid openPMD name ([A-Za-z0-9_]+)");
  if (f.n > 0) {
    const bool lab = f.layout == BeamLayout::lab;
    for (const void* p : std::initializer_list<const void*>{f.x, f.y, f.t, f.px, f.py, f.pt,
                                                            lab ? f.weight : f.qm, f.w, f.id})
      if (p == nullptr) fail("BeamFrame has n = " + std::to_string(f.n) + " but a null particle array");
  }
  if (f.layout == BeamLayout::lab && !(f.mass > 0.0))
    fail("a lab-layout BeamFrame needs the particle mass (> 0)");
  std::set<std::string> names;
  for (const auto& attr : f.attributes) {
    if (attr.first.empty()) fail("empty species attribute name");
    if (!names.insert(attr.first).second) fail("species attribute '" + attr.first + "' given twice");
  }
}

}  // namespace

const char* beam_layout_name(BeamLayout layout) { return layout == BeamLayout::lab ? "lab" : "impactx"; }

std::string species_type_name(const RefPart& ref) {
  using namespace constants;
  const auto same = [](double a, double b) { return std::fabs(a - b) <= 1e-9 * std::fabs(b); };
  if (same(ref.mass, m_e)) {
    if (same(ref.charge, -q_e)) return "electron";
    if (same(ref.charge, q_e)) return "positron";
  }
  if (same(ref.mass, m_p) && same(ref.charge, q_e)) return "proton";
  if (same(ref.mass, m_p + 2.0 * m_e) && same(ref.charge, -q_e)) return "H-";
  return "unknown";
}

void make_lab_frame(const Particles& beam, const RefPart& ref, LabArrays& a, BeamFrame& f) {
  const std::size_t n = beam.size();
  const double mass = ref.mass, c = constants::c;
  const double p0 = mass * c * ref.beta_gamma();  // kg m/s
  const double beta0 = ref.beta();
  const double e0 = ref.gamma() * mass * c * c;  // J
  for (auto* v : {&a.x, &a.y, &a.z, &a.px, &a.py, &a.pz, &a.weight}) v->resize(n);
  a.charge.clear();
  bool uniform_charge = true;
  for (std::size_t i = 0; i < n; ++i) uniform_charge = uniform_charge && beam.qm[i] == ref.qm();
  if (!uniform_charge) a.charge.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double px = beam.px[i], py = beam.py[i], pt = beam.pt[i];
    const double pz2 = 1.0 - 2.0 * pt / beta0 + pt * pt - px * px - py * py;  // (p_z/p0)^2
    if (!(pz2 > 0.0))
      fail("particle " + std::to_string(beam.id[i]) +
           " does not move forward (p_z <= 0): it has no place in a lab frame along the reference orbit");
    const double pz = std::sqrt(pz2);
    const double energy = e0 - pt * p0 * c;  // E = E0 - pt p0 c
    // Back along its straight line by the time t/c it arrives after the reference: v/c = p c / E.
    const double back = beam.t[i] * p0 * c / energy;  // times (p_i/p0) gives the distance travelled
    a.x[i] = beam.x[i] - px * back;
    a.y[i] = beam.y[i] - py * back;
    a.z[i] = -pz * back;
    a.px[i] = px * p0, a.py[i] = py * p0, a.pz[i] = pz * p0;
    const double charge = uniform_charge ? ref.charge : beam.qm[i] * mass;
    if (!uniform_charge) a.charge[i] = charge;
    a.weight[i] = std::fabs(charge) * beam.w[i];
  }
  f.layout = BeamLayout::lab;
  f.n = n;
  f.x = a.x.data(), f.y = a.y.data(), f.t = a.z.data();
  f.px = a.px.data(), f.py = a.py.data(), f.pt = a.pz.data();
  f.ref_x = 0.0, f.ref_y = 0.0, f.ref_t = ref.s;
  f.charge = ref.charge;
  f.charge_each = uniform_charge ? nullptr : a.charge.data();
  f.mass = mass;
  f.weight = a.weight.data();
  f.species_type = species_type_name(ref);
  f.time = ref.t / c;  // the lab time of the frame (ImpactX's s-as-time is for the impactx layout)
}

void write_beam_file(const std::string& path, const Particles& beam, const RefPart& ref, BeamLayout layout,
                     const std::string& software_version) {
  BeamFrame f;
  LabArrays lab;
  if (layout == BeamLayout::lab) {
    make_lab_frame(beam, ref, lab, f);
  } else {
    f.n = beam.size();
    f.x = beam.x.data(), f.y = beam.y.data(), f.t = beam.t.data();
    f.px = beam.px.data(), f.py = beam.py.data(), f.pt = beam.pt.data();
    f.ref_x = ref.x, f.ref_y = ref.y, f.ref_t = ref.t;
    f.time = ref.s;  // as a beam monitor: ImpactX's analysis scripts read s there
  }
  f.qm = beam.qm.data(), f.w = beam.w.data(), f.id = beam.id.data();
  f.attributes = beam_attributes(ref, beam, 0);
  OpenPMDSeriesWriter writer(path, software_version);
  writer.write_iteration(0, f);
  writer.commit();
}

OpenPMDSeriesWriter::OpenPMDSeriesWriter(std::string final_path, std::string software_version,
                                         const std::string& file_pattern)
    : final_path_(std::move(final_path)), temp_path_(temporary_sibling(final_path_)) {
  // Check the directory ourselves: H5Fcreate would only say "unable to open file" and print
  // its whole error stack.
  const fs::path dir = fs::path(temp_path_).parent_path();
  if (!dir.empty() && !fs::is_directory(dir)) fail("output directory '" + dir.string() + "' does not exist");

  // CLOSE_STRONG: H5Fclose really closes the file (and every object still open in it), so the
  // file is complete on disk before commit() renames it or abandon() deletes it.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create file access list");
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "cannot set close degree");
  // TRUNC: a stale temporary left by a killed run is simply overwritten.
  file_ = H5Fcreate(temp_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (file_ < 0) fail("cannot create '" + temp_path_ + "'");
  owns_temp_ = true;

  try {
    // Root attributes of openPMD 1.1.0 as openPMD-api writes them for ImpactX (extension 0:
    // ImpactX claims no extension; BeamPhysics has no 1.1 ID). meshesPath comes with the first
    // meshes, and a series of meshes only drops particlesPath: openPMD-api opens every path the root names.
    const hid_t root = file_;
    string_attribute(root, "openPMD", "1.1.0");
    attribute(root, "openPMDextension", H5T_NATIVE_UINT32, std::uint32_t{0});
    string_attribute(root, "basePath", "/data/%T/");
    string_attribute(root, "particlesPath", "particles/");
    if (file_pattern.empty()) {
      string_attribute(root, "iterationEncoding", "groupBased");
      string_attribute(root, "iterationFormat", "/data/%T/");  // must equal basePath for groupBased
    } else {
      string_attribute(root, "iterationEncoding", "fileBased");
      string_attribute(root, "iterationFormat", file_pattern);
    }
    string_attribute(root, "software", "Wakeline");
    string_attribute(root, "softwareVersion", software_version);
    string_attribute(root, "date", openpmd_date());
    make_group(root, "data");
  } catch (...) {
    abandon();
    throw;
  }
}

OpenPMDSeriesWriter::~OpenPMDSeriesWriter() { abandon(); }

void OpenPMDSeriesWriter::require_writable(const char* what) const {
  if (file_ < 0)
    fail(std::string("cannot ") + what + ": '" + final_path_ + "' is already committed or abandoned");
  if (failed_) fail(std::string("cannot ") + what + ": an earlier write to '" + temp_path_ + "' failed");
}

namespace {

// A fixed-length string array attribute (openPMD's axisLabels).
void string_array_attribute(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size() + 1);
  std::vector<char> data(width * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(), &data[i * width]);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create string type");
  check(H5Tset_size(type.get(), width), "cannot size string type");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "cannot set string padding");
  write_attribute(obj, name, type.get(), vector_space(values.size()).get(), data.data());
}

// The iteration's group, created with its time attributes if it does not exist yet. ImpactX never
// sets dt, so its files carry openPMD-api's default 1; we do the same.
Handle iteration_group(hid_t file, std::uint64_t iteration, double time) {
  const std::string path = "/data/" + std::to_string(iteration);
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0)
    return {H5Gopen2(file, path.c_str(), H5P_DEFAULT), H5Gclose, "cannot open group '" + path + "'"};
  Handle g = make_group(file, path);
  attribute(g.get(), "dt", H5T_NATIVE_DOUBLE, 1.0);
  attribute(g.get(), "time", H5T_NATIVE_DOUBLE, time);
  attribute(g.get(), "timeUnitSI", H5T_NATIVE_DOUBLE, 1.0);
  return g;
}

// Mesh-record attributes of openPMD 1.1 for the m = 0 thetaMode layout of CylMeshFrame.
void mesh_attributes(hid_t obj, const CylMeshFrame& f, const UnitDimension& dim) {
  record_attributes(obj, dim);
  string_attribute(obj, "geometry", "thetaMode");
  string_attribute(obj, "geometryParameters", "m=0;imag=+");
  string_attribute(obj, "dataOrder", "C");
  string_array_attribute(obj, "axisLabels", {"r", "z"});
  array_attribute(obj, "gridSpacing", H5T_NATIVE_DOUBLE, std::array<double, 2>{f.dr, f.dz});
  array_attribute(obj, "gridGlobalOffset", H5T_NATIVE_DOUBLE, std::array<double, 2>{0.0, f.z_offset});
  attribute(obj, "gridUnitSI", H5T_NATIVE_DOUBLE, 1.0);
  string_attribute(obj, "fieldSmoothing", "none");
}

Handle mesh_dataset(hid_t parent, const std::string& name, const CylMeshFrame& f, const double* data) {
  const std::array<hsize_t, 3> dims{1, static_cast<hsize_t>(f.n_r), static_cast<hsize_t>(f.n_z)};
  Handle space(H5Screate_simple(3, dims.data(), nullptr), H5Sclose, "cannot create dataspace");
  Handle dset(
      H5Dcreate2(parent, name.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose, "cannot create dataset '" + name + "'");
  check(H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
        "cannot write dataset '" + name + "'");
  component_attributes(dset.get());
  array_attribute(dset.get(), "position", H5T_NATIVE_DOUBLE, std::array<double, 2>{0.5, 0.0});
  return dset;
}

}  // namespace

void OpenPMDSeriesWriter::write_iteration(std::uint64_t iteration, const BeamFrame& f) {
  require_writable("write an iteration");
  // Reject bad input before touching the file, so that a caller error leaves the series intact.
  validate(iteration, f, written_);

  failed_ = true;  // until this iteration is complete: HDF5 errors leave a partial group behind
  if (H5Aexists(file_, "particlesPath") <= 0) string_attribute(file_, "particlesPath", "particles/");
  Handle it_group = iteration_group(file_, iteration, f.time);

  // Several species may share an iteration (a stage's drivers): open the group if it is there.
  Handle particles = H5Lexists(it_group.get(), "particles", H5P_DEFAULT) > 0
                         ? Handle(H5Gopen2(it_group.get(), "particles", H5P_DEFAULT), H5Gclose,
                                  "cannot open group 'particles'")
                         : make_group(it_group.get(), "particles");
  Handle species = make_group(particles.get(), f.species);
  for (const auto& [name, value] : f.attributes) attribute(species.get(), name, H5T_NATIVE_DOUBLE, value);

  const hid_t sp = species.get();
  if (f.layout == BeamLayout::impactx) {
    // Units as the coordinates really are (ImpactX itself leaves every unitDimension at zero):
    // x, y and t = c*dt are lengths; px, py, pt are normalised to the reference momentum.
    vector_record(sp, "position", f.n, {f.x, f.y, f.t}, kLength, kImpactXComponents);
    vector_record(sp, "momentum", f.n, {f.px, f.py, f.pt}, kDimensionless, kImpactXComponents);
    constant_vector_record(sp, "positionOffset", f.n, {f.ref_x, f.ref_y, f.ref_t}, kLength,
                           kImpactXComponents);
    scalar_record(sp, "qm", H5T_NATIVE_DOUBLE, f.n, f.qm, kChargePerMass);
  } else {
    // SI in the lab frame, what WarpX writes; openPMD-viewer needs positionOffset and mass (its
    // u = p/(m c)), openpmd-beamphysics needs position/momentum {x,y,z}, time and the group attributes
    // speciesType, numParticles, totalCharge and chargeUnitSI (and reads weight as the macro-charge).
    vector_record(sp, "position", f.n, {f.x, f.y, f.t}, kLength, kLabComponents);
    vector_record(sp, "momentum", f.n, {f.px, f.py, f.pt}, kMomentum, kLabComponents);
    constant_vector_record(sp, "positionOffset", f.n, {f.ref_x, f.ref_y, f.ref_t}, kLength, kLabComponents);
    if (f.charge_each != nullptr)
      scalar_record(sp, "charge", H5T_NATIVE_DOUBLE, f.n, f.charge_each, kCharge);
    else
      constant_scalar_record(sp, "charge", f.n, f.charge, kCharge);
    constant_scalar_record(sp, "mass", f.n, f.mass, kMass);
    constant_scalar_record(sp, "time", f.n, f.time, kTime);
    scalar_record(sp, "weight", H5T_NATIVE_DOUBLE, f.n, f.weight, kCharge);
    double total = 0.0;
    for (std::size_t i = 0; i < f.n; ++i) total += f.weight[i];
    string_attribute(sp, "speciesType", f.species_type.empty() ? std::string("unknown") : f.species_type);
    attribute(sp, "numParticles", H5T_NATIVE_UINT64, static_cast<std::uint64_t>(f.n));
    attribute(sp, "totalCharge", H5T_NATIVE_DOUBLE, total);
    attribute(sp, "chargeUnitSI", H5T_NATIVE_DOUBLE, 1.0);
  }
  scalar_record(sp, "weighting", H5T_NATIVE_DOUBLE, f.n, f.w, kDimensionless);

  // openPMD 1.1 ids are uint64; our lost particles carry a negated id.
  std::vector<std::uint64_t> ids(f.n);
  for (std::size_t i = 0; i < f.n; ++i) {
    const auto v = static_cast<std::uint64_t>(f.id[i]);
    ids[i] = f.id[i] < 0 ? 0 - v : v;  // unsigned negation: defined even for INT64_MIN
  }
  scalar_record(sp, "id", H5T_NATIVE_UINT64, f.n, ids.data(), kDimensionless);

  if (f.s_lost != nullptr) scalar_record(sp, "s_lost", H5T_NATIVE_DOUBLE, f.n, f.s_lost, kLength);
  for (const auto& [name, data] : f.extra_records) {
    scalar_record(sp, name, H5T_NATIVE_DOUBLE, f.n, data, kDimensionless);
  }

  written_.insert({iteration, f.species});
  failed_ = false;
}

void OpenPMDSeriesWriter::write_mesh_iteration(std::uint64_t iteration, const CylMeshFrame& f) {
  require_writable("write meshes");
  if (meshes_written_.count(iteration) != 0)
    fail("the meshes of iteration " + std::to_string(iteration) + " are already written");
  if (f.n_r < 1 || f.n_z < 1 || !(f.dr > 0.0) || !(f.dz > 0.0)) fail("mesh frame without a grid");
  for (const auto& rec : f.records) {
    if (!valid_openpmd_name(rec.name) || rec.components.empty())
      fail("invalid mesh record '" + rec.name + "'");
    for (const auto& [comp, data] : rec.components)
      if (data == nullptr) fail("mesh record '" + rec.name + "' has no data");
  }

  failed_ = true;
  if (H5Aexists(file_, "meshesPath") <= 0) string_attribute(file_, "meshesPath", "meshes/");
  if (written_.empty() && H5Aexists(file_, "particlesPath") > 0)
    check(H5Adelete(file_, "particlesPath"), "cannot delete attribute 'particlesPath'");
  Handle it_group = iteration_group(file_, iteration, f.time);
  Handle meshes = make_group(it_group.get(), "meshes");
  for (const auto& [name, value] : f.attributes) string_attribute(meshes.get(), name, value);
  for (const auto& [name, value] : f.numeric_attributes)
    attribute(meshes.get(), name, H5T_NATIVE_DOUBLE, value);
  for (const auto& rec : f.records) {
    const UnitDimension& dim = rec.unit_dimension;
    if (rec.components.size() == 1 && rec.components.front().first.empty()) {
      Handle dset = mesh_dataset(meshes.get(), rec.name, f, rec.components.front().second);
      mesh_attributes(dset.get(), f, dim);
    } else {
      Handle group = make_group(meshes.get(), rec.name);
      mesh_attributes(group.get(), f, dim);
      for (const auto& [comp, data] : rec.components) mesh_dataset(group.get(), comp, f, data);
    }
  }
  meshes_written_.insert(iteration);
  failed_ = false;
}

void OpenPMDSeriesWriter::flush() {
  require_writable("flush");
  check(H5Fflush(file_, H5F_SCOPE_LOCAL), "cannot flush '" + temp_path_ + "'");
}

bool OpenPMDSeriesWriter::close_file() noexcept {
  if (file_ < 0) return true;
  const herr_t status = H5Fclose(file_);
  file_ = -1;
  return status >= 0;
}

void OpenPMDSeriesWriter::commit() {
  require_writable("commit");
  if (!close_file()) fail("cannot close '" + temp_path_ + "'");
  std::error_code ec;
  // rename(2) replaces an existing final file atomically; readers see the old or the new one.
  fs::rename(temp_path_, final_path_, ec);
  if (ec) fail("cannot rename '" + temp_path_ + "' to '" + final_path_ + "': " + ec.message());
  owns_temp_ = false;
}

void OpenPMDSeriesWriter::abandon() noexcept {
  close_file();
  // Only delete a temporary this writer created and still owns: after commit() it is the final
  // file, and after an earlier abandon() the same name may belong to a newer writer.
  if (!owns_temp_) return;
  owns_temp_ = false;
  std::error_code ec;
  fs::remove(temp_path_, ec);  // best effort: nothing useful to do if it is already gone
}

}  // namespace wakeline::io
