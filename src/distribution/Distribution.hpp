#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/Matrix6.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"

namespace wakeline {

// Beam distributions with ImpactX's parameterisation. Each plane (x, px), (y, py), (t, pt) is
// given by lambda_q, lambda_p and the correlation mu; a unit-covariance generator of the chosen
// kind is transformed per plane (see docs/user-guide/distributions.md).
enum class DistributionKind {
  gaussian,
  waterbag,
  kvdist,
  kurth4d,
  kurth6d,
  semigaussian,
  triangle,
  thermal,
  empty
};

struct PlaneParameters {
  double lambda_q = 0.0;  // m
  double lambda_p = 0.0;  // rad (dimensionless)
  double mu = 0.0;        // correlation, |mu| < 1
};

// Twiss form: gamma = (1 + alpha^2)/beta, lambda_q = sqrt(eps/gamma), lambda_p = sqrt(eps/beta),
// mu = alpha / sqrt(beta gamma). eps is the unnormalised rms emittance.
PlaneParameters plane_from_twiss(double alpha, double beta, double emittance);

// Parameters of the 6D stationary thermal distribution in constant focusing (Ryne; Mitchell).
struct ThermalParameters {
  double k = 0.0;               // focusing wavenumber, 1/m
  double kT = 0.0;              // core temperature (dimensionless)
  double kT_halo = 0.0;         // halo temperature; defaults to kT
  double normalize = 1.0;       // core normalisation
  double normalize_halo = 1.0;  // halo normalisation
  double halo = 0.0;            // halo fraction in [0, 1]
};

// Where particles given at one time in the lab frame (an openPMD file from WarpX, Wake-T, ...) are
// taken to ImpactX's fixed-s coordinates: the plane z = const that the reference particle crosses at the
// file's time (see io::import_beam and docs/user-guide/openpmd.md).
struct ReferencePlane {
  enum class Kind {
    automatic,  // the file's own reference (attribute s_ref, Wakeline's lab layout), else mean
    mean,       // the particles' weighted mean z
    given       // z below (m, absolute: position + positionOffset)
  };
  Kind kind = Kind::automatic;
  double z = 0.0;
};

// beam.distribution = openPMD: the beam is one species of one iteration of an openPMD file
// (keys beam.openpmd_path, beam.openpmd_iteration, beam.openpmd_species, beam.openpmd_reference_plane).
struct OpenPMDBeamSource {
  std::string path;          // a file, or a fileBased pattern such as "diags/openPMD/monitor_%06T.h5"
  long long iteration = -1;  // -1: the last
  std::string species;       // "": "beam" if present, else the only species
  ReferencePlane plane;
};

struct Distribution {
  DistributionKind kind = DistributionKind::waterbag;
  // Set for beam.distribution = openPMD (kind is then `empty`: nothing is sampled).
  std::optional<OpenPMDBeamSource> openpmd;
  std::array<PlaneParameters, 3> planes{};   // x, y, t
  std::array<double, 6> mean{};              // x, px, y, py, t, pt
  std::array<double, 4> dispersion{};        // dispX, dispPx, dispY, dispPy
  std::array<double, 3> cut{0.0, 0.0, 0.0};  // gaussian truncation in sigma, per plane; 0 = none
  ThermalParameters thermal{};
};

// The covariance matrix of (x, px, y, py, t, pt) that sampling would give (every generator has
// unit covariance): per plane <q^2> = lq^2/(1-mu^2), <qp> = -lq lp mu/(1-mu^2),
// <p^2> = lp^2/(1-mu^2), then dispersion as Sigma -> D Sigma D^T. Not for thermal or empty.
Matrix6 covariance(const Distribution& dist);

// Parses a kind name ("waterbag", "kurth6d", ...); returns false for an unknown name.
bool parse_distribution_kind(const std::string& name, DistributionKind& kind);
const char* distribution_kind_name(DistributionKind kind);

// Appends n particles drawn from the distribution, each with charge/mass ref.qm() and weight w,
// ids continuing from the largest id present. Particle i of the call draws from its own random
// stream keyed by (seed, i): the result is the same at any thread count.
void sample(const Distribution& dist, std::size_t n, std::uint64_t seed, const RefPart& ref, double weight,
            Particles& out);

}  // namespace wakeline
