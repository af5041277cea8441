#include "io/DeckLoader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <numbers>
#include <set>
#include <sstream>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "io/OpenPMDReader.hpp"
#include "io/PalsLattice.hpp"
#include "plasma/AnalyticStage.hpp"
#include "plasma/QuasiStaticStage.hpp"

namespace wakeline::io {

namespace {

using namespace wakeline::elements;

std::string where(const InputDeck& deck, const std::string& key) { return deck.location(key).str(); }

[[noreturn]] void fail(const InputDeck& deck, const std::string& key, const std::string& message) {
  throw InputError(key, deck.contains(key) ? where(deck, key) : deck.file_name(), message);
}

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Range checks that name the key and what would be valid.
double require(InputDeck& deck, const std::string& key, double v, bool ok, const std::string& valid) {
  if (!ok) fail(deck, key, "value " + fmt(v) + " is out of range: " + valid);
  return v;
}
double get_positive(InputDeck& deck, const std::string& key) {
  const double v = deck.get_double(key);
  return require(deck, key, v, v > 0.0, "it must be > 0");
}
double query_double_or(InputDeck& deck, const std::string& key, double fallback) {
  return deck.query_double(key).value_or(fallback);
}
bool query_bool_or(InputDeck& deck, const std::string& key, bool fallback) {
  return deck.query_bool(key).value_or(fallback);
}
std::string query_string_or(InputDeck& deck, const std::string& key, const std::string& fallback) {
  return deck.query_string(key).value_or(fallback);
}
std::string one_of(InputDeck& deck, const std::string& key, const std::string& fallback,
                   std::initializer_list<const char*> valid) {
  const std::string v = query_string_or(deck, key, fallback);
  for (const char* ok : valid)
    if (v == ok) return v;
  std::string list;
  for (const char* ok : valid) list += std::string(list.empty() ? "" : ", ") + ok;
  fail(deck, key, "'" + v + "' is not valid; valid values: " + list);
}

}  // namespace

// ---------------------------------------------------------------- algorithm keys

TrackMode read_algorithm(InputDeck& deck) {
  const std::string track =
      one_of(deck, "algo.track", "particles", {"particles", "envelope", "reference_orbit"});
  const TrackMode mode = track == "envelope"          ? TrackMode::envelope
                         : track == "reference_orbit" ? TrackMode::reference_orbit
                                                      : TrackMode::particles;
  if (query_bool_or(deck, "algo.spin", false))
    fail(deck, "algo.spin", "is not available in this version of Wakeline; valid: false");
  const std::string bc = query_string_or(deck, "algo.particle_bc", "open");
  if (bc != "open" && bc != "none") {
    fail(deck, "algo.particle_bc", "'" + bc + "' is not available in this version of Wakeline; valid: open");
  }
  if (query_bool_or(deck, "algo.short_range_wakefields", false)) {
    fail(deck, "algo.short_range_wakefields", "is not available in this version of Wakeline; valid: false");
  }
  return mode;
}

// algo.isr, algo.isr_order, algo.isr_on_ref_part, algo.csr, algo.csr_bins (reference/impactx.md
// 4.3-4.4). The orders and bins are read (and checked) even when their model is off, as ImpactX
// accepts them; the models themselves need particles.
collective::RadiationSettings read_radiation(InputDeck& deck, TrackMode mode) {
  collective::RadiationSettings r;
  r.isr = query_bool_or(deck, "algo.isr", false);
  r.csr = query_bool_or(deck, "algo.csr", false);
  const long long order = deck.query_int("algo.isr_order").value_or(1);
  r.isr_order =
      static_cast<int>(require(deck, "algo.isr_order", static_cast<double>(order), order >= 1 && order <= 3,
                               "valid: 1, 2 or 3 (terms of the quantum corrections)"));
  r.isr_on_ref_part = query_bool_or(deck, "algo.isr_on_ref_part", false);
  const long long bins = deck.query_int("algo.csr_bins").value_or(150);
  r.csr_bins = static_cast<int>(require(deck, "algo.csr_bins", static_cast<double>(bins),
                                        bins >= 2 && bins <= 100000, "it must be from 2 to 100000"));
  if (mode != TrackMode::particles) {
    const std::string track = mode == TrackMode::envelope ? "envelope" : "reference_orbit";
    for (const char* key : {"algo.csr", "algo.isr"}) {
      if (query_bool_or(deck, key, false)) {
        fail(deck, key,
             "synchrotron radiation needs particles; with algo.track = " + track + " it must be false");
      }
    }
  }
  return r;
}

// algo.space_charge and, when it is on, the mesh and solver keys (reference/impactx.md 4.1).
collective::SpaceChargeSettings read_space_charge(InputDeck& deck, TrackMode mode,
                                                  std::vector<std::string>& notices) {
  using collective::SpaceChargeModel;
  collective::SpaceChargeSettings sc;
  const std::string given = query_string_or(deck, "algo.space_charge", "false");
  std::string v = given;  // ImpactX compares in lower case
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string key = "algo.space_charge";
  if (v == "false" || v == "0" || v == "off" || v == "none") return sc;
  if (v == "3d" || v == "true" || v == "1") {
    sc.model = SpaceChargeModel::three_d;
    if (v != "3d")
      notices.push_back("notice: " + where(deck, key) + ": '" + key + " = " + given +
                        "' is read as 3D (ImpactX's old boolean form)");
  } else if (v == "2d") {
    sc.model = SpaceChargeModel::two_d;
  } else if (v == "2p5d") {
    sc.model = SpaceChargeModel::two_p5d;
  } else if (v == "gauss3d") {
    sc.model = SpaceChargeModel::gauss3d;
  } else if (v == "gauss2p5d") {
    sc.model = SpaceChargeModel::gauss2p5d;
  } else {
    fail(deck, key, "'" + given + "' is not valid; valid values: false, 3D, 2D, 2p5D, Gauss3D, Gauss2p5D");
  }
  if (mode == TrackMode::reference_orbit) {
    fail(deck, key, "space charge needs a beam; with algo.track = reference_orbit it must be false");
  }
  if (mode == TrackMode::envelope && sc.model != SpaceChargeModel::two_d &&
      sc.model != SpaceChargeModel::three_d) {
    fail(deck, key,
         "'" + given +
             "' is a particle-tracking model; with algo.track = envelope the valid values are false, 2D, 3D");
  }
  if (mode == TrackMode::envelope) {
    // The envelope models need only the intensity: the current of the KV (2D) beam, the charge of
    // the uniform-ellipsoid (3D) bunch. The mesh keys are for particles; left here, they are
    // reported as unused.
    if (sc.model == SpaceChargeModel::two_d) {
      sc.current_A = get_positive(deck, "beam.current");
    } else {
      // Read again (and checked >= 0) with the beam; a 3D envelope needs a bunch charge.
      const auto charge = deck.query_double("beam.charge");
      if (!charge) {
        fail(deck, "beam.charge", "missing required key: 3D envelope space charge needs a bunch charge (C)");
      }
      require(deck, "beam.charge", *charge, *charge > 0.0,
              "3D envelope space charge needs a bunch charge > 0 (C)");
    }
    return sc;
  }
  const std::string sub = "algo.space_charge.";
  if (sc.model == SpaceChargeModel::two_p5d || sc.model == SpaceChargeModel::gauss2p5d) {
    sc.apply_longitudinal_kick = query_bool_or(deck, sub + "apply_longitudinal_kick", true);
  }
  if (sc.model == SpaceChargeModel::two_p5d) {
    const long long bins = deck.query_int(sub + "num_longitudinal_bins").value_or(100);
    sc.num_longitudinal_bins =
        static_cast<int>(require(deck, sub + "num_longitudinal_bins", static_cast<double>(bins),
                                 bins >= 2 && bins <= 1000000, "it must be an integer from 2 to 10^6"));
  }
  if (sc.model == SpaceChargeModel::gauss3d || sc.model == SpaceChargeModel::gauss2p5d) {
    const long long nint = deck.query_int(sub + "gauss_nint").value_or(101);
    sc.gauss_nint =
        static_cast<int>(require(deck, sub + "gauss_nint", static_cast<double>(nint),
                                 nint >= 3 && nint <= 100000, "it must be an integer from 3 to 10^5"));
    sc.gauss_taylor_delta = query_double_or(deck, sub + "gauss_taylor_delta", 0.01);
    require(deck, sub + "gauss_taylor_delta", sc.gauss_taylor_delta,
            sc.gauss_taylor_delta > 0.0 && sc.gauss_taylor_delta < 1.0, "it must be in (0, 1)");
    if (sc.model == SpaceChargeModel::gauss2p5d) {
      const long long bins = deck.query_int(sub + "gauss_charge_z_bins").value_or(129);
      sc.gauss_charge_z_bins =
          static_cast<int>(require(deck, sub + "gauss_charge_z_bins", static_cast<double>(bins),
                                   bins >= 2 && bins <= 1000000, "it must be an integer from 2 to 10^6"));
      if (const auto scale = deck.query_double(sub + "gauss_long_scale")) {
        sc.gauss_long_scale =
            require(deck, sub + "gauss_long_scale", *scale, *scale > 0.0, "it must be > 0 (m)");
      }
    }
    // The analytic models need no mesh; ImpactX asks for a particle shape all the same.
    if (const auto shape = deck.query_int("algo.particle_shape"))
      sc.particle_shape = static_cast<int>(*shape);
    return sc;
  }
  // Particle-in-cell keys.
  const auto shape = deck.query_int("algo.particle_shape");
  if (!shape)
    fail(deck, "algo.particle_shape", "missing required key: space charge needs the shape order 1, 2 or 3");
  sc.particle_shape = static_cast<int>(require(deck, "algo.particle_shape", static_cast<double>(*shape),
                                               *shape >= 1 && *shape <= 3,
                                               "valid: 1 (cloud in cell), 2 (triangular), 3 (cubic)"));
  const std::string solver = one_of(deck, "algo.poisson_solver", "fft", {"fft", "multigrid"});
  if (solver == "multigrid") {
    notices.push_back("notice: " + where(deck, "algo.poisson_solver") +
                      ": 'algo.poisson_solver = multigrid': Wakeline solves the same open-boundary "
                      "problem with its FFT (integrated Green's function) solver");
  }
  if (const auto cells = deck.query_doubles("amr.n_cell")) {
    if (cells->size() != 3) fail(deck, "amr.n_cell", "needs 3 integers (cells in x, y, z)");
    for (int d = 0; d < 3; ++d) {
      const double c = (*cells)[static_cast<std::size_t>(d)];
      const bool transverse = sc.model == SpaceChargeModel::two_d || sc.model == SpaceChargeModel::two_p5d;
      const int lowest = (transverse && d == 2) ? 1 : 2;
      require(deck, "amr.n_cell", c, c == std::floor(c) && c >= lowest && c <= 4096,
              "each must be an integer from " + std::to_string(lowest) + " to 4096");
      sc.n_cell[static_cast<std::size_t>(d)] = static_cast<int>(c);
    }
  }
  if (const auto level = deck.query_int("amr.max_level"); level && *level > 0) {
    notices.push_back("notice: " + where(deck, "amr.max_level") +
                      ": 'amr.max_level' > 0: Wakeline has no mesh refinement; the space-charge field "
                      "is solved on level 0 only");
  }
  sc.dynamic_size = query_bool_or(deck, "geometry.dynamic_size", true);
  if (sc.dynamic_size) {
    if (const auto rel = deck.query_doubles("geometry.prob_relative"); rel && !rel->empty()) {
      sc.prob_relative = require(deck, "geometry.prob_relative", rel->front(), rel->front() >= 1.0,
                                 "the first value (level 0) must be >= 1");
    }
  } else {
    const auto lo = deck.get_doubles("geometry.prob_lo"), hi = deck.get_doubles("geometry.prob_hi");
    if (lo.size() != 3) fail(deck, "geometry.prob_lo", "needs 3 values (x, y, z in m)");
    if (hi.size() != 3) fail(deck, "geometry.prob_hi", "needs 3 values (x, y, z in m)");
    for (std::size_t d = 0; d < 3; ++d) {
      require(deck, "geometry.prob_hi", hi[d], hi[d] > lo[d], "each must be above geometry.prob_lo");
      sc.prob_lo[d] = lo[d], sc.prob_hi[d] = hi[d];
    }
  }
  if (sc.model == SpaceChargeModel::two_d) {
    sc.current_A = get_positive(deck, "beam.current");
  }
  return sc;
}

// ---------------------------------------------------------------- beam

RefPart read_reference(InputDeck& deck) {
  RefPart ref;
  const auto species = deck.query_string("beam.particle");
  const auto charge_qe = deck.query_double("beam.charge_qe");
  const auto mass_MeV = deck.query_double("beam.mass_MeV");
  if (species) {
    if (!ref.set_species(*species)) {
      fail(deck, "beam.particle",
           "unknown species '" + *species +
               "'; valid: electron, positron, proton, Hminus (or set "
               "beam.charge_qe and beam.mass_MeV)");
    }
  } else if (!charge_qe || !mass_MeV) {
    fail(deck, "beam.particle",
         "missing required key: set beam.particle (electron, positron, proton, "
         "Hminus) or both beam.charge_qe and "
         "beam.mass_MeV");
  }
  if (charge_qe)
    ref.set_charge_qe(require(deck, "beam.charge_qe", *charge_qe, *charge_qe != 0.0, "it must be != 0"));
  if (mass_MeV)
    ref.set_mass_MeV(require(deck, "beam.mass_MeV", *mass_MeV, *mass_MeV > 0.0, "it must be > 0"));
  ref.set_kin_energy_MeV(get_positive(deck, "beam.kin_energy"));
  return ref;
}

// <prefix>.openpmd_reference_plane = auto | mean | <z in m>: where particles of a lab-frame openPMD file
// (fixed time) are taken to fixed s (see io::import_beam).
static ReferencePlane read_reference_plane(InputDeck& deck, const std::string& key) {
  ReferencePlane plane;
  const std::string v = query_string_or(deck, key, "auto");
  if (v == "auto") return plane;
  if (v == "mean") {
    plane.kind = ReferencePlane::Kind::mean;
    return plane;
  }
  try {
    plane.z = deck.get_double(key);
  } catch (const InputError&) {
    fail(deck, key,
         "'" + v +
             "' is not valid; valid values: auto (the file's reference, else the mean z), mean (the "
             "particles' weighted mean z), or the plane's z in m");
  }
  plane.kind = ReferencePlane::Kind::given;
  return plane;
}

Distribution read_distribution(InputDeck& deck, std::vector<std::string>& notices) {
  Distribution d;
  std::string name = deck.get_string("beam.distribution");
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "openpmd") {
    // The beam is a file's particles (read by load_run / the Python layer with io::read_beam_file).
    d.kind = DistributionKind::empty;
    OpenPMDBeamSource& src = d.openpmd.emplace();
    src.path = deck.get_string("beam.openpmd_path");
    if (const auto it = deck.query_int("beam.openpmd_iteration")) {
      require(deck, "beam.openpmd_iteration", static_cast<double>(*it), *it >= 0,
              "it must be >= 0 (leave it out for the last iteration)");
      src.iteration = *it;
    }
    src.species = query_string_or(deck, "beam.openpmd_species", "");
    src.plane = read_reference_plane(deck, "beam.openpmd_reference_plane");
  }
  const std::string suffix = "_from_twiss";
  const bool twiss = name.size() > suffix.size() && name.ends_with(suffix);
  const std::string base = twiss ? name.substr(0, name.size() - suffix.size()) : name;
  if (!d.openpmd && !parse_distribution_kind(base, d.kind)) {
    fail(deck, "beam.distribution",
         "unknown distribution '" + name +
             "'; valid: gaussian, waterbag, kvdist, kurth4d, kurth6d, "
             "semigaussian, triangle, thermal, empty "
             "(the first seven also as <name>_from_twiss), openPMD (a beam from a file)");
  }
  if (twiss && (d.kind == DistributionKind::thermal || d.kind == DistributionKind::empty)) {
    fail(deck, "beam.distribution", "'" + name + "' has no Twiss form");
  }
  if (d.kind == DistributionKind::thermal) {
    ThermalParameters& t = d.thermal;
    t.k = get_positive(deck, "beam.k");
    t.kT = get_positive(deck, "beam.kT");
    t.kT_halo = query_double_or(deck, "beam.kT_halo", t.kT);
    require(deck, "beam.kT_halo", t.kT_halo, t.kT_halo > 0.0, "it must be > 0");
    t.normalize = deck.get_double("beam.normalize");
    t.normalize_halo = query_double_or(deck, "beam.normalize_halo", t.normalize);
    t.halo = query_double_or(deck, "beam.halo", 0.0);
    require(deck, "beam.halo", t.halo, t.halo >= 0.0 && t.halo <= 1.0, "it must be in [0, 1]");
  } else if (d.kind != DistributionKind::empty) {
    static const char* planes[3][2] = {{"X", "Px"}, {"Y", "Py"}, {"T", "Pt"}};
    static const char* mus[3] = {"muxpx", "muypy", "mutpt"};
    for (int p = 0; p < 3; ++p) {
      const std::string q = planes[p][0];
      if (twiss) {
        const double alpha = query_double_or(deck, "beam.alpha" + q, 0.0);
        const double beta = get_positive(deck, "beam.beta" + q);
        const double emitt = get_positive(deck, "beam.emitt" + q);
        d.planes[p] = plane_from_twiss(alpha, beta, emitt);
      } else {
        const std::string kq = "beam.lambda" + q, kp = std::string("beam.lambda") + planes[p][1];
        d.planes[p].lambda_q = deck.get_double(kq);
        d.planes[p].lambda_p = deck.get_double(kp);
        require(deck, kq, d.planes[p].lambda_q, d.planes[p].lambda_q >= 0.0, "it must be >= 0");
        require(deck, kp, d.planes[p].lambda_p, d.planes[p].lambda_p >= 0.0, "it must be >= 0");
        const std::string km = std::string("beam.") + mus[p];
        d.planes[p].mu = query_double_or(deck, km, 0.0);
        require(deck, km, d.planes[p].mu, std::fabs(d.planes[p].mu) < 1.0, "|mu| must be < 1");
      }
    }
    if (d.kind == DistributionKind::gaussian) {
      const char* cuts[3] = {"beam.cutX", "beam.cutY", "beam.cutT"};
      for (int p = 0; p < 3; ++p) {
        d.cut[p] = query_double_or(deck, cuts[p], 0.0);
        require(deck, cuts[p], d.cut[p], d.cut[p] >= 0.0, "it must be > 0 (sigma units), or 0 for no cut");
      }
    }
    const char* disp[4] = {"beam.dispX", "beam.dispPx", "beam.dispY", "beam.dispPy"};
    for (int j = 0; j < 4; ++j) d.dispersion[j] = query_double_or(deck, disp[j], 0.0);
  }
  // ImpactX reads no means for the thermal distribution (it is centred by construction).
  const char* means[6] = {"beam.meanX",  "beam.meanPx", "beam.meanY",
                          "beam.meanPy", "beam.meanT",  "beam.meanPt"};
  if (d.kind != DistributionKind::thermal) {
    for (int j = 0; j < 6; ++j) d.mean[j] = query_double_or(deck, means[j], 0.0);
  }
  // Keys of other distribution kinds (e.g. lambdaX with `empty`, cutX with a waterbag): ImpactX
  // ignores them, so they get a notice rather than an unknown-key error.
  static const std::vector<std::string> kDistributionKeys = {
      "lambdaX", "lambdaY", "lambdaT",   "lambdaPx",       "lambdaPy", "lambdaPt", "muxpx", "muypy",
      "mutpt",   "alphaX",  "alphaY",    "alphaT",         "betaX",    "betaY",    "betaT", "emittX",
      "emittY",  "emittT",  "meanX",     "meanPx",         "meanY",    "meanPy",   "meanT", "meanPt",
      "dispX",   "dispPx",  "dispY",     "dispPy",         "cutX",     "cutY",     "cutT",  "k",
      "kT",      "kT_halo", "normalize", "normalize_halo", "halo"};
  for (const std::string& kind_key : kDistributionKeys) {
    const std::string key = "beam." + kind_key;
    if (deck.contains(key) && !deck.was_read(key)) {
      deck.declare(key);
      notices.push_back("notice: " + where(deck, key) + ": '" + key +
                        "' has no effect with beam.distribution = " +
                        (d.openpmd ? std::string("openPMD") : distribution_kind_name(d.kind)) +
                        (twiss ? "_from_twiss" : ""));
    }
  }
  return d;
}

// ---------------------------------------------------------------- elements

namespace {

// The element types of ImpactX that this version does not have yet: named so that a deck using one gets a
// clear answer rather than "unknown type".
const std::set<std::string> kNotYet = {"spin_map"};
const std::vector<std::string> kTypes = {"drift",
                                         "quad",
                                         "sbend",
                                         "dipedge",
                                         "constf",
                                         "solenoid",
                                         "multipole",
                                         "kicker",
                                         "thin_dipole",
                                         "prot",
                                         "plane_xyrotation",
                                         "buncher",
                                         "shortrf",
                                         "linear_map",
                                         "beam_monitor",
                                         "marker",
                                         "line",
                                         "aperture",
                                         "polygon_aperture",
                                         "rfcavity",
                                         "solenoid_softedge",
                                         "quadrupole_softedge",
                                         "sbend_exact",
                                         "cfbend",
                                         "cfbend_exact",
                                         "uniform_acc_chromatic",
                                         "source",
                                         "drift_chromatic",
                                         "drift_exact",
                                         "quad_chromatic",
                                         "quad_exact",
                                         "plasma_lens_chromatic",
                                         "tapered_plasma_lens",
                                         "nonlinear_lens",
                                         "multipole_exact",
                                         "quadedge",
                                         "plasma_stage",
                                         "active_plasma_lens"};

struct ElementReader {
  InputDeck& deck;
  int default_nslice;
  std::vector<std::string>& notices;
  double reference_mass;  // kg: converts charge/mass ratios of injected beams to charges

  void notice(const std::string& key, const std::string& text) {
    notices.push_back("notice: " + where(deck, key) + ": '" + key + "' " + text);
  }

  void common(ElementCommon& e, const std::string& n, bool thick, bool aligned, bool aperture) {
    e.name = query_string_or(deck, n + ".name", n);
    if (thick) {
      e.ds = deck.get_double(n + ".ds");
      e.nslice = static_cast<int>(deck.query_int(n + ".nslice").value_or(default_nslice));
      require(deck, n + ".nslice", e.nslice, e.nslice >= 1, "it must be >= 1");
    } else if (deck.contains(n + ".nslice")) {
      deck.declare(n + ".nslice");
      notice(n + ".nslice", "has no effect: a thin element is applied in one step");
    }
    if (aligned) {
      e.alignment.dx = query_double_or(deck, n + ".dx", 0.0);
      e.alignment.dy = query_double_or(deck, n + ".dy", 0.0);
      e.alignment.rotation_deg = query_double_or(deck, n + ".rotation", 0.0);
    }
    if (aperture) {
      e.aperture.aperture_x = query_double_or(deck, n + ".aperture_x", 0.0);
      e.aperture.aperture_y = query_double_or(deck, n + ".aperture_y", 0.0);
      require(deck, n + ".aperture_x", e.aperture.aperture_x, e.aperture.aperture_x >= 0.0,
              "it must be >= 0");
      require(deck, n + ".aperture_y", e.aperture.aperture_y, e.aperture.aperture_y >= 0.0,
              "it must be >= 0");
    }
  }

  PeriodicMask read_mask(const std::string& n) {
    PeriodicMask m;
    m.repeat_x = query_double_or(deck, n + ".repeat_x", 0.0);
    m.repeat_y = query_double_or(deck, n + ".repeat_y", 0.0);
    require(deck, n + ".repeat_x", m.repeat_x, m.repeat_x >= 0.0, "it must be >= 0 (0: no repetition)");
    require(deck, n + ".repeat_y", m.repeat_y, m.repeat_y >= 0.0, "it must be >= 0 (0: no repetition)");
    m.shift_odd_x = query_bool_or(deck, n + ".shift_odd_x", false);
    return m;
  }

  // Soft-edge elements (ImpactX's InitElement.cpp): mapsteps defaults to 10.
  int mapsteps(const std::string& n) {
    const long long v = deck.query_int(n + ".mapsteps").value_or(10);
    require(deck, n + ".mapsteps", static_cast<double>(v), v >= 1, "it must be >= 1");
    return static_cast<int>(v);
  }
  // Fourier coefficients of a soft-edge profile: each list given replaces its default table whole
  // (ImpactX's queryAddResize); the two must end up the same length, and not empty.
  void fourier_coefficients(const std::string& n, std::vector<double>& cos_c, std::vector<double>& sin_c) {
    if (auto v = deck.query_doubles(n + ".cos_coefficients")) cos_c = std::move(*v);
    if (auto v = deck.query_doubles(n + ".sin_coefficients")) sin_c = std::move(*v);
    const std::string key =
        n + (deck.contains(n + ".cos_coefficients") ? ".cos_coefficients" : ".sin_coefficients");
    if (cos_c.empty()) fail(deck, key, "needs at least one coefficient");
    if (cos_c.size() != sin_c.size()) {
      fail(deck, key,
           "cos_coefficients and sin_coefficients must have the same length (here " +
               std::to_string(cos_c.size()) + " and " + std::to_string(sin_c.size()) +
               "; a list not given keeps its default length)");
    }
  }

  // `units`: 0 for strengths normalised by the rigidity (MAD-X style), 1 for SI fields divided
  // by the signed rigidity.
  int units(const std::string& n, const std::string& valid) {
    const long long v = deck.query_int(n + ".units").value_or(0);
    require(deck, n + ".units", static_cast<double>(v), v == 0 || v == 1, "it must be " + valid);
    return static_cast<int>(v);
  }
  // Order of the symplectic integrator of exact elements.
  int int_order(const std::string& n) {
    const long long v = deck.query_int(n + ".int_order").value_or(2);
    require(deck, n + ".int_order", static_cast<double>(v), v == 2 || v == 4 || v == 6,
            "it must be 2, 4 or 6");
    return static_cast<int>(v);
  }

  // plasma_stage and active_plasma_lens (docs/user-guide/plasma-stage.md): elements tracked whole in
  // the lab frame by src/plasma/. Their length is `ds`, as for every element of the dialect.
  Element read_stage(const std::string& n, const std::string& type) {
    using namespace wakeline::plasma;
    const bool lens = type == "active_plasma_lens";
    if (deck.contains(n + ".length")) {
      fail(
          deck, n + ".length",
          "is Wake-T's name; in Wakeline decks the stage length is '" + n + ".ds' (m), as for every element");
    }
    StageElement e;
    e.name = query_string_or(deck, n + ".name", n);
    e.ds = get_positive(deck, n + ".ds");
    if (const auto ns = deck.query_int(n + ".nslice")) {
      require(deck, n + ".nslice", static_cast<double>(*ns), *ns == 1,
              "it must be 1: the stage is integrated in time as one element (its time step is dt_bunch)");
    }
    e.nslice = 1;
    // The pusher and its time step.
    PushSettings push;
    push.pusher =
        one_of(deck, n + ".bunch_pusher", "boris", {"boris", "rk4"}) == "rk4" ? Pusher::rk4 : Pusher::boris;
    if (deck.contains(n + ".dt_bunch")) {
      const auto text = deck.query_string(n + ".dt_bunch");
      if (!(text && *text == "auto")) push.dt = get_positive(deck, n + ".dt_bunch");  // s
    }
    StageFields fields;
    if (lens) {
      fields.lens_gradient = d_(n, "foc_strength");  // T/m, > 0 focuses electrons
      if (query_bool_or(deck, n + ".wakefields", false)) {
        // The beam's own plasma wake on top of the lens field (Wake-T's wakefields = True).
        one_of(deck, n + ".wakefield_model", "quasistatic_2d", {"quasistatic_2d"});
        ActivePlasmaLens out;
        static_cast<StageElement&>(out) = e;
        out.physics = read_quasistatic(n, e.ds, push, fields.lens_gradient);
        return out;
      }
      for (const char* key : {"density", "wakefield_model", "xi_min", "xi_max", "r_max", "n_r", "n_xi"})
        if (deck.contains(n + "." + key))
          fail(deck, n + "." + key, "is used only with " + n + ".wakefields = true (the plasma's own wake)");
    } else {
      // Wake-T's other models are named so that a deck using one gets a clear answer.
      const std::string wanted = query_string_or(deck, n + ".wakefield_model", "simple_blowout");
      if (wanted == "cold_fluid_1d" || wanted == "quasistatic_2d_ion") {
        fail(deck, n + ".wakefield_model",
             "'" + wanted +
                 "' is not available yet; valid: simple_blowout, custom_blowout, focusing_blowout, "
                 "quasistatic_2d");
      }
      const std::string model =
          one_of(deck, n + ".wakefield_model", "simple_blowout",
                 {"simple_blowout", "custom_blowout", "focusing_blowout", "quasistatic_2d"});
      if (model == "quasistatic_2d") {
        PlasmaStage out;
        static_cast<StageElement&>(out) = e;
        out.physics = read_quasistatic(n, e.ds, push);
        return out;
      }
      for (const char* key : {"diag_fields_every", "diag_fields_z", "diag_fields", "drivers"})
        if (deck.contains(n + "." + key))
          fail(deck, n + "." + key,
               "needs wakefield_model = quasistatic_2d (the analytic models have no field grid and no "
               "beam-driven wake)");
      const WakeModel wm = model == "custom_blowout"     ? WakeModel::custom_blowout
                           : model == "focusing_blowout" ? WakeModel::focusing_blowout
                                                         : WakeModel::simple_blowout;
      AnalyticWake wake(wm, read_profile(n, e.ds, wm != WakeModel::custom_blowout), e.ds);
      if (wm == WakeModel::simple_blowout) {
        const double l0 = query_double_or(deck, n + ".laser_l_0", 0.8e-6);
        require(deck, n + ".laser_l_0", l0, l0 > 0.0, "it must be > 0 (the laser wavelength, m)");
        wake.set_laser(d_(n, "laser_xi_c"), l0);
        wake.set_field_offset(query_double_or(deck, n + ".field_offset", 0.0));
      } else if (wm == WakeModel::custom_blowout) {
        // Without a laser wavelength the fields stay fixed in xi (no slippage).
        if (deck.contains(n + ".laser_l_0")) {
          const double l0 = d_(n, "laser_l_0");
          require(deck, n + ".laser_l_0", l0, l0 > 0.0, "it must be > 0 (the laser wavelength, m)");
          if (!deck.contains(n + ".density") && !deck.contains(n + ".density_profile"))
            fail(deck, n + ".laser_l_0",
                 "needs the plasma density (" + n + ".density) for the group velocity");
          wake.set_laser(0.0, l0);
        }
        wake.set_custom(
            query_double_or(deck, n + ".lon_field", 0.0), query_double_or(deck, n + ".lon_field_slope", 0.0),
            query_double_or(deck, n + ".foc_strength", 0.0), query_double_or(deck, n + ".xi_fields", 0.0));
      }
      fields.wake = std::move(wake);
    }
    auto physics = std::make_shared<const AnalyticStage>(e.ds, std::move(fields), push);
    if (lens) {
      ActivePlasmaLens out;
      static_cast<StageElement&>(out) = e;
      out.physics = std::move(physics);
      return out;
    }
    PlasmaStage out;
    static_cast<StageElement&>(out) = e;
    out.physics = std::move(physics);
    return out;
  }

  double d_(const std::string& n, const char* key) { return deck.get_double(n + "." + key); }

  // fallback < 0: the key is required.
  int positive_int(const std::string& key, long long fallback) {
    const long long v = fallback < 0 ? deck.get_int(key) : deck.query_int(key).value_or(fallback);
    require(deck, key, static_cast<double>(v), v >= 1 && v <= 1000000000LL, "it must be a positive integer");
    return static_cast<int>(v);
  }

  // wakefield_model = quasistatic_2d: Wake-T's PlasmaStage keys for the wake grid and its
  // GaussianPulse (laser_* keys; the laser is present when laser_a0 is given).
  std::shared_ptr<const elements::StagePhysics> read_quasistatic(const std::string& n, double length,
                                                                 const plasma::PushSettings& push,
                                                                 double lens_gradient = 0.0) {
    using namespace wakeline::plasma;
    QuasiStaticStageConfig c;
    c.length = length;
    c.profile = read_profile(n, length, true);
    c.xi_min = d_(n, "xi_min");
    c.xi_max = d_(n, "xi_max");
    require(deck, n + ".xi_max", c.xi_max, c.xi_max > c.xi_min, "it must be > " + n + ".xi_min (m)");
    c.r_max = get_positive(deck, n + ".r_max");
    c.r_max_plasma = query_double_or(deck, n + ".r_max_plasma", c.r_max);
    require(deck, n + ".r_max_plasma", c.r_max_plasma, c.r_max_plasma > 0.0, "it must be > 0 (m)");
    c.n_r = positive_int(n + ".n_r", -1);
    c.n_xi = positive_int(n + ".n_xi", -1);
    require(deck, n + ".n_r", c.n_r, c.n_r >= 2, "it must be >= 2");
    require(deck, n + ".n_xi", c.n_xi, c.n_xi >= 2, "it must be >= 2");
    c.ppc = positive_int(n + ".ppc", 2);
    c.max_gamma = query_double_or(deck, n + ".max_gamma", 10.0);
    require(deck, n + ".max_gamma", c.max_gamma, c.max_gamma > 1.0, "it must be > 1");
    c.plasma_pusher = one_of(deck, n + ".plasma_pusher", "ab5", {"ab5", "rk4"}) == "rk4" ? PlasmaPusher::rk4
                                                                                         : PlasmaPusher::ab5;
    if (deck.contains(n + ".dz_fields")) c.dz_fields = get_positive(deck, n + ".dz_fields");
    c.push = push;
    c.lens_gradient = lens_gradient;
    // Field snapshots (openPMD meshes in <diag.file_prefix>/openPMD/<name>_fields.h5).
    if (const auto every = deck.query_int(n + ".diag_fields_every")) {
      require(deck, n + ".diag_fields_every", static_cast<double>(*every),
              *every >= 0 && *every <= 1000000000LL,
              "it must be >= 0 (every how many wake updates; 0: none)");
      c.diag_fields_every = static_cast<int>(*every);
    }
    // Their values are checked by QuasiStaticStage (its InputError is reported with the deck key below).
    c.diag_fields_z = deck.query_doubles(n + ".diag_fields_z").value_or(std::vector<double>{});
    c.diag_fields = deck.query_strings(n + ".diag_fields").value_or(std::vector<std::string>{});
    // Particle-beam drivers (PWFA).
    for (const auto& d : deck.query_strings(n + ".drivers").value_or(std::vector<std::string>{}))
      c.drivers.push_back(read_driver(d));
    if (deck.contains(n + ".laser_a0")) {
      LaserPulse p;
      p.a_0 = get_positive(deck, n + ".laser_a0");
      p.w_0 = get_positive(deck, n + ".laser_w0");
      p.tau = get_positive(deck, n + ".laser_tau");
      p.l_0 = query_double_or(deck, n + ".laser_l_0", 0.8e-6);
      require(deck, n + ".laser_l_0", p.l_0, p.l_0 > 0.0, "it must be > 0 (the laser wavelength, m)");
      p.xi_c = d_(n, "laser_xi_c");
      p.z_foc = query_double_or(deck, n + ".laser_z_foc", 0.0);
      p.cep_phase = query_double_or(deck, n + ".laser_cep_phase", 0.0);
      p.polarization = one_of(deck, n + ".laser_polarization", "linear", {"linear", "circular"}) == "circular"
                           ? Polarization::circular
                           : Polarization::linear;
      c.laser = p;
      c.laser_evolution = query_bool_or(deck, n + ".laser_evolution", true);
      c.laser_envelope_substeps = positive_int(n + ".laser_envelope_substeps", 1);
    } else {
      for (const char* key :
           {"laser_w0", "laser_tau", "laser_z_foc", "laser_polarization", "laser_evolution"})
        if (deck.contains(n + "." + key))
          fail(deck, n + "." + key,
               "needs the laser amplitude " + n + ".laser_a0 (the laser is off without it)");
    }
    try {
      return std::make_shared<const QuasiStaticStage>(std::move(c));
    } catch (const InputError& err) {
      fail(deck, n + "." + err.key(), err.what());
    }
  }

  // A driver bunch of a plasma stage: <d>.particle, charge, kin_energy, energy_spread, sigma_x, sigma_y,
  // sigma_xi, xi_c, emittance_xn, emittance_yn, npart, seed, evolve.
  plasma::DriverBunchSpec read_driver(const std::string& d) {
    plasma::DriverBunchSpec s;
    s.name = d;
    RefPart species;
    const std::string particle = query_string_or(deck, d + ".particle", "electron");
    if (!species.set_species(particle))
      fail(deck, d + ".particle",
           "unknown species '" + particle + "'; valid: electron, positron, proton, Hminus");
    s.particle_charge_qe = species.charge_qe();
    s.particle_mass = species.mass;
    s.charge = deck.get_double(d + ".charge");
    species.set_kin_energy_MeV(get_positive(deck, d + ".kin_energy"));
    s.gamma = species.gamma();
    s.energy_spread = query_double_or(deck, d + ".energy_spread", 0.0);
    s.sigma_x = get_positive(deck, d + ".sigma_x");
    s.sigma_y = query_double_or(deck, d + ".sigma_y", s.sigma_x);
    s.sigma_xi = get_positive(deck, d + ".sigma_xi");
    s.xi_c = deck.get_double(d + ".xi_c");
    s.emittance_xn = query_double_or(deck, d + ".emittance_xn", 0.0);
    s.emittance_yn = query_double_or(deck, d + ".emittance_yn", s.emittance_xn);
    s.npart = static_cast<std::size_t>(positive_int(d + ".npart", 10000));
    const long long seed = deck.query_int(d + ".seed").value_or(1);
    require(deck, d + ".seed", static_cast<double>(seed), seed >= 0, "it must be >= 0");
    s.seed = static_cast<std::uint64_t>(seed);
    s.evolve = query_bool_or(deck, d + ".evolve", true);
    try {
      s.validate();
    } catch (const InputError& err) {
      fail(deck, d + "." + err.key(), err.what());
    }
    return s;
  }

  // The density keys of a plasma_stage. `required`: the wake model needs a density (custom_blowout
  // only for the laser's group velocity).
  plasma::PlasmaProfile read_profile(const std::string& n, double length, bool required) {
    using namespace wakeline::plasma;
    const std::string kind =
        one_of(deck, n + ".density_profile", "uniform", {"uniform", "ramp", "expression"});
    PlasmaProfile p = PlasmaProfile::uniform(0.0);
    try {
      if (kind == "expression") {
        const std::string key = n + ".density_expression";
        try {
          p = PlasmaProfile::expression(deck.get_string(key), length);
        } catch (const std::invalid_argument& err) {
          fail(deck, key, err.what());
        }
      } else if (kind == "ramp") {
        const double top = get_positive(deck, n + ".density");
        const std::string shape_name = one_of(deck, n + ".ramp_shape", "inverse_square",
                                              {"linear", "inverse_square", "exponential", "gaussian"});
        const RampShape shape = shape_name == "linear"           ? RampShape::linear
                                : shape_name == "inverse_square" ? RampShape::inverse_square
                                : shape_name == "exponential"    ? RampShape::exponential
                                                                 : RampShape::gaussian;
        const bool up = one_of(deck, n + ".ramp_type", "upramp", {"upramp", "downramp"}) == "upramp";
        const double decay = query_double_or(deck, n + ".ramp_decay_length", 0.0);
        if (deck.contains(n + ".ramp_decay_length"))
          require(deck, n + ".ramp_decay_length", decay, decay > 0.0, "it must be > 0 (m)");
        const bool need_down = shape == RampShape::linear || decay <= 0.0;
        const double down = need_down ? get_positive(deck, n + ".ramp_density_down")
                                      : query_double_or(deck, n + ".ramp_density_down", 0.0);
        const double pos = query_double_or(deck, n + ".ramp_position_down", length);
        require(deck, n + ".ramp_position_down", pos, pos > 0.0, "it must be > 0 (m from the top end)");
        if (need_down && shape != RampShape::linear)
          require(deck, n + ".ramp_density_down", down, down < top,
                  "it must be below the top density " + n + ".density to derive a decay length");
        try {
          p = PlasmaProfile::ramp(shape, up, length, top, down, pos, decay);
        } catch (const std::invalid_argument& err) {
          fail(deck, n + ".ramp_shape", err.what());
        }
      } else if (required || deck.contains(n + ".density")) {
        p = PlasmaProfile::uniform(get_positive(deck, n + ".density"));
      }
    } catch (const std::invalid_argument& err) {
      fail(deck, n + ".density", err.what());
    }
    p.parabolic_coefficient = query_double_or(deck, n + ".parabolic_coefficient", 0.0);
    return p;
  }

  Element read(const std::string& n, const std::string& type) {
    const auto d = [&](const char* key) { return deck.get_double(n + "." + key); };
    const auto q = [&](const char* key, double fallback) {
      return query_double_or(deck, n + "." + key, fallback);
    };
    if (type == "drift") {
      Drift e;
      common(e, n, true, true, true);
      return e;
    }
    if (type == "quad") {
      Quad e;
      common(e, n, true, true, true);
      e.k = d("k");
      return e;
    }
    if (type == "sbend") {
      Sbend e;
      common(e, n, true, true, true);
      e.rc = d("rc");
      return e;
    }
    if (type == "dipedge") {
      DipEdge e;
      common(e, n, false, true, true);
      e.psi = d("psi"), e.rc = d("rc"), e.g = d("g");
      e.R = q("R", e.R);
      e.K0 = q("K0", e.K0), e.K1 = q("K1", e.K1), e.K2 = q("K2", e.K2), e.K3 = q("K3", e.K3);
      e.K4 = q("K4", e.K4), e.K5 = q("K5", e.K5), e.K6 = q("K6", e.K6);
      e.exit = one_of(deck, n + ".location", "entry", {"entry", "exit"}) == "exit";
      e.nonlinear = one_of(deck, n + ".model", "linear", {"linear", "nonlinear"}) == "nonlinear";
      e.modify_ref_part = query_bool_or(deck, n + ".modify_ref_part", false);
      if (e.rc == 0.0) fail(deck, n + ".rc", "must be nonzero");
      require(deck, n + ".g", e.g, e.g >= 0.0, "it must be >= 0 (the full gap, m)");
      require(deck, n + ".psi", e.psi, std::fabs(e.psi) < std::numbers::pi / 2,
              "it must be a pole-face angle in rad, |psi| < pi/2");
      if (e.nonlinear) {
        require(deck, n + ".R", e.R, e.R > 0.0, "it must be > 0 (a length scale, m)");
      } else {
        for (const char* k : {"R", "K0", "K1", "K3", "K4", "K5", "K6", "modify_ref_part"}) {
          if (deck.contains(n + "." + k)) {
            notice(n + "." + k, "has no effect with the linear model (" + n + ".model = nonlinear uses it)");
          }
        }
      }
      return e;
    }
    if (type == "constf") {
      ConstF e;
      common(e, n, true, true, true);
      e.kx = d("kx"), e.ky = d("ky"), e.kt = d("kt");
      require(deck, n + ".kt", e.kt, e.kt >= 0.0, "it must be >= 0");
      return e;
    }
    if (type == "solenoid") {
      Solenoid e;
      common(e, n, true, true, true);
      e.ks = d("ks");
      return e;
    }
    if (type == "multipole") {
      Multipole e;
      common(e, n, false, true, true);
      e.multipole = static_cast<int>(deck.get_int(n + ".multipole"));
      require(deck, n + ".multipole", e.multipole, e.multipole >= 1,
              "it must be >= 1 (1 = dipole, 2 = quad, ...)");
      e.k_normal = d("k_normal"), e.k_skew = d("k_skew");
      return e;
    }
    if (type == "kicker") {
      Kicker e;
      common(e, n, false, true, true);
      e.xkick = d("xkick"), e.ykick = d("ykick");
      e.field_units = one_of(deck, n + ".units", "dimensionless", {"dimensionless", "T-m"}) == "T-m";
      return e;
    }
    if (type == "thin_dipole") {
      ThinDipole e;
      common(e, n, false, true, true);
      e.theta_deg = d("theta"), e.rc = d("rc");
      if (e.rc == 0.0) fail(deck, n + ".rc", "must be nonzero");
      return e;
    }
    if (type == "prot") {
      PRot e;
      common(e, n, false, false, false);
      e.phi_in_deg = d("phi_in"), e.phi_out_deg = d("phi_out");
      return e;
    }
    if (type == "plane_xyrotation") {
      PlaneXYRot e;
      common(e, n, false, true, false);
      e.angle_deg = d("angle");
      return e;
    }
    if (type == "buncher") {
      Buncher e;
      common(e, n, false, true, true);
      e.V = d("V"), e.k = d("k");
      return e;
    }
    if (type == "shortrf") {
      ShortRF e;
      common(e, n, false, true, true);
      e.V = d("V"), e.freq = d("freq");
      require(deck, n + ".freq", e.freq, e.freq >= 0.0, "it must be >= 0");
      e.phase_deg = q("phase", -90.0);
      return e;
    }
    if (type == "linear_map") {
      LinearMap e;
      common(e, n, false, true, true);
      e.ds = q("ds", 0.0);
      for (int i = 1; i <= 6; ++i)
        for (int j = 1; j <= 6; ++j) {
          const std::string key = n + ".R" + std::to_string(i) + std::to_string(j);
          e.r.R(i, j) = query_double_or(deck, key, i == j ? 1.0 : 0.0);
        }
      return e;
    }
    if (type == "beam_monitor") {
      BeamMonitor e;
      common(e, n, false, false, false);
      e.output_name = e.name;
      const std::string backend =
          one_of(deck, n + ".backend", "default", {"default", "h5", "bp4", "bp5", "json"});
      if (backend != "default" && backend != "h5") {
        notice(n + ".backend", "= " + backend + ": Wakeline writes openPMD over HDF5 only; writing " +
                                   e.output_name + ".h5 instead");
      }
      const std::string encoding = one_of(deck, n + ".encoding", "g", {"g", "f", "v"});
      if (encoding == "v")
        notice(n + ".encoding", "= v (variable-based) needs ADIOS2; using group-based (g)");
      e.file_based = encoding == "f";
      e.write_particles = query_bool_or(deck, n + ".particles", true);
      e.write_moments = query_bool_or(deck, n + ".beam_moments", true);
      // impactx: ImpactX's layout at fixed s; lab: SI lab frame for openPMD-viewer and openpmd-beamphysics.
      e.layout = one_of(deck, n + ".layout", "impactx", {"impactx", "lab"}) == "lab" ? BeamLayout::lab
                                                                                     : BeamLayout::impactx;
      e.period_sample_intervals =
          static_cast<int>(deck.query_int(n + ".period_sample_intervals").value_or(1));
      require(deck, n + ".period_sample_intervals", e.period_sample_intervals, e.period_sample_intervals >= 1,
              "it must be >= 1");
      e.lens_invariants = query_bool_or(deck, n + ".nonlinear_lens_invariants", false);
      if (e.lens_invariants) {  // ImpactX's defaults (AdditionalProperties.cpp)
        e.alpha = q("alpha", 0.0);
        e.beta = q("beta", 1.0);
        e.tn = q("tn", 0.4);
        e.cn = q("cn", 0.01);
        require(deck, n + ".beta", e.beta, e.beta > 0.0, "it must be > 0");
        require(deck, n + ".cn", e.cn, e.cn > 0.0, "it must be > 0");
      }
      return e;
    }
    if (type == "rfcavity") {
      RFCavity e;
      common(e, n, true, true, true);
      e.escale = d("escale"), e.freq = d("freq"), e.phase_deg = d("phase");
      require(deck, n + ".freq", e.freq, e.freq > 0.0, "it must be > 0");
      e.mapsteps = mapsteps(n);
      fourier_coefficients(n, e.cos_coefficients, e.sin_coefficients);
      return e;
    }
    if (type == "solenoid_softedge") {
      SoftSolenoid e;
      common(e, n, true, true, true);
      e.bscale = d("bscale");
      const long long units = deck.query_int(n + ".units").value_or(0);
      require(deck, n + ".units", static_cast<double>(units), units == 0 || units == 1,
              "it must be 0 (bscale in 1/m) or 1 (bscale in T)");
      e.field_units = units == 1;
      e.mapsteps = mapsteps(n);
      fourier_coefficients(n, e.cos_coefficients, e.sin_coefficients);
      return e;
    }
    if (type == "quadrupole_softedge") {
      SoftQuadrupole e;
      common(e, n, true, true, true);
      e.gscale = d("gscale");
      e.mapsteps = mapsteps(n);
      fourier_coefficients(n, e.cos_coefficients, e.sin_coefficients);
      return e;
    }
    if (type == "sbend_exact") {
      ExactSbend e;
      common(e, n, true, true, true);
      e.phi_deg = d("phi");  // degrees
      e.B = q("B", 0.0);     // T; 0: radius = ds/phi
      if (e.B == 0.0 && e.phi_deg != 0.0 && e.ds == 0.0) {
        fail(deck, n + ".ds", "must be nonzero: with B = 0 the bend radius is ds/phi");
      }
      return e;
    }
    if (type == "cfbend") {
      CFbend e;
      common(e, n, true, true, true);
      e.rc = d("rc"), e.k = d("k");
      if (e.rc == 0.0) fail(deck, n + ".rc", "must be nonzero");
      return e;
    }
    if (type == "cfbend_exact") {
      ExactCFbend e;
      common(e, n, true, true, true);
      e.k_normal = deck.query_doubles(n + ".k_normal").value_or(std::vector<double>{0.0});
      e.k_skew = deck.query_doubles(n + ".k_skew").value_or(std::vector<double>{0.0});
      if (e.k_normal.size() != e.k_skew.size()) {
        fail(deck, n + ".k_skew",
             "has " + std::to_string(e.k_skew.size()) + " entries but k_normal has " +
                 std::to_string(e.k_normal.size()) + "; they must have the same length");
      }
      if (e.k_normal.size() > 5) {
        notice(n + ".k_normal",
               "has more than 5 entries (dipole .. decapole); the rest are ignored, as in ImpactX");
      }
      e.units = units(n, "0 (1/m^n) or 1 (T/m^(n-1))");
      e.int_order = int_order(n);
      e.mapsteps = mapsteps(n);
      return e;
    }
    if (type == "uniform_acc_chromatic") {
      ChrAcc e;
      common(e, n, true, true, true);
      e.ez = d("ez"), e.bz = d("bz");  // 1/m
      return e;
    }
    if (type == "source") {
      Source e;
      common(e, n, false, false, false);
      one_of(deck, n + ".distribution", "openPMD", {"openPMD"});
      e.openpmd_path = deck.get_string(n + ".openpmd_path");
      e.active_once = query_bool_or(deck, n + ".active_once", true);
      long long iteration = -1;
      if (const auto it = deck.query_int(n + ".openpmd_iteration")) {
        require(deck, n + ".openpmd_iteration", static_cast<double>(*it), *it >= 0,
                "it must be >= 0 (leave it out for the last iteration)");
        iteration = *it;
      }
      const std::string species = query_string_or(deck, n + ".openpmd_species", "");
      const ReferencePlane plane = read_reference_plane(deck, n + ".openpmd_reference_plane");
      // Read and convert now, relative to the run's reference particle: a bad file is an input error
      // before any output exists.
      const std::string key = n + ".openpmd_path";
      const BeamData data = read_openpmd_beam(e.openpmd_path, key, iteration, species);
      ImportedBeam beam = import_beam(data, read_reference(deck), plane, key, e.openpmd_path);
      e.bunch_charge = beam.bunch_charge;
      e.injected = std::make_shared<const Particles>(std::move(beam.particles));
      return e;
    }
    if (type == "drift_chromatic") {
      ChrDrift e;
      common(e, n, true, true, true);
      return e;
    }
    if (type == "drift_exact") {
      ExactDrift e;
      common(e, n, true, true, true);
      return e;
    }
    if (type == "quad_chromatic") {
      ChrQuad e;
      common(e, n, true, true, true);
      e.k = d("k");
      e.units = units(n, "0 (k in 1/m^2) or 1 (k in T/m)");
      return e;
    }
    if (type == "quad_exact") {
      ExactQuad e;
      common(e, n, true, true, true);
      e.k = d("k");
      e.units = units(n, "0 (k in 1/m^2) or 1 (k in T/m)");
      e.int_order = int_order(n);
      e.mapsteps = mapsteps(n);
      return e;
    }
    if (type == "plasma_lens_chromatic") {
      ChrPlasmaLens e;
      common(e, n, true, true, true);
      e.k = d("k");
      e.units = units(n, "0 (k in 1/m^2) or 1 (k in T/m)");
      return e;
    }
    if (type == "tapered_plasma_lens" || type == "tapered_pl") {  // ImpactX's docs name it tapered_pl
      TaperedPL e;
      common(e, n, false, true, true);
      e.k = d("k"), e.taper = d("taper");
      e.units = units(n, "0 (k in 1/m) or 1 (k in T)");
      return e;
    }
    if (type == "nonlinear_lens") {
      NonlinearLens e;
      common(e, n, false, true, true);
      e.knll = d("knll"), e.cnll = d("cnll");
      if (e.cnll == 0.0) fail(deck, n + ".cnll", "must be nonzero");
      return e;
    }
    if (type == "multipole_exact") {
      ExactMultipole e;
      common(e, n, true, true, true);
      e.k_normal = deck.query_doubles(n + ".k_normal").value_or(std::vector<double>{0.0});
      e.k_skew = deck.query_doubles(n + ".k_skew").value_or(std::vector<double>{0.0});
      if (e.k_skew.size() != e.k_normal.size()) {
        fail(deck, n + ".k_skew",
             "has " + std::to_string(e.k_skew.size()) + " entries; it must have as many as k_normal (" +
                 std::to_string(e.k_normal.size()) + ")");
      }
      if (e.k_normal.empty() ||
          e.k_normal.size() > static_cast<std::size_t>(kExactMultipoleMaxCoefficients)) {
        fail(deck, n + ".k_normal",
             "must have 1 to " + std::to_string(kExactMultipoleMaxCoefficients) +
                 " entries (index 0 = dipole, 1 = quadrupole, ...)");
      }
      e.units = units(n, "0 (1/m^(m+1)) or 1 (T/m^m)");
      e.int_order = int_order(n);
      e.mapsteps = mapsteps(n);
      return e;
    }
    if (type == "quadedge") {
      QuadEdge e;
      common(e, n, false, true, true);
      e.k = d("k");
      e.units = units(n, "0 (k in 1/m^2) or 1 (k in T/m)");
      e.exit = one_of(deck, n + ".flag", "entry", {"entry", "exit"}) == "exit";
      return e;
    }
    if (type == "aperture") {
      Aperture e;
      common(e, n, false, true, false);
      e.half_x = get_positive(deck, n + ".aperture_x");
      e.half_y = get_positive(deck, n + ".aperture_y");
      e.elliptical = one_of(deck, n + ".shape", "rectangular", {"rectangular", "elliptical"}) == "elliptical";
      e.absorb = one_of(deck, n + ".action", "transmit", {"transmit", "absorb"}) == "absorb";
      e.mask = read_mask(n);
      return e;
    }
    if (type == "polygon_aperture") {
      PolygonAperture e;
      common(e, n, false, true, false);
      std::vector<double> vx = deck.get_doubles(n + ".vertices_x"), vy = deck.get_doubles(n + ".vertices_y");
      if (vx.size() != vy.size()) {
        fail(deck, n + ".vertices_y",
             "has " + std::to_string(vy.size()) + " values but vertices_x has " + std::to_string(vx.size()) +
                 "; give one y per x");
      }
      if (vx.front() != vx.back() || vy.front() != vy.back())
        vx.push_back(vx.front()), vy.push_back(vy.front());
      if (vx.size() < 4 || vx.size() > kMaxPolygonVertices) {
        fail(deck, n + ".vertices_x",
             "a polygon needs 3 to " + std::to_string(kMaxPolygonVertices - 1) + " distinct vertices");
      }
      std::copy(vx.begin(), vx.end(), e.shape.vx.begin());
      std::copy(vy.begin(), vy.end(), e.shape.vy.begin());
      e.shape.n = static_cast<int>(vx.size());
      e.shape.min_radius2 = q("min_radius2", 0.0);
      e.shape.absorb = one_of(deck, n + ".action", "transmit", {"transmit", "absorb"}) == "absorb";
      e.shape.mask = read_mask(n);
      return e;
    }
    if (type == "plasma_stage" || type == "active_plasma_lens") {
      return read_stage(n, type);
    }
    if (type == "marker") {
      Marker e;
      common(e, n, false, false, false);
      return e;
    }
    if (kNotYet.count(type)) {
      fail(deck, n + ".type",
           "element type '" + type +
               "' is an ImpactX element that this version of Wakeline does not "
               "have yet");
    }
    std::string close;
    std::size_t best = 4;
    for (const std::string& t : kTypes) {
      // Levenshtein distance, small strings.
      std::vector<std::size_t> prev(t.size() + 1), cur(t.size() + 1);
      for (std::size_t j = 0; j <= t.size(); ++j) prev[j] = j;
      for (std::size_t i = 1; i <= type.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= t.size(); ++j)
          cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (type[i - 1] == t[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
      }
      if (prev[t.size()] < best) best = prev[t.size()], close = t;
    }
    std::string valid;
    for (const std::string& t : kTypes) valid += (valid.empty() ? "" : ", ") + t;
    fail(deck, n + ".type",
         "unknown element type '" + type + "'" + (close.empty() ? "" : " (did you mean '" + close + "'?)") +
             "; valid types: " + valid);
  }
};

// Expands a list of element and line names into the flat lattice. As ImpactX, `reverse` reverses the list of
// names at its own level only: a line inside a reversed list keeps its order, and no element is itself
// reversed (ds keeps its sign).
void expand(InputDeck& deck, const std::string& list_key, const std::vector<std::string>& names,
            ElementReader& reader, std::vector<std::string>& stack, std::vector<Element>& out,
            std::set<std::string>& used) {
  for (const std::string& n : names) {
    const auto type = deck.query_string(n + ".type");
    if (!type) {
      fail(deck, list_key,
           "element '" + n + "' is listed but never defined (no '" + n + ".type' key); define it, e.g. '" +
               n + ".type = drift'");
    }
    used.insert(n);
    if (*type == "line") {
      if (std::find(stack.begin(), stack.end(), n) != stack.end()) {
        fail(deck, n + ".elements", "line '" + n + "' contains itself");
      }
      auto sub = deck.query_strings(n + ".elements").value_or(std::vector<std::string>{});
      if (query_bool_or(deck, n + ".reverse", false)) std::reverse(sub.begin(), sub.end());
      const long long repeat = deck.query_int(n + ".repeat").value_or(1);
      require(deck, n + ".repeat", static_cast<double>(repeat), repeat >= 1, "it must be >= 1");
      std::vector<Element> body;
      stack.push_back(n);
      expand(deck, n + ".elements", sub, reader, stack, body, used);
      stack.pop_back();
      for (long long r = 0; r < repeat; ++r) out.insert(out.end(), body.begin(), body.end());
    } else {
      out.push_back(reader.read(n, *type));
    }
  }
}

bool has_prefix(const std::string& key, const std::string& prefix) { return key.rfind(prefix, 0) == 0; }

// ImpactX keys that only matter for models that are off or absent here (mesh, solvers, CSR/ISR details, spin,
// longitudinal boundary, 2D space-charge current): accepted with a notice.
bool inert_key(const std::string& key) {
  static const std::set<std::string> exact = {"algo.particle_shape",
                                              "algo.poisson_solver",
                                              "algo.strang_split",
                                              "beam.current",
                                              "beam.bucket_length",
                                              "beam.polarization_x",
                                              "beam.polarization_y",
                                              "beam.polarization_z",
                                              "diag.alpha",
                                              "diag.beta",
                                              "diag.tn",
                                              "diag.cn"};
  return exact.count(key) || has_prefix(key, "algo.mlmg_") || has_prefix(key, "algo.space_charge.");
}

}  // namespace

Element read_element(InputDeck& deck, const std::string& name, int default_nslice, double reference_mass,
                     std::vector<std::string>& notices) {
  const std::string type = deck.get_string(name + ".type");
  if (type == "line")
    fail(deck, name + ".type", "a line is not one element; expand it with lattice.elements");
  ElementReader reader{deck, default_nslice, notices, reference_mass};
  return reader.read(name, type);
}

RunSetup load_run(InputDeck& deck, std::optional<std::uint64_t> seed_override) {
  RunSetup setup;
  setup.sim.mode = read_algorithm(deck);
  const TrackMode mode = setup.sim.mode;
  setup.sim.space_charge = read_space_charge(deck, mode, setup.notices);
  setup.sim.radiation = read_radiation(deck, mode);

  // Beam: the reference particle always; a distribution for particles and envelopes.
  setup.sim.ref = read_reference(deck);
  setup.bunch_charge = query_double_or(deck, "beam.charge", 0.0);
  require(deck, "beam.charge", setup.bunch_charge, setup.bunch_charge >= 0.0,
          "it must be >= 0 (C); the sign comes from the species");
  // beam.distribution = openPMD: the file's particles relative to the reference particle; the bunch charge
  // and the number of particles are the file's, so beam.charge and beam.npart get a notice.
  const auto read_file_beam = [&](const OpenPMDBeamSource& file) {
    const std::string key = "beam.openpmd_path";
    const BeamData data = read_openpmd_beam(file.path, key, file.iteration, file.species);
    ImportedBeam beam = import_beam(data, setup.sim.ref, file.plane, key, file.path);
    for (const char* ignored : {"beam.charge", "beam.npart"}) {
      if (!deck.contains(ignored)) continue;
      deck.declare(ignored);
      setup.notices.push_back("notice: " + where(deck, ignored) + ": '" + ignored +
                              "' has no effect with beam.distribution = openPMD: the beam is the " +
                              std::to_string(beam.particles.size()) + " particles of " + file.path +
                              " (species '" + data.species + "', iteration " +
                              std::to_string(data.iteration) + ") with their bunch charge, " +
                              fmt(beam.bunch_charge) + " C");
    }
    setup.bunch_charge = beam.bunch_charge;
    setup.npart = beam.particles.size();
    return beam;
  };
  if (mode == TrackMode::envelope) {
    setup.distribution = read_distribution(deck, setup.notices);
    if (setup.distribution.openpmd) {
      // The envelope of a file's beam: the weighted centroid and covariance of its particles.
      const ImportedBeam beam = read_file_beam(*setup.distribution.openpmd);
      const Particles& p = beam.particles;
      double sum_w = 0.0;
      std::array<double, 6> mean{};
      for (std::size_t i = 0; i < p.size(); ++i) {
        const std::array<double, 6> v{p.x[i], p.px[i], p.y[i], p.py[i], p.t[i], p.pt[i]};
        sum_w += p.w[i];
        for (int a = 0; a < 6; ++a) mean[a] += p.w[i] * v[a];
      }
      if (!(sum_w > 0.0))
        fail(deck, "beam.openpmd_path",
             "the beam of " + setup.distribution.openpmd->path +
                 " has no particles with weight > 0: it has no envelope");
      for (double& m : mean) m /= sum_w;
      Matrix6 sigma{};
      for (std::size_t i = 0; i < p.size(); ++i) {
        const std::array<double, 6> v{p.x[i] - mean[0],  p.px[i] - mean[1], p.y[i] - mean[2],
                                      p.py[i] - mean[3], p.t[i] - mean[4],  p.pt[i] - mean[5]};
        for (int a = 0; a < 6; ++a)
          for (int b = 0; b < 6; ++b) sigma(a, b) += p.w[i] * v[a] * v[b] / sum_w;
      }
      for (const char* key : {"beam.units", "beam.seed"}) deck.declare(key);
      Envelope& env = setup.sim.envelope;
      env.sigma = sigma;
      env.centroid = mean;
      env.charge_C = std::copysign(setup.bunch_charge, setup.sim.ref.charge);
    } else {
      if (setup.distribution.kind == DistributionKind::thermal ||
          setup.distribution.kind == DistributionKind::empty) {
        fail(deck, "beam.distribution",
             "an envelope needs a distribution with a lambda/mu or Twiss form, "
             "not '" +
                 std::string(distribution_kind_name(setup.distribution.kind)) + "'");
      }
      // Particle-only keys, accepted so a particle deck can switch with algo.track = envelope.
      for (const char* key : {"beam.npart", "beam.units", "beam.seed"}) deck.declare(key);
      Envelope& env = setup.sim.envelope;
      env.sigma = covariance(setup.distribution);
      env.centroid = setup.distribution.mean;
      env.charge_C = std::copysign(setup.bunch_charge, setup.sim.ref.charge);
    }
  } else if (mode == TrackMode::reference_orbit) {
    for (const std::string& key : deck.keys()) {
      if (has_prefix(key, "beam.") && key != "beam.particle" && key != "beam.kin_energy" &&
          key != "beam.charge_qe" && key != "beam.mass_MeV") {
        deck.declare(key);  // the beam is not needed to follow the reference orbit
      }
    }
  }
  if (mode == TrackMode::particles) {
    setup.distribution = read_distribution(deck, setup.notices);
    // ImpactX requires beam.units; a beam from a file has its own units, so there it may be left out.
    const std::string units = setup.distribution.openpmd ? query_string_or(deck, "beam.units", "static")
                                                         : deck.get_string("beam.units");
    if (units != "static") fail(deck, "beam.units", "'" + units + "' is not valid; valid values: static");
    if (setup.distribution.openpmd) {
      setup.file_beam =
          std::make_shared<const Particles>(read_file_beam(*setup.distribution.openpmd).particles);
    } else if (setup.distribution.kind == DistributionKind::empty) {
      setup.npart =
          static_cast<std::size_t>(std::max<long long>(0, deck.query_int("beam.npart").value_or(0)));
    } else {
      const long long npart = deck.get_int("beam.npart");
      require(deck, "beam.npart", static_cast<double>(npart), npart >= 1, "it must be >= 1");
      setup.npart = static_cast<std::size_t>(npart);
    }
    setup.seed = kDefaultSeed;
    if (const auto s = deck.query_int("beam.seed")) {
      require(deck, "beam.seed", static_cast<double>(*s), *s >= 0, "it must be >= 0");
      setup.seed = static_cast<std::uint64_t>(*s);
    }
    if (seed_override) setup.seed = *seed_override;  // --seed wins over beam.seed
    setup.sim.seed = setup.seed;                     // the ISR kicks draw from streams keyed by it
  }

  // Lattice.
  const long long nslice = deck.query_int("lattice.nslice").value_or(1);
  require(deck, "lattice.nslice", static_cast<double>(nslice), nslice >= 1, "it must be >= 1");
  const long long periods = deck.query_int("lattice.periods").value_or(1);
  require(deck, "lattice.periods", static_cast<double>(periods), periods >= 1, "it must be >= 1");
  setup.sim.lattice.periods = static_cast<int>(periods);
  ElementReader reader{deck, static_cast<int>(nslice), setup.notices, setup.sim.ref.mass};
  std::vector<std::string> stack;
  std::set<std::string> used;
  if (const auto file = deck.query_string("lattice.file")) {
    // Wakeline's extension: the lattice of a PALS file. A relative path is relative to the folder of
    // the deck file that sets the key (as FILE includes are); on the command line, to the working folder.
    if (deck.contains("lattice.elements")) {
      fail(deck, "lattice.elements", "give lattice.elements or lattice.file (a PALS lattice), not both");
    }
    std::filesystem::path path(*file);
    if (const SourceLocation loc = deck.location("lattice.file"); path.is_relative() && loc.line > 0) {
      path = std::filesystem::path(loc.file).parent_path() / path;
    }
    if (!std::filesystem::is_regular_file(path)) {
      fail(deck, "lattice.file", "cannot read PALS file '" + path.string() + "'");
    }
    setup.sim.lattice.elements =
        read_pals_lattice(path.string(), setup.sim.ref, static_cast<int>(nslice), setup.notices);
    if (query_bool_or(deck, "lattice.reverse", false)) {
      std::reverse(setup.sim.lattice.elements.begin(), setup.sim.lattice.elements.end());
    }
  } else {
    auto names = deck.query_strings("lattice.elements").value_or(std::vector<std::string>{});
    if (query_bool_or(deck, "lattice.reverse", false)) std::reverse(names.begin(), names.end());
    expand(deck, "lattice.elements", names, reader, stack, setup.sim.lattice.elements, used);
  }
  if (mode != TrackMode::particles) {
    for (const Element& e : setup.sim.lattice.elements) {
      if (std::holds_alternative<Source>(e)) {
        fail(deck, common(e).name + ".type", "a source injects particles: it needs algo.track = particles");
      }
    }
  }

  // Diagnostics.
  setup.diagnostics.enable = query_bool_or(deck, "diag.enable", true);
  setup.sim.slice_step_diagnostics = query_bool_or(deck, "diag.slice_step_diagnostics", false);
  // An empty prefix or "." writes into the working folder, as in ImpactX.
  setup.diagnostics.file_prefix = query_string_or(deck, "diag.file_prefix", "diags");
  const long long digits = deck.query_int("diag.file_min_digits").value_or(6);
  require(deck, "diag.file_min_digits", static_cast<double>(digits), digits >= 1 && digits <= 20,
          "it must be in [1, 20]");
  setup.diagnostics.file_min_digits = static_cast<int>(digits);
  const std::string lost_backend =
      one_of(deck, "diag.backend", "default", {"default", "h5", "bp4", "bp5", "json"});
  if (lost_backend != "default" && lost_backend != "h5") {
    setup.notices.push_back("notice: " + where(deck, "diag.backend") + ": 'diag.backend' = " + lost_backend +
                            ": Wakeline writes openPMD over HDF5 only; lost "
                            "particles go to particles_lost.h5");
  }
  setup.diagnostics.eigenemittances = query_bool_or(deck, "diag.eigenemittances", false);

  // Every other key: accepted with a notice when it belongs to AMReX, the mesh or a model that is off; an
  // error (with a suggestion) otherwise.
  for (const std::string& key : deck.unread_keys()) {
    const std::string head = key.substr(0, key.find('.'));
    if (has_prefix(key, "my_constants.")) continue;
    if (head == "amrex" || head == "amr" || head == "geometry" || head == "impactx" || inert_key(key)) {
      setup.notices.push_back("notice: " + where(deck, key) + ": '" + key +
                              "' is accepted but has no effect in this Wakeline run (AMReX runtime, "
                              "mesh refinement, or a model that is off)");
      continue;
    }
    if (deck.contains(head + ".type") && !used.count(head)) {
      setup.notices.push_back("notice: " + where(deck, key) + ": '" + key + "' belongs to element '" + head +
                              "', which is not in the lattice");
      continue;
    }
    const std::string hint = deck.did_you_mean(key);
    fail(deck, key, "unknown key" + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
  }
  return setup;
}

void create_beam(RunSetup& setup) {
  Simulation& sim = setup.sim;
  sim.beam.clear();
  sim.lost.clear();
  if (sim.mode != TrackMode::particles || setup.npart == 0) return;
  if (setup.file_beam) {
    sim.beam = *setup.file_beam;
    return;
  }
  const double weight = setup.bunch_charge / (constants::q_e * static_cast<double>(setup.npart));
  sample(setup.distribution, setup.npart, setup.seed, sim.ref, weight, sim.beam);
}

}  // namespace wakeline::io
