#pragma once
#include <string>

#include "elements/ElementCommon.hpp"

namespace wakeline::elements {

// The openPMD particle layout of a beam file (docs/user-guide/openpmd.md):
//  impactx: ImpactX's BeamMonitor layout at fixed s: position/{x,y,t} in m (t = c*dt), momentum/{x,y,t}
//           normalised to the reference momentum (px, py, pt), qm, weighting, id.
//  lab:     the beam in the lab frame at the reference particle's time, in SI: position/{x,y,z} in m
//           (z absolute along the reference orbit: positionOffset/z = s_ref), momentum/{x,y,z} in kg m/s,
//           constant charge and mass, weighting, id, and what openPMD-viewer and openpmd-beamphysics read.
enum class BeamLayout { impactx, lab };

// Writes the beam to diags/openPMD/<output_name>.h5 each time the beam passes (one openPMD
// iteration per visit, numbered by the global slice step). Monitors sharing an output name
// share one series. It does not change the beam.
struct BeamMonitor : ElementCommon {
  static constexpr const char* type = "beam_monitor";
  std::string output_name;  // the element name unless `name` is set
  std::string backend = "h5";
  bool file_based = false;                  // encoding = f: one file per iteration
  int period_sample_intervals = 1;          // write every N-th period
  bool write_particles = true;              // `particles`: the particle records
  bool write_moments = true;                // `beam_moments`: the reduced beam characteristics as attributes
  BeamLayout layout = BeamLayout::impactx;  // `layout`: impactx (default) or lab
  // `nonlinear_lens_invariants`: also write the IOTA invariants H and I of every particle, for a
  // lattice with Twiss alpha, beta (m) at the insert, strength tn and scale cn (m^1/2).
  bool lens_invariants = false;
  double alpha = 0.0, beta = 1.0, tn = 0.0, cn = 1.0;

  void push_reference(RefPart& /*ref*/) const {}
  [[nodiscard]] Matrix6 linear_map(const RefPart& /*ref*/) const { return Matrix6::identity(); }
};

}  // namespace wakeline::elements
