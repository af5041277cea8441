#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "io/OpenPMDWriter.hpp"
#include "tracking/Simulation.hpp"

namespace wakeline::io {

struct DiagnosticsOptions {
  bool enable = true;                 // diag.enable: ASCII reduced diagnostics and reference particle
  std::string file_prefix = "diags";  // diag.file_prefix
  int file_min_digits = 6;            // diag.file_min_digits: iteration digits for encoding = f
  bool eigenemittances = false;       // diag.eigenemittances: emittance_1..3 in the outputs
};

// Writes ImpactX's output layout under <file_prefix>/:
//   reduced_beam_characteristics.0 (+ _final.0), ref_particle.0 (+ _final.0),
//   openPMD/<monitor>.h5 for every beam monitor, openPMD/particles_lost.h5 when particles are lost,
//   and openPMD/<stage>_fields.h5 for a plasma stage asked for field snapshots.
// Everything is written into a hidden staging folder beside <file_prefix>; commit() moves an
// existing <file_prefix> aside to <file_prefix>.old.<time> and puts the new one in place, so a
// run that fails leaves no partial output (abandon(), or destruction without commit()).
class DiagnosticsWriter : public TrackObserver {
 public:
  DiagnosticsWriter(DiagnosticsOptions options, std::string software_version);
  ~DiagnosticsWriter() override;
  DiagnosticsWriter(const DiagnosticsWriter&) = delete;
  DiagnosticsWriter& operator=(const DiagnosticsWriter&) = delete;

  void initial(const Simulation& sim) override;
  void after_slice(const Simulation& sim) override;
  void monitor(const elements::BeamMonitor& m, const Simulation& sim) override;
  // openPMD/<stage>_fields.h5: one iteration per snapshot, numbered in order.
  void stage_fields(const std::string& stage, const elements::StageFieldSnapshot& fields,
                    const RefPart& entrance, const Simulation& sim) override;
  [[nodiscard]] bool wants_stage_fields() const override { return true; }
  void progress(std::uint64_t step, std::uint64_t total_steps) override;
  void final(const Simulation& sim) override;

  // Called with (step, total) on every slice; the CLI draws its progress bar with it.
  std::function<void(std::uint64_t, std::uint64_t)> on_progress;

  // Writes a whole text file (e.g. optics tables) into the output folder.
  void write_text(const std::string& name, const std::string& content);

  // Makes the output visible under its final name; returns that path.
  std::filesystem::path commit();
  void abandon();

 private:
  void write_reduced_header(std::ofstream& out) const;
  void write_reduced_line(std::ofstream& out, const Simulation& sim);
  static void write_ref_line(std::ofstream& out, const Simulation& sim);

  DiagnosticsOptions options_;
  std::string version_;
  std::filesystem::path final_dir_, staging_dir_;
  std::ofstream reduced_, ref_;
  std::map<std::string, std::unique_ptr<OpenPMDSeriesWriter>> series_;  // by output name
  std::map<std::string, std::uint64_t> stage_snapshots_;                // snapshots written, by stage
  bool committed_ = false;
  bool with_beam_ = true;  // false in reference-orbit runs: no reduced beam characteristics
};

// Species attributes of a beam frame: the reference particle (s_ref, gamma_ref, ...) and the
// reduced beam characteristics, as ImpactX's BeamMonitor writes them.
std::vector<std::pair<std::string, double>> beam_attributes(const Simulation& sim, const Particles& beam,
                                                            bool with_eigenemittances = false);
// Only the reference-particle part (and the period) of beam_attributes.
std::vector<std::pair<std::string, double>> reference_attributes(const Simulation& sim);
// The same from a reference particle and a period number (for a beam outside a Simulation).
std::vector<std::pair<std::string, double>> reference_attributes(const RefPart& ref, int period);
std::vector<std::pair<std::string, double>> beam_attributes(const RefPart& ref, const Particles& beam,
                                                            int period, bool with_eigenemittances = false);

}  // namespace wakeline::io
