#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "distribution/Distribution.hpp"
#include "io/OpenPMDWriter.hpp"

namespace wakeline::io {

// One species of one iteration of an openPMD series, in SI. Every component has been multiplied by its
// unitSI. Which variables it holds depends on the layout found in the file (from the records present:
// position/t means impactx, position/z means lab):
//
// impactx (ImpactX's BeamMonitor, Wakeline's default monitors): ImpactX's variables as stored (see
//   core/Particles.hpp): x, y, t in m (t = c*dt), px, py, pt dimensionless relative to the reference
//   particle of the run that wrote the file, qm in C/kg, w = real particles per macroparticle.
// lab (WarpX, Wake-T, Wakeline's lab layout, ...): particles at one time in the lab frame: x, y, z the
//   absolute position in m (position + positionOffset), px, py, pz the momentum of one real particle in
//   kg m/s, charge (C) and mass (kg) of one real particle, w = real particles per macroparticle.
//   Records flagged macroWeighted = 1 (ED-PIC) have been divided by w^weightingPower.
struct BeamData {
  std::uint64_t iteration = 0;
  std::string species;  // the species read (the default resolved)
  BeamLayout layout = BeamLayout::impactx;
  double time = 0.0;  // the iteration's time * timeUnitSI (s; ImpactX stores s_ref in m there)
  // impactx: position/{x,y,t}, momentum/{x,y,t}; lab: position/{x,y,z}, momentum/{x,y,z}, all the same
  // length. qm and w are empty when the species has no such record; z and pz are empty in impactx.
  std::vector<double> x, y, t, px, py, pt, qm, w;
  std::vector<double> z, pz;
  std::vector<double> charge, mass;          // lab: one value per particle (constants broadcast)
  std::vector<std::uint64_t> id;             // empty if there is no id record
  std::map<std::string, double> attributes;  // the species' numeric scalar attributes (charge_C, s_ref, ...)
  double ref_x = 0, ref_y = 0, ref_t = 0;    // impactx: positionOffset components (0 if absent)
};

// Reads `species` of one iteration of an openPMD 1.x series stored in HDF5.
//
// `path` is either one .h5 file (a groupBased series, or one file of a fileBased series), or a
// fileBased pattern in openPMD-api style such as "diags/openPMD/monitor_%06T.h5": "%T" stands for
// the iteration number and "%0<N>T" for one zero-padded to at least N digits. The pattern's
// files are found by listing its directory.
//
// iteration < 0 (the default) selects the highest iteration present. An empty `species` selects
// "beam" if the iteration has it, else its only species; with several and no "beam" it is an error
// that lists them.
//
// The layout followed is openPMD 1.1's: root attributes basePath ("/data/%T/") and particlesPath,
// records as groups of component datasets (or scalar records as one dataset), components stored
// as datasets of any integer or floating-point type or as constant components (a group with
// attributes "value" and "shape"; a constant of shape [1] stands for every particle, as Wake-T writes
// charge, mass and positionOffset). Each component is multiplied by its unitSI attribute. A lab-layout
// species needs the records charge and mass (as WarpX and Wake-T write them).
//
// Problems with the file (missing, not HDF5, not openPMD, no such iteration or species, missing
// or inconsistent records) throw wakeline::InputError(key, <file or pattern>, message); `key` names
// the deck key the path came from. Internal HDF5 failures throw wakeline::RunError.
BeamData read_openpmd_beam(const std::string& path, const std::string& key, long long iteration = -1,
                           const std::string& species = "");

// A beam file's particles in ImpactX's coordinates relative to a reference particle.
struct ImportedBeam {
  // x, y, t, px, py, pt relative to the reference; qm; w; ids (the file's when it has valid, unique ones,
  // else 1..n); s_lost = 0.
  Particles particles;
  double bunch_charge = 0.0;  // C, >= 0
  double plane_z = 0.0;       // lab: the absolute z (m) of the reference plane used; impactx: 0
};

// Converts what read_openpmd_beam returned into ImpactX coordinates relative to `ref`
// (docs/user-guide/openpmd.md):
//
// impactx layout: the coordinates are relative to the reference particle of the run that wrote the file.
//   When the species carries that reference (beta_gamma_ref and mass_ref) and its momentum or mass differ
//   from `ref`'s, px, py, pt are re-expressed relative to `ref` (same momenta and energies); t, x, y are
//   kept. The bunch charge is the attribute charge_C if present (ImpactX's rule), else the sum of
//   weighting * |qm| * ref.mass; every particle gets the weight bunch_charge / (|ref.charge| n) and
//   qm = ref.qm(), as ImpactX's source element does.
// lab layout: the reference particle moves along +z at x = y = 0 and crosses the reference plane
//   z = z_plane at the time of the file's iteration. Each particle moves on a straight line with its own
//   velocity to that plane: t = c (arrival - reference arrival) = (z_plane - z) / beta_z,
//   x = x_lab + (p_x / p_z)(z_plane - z) (and y), px = p_x / p0, py = p_y / p0,
//   pt = -(E - E_ref) / (p0 c) with E = sqrt(p^2 c^2 + m^2 c^4) from the particle's own mass.
//   qm = charge / mass, w = weighting (1 if absent); bunch charge = sum of w |charge|.
//   z_plane: ReferencePlane::Kind::automatic takes the attribute s_ref when the species has it (a file in
//   Wakeline's lab layout, whose positionOffset/z is s_ref: the round trip is exact), else the weighted
//   mean z; mean forces the weighted mean; given takes plane.z.
//
// Throws InputError(key, where, ...) for a particle that does not move forward (p_z <= 0), a mass that
// is not > 0, or an empty beam with a plane from its mean.
ImportedBeam import_beam(const BeamData& data, const RefPart& ref, const ReferencePlane& plane,
                         const std::string& key, const std::string& where);

// read_openpmd_beam + import_beam, for the Python module (Particles.from_openpmd / read_beam_file):
// the particles of `path` relative to `ref`. Errors name the key "path".
Particles read_beam_file(const std::string& path, const RefPart& ref, long long iteration = -1,
                         const std::string& species = "", const ReferencePlane& plane = {});

}  // namespace wakeline::io
