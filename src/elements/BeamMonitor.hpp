#pragma once
#include <string>

#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// Writes the beam to diags/openPMD/<output_name>.h5 each time the beam passes (one openPMD
// iteration per visit, numbered by the global slice step). Monitors sharing an output name
// share one series. It does not change the beam.
struct BeamMonitor : ElementCommon {
  static constexpr const char* type = "beam_monitor";
  std::string output_name;  // the element name unless `name` is set
  std::string backend = "h5";
  bool file_based = false;          // encoding = f: one file per iteration
  int period_sample_intervals = 1;  // write every N-th period
  bool write_particles = true;      // `particles`: the particle records
  bool write_moments = true;        // `beam_moments`: the reduced beam characteristics as attributes

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
