#pragma once
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace wakeline::io {

// One iteration's particle data, borrowed from the caller for the duration of write_iteration().
// Coordinates follow ImpactX (see core/Particles.hpp): x, y, t in m (t = c*dt), px, py, pt
// dimensionless, qm in C/kg, w = number of real particles per macroparticle.
struct BeamFrame {
  std::string species = "beam";
  std::size_t n = 0;
  const double *x{}, *y{}, *t{}, *px{}, *py{}, *pt{}, *qm{}, *w{};  // arrays of length n
  const std::int64_t* id{};                // written as uint64 record "id" (absolute value)
  const double* s_lost = nullptr;          // when non-null, written as extra scalar record "s_lost" (m)
  // Further dimensionless per-particle scalar records (e.g. the IOTA invariants "H", "I").
  std::vector<std::pair<std::string, const double*>> extra_records;
  double ref_x = 0, ref_y = 0, ref_t = 0;  // positionOffset/{x,y,t}: reference particle
  // Species-level attributes (s_ref, gamma_ref, ..., mean_x, sigma_x, ...), written as double.
  std::vector<std::pair<std::string, double>> attributes;
  double time = 0;  // iteration "time" attribute, with timeUnitSI = 1
};

// Writes one openPMD 1.1.0 series (HDF5, group-based iteration encoding) in the layout of
// ImpactX's BeamMonitor: /data/<iteration>/particles/<species>/{position,momentum,positionOffset}/{x,y,t},
// qm, weighting, id [, s_lost].
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

  // Writing the same iteration twice is an error.
  void write_iteration(std::uint64_t iteration, const BeamFrame& frame);
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
  std::set<std::uint64_t> written_;
  bool failed_ = false;
};

}  // namespace wakeline::io
