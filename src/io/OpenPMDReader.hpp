#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wakeline::io {

// One species of one iteration of an openPMD series, in SI and in ImpactX's variables as stored
// (see core/Particles.hpp): x, y, t in m (t = c*dt), px, py, pt dimensionless, qm in C/kg,
// w = real particles per macroparticle. Every component has been multiplied by its unitSI.
struct BeamData {
  std::uint64_t iteration = 0;
  // position/{x,y,t}, momentum/{x,y,t}, qm, weighting. qm and w are empty when the species has
  // no such record; the others all have the same length.
  std::vector<double> x, y, t, px, py, pt, qm, w;
  std::vector<std::uint64_t> id;             // empty if there is no id record
  std::map<std::string, double> attributes;  // the species' numeric scalar attributes (charge_C, s_ref, ...)
  double ref_x = 0, ref_y = 0, ref_t = 0;    // positionOffset components (0 if absent)
};

// Reads `species` of one iteration of an openPMD 1.x series stored in HDF5.
//
// `path` is either one .h5 file (a groupBased series, or one file of a fileBased series), or a
// fileBased pattern in openPMD-api style such as "diags/openPMD/monitor_%06T.h5": "%T" stands for
// the iteration number and "%0<N>T" for one zero-padded to at least N digits. The pattern's
// files are found by listing its directory.
//
// iteration < 0 (the default) selects the highest iteration present.
//
// The layout followed is openPMD 1.1's: root attributes basePath ("/data/%T/") and particlesPath,
// records as groups of component datasets (or scalar records as one dataset), components stored
// as datasets of any integer or floating-point type or as constant components (a group with
// attributes "value" and "shape"). Each component is multiplied by its unitSI attribute.
//
// Problems with the file (missing, not HDF5, not openPMD, no such iteration or species, missing
// or inconsistent records) throw wakeline::InputError(key, <file or pattern>, message); `key` names
// the deck key the path came from. Internal HDF5 failures throw wakeline::RunError.
BeamData read_openpmd_beam(const std::string& path, const std::string& key, long long iteration = -1,
                           const std::string& species = "beam");

}  // namespace wakeline::io
