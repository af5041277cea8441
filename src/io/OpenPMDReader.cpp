#include "io/OpenPMDReader.hpp"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <regex>
#include <system_error>
#include <type_traits>
#include <utility>

#include "core/Constants.hpp"
#include "core/Error.hpp"

namespace wakeline::io {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void internal(const std::string& what) { throw RunError("openPMD/HDF5: " + what); }

// Owns one HDF5 identifier (possibly invalid) and releases it with the matching H5*close
// function. Unlike the writer's Handle it does not throw: a failed open while reading usually
// means something about the user's file, which the caller reports as an InputError.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  Closer closer_;
};

// Turns off HDF5's automatic printing of its error stack for the lifetime of the object: every
// failure here is reported through an exception with a readable message instead. Probing for
// optional objects (H5Lexists on a missing path) would otherwise spray stderr.
class QuietHDF5 {
 public:
  QuietHDF5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHDF5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHDF5(const QuietHDF5&) = delete;
  QuietHDF5& operator=(const QuietHDF5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Where errors point: the deck key and the file (or pattern) the user named.
struct Source {
  const std::string& key;
  std::string where;
  [[noreturn]] void fail(const std::string& message) const { throw InputError(key, where, message); }
};

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// "a, b, c" with at most `limit` entries shown.
template <class T>
std::string join(const std::vector<T>& items, std::size_t limit = 20) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    if constexpr (std::is_same_v<T, std::string>)
      out += items[i];
    else
      out += std::to_string(items[i]);
  }
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return items.empty() ? std::string("none") : out;
}

// Non-empty, all decimal digits, fits in uint64.
std::optional<std::uint64_t> parse_iteration(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// ---- HDF5 helpers -------------------------------------------------------------------------

// Whether the (possibly multi-level, relative) link `name` resolves below `loc`. With the error
// stack silenced, a missing intermediate group simply makes H5Lexists fail, i.e. "no".
bool exists(hid_t loc, const std::string& name) {
  std::size_t pos = 0;
  while (true) {
    pos = name.find('/', pos + 1);
    const std::string prefix = name.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

H5I_type_t object_type(hid_t loc, const std::string& name) {
  Handle obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose);
  return obj.valid() ? H5Iget_type(obj.get()) : H5I_BADID;
}

bool is_group(hid_t loc, const std::string& name) {
  return exists(loc, name) && object_type(loc, name) == H5I_GROUP;
}

// Names of the links in a group, in name order.
std::vector<std::string> children(hid_t group) {
  H5G_info_t info{};
  if (H5Gget_info(group, &info) < 0) return {};
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) continue;
    std::string name(static_cast<std::size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(static_cast<std::size_t>(len));
    names.push_back(std::move(name));
  }
  return names;
}

std::vector<std::string> group_children(hid_t group) {
  std::vector<std::string> out;
  for (auto& name : children(group))
    if (object_type(group, name) == H5I_GROUP) out.push_back(std::move(name));
  return out;
}

Handle open_group(hid_t loc, const std::string& name) {
  return {H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose};
}

bool has_attribute(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

// A string attribute, fixed- or variable-length; nullopt if absent or not a string.
std::optional<std::string> string_attribute(hid_t obj, const std::string& name) {
  if (!has_attribute(obj, name)) return std::nullopt;
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return std::nullopt;
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING) return std::nullopt;
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;

  std::string value;
  const htri_t variable = H5Tis_variable_str(type.get());
  if (variable < 0) return std::nullopt;
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!mem.valid()) internal("cannot create string type");
  if (variable > 0) {
    if (H5Tset_size(mem.get(), H5T_VARIABLE) < 0) internal("cannot size string type");
    char* buffer = nullptr;
    if (H5Aread(attr.get(), mem.get(), &buffer) < 0) return std::nullopt;
    if (buffer != nullptr) value = buffer;
    H5free_memory(buffer);
  } else {
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0) return std::string();
    if (H5Tset_size(mem.get(), size) < 0) internal("cannot size string type");
    std::string buffer(size, '\0');
    if (H5Aread(attr.get(), mem.get(), buffer.data()) < 0) return std::nullopt;
    value = buffer.c_str();  // up to the first NUL
  }
  while (!value.empty() && value.back() == ' ') value.pop_back();  // H5T_STR_SPACEPAD
  return value;
}

bool numeric_class(H5T_class_t cls) { return cls == H5T_INTEGER || cls == H5T_FLOAT; }

// The single value of a numeric attribute (scalar or one-element array), converted by HDF5 to
// `mem_type` (a native type matching T); nullopt if absent, not numeric or not one value.
template <class T>
std::optional<T> numeric_attribute(hid_t obj, const std::string& name, hid_t mem_type) {
  if (!has_attribute(obj, name)) return std::nullopt;
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return std::nullopt;
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!type.valid() || !space.valid() || !numeric_class(H5Tget_class(type.get()))) return std::nullopt;
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
  T value{};
  if (H5Aread(attr.get(), mem_type, &value) < 0) return std::nullopt;
  return value;
}

// All values of an unsigned integer array attribute (e.g. a constant component's "shape").
std::optional<std::vector<std::uint64_t>> uint_array_attribute(hid_t obj, const std::string& name) {
  if (!has_attribute(obj, name)) return std::nullopt;
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return std::nullopt;
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!type.valid() || !space.valid() || H5Tget_class(type.get()) != H5T_INTEGER) return std::nullopt;
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) return std::nullopt;
  std::vector<std::uint64_t> values(static_cast<std::size_t>(n));
  if (n > 0 && H5Aread(attr.get(), H5T_NATIVE_UINT64, values.data()) < 0) return std::nullopt;
  return values;
}

herr_t collect_attribute_name(hid_t /*loc*/, const char* name, const H5A_info_t* /*info*/, void* op_data) {
  static_cast<std::vector<std::string>*>(op_data)->emplace_back(name);
  return 0;
}

// Every numeric attribute of `obj` holding a single value, converted to double.
std::map<std::string, double> numeric_scalar_attributes(hid_t obj) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attribute_name, &names);
  std::map<std::string, double> out;
  for (const auto& name : names)
    if (auto value = numeric_attribute<double>(obj, name, H5T_NATIVE_DOUBLE)) out.emplace(name, *value);
  return out;
}

// ---- records ------------------------------------------------------------------------------

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else
    return H5T_NATIVE_UINT64;
}

// One record component as read: its values and, for a constant component, the constant.
template <class T>
struct Component {
  std::vector<T> values;
  std::optional<T> constant;
};

// One record component `name` (e.g. "position/x", or "weighting" for a scalar record) below the
// species group: a dataset of any numeric type, or a constant component (a group with attributes
// "value" and "shape"). For double, every value is multiplied by the component's unitSI.
template <class T>
Component<T> read_component_full(const Source& src, hid_t species, const std::string& name,
                                 const std::string& what) {
  Handle obj(H5Oopen(species, name.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.valid()) src.fail("cannot open record component " + quoted(name) + " of " + what);
  const hid_t mem_type = native_type<T>();

  Component<T> out;
  const H5I_type_t kind = H5Iget_type(obj.get());
  if (kind == H5I_DATASET) {
    Handle type(H5Dget_type(obj.get()), H5Tclose);
    Handle space(H5Dget_space(obj.get()), H5Sclose);
    if (!type.valid() || !space.valid()) src.fail("cannot inspect dataset " + quoted(name) + " of " + what);
    if (!numeric_class(H5Tget_class(type.get())))
      src.fail("record component " + quoted(name) + " of " + what + " is not numeric");
    if (H5Sget_simple_extent_ndims(space.get()) > 1)
      src.fail("record component " + quoted(name) + " of " + what + " is not one-dimensional");
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) src.fail("cannot inspect dataset " + quoted(name) + " of " + what);
    out.values.resize(static_cast<std::size_t>(n));
    // HDF5 converts float32, integers, other byte orders... to the native memory type.
    if (n > 0 && H5Dread(obj.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0)
      src.fail("cannot read dataset " + quoted(name) + " of " + what);
  } else if (kind == H5I_GROUP) {
    if (!has_attribute(obj.get(), "value"))
      src.fail(quoted(name) + " of " + what +
               " is a group but not a constant record component (it has no 'value' attribute)");
    out.constant = numeric_attribute<T>(obj.get(), "value", mem_type);
    if (!out.constant)
      src.fail("the 'value' of constant record component " + quoted(name) + " of " + what +
               " is not a number");
    const auto shape = uint_array_attribute(obj.get(), "shape");
    if (!shape)
      src.fail("constant record component " + quoted(name) + " of " + what +
               " has no valid 'shape' attribute");
    std::uint64_t n = 1;
    for (const std::uint64_t extent : *shape) {
      if (extent != 0 && n > std::numeric_limits<std::uint32_t>::max() / extent)  // > ~4e9 particles
        src.fail("constant record component " + quoted(name) + " of " + what + " has an absurd 'shape'");
      n *= extent;
    }
    out.values.assign(static_cast<std::size_t>(n), *out.constant);
  } else {
    src.fail(quoted(name) + " of " + what + " is neither a dataset nor a constant record component");
  }

  if constexpr (std::is_same_v<T, double>) {
    // unitSI is required by the standard; a file without it is taken to be in SI already.
    if (has_attribute(obj.get(), "unitSI")) {
      const auto unit = numeric_attribute<double>(obj.get(), "unitSI", H5T_NATIVE_DOUBLE);
      if (!unit)
        src.fail("the 'unitSI' of record component " + quoted(name) + " of " + what + " is not a number");
      if (*unit != 1.0) {
        for (double& v : out.values) v *= *unit;
        if (out.constant) *out.constant *= *unit;
      }
    }
  }
  return out;
}

template <class T>
std::vector<T> read_component(const Source& src, hid_t species, const std::string& name,
                              const std::string& what) {
  return read_component_full<T>(src, species, name, what).values;
}

// position or momentum with the given components: the record and all of them must exist.
std::array<Component<double>, 3> read_vector_record(const Source& src, hid_t species,
                                                    const std::string& record, const std::string& what,
                                                    const std::array<const char*, 3>& components) {
  if (!exists(species, record))
    src.fail(what + " has no " + quoted(record) + " record (records: " + join(children(species)) + ")");
  if (object_type(species, record) != H5I_GROUP)
    src.fail(quoted(record) + " of " + what + " is not a vector record");
  std::array<Component<double>, 3> out;
  for (std::size_t c = 0; c < components.size(); ++c) {
    const std::string name = record + "/" + components[c];
    if (!exists(species, name)) {
      Handle rec = open_group(species, record);
      src.fail(what + " has no record component " + quoted(name) + " (" + record +
               " has: " + join(rec.valid() ? children(rec.get()) : std::vector<std::string>{}) + ")");
    }
    out[c] = read_component_full<double>(src, species, name, what);
  }
  return out;
}

// The weightingPower of `record` if it is flagged macroWeighted = 1 (ED-PIC: the stored value is the whole
// macroparticle's, w^power times one real particle's), else 0.
double macro_weighting_power(hid_t species, const std::string& record) {
  Handle obj(H5Oopen(species, record.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.valid()) return 0.0;
  const auto macro = numeric_attribute<double>(obj.get(), "macroWeighted", H5T_NATIVE_DOUBLE);
  if (!macro || *macro != 1.0) return 0.0;
  return numeric_attribute<double>(obj.get(), "weightingPower", H5T_NATIVE_DOUBLE).value_or(0.0);
}

// The positionOffset of one axis: BeamData holds one number (ImpactX's reference particle), so a
// per-particle offset must be the same for every particle.
double read_offset(const Source& src, hid_t species, const std::string& component, const std::string& what) {
  const std::string name = "positionOffset/" + component;
  if (!exists(species, name)) return 0.0;
  const Component<double> offset = read_component_full<double>(src, species, name, what);
  // A constant component carries its value even when there are no particles (shape [0]).
  if (offset.constant) return *offset.constant;
  const std::vector<double>& values = offset.values;
  if (values.empty()) return 0.0;
  const double first = values.front();
  for (const double v : values)
    if (!(v == first || (std::isnan(v) && std::isnan(first))))
      src.fail("record component " + quoted(name) + " of " + what +
               " differs between particles; only one common offset (the reference particle) is supported");
  return first;
}

// ---- series layout -------------------------------------------------------------------------

std::string strip_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  while (!s.empty() && s.front() == '/') s.erase(s.begin());
  return s;
}

// A fileBased pattern split around its %T / %0<N>T.
struct FilePattern {
  fs::path dir;
  std::string prefix, suffix;
  std::size_t width = 0;  // minimum number of digits (0 = any)
};

std::optional<FilePattern> parse_pattern(const std::string& path, const std::string& key) {
  static const std::regex token("%(0([0-9]+))?T");
  auto begin = std::sregex_iterator(path.begin(), path.end(), token);
  const auto end = std::sregex_iterator();
  const auto count = std::distance(begin, end);
  if (count == 0) return std::nullopt;
  if (count > 1) throw InputError(key, path, "a fileBased openPMD pattern may contain only one %T");

  const fs::path p(path);
  const std::string filename = p.filename().string();
  std::smatch m;
  if (!std::regex_search(filename, m, token))
    throw InputError(key, path,
                     "the %T of a fileBased openPMD pattern must be in the file name, not the directory");
  FilePattern out;
  out.dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  out.prefix = m.prefix().str();
  out.suffix = m.suffix().str();
  if (m[2].matched) {
    const std::string digits = m[2].str();
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.width);
    if (ec != std::errc() || out.width > 64)
      throw InputError(key, path, "unreasonable zero padding in openPMD file pattern");
  }
  return out;
}

// iteration -> files of the series (more than one only if differently padded names collide).
std::map<std::uint64_t, std::vector<std::string>> list_series_files(const FilePattern& pattern,
                                                                    const Source& src) {
  std::error_code ec;
  if (!fs::is_directory(pattern.dir, ec)) src.fail("no such directory " + quoted(pattern.dir.string()));
  std::map<std::uint64_t, std::vector<std::string>> files;
  fs::directory_iterator it(pattern.dir, ec);
  if (ec) src.fail("cannot list directory " + quoted(pattern.dir.string()) + ": " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= pattern.prefix.size() + pattern.suffix.size()) continue;
    if (name.compare(0, pattern.prefix.size(), pattern.prefix) != 0) continue;
    if (name.compare(name.size() - pattern.suffix.size(), pattern.suffix.size(), pattern.suffix) != 0)
      continue;
    const std::string digits =
        name.substr(pattern.prefix.size(), name.size() - pattern.prefix.size() - pattern.suffix.size());
    if (digits.size() < pattern.width) continue;
    const auto iteration = parse_iteration(digits);
    if (!iteration) continue;
    std::error_code type_ec;
    if (entry.is_directory(type_ec)) continue;
    files[*iteration].push_back(entry.path().string());
  }
  return files;
}

template <class Map>
std::vector<std::uint64_t> keys(const Map& map) {
  std::vector<std::uint64_t> out;
  for (const auto& kv : map) out.push_back(kv.first);
  return out;
}

BeamData read_file(const std::string& file_path, const std::string& key, std::optional<std::uint64_t> wanted,
                   const std::string& wanted_species) {
  const Source src{key, file_path};
  std::error_code ec;
  const fs::file_status status = fs::status(file_path, ec);
  if (!fs::exists(status)) src.fail("no such file");
  if (fs::is_directory(status)) src.fail("is a directory, not an openPMD HDF5 file");

  Handle file(H5Fopen(file_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) src.fail("cannot open as an HDF5 file (not HDF5, or unreadable)");
  Handle root = open_group(file.get(), "/");
  if (!root.valid()) src.fail("cannot open the root group");

  const auto version = string_attribute(root.get(), "openPMD");
  if (!version) src.fail("not an openPMD file (the root group has no 'openPMD' version attribute)");
  if (version->rfind("1.", 0) != 0)
    src.fail("unsupported openPMD version " + quoted(*version) + " (expected 1.x)");

  // Iterations live at basePath with %T replaced by the iteration number ("/data/%T/").
  const std::string base_path = string_attribute(root.get(), "basePath").value_or("/data/%T/");
  const std::size_t token = base_path.find("%T");
  if (token == std::string::npos) src.fail("the basePath " + quoted(base_path) + " contains no %T");
  const std::string base_prefix = base_path.substr(0, token);
  const std::string base_suffix = strip_slashes(base_path.substr(token + 2));

  std::vector<std::uint64_t> iterations;
  const std::string container = strip_slashes(base_prefix);
  if (container.empty() || is_group(file.get(), container)) {
    Handle group = open_group(file.get(), container.empty() ? "/" : container);
    if (group.valid())
      for (const auto& name : children(group.get()))
        if (auto it = parse_iteration(name)) iterations.push_back(*it);
  }
  std::sort(iterations.begin(), iterations.end());
  if (iterations.empty())
    src.fail("the openPMD series holds no iterations (nothing under " + quoted(base_prefix) + ")");
  std::uint64_t iteration = iterations.back();
  if (wanted) {
    if (!std::binary_search(iterations.begin(), iterations.end(), *wanted))
      src.fail("no iteration " + std::to_string(*wanted) + " (available: " + join(iterations) + ")");
    iteration = *wanted;
  }
  std::string it_path = "/" + container + (container.empty() ? "" : "/") + std::to_string(iteration);
  if (!base_suffix.empty()) it_path += "/" + base_suffix;
  const std::string what_it = "iteration " + std::to_string(iteration);

  const auto particles_path = string_attribute(root.get(), "particlesPath");
  if (!particles_path) src.fail("the file holds no particles (no 'particlesPath' root attribute)");
  const std::string particles = it_path + "/" + strip_slashes(*particles_path);
  if (!is_group(file.get(), particles))
    src.fail(what_it + " holds no particles (no group " + quoted(particles) + ")");
  Handle particles_group = open_group(file.get(), particles);
  if (!particles_group.valid()) src.fail("cannot open " + quoted(particles));

  // The species: the one named, else "beam", else the only one.
  const std::vector<std::string> available = group_children(particles_group.get());
  std::string resolved = wanted_species;
  if (resolved.empty()) {
    if (std::find(available.begin(), available.end(), "beam") != available.end())
      resolved = "beam";
    else if (available.size() == 1)
      resolved = available.front();
    else
      src.fail(what_it + " has " +
               (available.empty() ? std::string("no particle species")
                                  : "several particle species and none is called 'beam'") +
               "; name one (available: " + join(available) + ")");
  }
  const std::string& species_name = resolved;
  if (species_name.find('/') != std::string::npos || !is_group(particles_group.get(), species_name))
    src.fail(what_it + " has no particle species " + quoted(species_name) +
             " (available: " + join(available) + ")");
  Handle species(open_group(particles_group.get(), species_name));
  if (!species.valid()) src.fail("cannot open particle species " + quoted(species_name));
  const hid_t sp = species.get();
  const std::string what = "species " + quoted(species_name) + " of " + what_it;

  BeamData out;
  out.iteration = iteration;
  out.species = species_name;
  {
    Handle it_group = open_group(file.get(), it_path);
    if (it_group.valid()) {
      const double time = numeric_attribute<double>(it_group.get(), "time", H5T_NATIVE_DOUBLE).value_or(0.0);
      out.time =
          time * numeric_attribute<double>(it_group.get(), "timeUnitSI", H5T_NATIVE_DOUBLE).value_or(1.0);
    }
  }
  out.attributes = numeric_scalar_attributes(sp);

  // The layout, from the position components: t (fixed s, ImpactX) or z (fixed time, lab frame).
  if (!exists(sp, "position"))
    src.fail(what + " has no 'position' record (records: " + join(children(sp)) + ")");
  if (object_type(sp, "position") != H5I_GROUP) src.fail("'position' of " + what + " is not a vector record");
  out.layout = exists(sp, "position/z") && !exists(sp, "position/t") ? BeamLayout::lab : BeamLayout::impactx;

  if (out.layout == BeamLayout::impactx) {
    auto position = read_vector_record(src, sp, "position", what, {"x", "y", "t"});
    auto momentum = read_vector_record(src, sp, "momentum", what, {"x", "y", "t"});
    out.x = std::move(position[0].values), out.y = std::move(position[1].values),
    out.t = std::move(position[2].values);
    out.px = std::move(momentum[0].values), out.py = std::move(momentum[1].values);
    out.pt = std::move(momentum[2].values);
    if (exists(sp, "qm")) out.qm = read_component<double>(src, sp, "qm", what);
    if (exists(sp, "weighting")) out.w = read_component<double>(src, sp, "weighting", what);
    if (exists(sp, "id")) out.id = read_component<std::uint64_t>(src, sp, "id", what);
    out.ref_x = read_offset(src, sp, "x", what);
    out.ref_y = read_offset(src, sp, "y", what);
    out.ref_t = read_offset(src, sp, "t", what);

    const std::size_t n = out.x.size();
    const std::array<std::pair<const char*, std::size_t>, 8> sizes{
        {{"position/y", out.y.size()},
         {"position/t", out.t.size()},
         {"momentum/x", out.px.size()},
         {"momentum/y", out.py.size()},
         {"momentum/t", out.pt.size()},
         {"qm", out.qm.empty() ? n : out.qm.size()},
         {"weighting", out.w.empty() ? n : out.w.size()},
         {"id", out.id.empty() ? n : out.id.size()}}};
    for (const auto& [name, size] : sizes)
      if (size != n)
        src.fail("record component '" + std::string(name) + "' of " + what + " has " + std::to_string(size) +
                 " entries but position/x has " + std::to_string(n));
    return out;
  }

  // Lab frame (WarpX, Wake-T, our lab layout): SI, absolute positions, momenta of one real particle.
  auto position = read_vector_record(src, sp, "position", what, {"x", "y", "z"});
  auto momentum = read_vector_record(src, sp, "momentum", what, {"x", "y", "z"});
  for (const char* record : {"charge", "mass"})
    if (!exists(sp, record))
      src.fail(what + " has position/z (a lab-frame species) but no '" + std::string(record) +
               "' record, which a lab-frame species needs to give momenta and energies (records: " +
               join(children(sp)) + ")");
  Component<double> charge = read_component_full<double>(src, sp, "charge", what);
  Component<double> mass = read_component_full<double>(src, sp, "mass", what);
  std::optional<Component<double>> weighting;
  if (exists(sp, "weighting")) weighting = read_component_full<double>(src, sp, "weighting", what);
  std::optional<Component<std::uint64_t>> id;
  if (exists(sp, "id")) id = read_component_full<std::uint64_t>(src, sp, "id", what);
  std::array<std::optional<Component<double>>, 3> offset;
  constexpr std::array<const char*, 3> kLab{"x", "y", "z"};
  for (std::size_t c = 0; c < 3; ++c) {
    const std::string name = std::string("positionOffset/") + kLab[c];
    if (exists(sp, name)) offset[c] = read_component_full<double>(src, sp, name, what);
  }

  // Every component must have one value per particle; a constant of shape [1] stands for all (Wake-T).
  const std::size_t n = position[0].values.size();
  const auto fit = [&](auto& component, const std::string& name) {
    if (component.values.size() == n) return;
    if (component.constant && component.values.size() == 1) {
      component.values.assign(n, *component.constant);
      return;
    }
    src.fail("record component '" + name + "' of " + what + " has " +
             std::to_string(component.values.size()) + " entries but position/x has " + std::to_string(n));
  };
  for (std::size_t c = 0; c < 3; ++c) {
    fit(position[c], std::string("position/") + kLab[c]);
    fit(momentum[c], std::string("momentum/") + kLab[c]);
    if (offset[c]) fit(*offset[c], std::string("positionOffset/") + kLab[c]);
  }
  fit(charge, "charge");
  fit(mass, "mass");
  if (weighting) fit(*weighting, "weighting");
  if (id) fit(*id, "id");

  // ED-PIC: a record with macroWeighted = 1 holds the value of the whole macroparticle.
  if (weighting) {
    const std::vector<double>& w = weighting->values;
    const auto per_particle = [&](const std::string& record, std::vector<std::vector<double>*> values) {
      const double power = macro_weighting_power(sp, record);
      if (power == 0.0) return;
      for (std::vector<double>* v : values)
        for (std::size_t i = 0; i < n; ++i) (*v)[i] /= std::pow(w[i], power);
    };
    per_particle("position", {&position[0].values, &position[1].values, &position[2].values});
    per_particle("momentum", {&momentum[0].values, &momentum[1].values, &momentum[2].values});
    per_particle("charge", {&charge.values});
    per_particle("mass", {&mass.values});
  }

  for (std::size_t c = 0; c < 3; ++c)
    if (offset[c])
      for (std::size_t i = 0; i < n; ++i) position[c].values[i] += offset[c]->values[i];
  out.x = std::move(position[0].values), out.y = std::move(position[1].values),
  out.z = std::move(position[2].values);
  out.px = std::move(momentum[0].values), out.py = std::move(momentum[1].values);
  out.pz = std::move(momentum[2].values);
  out.charge = std::move(charge.values);
  out.mass = std::move(mass.values);
  if (weighting) out.w = std::move(weighting->values);
  if (id) out.id = std::move(id->values);
  return out;
}

}  // namespace

BeamData read_openpmd_beam(const std::string& path, const std::string& key, long long iteration,
                           const std::string& species) {
  const QuietHDF5 quiet;
  std::optional<std::uint64_t> wanted;
  if (iteration >= 0) wanted = static_cast<std::uint64_t>(iteration);

  const auto pattern = parse_pattern(path, key);
  if (!pattern) return read_file(path, key, wanted, species);

  // fileBased: one file per iteration; pick the file, then read that iteration inside it.
  const Source src{key, path};
  const auto files = list_series_files(*pattern, src);
  if (files.empty()) src.fail("no files match the openPMD file pattern");
  const std::vector<std::uint64_t> available = keys(files);
  const std::uint64_t chosen = wanted ? *wanted : available.back();
  const auto found = files.find(chosen);
  if (found == files.end())
    src.fail("no file for iteration " + std::to_string(chosen) + " (available: " + join(available) + ")");
  if (found->second.size() > 1)
    src.fail("several files hold iteration " + std::to_string(chosen) + ": " + join(found->second));
  return read_file(found->second.front(), key, chosen, species);
}

namespace {

// The file's ids when every particle has one, all in [1, 2^63) and unique; else 1..n.
void assign_ids(const std::vector<std::uint64_t>& ids, Particles& p) {
  const std::size_t n = p.size();
  bool usable = ids.size() == n;
  if (usable) {
    std::vector<std::uint64_t> sorted(ids);
    std::sort(sorted.begin(), sorted.end());
    usable =
        n == 0 || (sorted.front() >= 1 &&
                   sorted.back() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
                   std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  }
  for (std::size_t i = 0; i < n; ++i)
    p.id[i] = usable ? static_cast<std::int64_t>(ids[i]) : static_cast<std::int64_t>(i + 1);
}

}  // namespace

ImportedBeam import_beam(const BeamData& data, const RefPart& ref, const ReferencePlane& plane,
                         const std::string& key, const std::string& where) {
  const Source src{key, where};
  const double c = constants::c;
  const double p0 = ref.mass * c * ref.beta_gamma();  // kg m/s
  const double e0 = ref.gamma() * ref.mass * c * c;   // J
  ImportedBeam out;
  Particles& p = out.particles;
  const std::size_t n = data.x.size();
  p.resize(n);
  std::fill(p.s_lost.begin(), p.s_lost.end(), 0.0);

  if (data.layout == BeamLayout::impactx) {
    // Relative to the reference of the run that wrote the file: re-expressed relative to `ref` when that
    // reference is known and differs (the same physical momenta and energies).
    double scale = 1.0, energy_shift = 0.0;  // px' = scale px, pt' = scale pt + energy_shift
    const auto bg = data.attributes.find("beta_gamma_ref"), m = data.attributes.find("mass_ref");
    if (bg != data.attributes.end() && m != data.attributes.end() && bg->second > 0.0 && m->second > 0.0) {
      const double p0_file = m->second * c * bg->second;
      const double e0_file = std::sqrt(p0_file * p0_file * c * c + m->second * m->second * c * c * c * c);
      if (std::fabs(p0_file - p0) > 1e-14 * p0 || std::fabs(m->second - ref.mass) > 1e-14 * ref.mass) {
        scale = p0_file / p0;
        energy_shift = -(e0_file - e0) / (p0 * c);  // E = E0_file - pt p0_file c
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      p.x[i] = data.x[i], p.y[i] = data.y[i], p.t[i] = data.t[i];
      p.px[i] = scale * data.px[i], p.py[i] = scale * data.py[i];
      p.pt[i] = scale * data.pt[i] + energy_shift;
    }
    // The bunch charge: the file's charge_C (ImpactX's rule), else its weights times the charge.
    if (const auto it = data.attributes.find("charge_C"); it != data.attributes.end()) {
      out.bunch_charge = std::fabs(it->second);
    } else {
      for (std::size_t i = 0; i < data.w.size(); ++i)
        out.bunch_charge += data.w[i] * (data.qm.empty() ? 0.0 : std::fabs(data.qm[i]));
      out.bunch_charge *= ref.mass;
    }
    const double weight = n == 0 ? 0.0 : out.bunch_charge / (std::fabs(ref.charge) * static_cast<double>(n));
    std::fill(p.w.begin(), p.w.end(), weight);
    std::fill(p.qm.begin(), p.qm.end(), ref.qm());
    assign_ids(data.id, p);
    return out;
  }

  // Lab frame, fixed time -> fixed s at the reference plane.
  const auto weight_of = [&](std::size_t i) { return data.w.empty() ? 1.0 : data.w[i]; };
  for (std::size_t i = 0; i < n; ++i) {
    if (!(data.mass[i] > 0.0))
      src.fail("particle " + std::to_string(i) + " of species '" + data.species + "' has mass " +
               std::to_string(data.mass[i]) + " kg; it must be > 0");
    if (!(data.pz[i] > 0.0))
      src.fail(
          "particle " + std::to_string(i) + " of species '" + data.species +
          "' does not move forward (p_z <= 0), so it never reaches the reference plane; the beam must move "
          "along +z");
    if (!(weight_of(i) >= 0.0))
      src.fail("particle " + std::to_string(i) + " of species '" + data.species +
               "' has a negative weighting");
  }
  double z_plane = plane.z;
  const auto s_ref = data.attributes.find("s_ref");
  if (plane.kind == ReferencePlane::Kind::mean ||
      (plane.kind == ReferencePlane::Kind::automatic && s_ref == data.attributes.end())) {
    double sum_w = 0.0, sum_wz = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum_w += weight_of(i), sum_wz += weight_of(i) * data.z[i];
    if (!(sum_w > 0.0))
      src.fail("species '" + data.species +
               "' has no particles (or only zero weights), so the reference plane cannot be at their mean z; "
               "give the plane's z instead");
    z_plane = sum_wz / sum_w;
  } else if (plane.kind == ReferencePlane::Kind::automatic) {
    z_plane = s_ref->second;
  }
  out.plane_z = z_plane;

  const double c2 = c * c;
  for (std::size_t i = 0; i < n; ++i) {
    const double px = data.px[i], py = data.py[i], pz = data.pz[i], mass = data.mass[i];
    const double mom = std::sqrt(px * px + py * py + pz * pz);
    const double energy = std::sqrt(mom * mom * c2 + mass * mass * c2 * c2);
    const double dz = z_plane - data.z[i];  // > 0: the particle is behind the plane and arrives later
    // t = c dt with dt = dz / v_z, v_z = p_z c^2 / E.
    p.t[i] = dz * energy / (pz * c);
    p.x[i] = data.x[i] + px / pz * dz;
    p.y[i] = data.y[i] + py / pz * dz;
    p.px[i] = px / p0;
    p.py[i] = py / p0;
    // E - E0 without subtracting the two large energies: c^2 ((p - p0)(p + p0) + c^2 (m - m0)(m + m0)) / (E +
    // E0).
    const double de =
        c2 * ((mom - p0) * (mom + p0) + c2 * (mass - ref.mass) * (mass + ref.mass)) / (energy + e0);
    p.pt[i] = -de / (p0 * c);
    p.qm[i] = data.charge[i] / mass;
    p.w[i] = weight_of(i);
    out.bunch_charge += p.w[i] * std::fabs(data.charge[i]);
  }
  assign_ids(data.id, p);
  return out;
}

Particles read_beam_file(const std::string& path, const RefPart& ref, long long iteration,
                         const std::string& species, const ReferencePlane& plane) {
  const BeamData data = read_openpmd_beam(path, "path", iteration, species);
  return import_beam(data, ref, plane, "path", path).particles;
}

}  // namespace wakeline::io
