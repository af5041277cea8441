#include "io/PalsLattice.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "io/DeckLoader.hpp"
#include "io/InputDeck.hpp"

namespace wakeline::io {

namespace {

using namespace wakeline::elements;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- shared

// Shortest text that reads back as the same double (std::to_chars), so a written file round-trips
// bit for bit; PALS spells infinities Inf and -Inf.
std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

double rad2deg(double rad) { return rad * 180.0 / constants::pi; }

// Volts of an RF gap whose energy gain V (in units of mc^2) is reached by the reference charge.
double volts_per_mc2(const RefPart& ref) {
  return ref.mass * constants::c * constants::c / std::fabs(ref.charge);
}

// A YAML number: exactly the double the text rounds to (std::from_chars); PALS spells infinities
// Inf and -Inf.
std::optional<double> parse_number(const std::string& text) {
  if (text == "Inf" || text == ".inf" || text == "+Inf") return HUGE_VAL;
  if (text == "-Inf" || text == "-.inf") return -HUGE_VAL;
  double v = 0.0;
  const char* first = text.data() + (text.size() > 1 && text[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(first, text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

bool pals_name(const std::string& s) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_]*");
  return std::regex_match(s, re);
}

// Wakeline element types that PALS has no kind for: written as the extension kind Wakeline_<Type>.
const std::vector<std::pair<std::string, std::string>> kExtensionKinds = {
    {"Wakeline_ConstF", "constf"},
    {"Wakeline_ThinDipole", "thin_dipole"},
    {"Wakeline_PRot", "prot"},
    {"Wakeline_Buncher", "buncher"},
    {"Wakeline_LinearMap", "linear_map"},
    {"Wakeline_UniformAccChromatic", "uniform_acc_chromatic"},
    {"Wakeline_PlasmaLensChromatic", "plasma_lens_chromatic"},
    {"Wakeline_TaperedPlasmaLens", "tapered_plasma_lens"},
    {"Wakeline_NonlinearLens", "nonlinear_lens"},
    {"Wakeline_QuadEdge", "quadedge"},
    {"Wakeline_Source", "source"}};

const std::set<std::string> kThickTypes = {"drift",
                                           "quad",
                                           "sbend",
                                           "cfbend",
                                           "constf",
                                           "solenoid",
                                           "rfcavity",
                                           "solenoid_softedge",
                                           "quadrupole_softedge",
                                           "drift_chromatic",
                                           "quad_chromatic",
                                           "plasma_lens_chromatic",
                                           "uniform_acc_chromatic",
                                           "drift_exact",
                                           "quad_exact",
                                           "multipole_exact",
                                           "sbend_exact",
                                           "cfbend_exact"};

// The misalignment keys (dx, dy, rotation) and the pipe aperture, per Wakeline type (elements.md).
bool takes_alignment(const std::string& type) {
  return type != "prot" && type != "beam_monitor" && type != "marker" && type != "source";
}
bool takes_pipe(const std::string& type) {
  return takes_alignment(type) && type != "plane_xyrotation" && type != "aperture" &&
         type != "polygon_aperture";
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// ---------------------------------------------------------------- reader: document model

std::string at(const std::string& file, const YAML::Node& n) {
  const int line = n.Mark().line;
  return line >= 0 ? file + ":" + std::to_string(line + 1) : file;
}

struct Param {
  YAML::Node node;
  std::string file;
};

// One element as it is tracked: its definition merged with what it inherits and with the
// parameters its line instance overrides.
// Nodes are only ever copy-constructed here, never assigned: yaml-cpp's Node::operator= rebinds the
// node it refers to, which would change the definition shared by every use of an element.
struct Spec {
  std::string name, kind, file;
  YAML::Mark mark;  // of the defining mapping
  std::map<std::string, Param> top;
  std::map<std::string, std::map<std::string, Param>> groups;
  std::set<std::string> used;  // "key" or "Group.key"
  [[nodiscard]] std::string where() const {
    return mark.line >= 0 ? file + ":" + std::to_string(mark.line + 1) : file;
  }
};

bool is_group(const std::string& key) {
  return key.size() > 1 && key.back() == 'P' && std::isupper(static_cast<unsigned char>(key.front()));
}

// Names of the 2025 snapshot and older ImpactX examples (standards.md 3.11), read as today's.
std::string current_kind(const std::string& kind) {
  if (kind == "SBend" || kind == "RBend") return "Bend";
  if (kind == "NullEle") return "Placeholder";
  return kind;
}
std::string current_key(const std::string& group, const std::string& key) {
  if (group == "BendP") {
    if (key == "rho_ref") return "radius_ref";
    if (key == "bend_field_ref") return "Bn0_ref";
    if (key == "edge_int1") return "edge1_int";
    if (key == "edge_int2") return "edge2_int";
    if (key == "ref_coords") return "ref_geometry";
    if (key == "multipole_type") return "multipole_geometry";
  }
  if (group == "RFP" && key == "n_cell") return "num_cells";
  return key;
}

// Adds the keys of `body` (an element mapping or a line instance's overrides) to `s`; later keys win.
void overlay(Spec& s, const YAML::Node& body, const std::string& file,
             const std::set<std::string>& skip = {}) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key == "inherit" || skip.count(key)) continue;
    if (key == "kind") {
      s.kind = current_kind(it->second.Scalar());
    } else if (is_group(key) && it->second.IsMap()) {
      for (auto g = it->second.begin(); g != it->second.end(); ++g) {
        auto& group = s.groups[key];
        const std::string k = current_key(key, g->first.Scalar());
        group.erase(k);
        group.emplace(k, Param{g->second, file});
      }
    } else if (is_group(key) && !it->second.IsNull()) {
      throw InputError(s.name + "." + key, at(file, it->second),
                       "a parameter group must be a mapping of parameters");
    } else {
      s.top.erase(key);
      s.top.emplace(key, Param{it->second, file});
    }
  }
}

// A deck key of the element being built and the PALS parameter it came from.
struct Origin {
  std::string path;   // "qf.MagneticMultipoleP.Kn1"
  std::string where;  // "fodo.pals.yaml:12"
};

// One Wakeline element in deck form: read_element builds it.
struct DeckElement {
  std::string type, name;
  std::vector<std::pair<std::string, std::string>> keys;  // key under the element -> value tokens
  std::map<std::string, Origin> origin;
  [[nodiscard]] bool has(const std::string& key) const { return origin.count(key) != 0; }
  void set(const std::string& key, const std::string& tokens, const Origin& o) {
    keys.emplace_back(key, tokens);
    origin[key] = o;
  }
};

// Multipole strengths of one order N as given in MagneticMultipoleP.
struct Strength {
  double v = 0.0;
  bool field = false;       // Bn/Bs (T/m^N) rather than Kn/Ks (1/m^(N+1))
  bool integrated = false;  // the L suffix: times the length
  std::string key;
};
struct Order {
  std::optional<Strength> n, s;
  double tilt = 0.0;
};

// ---------------------------------------------------------------- reader: one element

class Translator {
 public:
  Translator(Spec& s, const RefPart& ref, std::vector<std::string>& notices)
      : s_(s), ref_(ref), notices_(notices) {}

  // The Wakeline elements of this PALS element, in deck form; `passthrough` gets the indices of
  // those that take the remaining WakelineP keys.
  std::vector<DeckElement> run();

 private:
  Spec& s_;
  const RefPart& ref_;
  std::vector<std::string>& notices_;
  std::vector<DeckElement> out_;
  std::vector<std::size_t> passthrough_;

  // ---- access to parameters (group "" = ungrouped)
  const Param* find(const std::string& group, const std::string& key) {
    if (group.empty()) {
      auto it = s_.top.find(key);
      if (it == s_.top.end()) return nullptr;
      s_.used.insert(key);
      return &it->second;
    }
    auto g = s_.groups.find(group);
    if (g == s_.groups.end()) return nullptr;
    auto it = g->second.find(key);
    if (it == g->second.end()) return nullptr;
    s_.used.insert(group + "." + key);
    return &it->second;
  }
  bool has(const std::string& group, const std::string& key) const {
    if (group.empty()) return s_.top.count(key) != 0;
    auto g = s_.groups.find(group);
    return g != s_.groups.end() && g->second.count(key) != 0;
  }
  bool has_group(const std::string& group) const { return s_.groups.count(group) != 0; }
  std::string path(const std::string& group, const std::string& key) const {
    return s_.name + "." + (group.empty() ? key : group + "." + key);
  }
  std::string where(const std::string& group, const std::string& key) const {
    const Param* p = nullptr;
    if (group.empty()) {
      if (auto it = s_.top.find(key); it != s_.top.end()) p = &it->second;
    } else if (auto g = s_.groups.find(group); g != s_.groups.end()) {
      if (auto it = g->second.find(key); it != g->second.end()) p = &it->second;
    }
    return p && p->node.Mark().line >= 0 ? at(p->file, p->node) : s_.where();
  }
  Origin origin(const std::string& group, const std::string& key) const {
    return {path(group, key), where(group, key)};
  }
  [[noreturn]] void fail(const std::string& group, const std::string& key, const std::string& message) const {
    throw InputError(path(group, key), where(group, key), message);
  }
  [[noreturn]] void fail_element(const std::string& message) const {
    throw InputError(s_.name, s_.where(), message);
  }
  void notice(const std::string& group, const std::string& key, const std::string& text) {
    notices_.push_back("notice: " + where(group, key) + ": '" + path(group, key) + "' " + text);
  }

  std::optional<double> number(const std::string& group, const std::string& key) {
    const Param* p = find(group, key);
    if (!p || p->node.IsNull()) return std::nullopt;
    if (!p->node.IsScalar()) fail(group, key, "expected a number");
    const std::string text = p->node.Scalar();
    const auto v = parse_number(text);
    if (!v) {
      fail(group, key,
           "expected a number, got '" + text +
               "' (Wakeline reads numbers in SI units; PALS expressions and named constants are not "
               "supported yet)");
    }
    return *v;
  }
  double number_or(const std::string& group, const std::string& key, double fallback) {
    return number(group, key).value_or(fallback);
  }
  std::optional<std::string> text(const std::string& group, const std::string& key) {
    const Param* p = find(group, key);
    if (!p || p->node.IsNull()) return std::nullopt;
    if (!p->node.IsScalar()) fail(group, key, "expected a single value");
    return p->node.Scalar();
  }
  std::optional<bool> flag(const std::string& group, const std::string& key) {
    auto t = text(group, key);
    if (!t) return std::nullopt;
    std::string v = *t;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true") return true;
    if (v == "false") return false;
    fail(group, key, "expected true or false, got '" + *t + "'");
  }
  // A parameter Wakeline has no model for: accepted at its default only.
  void zero_only(const std::string& group, const std::string& key, const std::string& why) {
    if (const auto v = number(group, key); v && *v != 0.0) {
      fail(group, key, "is not supported by Wakeline (" + why + "); valid: 0 or absent");
    }
  }
  std::string upper(const std::string& group, const std::string& key, const std::string& fallback) {
    std::string v = text(group, key).value_or(fallback);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
    return v;
  }

  // ---- pieces shared by the kinds
  std::string wakeline_type(const std::vector<std::string>& valid, const std::string& fallback) {
    const auto t = text("WakelineP", "type");
    if (!t) return fallback;
    if (std::find(valid.begin(), valid.end(), *t) == valid.end()) {
      fail("WakelineP", "type",
           "'" + *t + "' is not a Wakeline model of PALS kind " + s_.kind + "; valid: " + join(valid));
    }
    return *t;
  }
  // The exact Wakeline value the writer left next to a standard value it converted: used when it
  // still converts to the standard value, so a round trip keeps every bit; ignored (with a notice)
  // when the standard value was edited since.
  template <class ToStandard>
  double exact(const std::string& deck_key, double standard, double converted, const std::string& group,
               const std::string& key, ToStandard to_standard) {
    const auto v = number("WakelineP", deck_key);
    if (!v) return converted;
    if (to_standard(*v) == standard) return *v;
    notice("WakelineP", deck_key,
           "is ignored: it no longer matches " + path(group, key) + ", which gives the value");
    return converted;
  }
  double length() { return number_or("", "length", 0.0); }
  double rigidity(const std::string& group, const std::string& key) {
    const double b = ref_.rigidity_Tm();
    if (!std::isfinite(b) || b == 0.0)
      fail(group, key, "a field strength needs the reference rigidity, which is not defined");
    return b;
  }

  DeckElement& add(const std::string& type, bool passthrough = true) {
    DeckElement d;
    d.type = type;
    d.name = s_.name;
    out_.push_back(std::move(d));
    if (passthrough) passthrough_.push_back(out_.size() - 1);
    return out_.back();
  }

  // length -> ds, BodyShiftP -> dx, dy, rotation, ApertureP -> the pipe, as the type takes them.
  // `edge`: a dipedge of a thick Bend, whose length is the body's.
  void common(DeckElement& d, double extra_roll = 0.0, bool edge = false) {
    const std::string& t = d.type;
    if (edge) {
      // the body takes the length
    } else if (kThickTypes.count(t) || (t == "linear_map" && has("", "length"))) {
      d.set("ds", num(length()), origin("", "length"));
    } else if (const auto l = number("", "length"); l && *l != 0.0) {
      fail("", "length", "must be 0: Wakeline's " + t + " is a thin element");
    }
    if (takes_alignment(t)) {
      if (const auto v = number("BodyShiftP", "x_offset"))
        d.set("dx", num(*v), origin("BodyShiftP", "x_offset"));
      if (const auto v = number("BodyShiftP", "y_offset"))
        d.set("dy", num(*v), origin("BodyShiftP", "y_offset"));
      const auto z = number("BodyShiftP", "z_rot");
      if (z || extra_roll != 0.0) {
        const double total = z.value_or(0.0) + extra_roll;
        const double deg = exact("rotation", total, rad2deg(total), "BodyShiftP", "z_rot",
                                 [](double r) { return deg2rad(r); });
        d.set("rotation", num(deg), origin("BodyShiftP", z ? "z_rot" : "length"));
      }
      for (const char* k : {"z_offset", "x_rot", "y_rot"}) {
        zero_only("BodyShiftP", k, "Wakeline misaligns by transverse offsets and a roll only");
      }
    } else if (has_group("BodyShiftP")) {
      for (const char* k : {"x_offset", "y_offset", "z_offset", "x_rot", "y_rot", "z_rot"}) {
        zero_only("BodyShiftP", k, "Wakeline's " + t + " takes no misalignment");
      }
    }
    if (takes_pipe(t)) {
      pipe(d);
    } else if (has_group("ApertureP") && t != "aperture" && t != "polygon_aperture") {
      fail("ApertureP", s_.groups["ApertureP"].begin()->first,
           "Wakeline's " + t + " takes no aperture (a Mask element is a collimator)");
    }
  }

  // Half-width of a centred aperture from x_min/x_max, x_center/x_width or the older x_limits.
  std::optional<double> half_width(const std::string& axis) {
    const std::string lo = axis + "_min", hi = axis + "_max", c = axis + "_center", w = axis + "_width";
    const std::string lim = axis + "_limits";
    if (const Param* p = find("ApertureP", lim)) {
      if (!p->node.IsSequence() || p->node.size() != 2) fail("ApertureP", lim, "expected [min, max]");
      double v[2];
      for (int i = 0; i < 2; ++i) {
        const auto x = parse_number(p->node[i].Scalar());
        if (!x) fail("ApertureP", lim, "expected two numbers");
        v[i] = *x;
      }
      if (v[0] != -v[1]) fail("ApertureP", lim, "Wakeline's apertures are centred: give [-h, h]");
      return v[1];
    }
    const auto vmin = number("ApertureP", lo), vmax = number("ApertureP", hi);
    const auto vc = number("ApertureP", c), vw = number("ApertureP", w);
    if ((vmin || vmax) && (vc || vw))
      fail("ApertureP", c, "give " + lo + "/" + hi + " or " + c + "/" + w + ", not both");
    if (vmin || vmax) {
      if (!vmin || !vmax || *vmin != -*vmax) {
        fail("ApertureP", vmax ? hi : lo,
             "Wakeline's apertures are centred: give both limits with " + lo + " = -" + hi +
                 " (shift the element with BodyShiftP instead)");
      }
      return *vmax;
    }
    if (vc || vw) {
      if (vc.value_or(0.0) != 0.0) fail("ApertureP", c, "Wakeline's apertures are centred: it must be 0");
      if (!vw) fail("ApertureP", w, "missing: the full width of the aperture");
      return *vw / 2.0;
    }
    return std::nullopt;
  }
  void aperture_extras() {
    text("ApertureP", "material");
    number("ApertureP", "thickness");
    // Wakeline checks apertures in the element frame, where the misalignment has been applied.
    flag("ApertureP", "aperture_shifts_with_body");
  }
  void pipe(DeckElement& d) {
    if (!has_group("ApertureP")) return;
    const std::string shape = upper("ApertureP", "shape", "ELLIPTICAL");
    if (shape != "ELLIPTICAL") {
      fail("ApertureP", "shape",
           "'" + shape +
               "': the pipe aperture of a Wakeline element is elliptical; valid: ELLIPTICAL (a Mask "
               "element models rectangular and polygonal collimators)");
    }
    const std::string location = upper("ApertureP", "location", "ENTRANCE_END");
    static const std::set<std::string> kLocations = {"ENTRANCE_END", "CENTER",  "EXIT_END",
                                                     "BOTH_ENDS",    "NOWHERE", "EVERYWHERE"};
    if (!kLocations.count(location)) {
      fail("ApertureP", "location",
           "'" + location + "' is not valid; valid: " + join({kLocations.begin(), kLocations.end()}));
    }
    aperture_extras();
    if (has("ApertureP", "vertices")) find("ApertureP", "vertices");  // ignored unless shape is VERTICES
    double ax = half_width("x").value_or(0.0), ay = half_width("y").value_or(0.0);
    const bool active = flag("ApertureP", "aperture_active").value_or(true) && location != "NOWHERE";
    if (!active && ax > 0.0 && ay > 0.0) ax = ay = 0.0;  // Wakeline's pipe is off unless both are > 0
    d.set("aperture_x", num(ax), origin("ApertureP", has("ApertureP", "x_max") ? "x_max" : "x_width"));
    d.set("aperture_y", num(ay), origin("ApertureP", has("ApertureP", "y_max") ? "y_max" : "y_width"));
  }

  std::map<int, Order> multipoles() {
    std::map<int, Order> m;
    if (!has_group("MagneticMultipoleP")) return m;
    static const std::regex strength("(Kn|Ks|Bn|Bs)(0|[1-9][0-9]*)(L?)");
    static const std::regex tilt("tilt(0|[1-9][0-9]*)");
    static const std::regex taper("(Kn|Ks|Bn|Bs)(0|[1-9][0-9]*)(L?)_taper");
    std::vector<std::string> keys;
    for (const auto& [k, p] : s_.groups["MagneticMultipoleP"]) keys.push_back(k);
    for (const std::string& k : keys) {
      std::smatch sm;
      if (std::regex_match(k, sm, strength)) {
        const int order = std::stoi(sm[2]);
        Strength st{*number("MagneticMultipoleP", k), sm[1].str()[0] == 'B', sm[3].length() > 0, k};
        Order& o = m[order];
        auto& slot = sm[1].str()[1] == 'n' ? o.n : o.s;
        if (slot)
          fail("MagneticMultipoleP", k, "gives order " + sm[2].str() + " a second time (" + slot->key + ")");
        slot = st;
      } else if (std::regex_match(k, sm, tilt)) {
        m[std::stoi(sm[1])].tilt = number_or("MagneticMultipoleP", k, 0.0);
      } else if (std::regex_match(k, taper)) {
        zero_only("MagneticMultipoleP", k, "tapering");
      } else {
        fail("MagneticMultipoleP", k,
             "unknown parameter; valid: KnN, KsN, BnN, BsN (N = 0, 1, ...: dipole, quadrupole, ...), the "
             "same with "
             "an L suffix (length-integrated), tiltN");
      }
    }
    for (const auto& [order, o] : m) {
      if (o.n && o.s && (o.n->field != o.s->field || o.n->integrated != o.s->integrated)) {
        fail("MagneticMultipoleP", o.s->key,
             "must be of the same kind as " + o.n->key +
                 " (PALS: both field or both normalised, both per metre or "
                 "both integrated)");
      }
    }
    return m;
  }
  // One strength of order N in the wanted flavour.
  double convert(const Strength& st, bool want_field, bool want_integrated, double L) {
    double v = st.v;
    if (st.field != want_field) {
      const double b = rigidity("MagneticMultipoleP", st.key);
      v = want_field ? v * b : v / b;
    }
    if (st.integrated != want_integrated) {
      if (L == 0.0) {
        fail("MagneticMultipoleP", st.key,
             want_integrated
                 ? "a per-metre strength needs a length; on a zero-length element give " + st.key + "L"
                 : "an integrated strength needs a nonzero length");
      }
      v = want_integrated ? v * L : v / L;
    }
    return v;
  }
  // (normal, skew) of order N, converted, with the order's tilt applied: (Kn + i Ks) e^{-i(N+1)T}.
  std::pair<double, double> strengths(const Order& o, int order, bool field, bool integrated, double L) {
    const double n = o.n ? convert(*o.n, field, integrated, L) : 0.0;
    const double sk = o.s ? convert(*o.s, field, integrated, L) : 0.0;
    if (o.tilt == 0.0) return {n, sk};
    const std::complex<double> k = std::complex<double>(n, sk) * std::polar(1.0, -(order + 1) * o.tilt);
    return {k.real(), k.imag()};
  }
  const std::string& key_of(const Order& o) { return o.n ? o.n->key : o.s->key; }

  // ---- kinds
  void drift() { common(add(wakeline_type({"drift", "drift_chromatic", "drift_exact"}, "drift"))); }
  void quadrupole() {
    const double L = length();
    // As ImpactX's PALS reader: a Quadrupole is a chromatic quadrupole (ChrQuad).
    const std::string type = wakeline_type(
        {"quad_chromatic", "quad", "quad_exact", "quadrupole_softedge", "multipole", "multipole_exact"},
        L == 0.0 ? "multipole" : "quad_chromatic");
    if (type == "multipole" || type == "multipole_exact") return multipole(type);
    auto m = multipoles();
    for (const auto& [order, o] : m) {
      if (order == 1) continue;
      for (const auto& st : {o.n, o.s}) {
        if (st && st->v != 0.0) {
          fail("MagneticMultipoleP", st->key,
               "Wakeline's " + type +
                   " is a pure quadrupole; for other orders set WakelineP.type: multipole_exact");
        }
      }
    }
    if (!m.count(1) || !m[1].n)
      fail_element("a Quadrupole needs MagneticMultipoleP.Kn1 (1/m^2) or Bn1 (T/m)");
    const Order& o = m[1];
    if (o.s && o.s->v != 0.0) {
      fail("MagneticMultipoleP", o.s->key,
           "Wakeline's quadrupoles have no skew component: roll the quadrupole with tilt1 or "
           "BodyShiftP.z_rot");
    }
    const bool field = type != "quad" && type != "quadrupole_softedge" && o.n->field;
    const double k = convert(*o.n, field, false, L);
    DeckElement& d = add(type);
    const Origin src = origin("MagneticMultipoleP", o.n->key);
    if (type == "quadrupole_softedge") {
      d.set("gscale", num(k), src);
    } else {
      d.set("k", num(k), src);
      if (type != "quad") d.set("units", field ? "1" : "0", src);
    }
    // A quadrupole's tilt is a roll of the magnet, which Wakeline applies as a misalignment.
    common(d, o.tilt);
  }
  void multipole(const std::string& fallback_type = "") {
    const double L = length();
    const std::string type = fallback_type.empty() ? wakeline_type({"multipole", "multipole_exact"},
                                                                   L == 0.0 ? "multipole" : "multipole_exact")
                                                   : fallback_type;
    auto m = multipoles();
    if (m.empty() || std::none_of(m.begin(), m.end(), [](const auto& e) { return e.second.n || e.second.s; }))
      fail_element("a " + s_.kind + " needs strengths in MagneticMultipoleP (KnNL, KsNL, ...)");
    if (type == "multipole") {
      // Thin kicks of different orders depend on x and y only, so they commute: one Wakeline
      // multipole per order, in any order, is the same map.
      for (const auto& [order, o] : m) {
        if (!o.n && !o.s) continue;
        // Wakeline's thin multipole takes normalised integrated strengths (MAD-X's KNL, KSL).
        const auto [knK, ksK] = strengths(o, order, false, true, L);
        DeckElement& d = add("multipole");
        const Origin src = origin("MagneticMultipoleP", key_of(o));
        d.set("multipole", std::to_string(order + 1), src);
        d.set("k_normal", num(knK), src);
        d.set("k_skew", num(ksK), src);
        common(d);
      }
      return;
    }
    // multipole_exact: coefficients per metre, in T/m^N when every one is a field.
    bool all_field = true;
    int top = 0;
    for (const auto& [order, o] : m) {
      for (const auto& st : {o.n, o.s})
        if (st) all_field = all_field && st->field;
      if (o.n || o.s) top = std::max(top, order);
    }
    std::string kn, ks;
    Origin src = origin("", "kind");
    for (int i = 0; i <= top; ++i) {
      std::pair<double, double> v{0.0, 0.0};
      if (auto it = m.find(i); it != m.end() && (it->second.n || it->second.s)) {
        v = strengths(it->second, i, all_field, false, L);
        src = origin("MagneticMultipoleP", key_of(it->second));
      }
      kn += (i ? " " : "") + num(v.first);
      ks += (i ? " " : "") + num(v.second);
    }
    DeckElement& d = add("multipole_exact");
    d.set("k_normal", kn, src);
    d.set("k_skew", ks, src);
    d.set("units", all_field ? "1" : "0", src);
    common(d);
  }
  void bend() {
    const double L = length();
    auto m = multipoles();
    const bool quad = m.count(1) && m[1].n;
    const std::string type =
        wakeline_type({"sbend", "cfbend", "sbend_exact", "cfbend_exact", "dipedge"}, L == 0.0 ? "dipedge"
                                                                                     : quad   ? "cfbend"
                                                                                              : "sbend");
    const std::string B = "BendP";
    if (upper(B, "ref_geometry", "ARC") != "ARC") {
      fail(B, "ref_geometry", "Wakeline's bends are sector bends about the arc; valid: ARC");
    }
    upper(B, "multipole_geometry", "FOLLOWS_REF_GEOMETRY");
    flag(B, "Kn0_from_g_ref");
    for (const char* out : {"L_sagitta", "g_actual", "bend_field_actual"}) find(B, out);  // outputs
    zero_only(B, "tilt_ref",
              "Wakeline's bends bend in the horizontal plane; roll them with BodyShiftP.z_rot");
    zero_only(B, "h1", "curved pole faces");
    zero_only(B, "h2", "curved pole faces");
    zero_only(B, "L_chord", "give the arc length as 'length'");
    zero_only(B, "L_rectangle", "give the arc length as 'length'");
    // Curvature: one of g_ref, radius_ref, Bn0_ref; with the length, or the angle.
    const auto g_ref = number(B, "g_ref"), radius = number(B, "radius_ref"), bn0 = number(B, "Bn0_ref");
    const auto angle_ref = number(B, "angle_ref");
    const int given = (g_ref ? 1 : 0) + (radius ? 1 : 0) + (bn0 ? 1 : 0);
    if (given > 1) fail(B, bn0 ? "Bn0_ref" : "radius_ref", "give one of g_ref, radius_ref, Bn0_ref");
    if (given && angle_ref && has("", "length")) {
      fail(B, "angle_ref",
           "over-specified: give two of the curvature (g_ref, radius_ref, Bn0_ref), 'length' and angle_ref");
    }
    double g = 0.0;  // 1/m, > 0 bends toward -x
    std::string g_key = "g_ref";
    if (g_ref) g = *g_ref;
    if (radius) g = 1.0 / *radius, g_key = "radius_ref";
    if (bn0) g = *bn0 / rigidity(B, "Bn0_ref"), g_key = "Bn0_ref";
    if (angle_ref && !given) {
      if (L == 0.0)
        fail(B, "angle_ref", "a bend angle needs a 'length' (or a curvature): Wakeline's bends are thick");
      g = *angle_ref / L, g_key = "angle_ref";
    }
    const double angle = angle_ref.value_or(g * L);
    // rc exactly as written when the radius is given; 0 for a straight element.
    const double rc = radius ? *radius : (g == 0.0 ? 0.0 : 1.0 / g);

    // Edges: entry and exit pole faces (MAD-X's e1, e2 and fint*hgap = edgeN_int).
    struct Edge {
      bool present;
      double psi, edge_int;
      std::string key;
    };
    auto edge = [&](int i) {
      const std::string e = "e" + std::to_string(i), er = e + "_rect",
                        fi = "edge" + std::to_string(i) + "_int";
      const auto ve = number(B, e), vr = number(B, er), vi = number(B, fi);
      if (ve && vr) fail(B, er, "give " + e + " or " + er + ", not both");
      const double psi = ve ? *ve : vr ? *vr + angle / 2.0 : 0.0;
      const bool present = type == "dipedge" ? (ve || vr || vi) : (psi != 0.0 || vi.value_or(0.0) != 0.0);
      return Edge{present, psi, vi.value_or(0.0), ve ? e : vr ? er : fi};
    };
    const Edge e1 = edge(1), e2 = edge(2);
    auto add_edge = [&](const Edge& e, bool exit, bool passthrough) {
      if (!e.present) return;
      DeckElement& d = add("dipedge", passthrough);
      d.set("psi", num(e.psi), origin(B, e.key));
      d.set("rc", num(rc), origin(B, g_key));
      // ImpactX's dipedge has the full gap g and the integral K2: g*K2 = 2*fint*hgap = 2*edge_int.
      double gap = 2.0 * e.edge_int, k2 = 1.0;
      if (has("WakelineP", "g") || has("WakelineP", "K2")) {
        const double wg = number_or("WakelineP", "g", 0.0), wk = number_or("WakelineP", "K2", 1.0);
        if (wg * wk / 2.0 == e.edge_int) {
          gap = wg, k2 = wk;
        } else if (type == "dipedge" && out_.size() == 1) {
          notice("WakelineP", "g", "and K2 are ignored: they no longer match the edge field integral");
        }
      }
      const std::string fi = "edge" + std::string(exit ? "2" : "1") + "_int";
      d.set("g", num(gap), origin(B, fi));
      d.set("K2", num(k2), origin(B, fi));
      d.set("location", exit ? "exit" : "entry", origin(B, e.key));
      common(d, 0.0, !passthrough);
    };
    if (type == "dipedge") {
      if (!e1.present && !e2.present) {
        fail_element(
            "a Wakeline dipedge needs BendP.e1 or edge1_int (entry edge), or e2 or edge2_int (exit edge)");
      }
      if (L != 0.0) fail("", "length", "must be 0 for WakelineP.type: dipedge (a thin edge)");
      for (const auto& [order, o] : m)
        if (o.n || o.s) fail("MagneticMultipoleP", key_of(o), "a dipole edge takes no multipoles");
      add_edge(e1, false, true);
      add_edge(e2, true, true);
      return;
    }
    add_edge(e1, false, false);
    DeckElement& d = add(type);
    const Origin curvature = origin(B, g_key);
    if (type == "sbend" || type == "cfbend") {
      if (type == "cfbend" && rc == 0.0) fail(B, g_key, "a cfbend needs a nonzero curvature");
      d.set("rc", num(rc), curvature);
      for (const auto& [order, o] : m) {
        if (order == 1 && type == "cfbend" && o.n && !(o.s && o.s->v != 0.0)) continue;
        for (const auto& st : {o.n, o.s}) {
          if (st && st->v != 0.0)
            fail("MagneticMultipoleP", st->key,
                 "Wakeline's " + type + " takes " +
                     (type == "cfbend" ? "Kn1 or Bn1 only"
                                       : "no multipoles (a quadrupole term makes it a cfbend)"));
        }
      }
      if (type == "cfbend") {
        if (!quad) fail_element("a cfbend needs MagneticMultipoleP.Kn1 or Bn1");
        d.set("k", num(convert(*m[1].n, false, false, L)), origin("MagneticMultipoleP", m[1].n->key));
      }
    } else if (type == "sbend_exact") {
      for (const auto& [order, o] : m)
        if (o.n || o.s) fail("MagneticMultipoleP", key_of(o), "Wakeline's sbend_exact takes no multipoles");
      double phi = rad2deg(angle);
      if (angle_ref) phi = exact("phi", *angle_ref, phi, B, "angle_ref", [](double p) { return deg2rad(p); });
      d.set("phi", num(phi), origin(B, angle_ref ? "angle_ref" : g_key));
    } else {  // cfbend_exact: k_normal[0] is the dipole
      bool all_field = bn0.has_value();
      int top = 0;
      for (const auto& [order, o] : m) {
        if (order == 0 && o.n)
          fail("MagneticMultipoleP", o.n->key, "give the dipole of a bend in BendP (g_ref or Bn0_ref)");
        for (const auto& st : {o.n, o.s})
          if (st) all_field = all_field && st->field;
        if (o.n || o.s) top = std::max(top, order);
      }
      std::string kn = num(all_field ? *bn0 : (bn0 ? g : (g_ref ? *g_ref : g))), ks;
      for (int i = 0; i <= top; ++i) {
        std::pair<double, double> v{0.0, 0.0};
        if (auto it = m.find(i); it != m.end()) v = strengths(it->second, i, all_field, false, L);
        if (i > 0) kn += " " + num(v.first);
        ks += (i ? " " : "") + num(v.second);
      }
      d.set("k_normal", kn, curvature);
      d.set("k_skew", ks, curvature);
      d.set("units", all_field ? "1" : "0", curvature);
    }
    common(d);
    add_edge(e2, true, false);
  }
  void solenoid() {
    const std::string type = wakeline_type({"solenoid", "solenoid_softedge"}, "solenoid");
    const auto ks = number("SolenoidP", "Ksol"), bs = number("SolenoidP", "Bsol");
    if (ks && bs) fail("SolenoidP", "Bsol", "give Ksol or Bsol, not both");
    if (!ks && !bs) fail_element("a Solenoid needs SolenoidP.Ksol (1/m) or Bsol (T)");
    DeckElement& d = add(type);
    const Origin src = origin("SolenoidP", ks ? "Ksol" : "Bsol");
    if (type == "solenoid") {
      d.set("ks", num(ks ? *ks : *bs / rigidity("SolenoidP", "Bsol")), src);
    } else {
      d.set("bscale", num(ks ? *ks : *bs), src);
      d.set("units", ks ? "0" : "1", src);
    }
    common(d);
  }
  void kicker() {
    wakeline_type({"kicker"}, "kicker");
    auto m = multipoles();
    for (const auto& [order, o] : m)
      if (order != 0 && (o.n || o.s))
        fail("MagneticMultipoleP", key_of(o), "a Wakeline kicker has a dipole kick only (Kn0L, Ks0L)");
    if (!m.count(0) || (!m[0].n && !m[0].s))
      fail_element("a Kicker needs MagneticMultipoleP.Kn0L and/or Ks0L (or Bn0L, Bs0L in T m)");
    const Order& o = m[0];
    const bool field = o.n ? o.n->field : o.s->field;
    const auto [kn, ks] = strengths(o, 0, field, true, length());
    DeckElement& d = add("kicker");
    const Origin src = origin("MagneticMultipoleP", key_of(o));
    // PALS: px changes by -Kn0L and py by +Ks0L (F = q v x B with B_y = Bn0).
    d.set("xkick", num(-kn), src);
    d.set("ykick", num(ks), src);
    d.set("units", field ? "T-m" : "dimensionless", src);
    common(d);
  }
  void rf_cavity() {
    const double L = length();
    const std::string type = wakeline_type({"shortrf", "rfcavity"}, L == 0.0 ? "shortrf" : "rfcavity");
    const std::string R = "RFP";
    if (upper(R, "zero_phase", "ACCELERATING") != "ACCELERATING") {
      fail(R, "zero_phase",
           "Wakeline's RF phases are measured from the accelerating crest; valid: ACCELERATING");
    }
    upper(R, "cavity_type", "STANDING_WAVE");
    number(R, "num_cells");
    zero_only(R, "harmon", "give the frequency in Hz");
    zero_only(R, "multipass_phase", "multipass lines");
    const auto freq = number(R, "frequency");
    DeckElement& d = add(type);
    if (!freq) fail_element("an RFCavity needs RFP.frequency (Hz)");
    d.set("freq", num(*freq), origin(R, "frequency"));
    if (type == "shortrf") {
      zero_only(R, "gradient", "a zero-length cavity has a voltage, not a gradient");
      const auto volts = number(R, "voltage");
      if (!volts) fail_element("a zero-length RFCavity needs RFP.voltage (V)");
      const double per = volts_per_mc2(ref_);
      const double V = exact("V", *volts, *volts / per, R, "voltage", [&](double v) { return v * per; });
      d.set("V", num(V), origin(R, "voltage"));
      const double turns = number_or(R, "phase", 0.0);
      const double phase =
          exact("phase", turns, turns * 360.0, R, "phase", [](double p) { return p / 360.0; });
      d.set("phase", num(phase), origin(R, "phase"));
    } else {
      for (const char* k : {"voltage", "gradient", "phase"}) {
        if (has(R, k)) {
          fail(
              R, k,
              "Wakeline's rfcavity has a field profile: its amplitude is WakelineP.escale (peak E_z/(mc^2) "
              "in 1/m), "
              "its phase WakelineP.phase (deg), and the profile WakelineP.cos_coefficients/sin_coefficients");
        }
      }
    }
    common(d);
  }
  void marker() {
    const std::string type = wakeline_type({"marker", "beam_monitor"}, "marker");
    common(add(type));
  }
  void mask() {
    if (!has_group("ApertureP")) fail_element("a Mask needs an ApertureP group (its opening)");
    const std::string shape = upper("ApertureP", "shape", "ELLIPTICAL");
    const std::string type = wakeline_type({"aperture", "polygon_aperture"},
                                           shape == "VERTICES" ? "polygon_aperture" : "aperture");
    aperture_extras();
    upper("ApertureP", "location", "ENTRANCE_END");  // a thin collimator
    if (flag("ApertureP", "aperture_active").value_or(true) == false) {
      fail("ApertureP", "aperture_active",
           "a Mask without an active aperture does nothing; remove the element");
    }
    DeckElement& d = add(type);
    if (type == "aperture") {
      if (shape != "RECTANGULAR" && shape != "ELLIPTICAL") {
        fail("ApertureP", "shape",
             "'" + shape + "' is not valid here; valid: RECTANGULAR, ELLIPTICAL, VERTICES");
      }
      const auto hx = half_width("x"), hy = half_width("y");
      if (!hx || !hy) fail_element("a Mask needs both x and y limits in ApertureP");
      d.set("aperture_x", num(*hx), origin("ApertureP", has("ApertureP", "x_max") ? "x_max" : "x_width"));
      d.set("aperture_y", num(*hy), origin("ApertureP", has("ApertureP", "y_max") ? "y_max" : "y_width"));
      d.set("shape", shape == "RECTANGULAR" ? "rectangular" : "elliptical", origin("ApertureP", "shape"));
    } else {
      if (shape != "VERTICES") fail("ApertureP", "shape", "a polygon_aperture needs shape: VERTICES");
      const Param* v = find("ApertureP", "vertices");
      if (!v || !v->node.IsMap())
        fail("ApertureP", "vertices", "missing: a mapping with a 'list' of {point: [x, y]}");
      const YAML::Node& node = v->node;
      std::string xs, ys;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string k = it->first.Scalar();
        if (k == "center") {
          const YAML::Node& c = it->second;
          const auto zero = [](const YAML::Node& n) {
            const auto x = n.IsScalar() ? parse_number(n.Scalar()) : std::nullopt;
            return x && *x == 0.0;
          };
          const bool centred = c.IsSequence() ? std::all_of(c.begin(), c.end(), zero) : zero(c);
          if (!centred) {
            fail("ApertureP", "vertices", "Wakeline's polygons are centred on the axis: 'center' must be 0");
          }
        } else if (k == "absolute_vertices") {
          // With the centre at 0 absolute and relative vertices are the same.
        } else if (k == "list") {
          for (const auto& item : it->second) {
            if (!item.IsMap() || !item["point"] || item.size() != 1) {
              fail("ApertureP", "vertices",
                   "each list entry must be {point: [x, y]} (Wakeline's polygons have straight edges)");
            }
            const YAML::Node& p = item["point"];
            if (!p.IsSequence() || p.size() != 2) fail("ApertureP", "vertices", "a point is [x, y] in m");
            xs += (xs.empty() ? "" : " ") + p[0].Scalar();
            ys += (ys.empty() ? "" : " ") + p[1].Scalar();
          }
        } else {
          fail("ApertureP", "vertices", "unknown entry '" + k + "'; valid: center, absolute_vertices, list");
        }
      }
      if (xs.empty()) fail("ApertureP", "vertices", "the 'list' of points is missing or empty");
      d.set("vertices_x", xs, origin("ApertureP", "vertices"));
      d.set("vertices_y", ys, origin("ApertureP", "vertices"));
    }
    common(d);
  }
  void patch() {
    wakeline_type({"plane_xyrotation"}, "plane_xyrotation");
    const std::string P = "PatchP";
    for (const char* k : {"x_offset", "y_offset", "z_offset", "x_rot", "y_rot", "t_offset", "E_tot_offset"}) {
      zero_only(P, k, "Wakeline models a Patch as a roll of the transverse plane (z_rot) only");
    }
    if (has(P, "E_tot_set"))
      fail(P, "E_tot_set", "is not supported: Wakeline models a Patch as a roll (z_rot) only");
    flag(P, "flexible");
    const double z = number_or(P, "z_rot", 0.0);
    // The exit frame turned by z_rot (x toward y) gives a particle x' = x cos z + y sin z: ImpactX's
    // plane_xyrotation by angle = -z_rot.
    const double angle = exact("angle", z, -rad2deg(z), P, "z_rot", [](double a) { return -deg2rad(a); });
    DeckElement& d = add("plane_xyrotation");
    d.set("angle", num(angle), origin(P, "z_rot"));
    common(d);
  }
  void beginning() {
    const std::string R = "ReferenceP";
    const auto species = text(R, "species_ref");
    const RefPart& r = ref_;
    if (species) {
      RefPart named;
      std::string s = *species;
      if (s == "H-") s = "Hminus";
      if (!named.set_species(s)) {
        notice(R, "species_ref", "= " + *species + " is not checked against the beam's species");
      } else if (named.mass != r.mass || named.charge != r.charge) {
        notice(R, "species_ref",
               "= " + *species + " differs from the beam's species; Wakeline tracks the deck's beam");
      }
    }
    const double mc2_eV = r.mass * constants::c * constants::c / constants::q_e;
    auto check = [&](const char* key, double ours) {
      if (const auto v = number(R, key); v && std::fabs(*v - ours) > 1e-9 * std::fabs(ours)) {
        notice(R, key,
               "= " + num(*v) + " eV differs from the beam's reference (" + num(ours) +
                   " eV); Wakeline uses the deck's reference particle, also to convert field strengths");
      }
    };
    check("E_tot_ref", r.gamma() * mc2_eV);
    check("pc_ref", r.beta_gamma() * mc2_eV);
    number(R, "time_ref");
  }
  void extension(const std::string& type) {
    if (has("WakelineP", "type")) fail("WakelineP", "type", "is implied by kind " + s_.kind + "; remove it");
    common(add(type));
  }
};

std::vector<DeckElement> Translator::run() {
  const std::string& kind = s_.kind;
  if (kind.empty())
    fail_element("has no kind (give 'kind', or 'inherit' from an element defined in the facility)");
  // Bookkeeping and outputs: nothing Wakeline tracks with.
  for (const char* g : {"MetaP", "FloorP", "TwissP", "ParticleP", "TrackingP"}) {
    if (auto it = s_.groups.find(g); it != s_.groups.end())
      for (const auto& [k, p] : it->second) s_.used.insert(std::string(g) + "." + k);
  }
  for (const char* k : {"name", "s_position", "field_master"}) find("", k);
  for (const char* g : {"ElectricMultipoleP", "ReferenceChangeP"}) {
    if (auto it = s_.groups.find(g); it != s_.groups.end()) {
      std::vector<std::string> keys;
      for (const auto& [k, p] : it->second) keys.push_back(k);
      for (const auto& k : keys)
        zero_only(
            g, k,
            std::string(g) == "ElectricMultipoleP" ? "electric multipoles" : "reference energy changes");
    }
  }
  if (kind != "BeginningEle" && has_group("ReferenceP")) {
    for (const auto& [k, p] : s_.groups["ReferenceP"]) s_.used.insert("ReferenceP." + k);  // an output here
  }
  if (const auto on = flag("", "is_on"); on && !*on) {
    // Switched off: the element is a drift of its length (PALS).
    for (const auto& [k, p] : s_.top) s_.used.insert(k);
    for (const auto& [g, m] : s_.groups)
      for (const auto& [k, p] : m) s_.used.insert(g + "." + k);
    if (const double L = number_or("", "length", 0.0); L != 0.0) {
      add("drift", false).set("ds", num(L), origin("", "length"));
    }
    return out_;
  }
  if (kind == "Drift") {
    drift();
  } else if (kind == "Quadrupole") {
    quadrupole();
  } else if (kind == "Sextupole" || kind == "Octupole" || kind == "Multipole") {
    multipole();
  } else if (kind == "Bend") {
    bend();
  } else if (kind == "Solenoid") {
    solenoid();
  } else if (kind == "Kicker") {
    kicker();
  } else if (kind == "RFCavity") {
    rf_cavity();
  } else if (kind == "Marker" || kind == "Instrument") {
    marker();
  } else if (kind == "Mask") {
    mask();
  } else if (kind == "Patch") {
    patch();
  } else if (kind == "BeginningEle") {
    beginning();
  } else if (kind == "Placeholder" || kind == "Fiducial" || kind == "FloorShift") {
    // Bookkeeping of geometry: nothing to track.
    for (const auto& [g, m] : s_.groups)
      for (const auto& [k, p] : m) s_.used.insert(g + "." + k);
    find("", "length");
  } else {
    auto ext = std::find_if(kExtensionKinds.begin(), kExtensionKinds.end(),
                            [&](const auto& e) { return e.first == kind; });
    if (ext == kExtensionKinds.end()) {
      std::vector<std::string> valid = {
          "Drift",    "Quadrupole",   "Sextupole",   "Octupole", "Multipole",  "Bend (SBend, RBend)",
          "Solenoid", "Kicker",       "RFCavity",    "Marker",   "Instrument", "Mask",
          "Patch",    "BeginningEle", "Placeholder", "Fiducial", "FloorShift"};
      for (const auto& e : kExtensionKinds) valid.push_back(e.first);
      throw InputError(s_.name + ".kind", s_.where(),
                       "element kind '" + kind + "' is not supported by Wakeline; valid: " + join(valid));
    }
    extension(ext->second);
  }
  if (const auto n = text("WakelineP", "name")) {
    for (DeckElement& d : out_) d.name = *n;
  }
  // What is left of WakelineP are deck keys of the element type (nslice, int_order, ...).
  if (auto it = s_.groups.find("WakelineP"); it != s_.groups.end()) {
    for (const auto& [k, p] : it->second) {
      if (s_.used.count("WakelineP." + k)) continue;
      s_.used.insert("WakelineP." + k);
      if (k == "name") continue;  // applied to the built element
      std::string tokens;
      auto quote = [&](const YAML::Node& n) {
        if (!n.IsScalar()) fail("WakelineP", k, "expected a value or a list of values");
        const std::string& v = n.Scalar();
        if (v.find('"') != std::string::npos) fail("WakelineP", k, "a value cannot contain a double quote");
        return "\"" + v + "\"";
      };
      if (p.node.IsSequence()) {
        for (const auto& e : p.node) tokens += (tokens.empty() ? "" : " ") + quote(e);
      } else {
        tokens = quote(p.node);
      }
      if (passthrough_.empty()) fail("WakelineP", k, "has no Wakeline element to apply to");
      for (std::size_t i : passthrough_) {
        DeckElement& d = out_[i];
        if (d.has(k)) {
          fail("WakelineP", k,
               "is given twice: " + d.origin[k].path + " already sets Wakeline's " + d.type + "." + k +
                   "; remove one");
        }
        d.set(k, tokens, origin("WakelineP", k));
      }
    }
  }
  // Anything not read is a parameter Wakeline does not know for this kind.
  for (const auto& [k, p] : s_.top) {
    if (k == "kind" || s_.used.count(k)) continue;
    throw InputError(path("", k), at(p.file, p.node),
                     "unknown parameter for kind " + kind +
                         "; valid ungrouped parameters: length, is_on, name, "
                         "s_position, field_master, and parameter groups (…P)");
  }
  for (const auto& [g, m] : s_.groups) {
    for (const auto& [k, p] : m) {
      if (s_.used.count(g + "." + k)) continue;
      std::string what = "is not a parameter Wakeline reads for kind " + kind;
      if (!out_.empty()) what += " (Wakeline " + out_.front().type + ")";
      throw InputError(path(g, k), at(p.file, p.node),
                       what + "; see docs/user-guide/pals.md for the parameters of each kind");
    }
  }
  return out_;
}

// ---------------------------------------------------------------- reader: document

std::string species_of(const RefPart& ref) {
  for (const char* s : {"electron", "positron", "proton", "Hminus"}) {
    RefPart r;
    r.set_species(s);
    if (r.mass == ref.mass && r.charge == ref.charge) return s;
  }
  return "";
}

// The deck keys of the reference particle (a source element converts its file's particles relative
// to it). The kinetic energy is nudged by ulps until it gives back the same pt, since
// mass*(gamma - 1) and back does not always.
std::string reference_keys(const RefPart& ref) {
  std::string text;
  RefPart r;
  if (const std::string species = species_of(ref); !species.empty()) {
    text = "beam.particle = " + species + "\n";
    r.set_species(species);
  } else {
    text = "beam.charge_qe = " + num(ref.charge_qe()) + "\nbeam.mass_MeV = " + num(ref.mass_MeV()) + "\n";
    r.set_charge_qe(ref.charge_qe()).set_mass_MeV(ref.mass_MeV());
  }
  const double k0 = ref.kin_energy_MeV();
  double best = k0;
  for (int step = 0; step <= 32; ++step) {
    double up = k0, down = k0;
    for (int j = 0; j < step; ++j) up = std::nextafter(up, HUGE_VAL), down = std::nextafter(down, -HUGE_VAL);
    if (r.set_kin_energy_MeV(up).pt == ref.pt) {
      best = up;
      break;
    }
    if (r.set_kin_energy_MeV(down).pt == ref.pt) {
      best = down;
      break;
    }
  }
  return text + "beam.kin_energy = " + num(best) + "\n";
}

struct Def {
  YAML::Node node;
  std::string file;
};

class PalsReader {
 public:
  PalsReader(const RefPart& ref, int nslice, std::vector<std::string>& notices)
      : ref_(ref), nslice_(nslice), notices_(notices) {}

  std::vector<Element> read(const YAML::Node& root, const std::string& file) {
    YAML::Node facility;
    if (root.IsMap()) {
      const YAML::Node pals = root["PALS"];
      if (!pals) {
        throw InputError("PALS", file,
                         "not a PALS document: it needs a top-level 'PALS:' mapping (or, in the older form, "
                         "a list of elements)");
      }
      if (!pals.IsMap()) throw InputError("PALS", at(file, pals), "must be a mapping");
      for (auto it = pals.begin(); it != pals.end(); ++it) {
        const std::string k = it->first.Scalar();
        if (k == "facility" || k == "elements") {  // `elements` in early examples
          facility = it->second;
        } else if (k == "reminders") {
          for (const auto& r : it->second)
            notices_.push_back("notice: " + at(file, r) +
                               ": PALS reminder: " + (r.IsScalar() ? r.Scalar() : ""));
        } else if (k == "version" || k == "authors" || k == "notes" || k == "phase_space_coordinates" ||
                   k == "extension_labels") {
          // descriptive
        } else if (k == "load" || k == "include") {
          throw InputError(
              "PALS." + k, at(file, it->second),
              "is not supported by Wakeline's PALS reader yet (an 'include' entry in the facility list is)");
        } else {
          throw InputError("PALS." + k, at(file, it->first),
                           "unknown key; valid: version, authors, notes, reminders, phase_space_coordinates, "
                           "extension_labels, facility");
        }
      }
      if (!facility)
        throw InputError("PALS.facility", at(file, pals),
                         "missing: the list of elements, lines and lattices");
    } else if (root.IsSequence()) {
      facility = root;  // the older form: a bare list (standards.md 3.11)
    } else {
      throw InputError("PALS", file, "not a PALS document: expected a 'PALS:' mapping");
    }
    if (!facility.IsSequence()) throw InputError("PALS.facility", at(file, facility), "must be a list");
    std::vector<std::string> includes{fs::absolute(file).lexically_normal().string()};
    collect(facility, file, includes);
    const std::string line = root_line(file);
    std::vector<Spec> specs;
    std::vector<std::string> stack;
    expand(line, stack, specs);
    std::vector<Element> out;
    for (Spec& s : specs) {
      Translator t(s, ref_, notices_);
      for (const DeckElement& d : t.run()) out.push_back(build(d, s));
    }
    return out;
  }

 private:
  const RefPart& ref_;
  int nslice_;
  std::vector<std::string>& notices_;
  std::map<std::string, Def> defs_;
  std::vector<std::string> order_;
  std::optional<std::pair<std::string, std::string>> use_;  // name, where

  static std::string kind_of(const YAML::Node& body) {
    const YAML::Node k = body["kind"];
    return k && k.IsScalar() ? current_kind(k.Scalar()) : "";
  }

  void collect(const YAML::Node& list, const std::string& file, std::vector<std::string>& includes) {
    for (const YAML::Node& entry : list) {
      if (!entry.IsMap() || entry.size() != 1) {
        throw InputError("PALS.facility", at(file, entry),
                         "each entry must be a one-key mapping (name: {kind: ...}, use: ..., include: ...)");
      }
      const auto kv = entry.begin();
      const std::string key = kv->first.Scalar();
      const YAML::Node& val = kv->second;
      if (key == "use") {
        use_ = {val.Scalar(), at(file, val)};
      } else if (key == "include") {
        const fs::path target = fs::path(file).parent_path() / val.Scalar();
        const std::string norm = fs::absolute(target).lexically_normal().string();
        if (std::find(includes.begin(), includes.end(), norm) != includes.end())
          throw InputError("include", at(file, val), "'" + val.Scalar() + "' includes itself");
        const YAML::Node loaded = load_file(target.string(), "include", at(file, val));
        const YAML::Node doc = loaded.IsMap() && loaded["PALS"] && loaded["PALS"]["facility"]
                                   ? loaded["PALS"]["facility"]
                                   : loaded;
        if (!doc.IsSequence())
          throw InputError("include", at(file, val),
                           "'" + val.Scalar() + "' must hold a list of facility entries");
        includes.push_back(norm);
        collect(doc, target.string(), includes);
        includes.pop_back();
      } else if (key == "constants" || key == "set" || key == "sets" || key == "superimpose" ||
                 key == "load") {
        throw InputError(
            key, at(file, kv->first),
            "is not supported by Wakeline's PALS reader yet (it reads numbers, not expressions, sets "
            "or superpositions)");
      } else {
        if (!val.IsMap()) throw InputError(key, at(file, val), "expected a mapping (kind: ..., parameters)");
        if (val["extension"]) continue;  // opaque to PALS readers
        if (kind_of(val) == "constant") {
          throw InputError(key, at(file, val),
                           "named constants are not supported by Wakeline's PALS reader yet");
        }
        if (auto it = defs_.find(key); it != defs_.end()) {
          throw InputError(key, at(file, kv->first),
                           "is defined a second time (first at " + at(it->second.file, it->second.node) +
                               "); PALS names are unique");
        }
        defs_.emplace(key, Def{val, file});
        order_.push_back(key);
      }
    }
  }

  // The BeamLine to expand: `use` names a Lattice (one branch) or a BeamLine; else the last Lattice,
  // else the last BeamLine.
  std::string root_line(const std::string& file) {
    std::string chosen, where = file;
    if (use_) {
      chosen = use_->first, where = use_->second;
      if (!defs_.count(chosen))
        throw InputError("use", where, "'" + chosen + "' is not defined in the facility");
    } else {
      for (const auto& n : order_)
        if (kind_of(defs_[n].node) == "Lattice") chosen = n;
      if (chosen.empty())
        for (const auto& n : order_)
          if (kind_of(defs_[n].node) == "BeamLine") chosen = n;
      if (chosen.empty())
        throw InputError("PALS.facility", file, "defines no Lattice and no BeamLine to track");
    }
    const Def& d = defs_[chosen];
    const std::string kind = kind_of(d.node);
    if (kind == "BeamLine") return chosen;
    if (kind != "Lattice")
      throw InputError("use", where, "'" + chosen + "' is a " + kind + ", not a Lattice or BeamLine");
    const YAML::Node branches = d.node["branches"];
    if (!branches || !branches.IsSequence() || branches.size() != 1) {
      throw InputError(chosen + ".branches", at(d.file, d.node),
                       "Wakeline tracks one branch: give exactly one BeamLine in 'branches'");
    }
    const YAML::Node b = branches[0];
    if (b.IsScalar()) return b.Scalar();
    if (b.IsMap() && b.size() == 1) {
      const YAML::Node body = b.begin()->second;
      if (body.IsMap() && body["inherit"]) return body["inherit"].Scalar();
      return b.begin()->first.Scalar();
    }
    throw InputError(chosen + ".branches", at(d.file, b), "expected a BeamLine name");
  }

  // The spec of the element `inherit: <parent>` names.
  Spec inherited(const std::string& name, const YAML::Node& parent, const std::string& file,
                 std::vector<std::string>& inherit_stack) {
    const std::string p = parent.Scalar();
    if (!defs_.count(p) || kind_of(defs_[p].node) == "BeamLine") {
      throw InputError(name + ".inherit", at(file, parent),
                       "'" + p + "' is not an element defined in the facility");
    }
    if (std::find(inherit_stack.begin(), inherit_stack.end(), p) != inherit_stack.end())
      throw InputError(name + ".inherit", at(file, parent), "circular inheritance through '" + p + "'");
    inherit_stack.push_back(p);
    Spec s = spec_of(p, inherit_stack);
    inherit_stack.pop_back();
    return s;
  }

  Spec spec_of(const std::string& name, std::vector<std::string>& inherit_stack) {
    const Def& d = defs_.at(name);
    const YAML::Node parent = d.node["inherit"];
    Spec s = parent ? inherited(name, parent, d.file, inherit_stack) : Spec{};
    s.name = name, s.file = d.file, s.mark = d.node.Mark();
    overlay(s, d.node, d.file);
    return s;
  }

  void expand(const std::string& line, std::vector<std::string>& stack, std::vector<Spec>& out) {
    if (!defs_.count(line)) throw InputError(line, "", "BeamLine '" + line + "' is not defined");
    if (std::find(stack.begin(), stack.end(), line) != stack.end())
      throw InputError(line, at(defs_[line].file, defs_[line].node),
                       "BeamLine '" + line + "' contains itself");
    const Def& d = defs_[line];
    const YAML::Node items = d.node["line"];
    if (!items || !items.IsSequence())
      throw InputError(line + ".line", at(d.file, d.node), "a BeamLine needs a 'line' list");
    for (auto it = d.node.begin(); it != d.node.end(); ++it) {
      const std::string k = it->first.Scalar();
      if (k != "kind" && k != "line" && k != "length" && k != "multipass" && k != "zero_point" &&
          k != "periodic" && k != "name") {
        throw InputError(line + "." + k, at(d.file, it->first),
                         "unknown BeamLine parameter; valid: line, length, multipass, zero_point, periodic");
      }
    }
    stack.push_back(line);
    for (const YAML::Node& item : items) {
      std::string name;
      YAML::Node mutable_body;
      if (item.IsScalar()) {
        name = item.Scalar();
      } else if (item.IsMap() && item.size() == 1) {
        name = item.begin()->first.Scalar();
        mutable_body = item.begin()->second;
        if (!mutable_body.IsMap() && !mutable_body.IsNull())
          throw InputError(line + ".line", at(d.file, item), "'" + name + "': expected a mapping");
      } else {
        throw InputError(line + ".line", at(d.file, item), "each item is a name or a one-key mapping");
      }
      // Looked up through a const reference: yaml-cpp's non-const operator[] inserts missing keys.
      const YAML::Node& body = mutable_body;
      long long repeat = 1;
      if (body.IsMap()) {
        if (body["repeat"]) {
          try {
            repeat = body["repeat"].as<long long>();
          } catch (const YAML::Exception&) {
            throw InputError(name + ".repeat", at(d.file, body["repeat"]), "expected a nonzero integer");
          }
          if (repeat == 0)
            throw InputError(name + ".repeat", at(d.file, body["repeat"]), "expected a nonzero integer");
        }
        if (body["direction"] && body["direction"].Scalar() != "1" && body["direction"].Scalar() != "+1") {
          throw InputError(
              name + ".direction", at(d.file, body["direction"]),
              "direction reversal is not supported by Wakeline; valid: 1 (a negative 'repeat' reverses "
              "the order)");
        }
        for (const char* k : {"placement", "superimpose"})
          if (body[k])
            throw InputError(name + "." + k, at(d.file, body[k]),
                             "is not supported by Wakeline's PALS reader yet");
      }
      std::vector<Spec> one;
      const bool defined = defs_.count(name) != 0;
      const bool in_place = body.IsMap() && (body["kind"] || body["inherit"]);
      if (defined && kind_of(defs_[name].node) == "BeamLine") {
        if (in_place)
          throw InputError(name, at(d.file, item), "a sub-line is defined in the facility, not in place");
        for (auto b = body.begin(); body.IsMap() && b != body.end(); ++b) {
          const std::string k = b->first.Scalar();
          if (k != "repeat" && k != "direction")
            throw InputError(name + "." + k, at(d.file, b->first),
                             "a sub-line instance takes repeat and direction only");
        }
        expand(name, stack, one);
      } else if (in_place) {
        if (defined && body["kind"]) {
          throw InputError(
              name, at(d.file, item),
              "is already defined at " + at(defs_[name].file, defs_[name].node) + "; PALS names are unique");
        }
        if (kind_of(body) == "BeamLine" || kind_of(body) == "Lattice")
          throw InputError(name, at(d.file, item), "sub-lines are defined in the facility, not in place");
        std::vector<std::string> st{name};
        Spec s = body["inherit"] ? inherited(name, body["inherit"], d.file, st) : Spec{};
        s.name = name, s.file = d.file, s.mark = body.Mark();
        overlay(s, body, d.file, {"repeat", "direction"});
        one.push_back(std::move(s));
      } else if (defined) {
        std::vector<std::string> st{name};
        Spec s = spec_of(name, st);
        if (body.IsMap()) overlay(s, body, d.file, {"repeat", "direction"});  // this instance's overrides
        one.push_back(std::move(s));
      } else {
        throw InputError(line + ".line", at(d.file, item),
                         "'" + name + "' is not defined in the facility (nor in place with a 'kind')");
      }
      if (repeat < 0) std::reverse(one.begin(), one.end());
      for (long long r = 0; r < std::llabs(repeat); ++r) out.insert(out.end(), one.begin(), one.end());
    }
    stack.pop_back();
  }

  static YAML::Node load_file(const std::string& path, const std::string& key, const std::string& where) {
    std::ifstream in(path);
    if (!in) throw InputError(key, where, "cannot read PALS file '" + path + "'");
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
  }

 public:
  static YAML::Node parse(const std::string& text, const std::string& name) {
    try {
      return YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw InputError("", name + ":" + std::to_string(e.mark.line + 1), "YAML syntax error: " + e.msg);
    }
  }

 private:
  // Builds one element with the deck reader, and reports its errors and notices against the PALS
  // parameters they came from.
  Element build(const DeckElement& d, const Spec& s) {
    std::string text = reference_keys(ref_) + "e.type = " + d.type + "\n";
    for (const auto& [k, v] : d.keys) text += "e." + k + " = " + v + "\n";
    auto map_key = [&](const std::string& key) -> Origin {
      const std::string suffix = key.rfind("e.", 0) == 0 ? key.substr(2) : key;
      if (auto it = d.origin.find(suffix); it != d.origin.end()) return it->second;
      return {s.name + ".WakelineP." + suffix, s.where()};
    };
    InputDeck deck = InputDeck::from_string(text, s.file);
    std::vector<std::string> local;
    Element e;
    try {
      e = read_element(deck, "e", nslice_, ref_.mass, local);
    } catch (const InputError& err) {
      const Origin o = map_key(err.key());
      std::string message = err.what();
      const std::string prefix = (err.where().empty() ? "" : err.where() + ": ") +
                                 (err.key().empty() ? "" : "'" + err.key() + "': ");
      if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
      const std::string suffix = err.key().rfind("e.", 0) == 0 ? err.key().substr(2) : err.key();
      throw InputError(o.path, o.where, message + " (Wakeline " + d.type + "." + suffix + ")");
    }
    for (const std::string& key : deck.unread_keys()) {
      if (key.rfind("beam.", 0) == 0) continue;  // the reference particle, for the elements that use it
      const Origin o = map_key(key);
      std::string hint = deck.did_you_mean(key);
      if (hint.rfind("e.", 0) == 0) hint = hint.substr(2);
      throw InputError(
          o.path, o.where,
          "is not a parameter of Wakeline's " + d.type +
              (hint.empty() || hint == "type" ? std::string() : " (did you mean WakelineP." + hint + "?)"));
    }
    for (const std::string& n : local) {
      // "notice: <file>:<line>: 'e.key' text" -> the PALS parameter.
      const auto q1 = n.find('\''), q2 = q1 == std::string::npos ? q1 : n.find('\'', q1 + 1);
      if (q2 == std::string::npos) {
        notices_.push_back(n);
        continue;
      }
      const Origin o = map_key(n.substr(q1 + 1, q2 - q1 - 1));
      notices_.push_back("notice: " + o.where + ": '" + o.path + "'" + n.substr(q2 + 1));
    }
    common(e).name = d.name;
    if (auto* m = std::get_if<BeamMonitor>(&e)) m->output_name = d.name;
    return e;
  }
};

// ---------------------------------------------------------------- writer

YAML::Node list(const std::vector<double>& v) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (double x : v) n.push_back(num(x));
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

// One element mapping, built in the order it is written: kind, length, standard groups, WakelineP.
// (The groups are only appended: inserting into the vector would assign YAML::Nodes, which rebinds
// the nodes they refer to.)
struct Out {
  std::string kind;
  std::optional<double> length;
  std::vector<std::pair<std::string, YAML::Node>> groups;
  YAML::Node wp{YAML::NodeType::Map};
  explicit Out(std::string k) : kind(std::move(k)) {}
  YAML::Node group(const std::string& g) {
    for (auto& [k, v] : groups)
      if (k == g) return v;
    groups.emplace_back(g, YAML::Node(YAML::NodeType::Map));
    return groups.back().second;
  }
  [[nodiscard]] YAML::Node node() const {
    YAML::Node n(YAML::NodeType::Map);
    n["kind"] = kind;
    if (length) n["length"] = num(*length);
    for (const auto& [k, v] : groups) n[k] = v;
    if (wp.size()) {
      // The Wakeline type first: it says how the rest is read.
      YAML::Node w(YAML::NodeType::Map);
      if (wp["type"]) w["type"] = wp["type"];
      for (auto it = wp.begin(); it != wp.end(); ++it)
        if (it->first.Scalar() != "type") w[it->first.Scalar()] = it->second;
      n["WakelineP"] = w;
    }
    return n;
  }
};

class Writer {
 public:
  explicit Writer(const RefPart& ref) : ref_(ref) {}

  YAML::Node describe(const Element& element) {
    return std::visit([&](const auto& e) { return one(e); }, element);
  }

 private:
  const RefPart& ref_;

  // length, nslice, BodyShiftP and the pipe ApertureP, as the type takes them.
  void common(Out& o, const ElementCommon& c, const std::string& type) {
    if (kThickTypes.count(type)) {
      o.length = c.ds;
      o.wp["nslice"] = std::to_string(c.nslice);
    }
    if (takes_alignment(type) && c.alignment.active()) {
      YAML::Node b = o.group("BodyShiftP");
      if (c.alignment.dx != 0.0) b["x_offset"] = num(c.alignment.dx);
      if (c.alignment.dy != 0.0) b["y_offset"] = num(c.alignment.dy);
      if (const double r = c.alignment.rotation_deg; r != 0.0) {
        b["z_rot"] = num(deg2rad(r));
        if (rad2deg(deg2rad(r)) != r) o.wp["rotation"] = num(r);
      }
    }
    if (takes_pipe(type) && (c.aperture.aperture_x != 0.0 || c.aperture.aperture_y != 0.0)) {
      YAML::Node a = o.group("ApertureP");
      a["shape"] = "ELLIPTICAL";
      a["x_min"] = num(-c.aperture.aperture_x), a["x_max"] = num(c.aperture.aperture_x);
      a["y_min"] = num(-c.aperture.aperture_y), a["y_max"] = num(c.aperture.aperture_y);
      a["location"] = "EVERYWHERE";
      a["aperture_shifts_with_body"] = true;
      if (!c.aperture.active()) a["aperture_active"] = false;
    }
  }
  static void type(Out& o, const std::string& t) { o.wp["type"] = t; }
  static void coefficients(Out& o, const std::vector<double>& cos_c, const std::vector<double>& sin_c,
                           const std::vector<double>& default_cos, const std::vector<double>& default_sin) {
    if (cos_c != default_cos || sin_c != default_sin) {
      o.wp["cos_coefficients"] = list(cos_c);
      o.wp["sin_coefficients"] = list(sin_c);
    }
  }
  // A normalised or field strength of order n (per metre, or integrated with `L`).
  static std::string mkey(bool field, bool normal, int n, bool integrated) {
    return std::string(field ? "B" : "K") + (normal ? "n" : "s") + std::to_string(n) +
           (integrated ? "L" : "");
  }

  YAML::Node one(const Drift& e) { return straight(e, "drift"); }
  YAML::Node one(const ChrDrift& e) { return straight(e, "drift_chromatic"); }
  YAML::Node one(const ExactDrift& e) { return straight(e, "drift_exact"); }
  YAML::Node straight(const ElementCommon& e, const std::string& t) {
    Out o("Drift");
    common(o, e, t);
    type(o, t);
    return o.node();
  }
  YAML::Node quad(const ElementCommon& e, const std::string& t, double k, bool field) {
    Out o("Quadrupole");
    common(o, e, t);
    o.group("MagneticMultipoleP")[field ? "Bn1" : "Kn1"] = num(k);
    type(o, t);
    return o.node();
  }
  YAML::Node one(const Quad& e) { return quad(e, "quad", e.k, false); }
  YAML::Node one(const ChrQuad& e) { return quad(e, "quad_chromatic", e.k, e.units == 1); }
  YAML::Node one(const ExactQuad& e) {
    YAML::Node n = quad(e, "quad_exact", e.k, e.units == 1);
    n["WakelineP"]["int_order"] = std::to_string(e.int_order);
    n["WakelineP"]["mapsteps"] = std::to_string(e.mapsteps);
    return n;
  }
  YAML::Node one(const SoftQuadrupole& e) {
    YAML::Node n = quad(e, "quadrupole_softedge", e.gscale, false);
    const SoftQuadrupole d;
    n["WakelineP"]["mapsteps"] = std::to_string(e.mapsteps);
    if (e.cos_coefficients != d.cos_coefficients || e.sin_coefficients != d.sin_coefficients) {
      n["WakelineP"]["cos_coefficients"] = list(e.cos_coefficients);
      n["WakelineP"]["sin_coefficients"] = list(e.sin_coefficients);
    }
    return n;
  }
  YAML::Node bend(const ElementCommon& e, const std::string& t, Out& o) {
    common(o, e, t);
    type(o, t);
    return o.node();
  }
  YAML::Node one(const Sbend& e) {
    Out o("Bend");
    // A radius is written as given (1/g would round); rc = 0 is a straight element.
    if (e.rc != 0.0) {
      o.group("BendP")["radius_ref"] = num(e.rc);
    } else {
      o.group("BendP")["g_ref"] = "0";
    }
    return bend(e, "sbend", o);
  }
  YAML::Node one(const CFbend& e) {
    Out o("Bend");
    o.group("BendP")["radius_ref"] = num(e.rc);
    o.group("MagneticMultipoleP")["Kn1"] = num(e.k);
    return bend(e, "cfbend", o);
  }
  YAML::Node one(const ExactSbend& e) {
    Out o("Bend");
    const double angle = deg2rad(e.phi_deg);
    o.group("BendP")["angle_ref"] = num(angle);
    if (rad2deg(angle) != e.phi_deg) o.wp["phi"] = num(e.phi_deg);
    if (e.B != 0.0) o.wp["B"] = num(e.B);
    return bend(e, "sbend_exact", o);
  }
  YAML::Node one(const ExactCFbend& e) {
    Out o("Bend");
    const bool field = e.units == 1;
    o.group("BendP")[field ? "Bn0_ref" : "g_ref"] = num(e.k_normal.at(0));
    YAML::Node m = o.group("MagneticMultipoleP");
    for (std::size_t i = 0; i < e.k_normal.size(); ++i) {
      if (i > 0) m[mkey(field, true, static_cast<int>(i), false)] = num(e.k_normal[i]);
      if (i < e.k_skew.size()) m[mkey(field, false, static_cast<int>(i), false)] = num(e.k_skew[i]);
    }
    o.wp["int_order"] = std::to_string(e.int_order);
    o.wp["mapsteps"] = std::to_string(e.mapsteps);
    return bend(e, "cfbend_exact", o);
  }
  YAML::Node one(const DipEdge& e) {
    Out o("Bend");
    o.length = 0.0;
    YAML::Node b = o.group("BendP");
    b["radius_ref"] = num(e.rc);
    const std::string i = e.exit ? "2" : "1";
    b["e" + i] = num(e.psi);
    const double edge_int = e.g * e.K2 / 2.0;
    b["edge" + i + "_int"] = num(edge_int);
    common(o, e, "dipedge");
    type(o, "dipedge");
    if (e.K2 != 1.0 || 2.0 * edge_int != e.g) {
      o.wp["g"] = num(e.g);
      o.wp["K2"] = num(e.K2);
    }
    const DipEdge d;
    if (e.nonlinear) o.wp["model"] = "nonlinear";
    const std::pair<const char*, double> nl[] = {{"R", e.R},   {"K0", e.K0}, {"K1", e.K1}, {"K3", e.K3},
                                                 {"K4", e.K4}, {"K5", e.K5}, {"K6", e.K6}};
    const double defaults[] = {d.R, d.K0, d.K1, d.K3, d.K4, d.K5, d.K6};
    for (std::size_t k = 0; k < 7; ++k)
      if (nl[k].second != defaults[k]) o.wp[nl[k].first] = num(nl[k].second);
    if (e.modify_ref_part) o.wp["modify_ref_part"] = true;
    return o.node();
  }
  YAML::Node one(const Solenoid& e) {
    Out o("Solenoid");
    common(o, e, "solenoid");
    o.group("SolenoidP")["Ksol"] = num(e.ks);
    type(o, "solenoid");
    return o.node();
  }
  YAML::Node one(const SoftSolenoid& e) {
    Out o("Solenoid");
    common(o, e, "solenoid_softedge");
    o.group("SolenoidP")[e.field_units ? "Bsol" : "Ksol"] = num(e.bscale);
    type(o, "solenoid_softedge");
    o.wp["mapsteps"] = std::to_string(e.mapsteps);
    const SoftSolenoid d;
    coefficients(o, e.cos_coefficients, e.sin_coefficients, d.cos_coefficients, d.sin_coefficients);
    return o.node();
  }
  YAML::Node one(const Multipole& e) {
    Out o("Multipole");
    o.length = 0.0;
    common(o, e, "multipole");
    YAML::Node m = o.group("MagneticMultipoleP");
    m[mkey(false, true, e.multipole - 1, true)] = num(e.k_normal);
    m[mkey(false, false, e.multipole - 1, true)] = num(e.k_skew);
    type(o, "multipole");
    return o.node();
  }
  YAML::Node one(const ExactMultipole& e) {
    Out o("Multipole");
    common(o, e, "multipole_exact");
    const bool field = e.units == 1;
    YAML::Node m = o.group("MagneticMultipoleP");
    for (std::size_t i = 0; i < e.k_normal.size(); ++i) {
      m[mkey(field, true, static_cast<int>(i), false)] = num(e.k_normal[i]);
      m[mkey(field, false, static_cast<int>(i), false)] = num(i < e.k_skew.size() ? e.k_skew[i] : 0.0);
    }
    type(o, "multipole_exact");
    o.wp["int_order"] = std::to_string(e.int_order);
    o.wp["mapsteps"] = std::to_string(e.mapsteps);
    return o.node();
  }
  YAML::Node one(const Kicker& e) {
    Out o("Kicker");
    o.length = 0.0;
    common(o, e, "kicker");
    YAML::Node m = o.group("MagneticMultipoleP");
    // PALS: px changes by -Kn0L, py by +Ks0L.
    m[mkey(e.field_units, true, 0, true)] = num(-e.xkick);
    m[mkey(e.field_units, false, 0, true)] = num(e.ykick);
    type(o, "kicker");
    return o.node();
  }
  YAML::Node one(const ShortRF& e) {
    Out o("RFCavity");
    o.length = 0.0;
    common(o, e, "shortrf");
    YAML::Node r = o.group("RFP");
    r["frequency"] = num(e.freq);
    const double per = volts_per_mc2(ref_);
    const double volts = e.V * per, turns = e.phase_deg / 360.0;
    r["voltage"] = num(volts);
    r["phase"] = num(turns);
    type(o, "shortrf");
    if (volts / per != e.V) o.wp["V"] = num(e.V);
    if (turns * 360.0 != e.phase_deg) o.wp["phase"] = num(e.phase_deg);
    return o.node();
  }
  YAML::Node one(const RFCavity& e) {
    Out o("RFCavity");
    common(o, e, "rfcavity");
    o.group("RFP")["frequency"] = num(e.freq);
    type(o, "rfcavity");
    o.wp["escale"] = num(e.escale);
    o.wp["phase"] = num(e.phase_deg);
    o.wp["mapsteps"] = std::to_string(e.mapsteps);
    const RFCavity d;
    coefficients(o, e.cos_coefficients, e.sin_coefficients, d.cos_coefficients, d.sin_coefficients);
    return o.node();
  }
  YAML::Node one(const PlaneXYRot& e) {
    Out o("Patch");
    common(o, e, "plane_xyrotation");
    const double z = -deg2rad(e.angle_deg);
    o.group("PatchP")["z_rot"] = num(z);
    type(o, "plane_xyrotation");
    if (-rad2deg(z) != e.angle_deg) o.wp["angle"] = num(e.angle_deg);
    return o.node();
  }
  YAML::Node one(const Marker& e) {
    Out o("Marker");
    common(o, e, "marker");
    return o.node();
  }
  YAML::Node one(const BeamMonitor& e) {
    Out o("Instrument");
    common(o, e, "beam_monitor");
    type(o, "beam_monitor");
    if (e.file_based) o.wp["encoding"] = "f";
    if (!e.write_particles) o.wp["particles"] = false;
    if (!e.write_moments) o.wp["beam_moments"] = false;
    if (e.period_sample_intervals != 1)
      o.wp["period_sample_intervals"] = std::to_string(e.period_sample_intervals);
    if (e.lens_invariants) {
      o.wp["nonlinear_lens_invariants"] = true;
      o.wp["alpha"] = num(e.alpha), o.wp["beta"] = num(e.beta);
      o.wp["tn"] = num(e.tn), o.wp["cn"] = num(e.cn);
    }
    return o.node();
  }
  void mask_extras(Out& o, bool absorb, const PeriodicMask& m) {
    if (absorb) o.wp["action"] = "absorb";
    if (m.repeat_x != 0.0) o.wp["repeat_x"] = num(m.repeat_x);
    if (m.repeat_y != 0.0) o.wp["repeat_y"] = num(m.repeat_y);
    if (m.shift_odd_x) o.wp["shift_odd_x"] = true;
  }
  YAML::Node one(const Aperture& e) {
    Out o("Mask");
    YAML::Node a = o.group("ApertureP");
    a["shape"] = e.elliptical ? "ELLIPTICAL" : "RECTANGULAR";
    a["x_min"] = num(-e.half_x), a["x_max"] = num(e.half_x);
    a["y_min"] = num(-e.half_y), a["y_max"] = num(e.half_y);
    a["aperture_shifts_with_body"] = true;
    common(o, e, "aperture");
    type(o, "aperture");
    mask_extras(o, e.absorb, e.mask);
    return o.node();
  }
  YAML::Node one(const PolygonAperture& e) {
    Out o("Mask");
    YAML::Node a = o.group("ApertureP");
    a["shape"] = "VERTICES";
    YAML::Node points(YAML::NodeType::Sequence);
    // The closing vertex (equal to the first) is implied in PALS and added back by the reader.
    for (int i = 0; i + 1 < e.shape.n; ++i) {
      YAML::Node p;
      p["point"] = list({e.shape.vx[static_cast<std::size_t>(i)], e.shape.vy[static_cast<std::size_t>(i)]});
      points.push_back(p);
    }
    a["vertices"]["list"] = points;
    a["aperture_shifts_with_body"] = true;
    common(o, e, "polygon_aperture");
    type(o, "polygon_aperture");
    if (e.shape.min_radius2 != 0.0) o.wp["min_radius2"] = num(e.shape.min_radius2);
    mask_extras(o, e.shape.absorb, e.shape.mask);
    return o.node();
  }
  // Extension kinds: every parameter is a WakelineP key.
  Out extension(const ElementCommon& e, const std::string& t) {
    const auto it = std::find_if(kExtensionKinds.begin(), kExtensionKinds.end(),
                                 [&](const auto& k) { return k.second == t; });
    Out o(it->first);
    common(o, e, t);
    return o;
  }
  YAML::Node one(const ConstF& e) {
    Out o = extension(e, "constf");
    o.wp["kx"] = num(e.kx), o.wp["ky"] = num(e.ky), o.wp["kt"] = num(e.kt);
    return o.node();
  }
  YAML::Node one(const ThinDipole& e) {
    Out o = extension(e, "thin_dipole");
    o.wp["theta"] = num(e.theta_deg), o.wp["rc"] = num(e.rc);
    return o.node();
  }
  YAML::Node one(const PRot& e) {
    Out o = extension(e, "prot");
    o.wp["phi_in"] = num(e.phi_in_deg), o.wp["phi_out"] = num(e.phi_out_deg);
    return o.node();
  }
  YAML::Node one(const Buncher& e) {
    Out o = extension(e, "buncher");
    o.wp["V"] = num(e.V), o.wp["k"] = num(e.k);
    return o.node();
  }
  YAML::Node one(const LinearMap& e) {
    Out o = extension(e, "linear_map");
    if (e.ds != 0.0) o.length = e.ds;
    for (int i = 1; i <= 6; ++i)
      for (int j = 1; j <= 6; ++j)
        if (e.r.R(i, j) != (i == j ? 1.0 : 0.0)) {
          const char key[4] = {'R', static_cast<char>('0' + i), static_cast<char>('0' + j), '\0'};
          o.wp[std::string(key)] = num(e.r.R(i, j));
        }
    return o.node();
  }
  YAML::Node one(const ChrAcc& e) {
    Out o = extension(e, "uniform_acc_chromatic");
    o.wp["ez"] = num(e.ez), o.wp["bz"] = num(e.bz);
    return o.node();
  }
  YAML::Node one(const ChrPlasmaLens& e) {
    Out o = extension(e, "plasma_lens_chromatic");
    o.wp["k"] = num(e.k), o.wp["units"] = std::to_string(e.units);
    return o.node();
  }
  YAML::Node one(const TaperedPL& e) {
    Out o = extension(e, "tapered_plasma_lens");
    o.wp["k"] = num(e.k), o.wp["taper"] = num(e.taper), o.wp["units"] = std::to_string(e.units);
    return o.node();
  }
  YAML::Node one(const NonlinearLens& e) {
    Out o = extension(e, "nonlinear_lens");
    o.wp["knll"] = num(e.knll), o.wp["cnll"] = num(e.cnll);
    return o.node();
  }
  YAML::Node one(const QuadEdge& e) {
    Out o = extension(e, "quadedge");
    o.wp["k"] = num(e.k), o.wp["units"] = std::to_string(e.units), o.wp["flag"] = e.exit ? "exit" : "entry";
    return o.node();
  }
  // User code (Python callbacks) has no file form.
  YAML::Node one(const Programmable& e) {
    throw InputError(e.name, "",
                     "element '" + e.name +
                         "' is programmable (its push is Python code) and cannot be written to a PALS file");
  }
  // Time-integrated plasma elements: their physics objects have no PALS form yet.
  YAML::Node one(const PlasmaStage& e) {
    throw InputError(e.name, "", "element '" + e.name + "' is a plasma_stage, which has no PALS form yet");
  }
  YAML::Node one(const ActivePlasmaLens& e) {
    throw InputError(e.name, "",
                     "element '" + e.name + "' is an active_plasma_lens, which has no PALS form yet");
  }
  YAML::Node one(const Source& e) {
    Out o = extension(e, "source");
    o.wp["distribution"] = "openPMD";
    o.wp["openpmd_path"] = e.openpmd_path;
    if (!e.active_once) o.wp["active_once"] = false;
    return o.node();
  }
};

}  // namespace

std::vector<Element> read_pals_lattice_text(const std::string& text, const std::string& name,
                                            const RefPart& ref, int default_nslice,
                                            std::vector<std::string>& notices) {
  PalsReader reader(ref, default_nslice, notices);
  return reader.read(PalsReader::parse(text, name), name);
}

std::vector<Element> read_pals_lattice(const std::string& path, const RefPart& ref, int default_nslice,
                                       std::vector<std::string>& notices) {
  std::ifstream in(path);
  if (!in) throw InputError("", path, "cannot read PALS file");
  std::stringstream text;
  text << in.rdbuf();
  return read_pals_lattice_text(text.str(), path, ref, default_nslice, notices);
}

std::string write_pals_lattice(const std::vector<Element>& elements, const RefPart& ref,
                               const std::string& lattice_name) {
  if (!pals_name(lattice_name)) {
    throw InputError("lattice_name", "",
                     "'" + lattice_name + "' is not a PALS name ([A-Za-z_][A-Za-z0-9_]*)");
  }
  Writer writer(ref);
  // One facility definition per distinct element; a name used by different elements gets a
  // numbered key and keeps its name in WakelineP.name.
  std::vector<std::pair<std::string, YAML::Node>> defs;
  std::map<std::string, std::string> key_of_text;  // emitted definition -> key
  std::set<std::string> taken;
  std::vector<std::string> line;
  auto text_of = [](const YAML::Node& n) {
    YAML::Emitter e;
    e << n;
    return std::string(e.c_str());
  };
  for (const Element& e : elements) {
    YAML::Node node = writer.describe(e);
    const std::string name = common(e).name;
    const std::string base = pals_name(name) ? name : type_name(e);
    if (!pals_name(name)) node["WakelineP"]["name"] = name;
    std::string text = text_of(node);
    auto hit = key_of_text.find(base + "\n" + text);
    if (hit != key_of_text.end()) {
      line.push_back(hit->second);
      continue;
    }
    std::string key = base;
    for (int n = 2; taken.count(key); ++n) key = base + "_" + std::to_string(n);
    if (key != name && pals_name(name)) node["WakelineP"]["name"] = name;
    taken.insert(key);
    key_of_text[base + "\n" + text] = key;
    defs.emplace_back(key, node);
    line.push_back(key);
  }
  auto fresh = [&](const std::string& want) {
    std::string key = want;
    for (int n = 2; taken.count(key); ++n) key = want + "_" + std::to_string(n);
    taken.insert(key);
    return key;
  };
  const std::string begin = fresh(lattice_name + "_begin"), line_name = fresh(lattice_name + "_line");
  const std::string lattice = fresh(lattice_name);

  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::Comment(std::string("PALS lattice written by Wakeline ") + WAKELINE_VERSION +
                       ". Kinds Wakeline_* and the group WakelineP are Wakeline's extension "
                       "(docs/user-guide/pals.md).");
  out << YAML::BeginMap << YAML::Key << "PALS" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << YAML::Null;
  out << YAML::Key << "extension_labels" << YAML::Value << YAML::BeginMap << YAML::Key << "prefixes"
      << YAML::Value << YAML::BeginMap << YAML::Key << "Wakeline" << YAML::Value
      << "Wakeline element kinds (Wakeline_*) and parameters (WakelineP: the keys of Wakeline's element "
         "types)"
      << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "facility" << YAML::Value << YAML::BeginSeq;
  {
    YAML::Node b;
    b["kind"] = "BeginningEle";
    const std::string species = species_of(ref);
    if (!species.empty()) b["ReferenceP"]["species_ref"] = species;
    b["ReferenceP"]["E_tot_ref"] = num(ref.gamma() * ref.mass * constants::c * constants::c / constants::q_e);
    out << YAML::BeginMap << YAML::Key << begin << YAML::Value << b << YAML::EndMap;
  }
  for (const auto& [key, node] : defs)
    out << YAML::BeginMap << YAML::Key << key << YAML::Value << node << YAML::EndMap;
  YAML::Node l;
  l["kind"] = "BeamLine";
  YAML::Node items(YAML::NodeType::Sequence);
  items.push_back(begin);
  for (const auto& n : line) items.push_back(n);
  l["line"] = items;
  out << YAML::BeginMap << YAML::Key << line_name << YAML::Value << l << YAML::EndMap;
  YAML::Node lat;
  lat["kind"] = "Lattice";
  YAML::Node branches(YAML::NodeType::Sequence);
  branches.push_back(line_name);
  lat["branches"] = branches;
  out << YAML::BeginMap << YAML::Key << lattice << YAML::Value << lat << YAML::EndMap;
  out << YAML::BeginMap << YAML::Key << "use" << YAML::Value << lattice << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  // PALS writes `version: null`; yaml-cpp spells a null ~ (and quotes the string "null").
  std::string text = out.c_str();
  if (const auto pos = text.find("version: ~"); pos != std::string::npos)
    text.replace(pos, 10, "version: null");
  return text + "\n";
}

}  // namespace wakeline::io
