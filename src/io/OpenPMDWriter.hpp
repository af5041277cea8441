#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "elements/BeamMonitor.hpp"

namespace wakeline::io {

using elements::BeamLayout;

// "impactx" or "lab".
const char* beam_layout_name(BeamLayout layout);

// One iteration's particle data, borrowed from the caller for the duration of write_iteration().
// In the impactx layout the coordinates follow ImpactX (see core/Particles.hpp): x, y, t in m
// (t = c*dt), px, py, pt dimensionless, qm in C/kg, w = number of real particles per macroparticle.
// In the lab layout (make_lab_frame fills it) x, y, t hold position/{x,y,z} in m relative to
// ref_x, ref_y, ref_t = positionOffset/{x,y,z}, and px, py, pt hold momentum/{x,y,z} in kg m/s.
struct BeamFrame {
  BeamLayout layout = BeamLayout::impactx;
  std::string species = "beam";
  std::size_t n = 0;
  const double *x{}, *y{}, *t{}, *px{}, *py{}, *pt{}, *qm{}, *w{};  // arrays of length n
  const std::int64_t* id{};        // written as uint64 record "id" (absolute value)
  const double* s_lost = nullptr;  // when non-null, written as extra scalar record "s_lost" (m)
  // Further dimensionless per-particle scalar records (e.g. the IOTA invariants "H", "I").
  std::vector<std::pair<std::string, const double*>> extra_records;
  double ref_x = 0, ref_y = 0, ref_t = 0;  // positionOffset/{x,y,t}: reference particle
  // Species-level attributes (s_ref, gamma_ref, ..., mean_x, sigma_x, ...), written as double.
  std::vector<std::pair<std::string, double>> attributes;
  double time = 0;  // iteration "time" attribute, with timeUnitSI = 1

  // Lab layout only (qm is not written there: charge and mass say it).
  double charge = 0.0, mass = 0.0;      // constant records "charge" (C) and "mass" (kg) of one real particle
  const double* charge_each = nullptr;  // when non-null: per-particle "charge" record instead (C)
  const double* weight = nullptr;       // record "weight": macroparticle charge |q| w in C (beamphysics)
  std::string species_type;             // attribute speciesType ("electron", "proton", "H-", ...)
};

// One record of a mesh: a scalar record (one component with an empty name) or a vector record (named
// components, e.g. "r", "t", "z"). Each component points to the caller's n_r * n_z values.
struct MeshRecord {
  std::string name;
  std::vector<std::pair<std::string, const double*>> components;
  std::array<double, 7> unit_dimension{};  // openPMD powers of (L, M, T, I, theta, N, J)
};

// One iteration's meshes on an axisymmetric (r, z) grid, written as openPMD thetaMode with the single
// mode m = 0: datasets of shape (1, n_r, n_z), as Wake-T writes its wakefields, so openPMD-viewer reads
// them (get_field(..., coord="r"/"z")). Values are cell-centred in r (position 0.5) and on nodes in z.
// Data layout: index k * n_z + j, r slowest. Borrowed for the duration of write_mesh_iteration().
struct CylMeshFrame {
  int n_r = 0, n_z = 0;
  double dr = 0.0, dz = 0.0;  // m
  double z_offset = 0.0;      // gridGlobalOffset of the first z node (lab z, m)
  double time = 0.0;          // s
  std::vector<MeshRecord> records;
  // Attributes of the meshes group (e.g. fieldSolver), as strings and as numbers.
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::pair<std::string, double>> numeric_attributes;
};

// The arrays a lab-layout BeamFrame points to (a BeamFrame only borrows).
struct LabArrays {
  std::vector<double> x, y, z, px, py, pz, weight, charge;
};

// Fills `arrays` with `beam` in the lab frame and points `frame` at them (layout, positions, momenta,
// offsets, charge, mass, weight, speciesType, time; not w, id nor attributes, which the caller sets).
//
// The frame is the reference particle's local frame, unrolled along the orbit: x, y transverse, z along
// the reference trajectory, with positionOffset = (0, 0, ref.s), so position/z + positionOffset/z is the
// path length. The time is the reference particle's, ref.t / c: each particle, which crosses the plane
// s = ref.s at the time t/c later than the reference, is taken back along its straight line to that
// time (x_lab = x - (p_x c/E) t, z_lab = s - (p_z c/E) t). Momenta are p_x = px p0, p_y = py p0,
// p_z = p0 sqrt(delta^2 - px^2 - py^2) with delta = p/p0 = sqrt(1 - 2 pt/beta0 + pt^2), in kg m/s. Every
// particle has the reference particle's mass; its charge is qm * mass. Throws RunError for a particle
// whose p_z is not > 0 (it does not move forward through the plane).
void make_lab_frame(const Particles& beam, const RefPart& ref, LabArrays& arrays, BeamFrame& frame);

// The openPMD SpeciesType name of the reference particle's species ("electron", "positron", "proton",
// "H-"), or "unknown" for another mass/charge.
std::string species_type_name(const RefPart& ref);

// Writes one openPMD 1.1.0 series (HDF5, group-based iteration encoding) in the layout of
// ImpactX's BeamMonitor: /data/<iteration>/particles/<species>/{position,momentum,positionOffset}/{x,y,t},
// qm, weighting, id [, s_lost]; or, for a frame with the lab layout, position/momentum/positionOffset
// {x,y,z}, charge, mass, weighting, weight, time, id and the beamphysics species attributes.
//
// The data go to a hidden sibling "<dir>/.<name>.partial" so that a crash or an aborted run never
// leaves a truncated file under the final name; commit() renames it onto final_path (atomic on
// POSIX within one filesystem, replacing any older file). abandon(), or destruction without
// commit(), deletes the temporary. The directory must already exist.
//
// Not thread-safe; one writer per file. Every failure throws wakeline::RunError. A failure
// while HDF5 is writing leaves a half-written iteration behind, so the writer then refuses
// further writes and commit(); only abandon() (or destruction) remains.
class OpenPMDSeriesWriter {
 public:
  // file_pattern: empty for one file holding every iteration (groupBased); otherwise this file
  // is one iteration of a fileBased series whose file names follow the pattern, e.g.
  // "monitor_%06T.h5".
  OpenPMDSeriesWriter(std::string final_path, std::string software_version,
                      const std::string& file_pattern = "");
  ~OpenPMDSeriesWriter();
  OpenPMDSeriesWriter(const OpenPMDSeriesWriter&) = delete;
  OpenPMDSeriesWriter& operator=(const OpenPMDSeriesWriter&) = delete;

  // Writing the same species of an iteration twice is an error; other species may join it.
  void write_iteration(std::uint64_t iteration, const BeamFrame& frame);
  // The meshes of an iteration (which may also hold particles); writing them twice is an error.
  void write_mesh_iteration(std::uint64_t iteration, const CylMeshFrame& frame);
  // Pushes buffered data to the (temporary) file; it is still not visible under final_path.
  void flush();
  // Closes the file and renames it onto final_path. The writer is closed afterwards.
  void commit();
  // Closes and deletes the temporary file. Idempotent; never throws.
  void abandon() noexcept;

  [[nodiscard]] const std::string& final_path() const { return final_path_; }
  [[nodiscard]] const std::string& temporary_path() const { return temp_path_; }

 private:
  void require_writable(const char* what) const;
  bool close_file() noexcept;

  std::string final_path_;
  std::string temp_path_;
  std::int64_t file_ = -1;  // HDF5 file id (hid_t), kept out of this header; < 0 when closed
  bool owns_temp_ = false;  // the temporary exists and is ours to delete (until commit/abandon)
  std::set<std::pair<std::uint64_t, std::string>> written_;  // (iteration, species)
  std::set<std::uint64_t> meshes_written_;
  bool failed_ = false;
};

// Writes `beam` (coordinates relative to `ref`) as a single-iteration (0), single-species ("beam") openPMD
// file at `path` in the given layout; the Python module binds it as Particles.to_openpmd(path, layout).
// The impactx layout is what a beam monitor writes (species attributes: the reference particle and the
// reduced beam characteristics); the lab layout (see make_lab_frame) also opens with openPMD-viewer and,
// as a single iteration and species, with openpmd-beamphysics' ParticleGroup(path). The file appears
// complete or not at all (written beside it, then renamed). Throws RunError on failure.
void write_beam_file(const std::string& path, const Particles& beam, const RefPart& ref, BeamLayout layout,
                     const std::string& software_version);

}  // namespace wakeline::io
