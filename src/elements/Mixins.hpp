#pragma once
// Pieces shared by element headers: slicing, misalignment, pipe aperture, reference pushes,
// and the 2x2 focusing block that quads, constant focusing and solenoids share.
#include <cmath>
#include <string>

#include "core/Constants.hpp"
#include "core/HostDevice.hpp"
#include "core/Matrix6.hpp"
#include "core/RefPart.hpp"

namespace wakeline::elements {

// Length and slicing of a thick element. Thin elements have ds = 0 and one slice.
struct Thick {
  double ds = 0.0;  // m; negative ds gives the inverse map
  int nslice = 1;
  [[nodiscard]] double slice_ds() const { return ds / nslice; }
};

// Transverse misalignment (ImpactX: dx, dy in m, rotation in degrees). It acts on the beam
// particles in the element frame and never on the reference particle.
struct Alignment {
  double dx = 0.0, dy = 0.0, rotation_deg = 0.0;
  [[nodiscard]] bool active() const { return dx != 0.0 || dy != 0.0 || rotation_deg != 0.0; }
};

// Elliptical pipe aperture, checked in the element frame after every slice; off unless
// both half-axes are positive.
struct PipeAperture {
  double aperture_x = 0.0, aperture_y = 0.0;
  [[nodiscard]] bool active() const { return aperture_x > 0.0 && aperture_y > 0.0; }
};

// Reference push through a straight slice of length L.
inline void push_reference_straight(RefPart& ref, double L) {
  const double step = L / ref.beta_gamma();
  ref.x += step * ref.px;
  ref.y += step * ref.py;
  ref.z += step * ref.pz;
  ref.t -= step * ref.pt;
  ref.s += L;
}

// Reference push through a circular arc of radius rc and angle theta (positive rc bends toward
// -x); s advances by `ds` (ExactSbend advances s by ds/nslice even when the arc length rc * theta
// differs).
inline void push_reference_arc(RefPart& ref, double rc, double theta, double ds) {
  const double B = ref.beta_gamma() / rc;
  const double px = ref.px, pz = ref.pz;
  ref.px = px * std::cos(theta) - pz * std::sin(theta);
  ref.pz = pz * std::cos(theta) + px * std::sin(theta);
  ref.x += (ref.pz - pz) / B;
  ref.z -= (ref.px - px) / B;
  ref.y += (theta / B) * ref.py;
  ref.t -= (theta / B) * ref.pt;
  ref.s += ds;
}

// Reference push through a slice of length L of a sector bend of radius rc.
inline void push_reference_bend(RefPart& ref, double L, double rc) { push_reference_arc(ref, rc, L / rc, L); }

// Rotates the reference momentum in the x-z plane by theta (thin dipole kick).
inline void rotate_reference_momentum(RefPart& ref, double theta) {
  const double px = ref.px, pz = ref.pz;
  ref.px = px * std::cos(theta) - pz * std::sin(theta);
  ref.pz = pz * std::cos(theta) + px * std::sin(theta);
}

// Transfer block [[c, s], [-g s, c]] of q'' = -g q over length L: trigonometric for g > 0,
// hyperbolic for g < 0, a drift for g = 0. `s` is sin(wL)/w, continuous as g -> 0.
struct FocusBlock {
  double c = 1.0, s = 0.0, sp = 0.0;  // R11 (= R22), R12, R21
};
inline FocusBlock focus_block(double g, double L) {
  FocusBlock b;
  if (g > 0.0) {
    const double w = std::sqrt(g);
    b.c = std::cos(w * L), b.s = std::sin(w * L) / w, b.sp = -w * std::sin(w * L);
  } else if (g < 0.0) {
    const double w = std::sqrt(-g);
    b.c = std::cosh(w * L), b.s = std::sinh(w * L) / w, b.sp = w * std::sinh(w * L);
  } else {
    b.c = 1.0, b.s = L, b.sp = 0.0;
  }
  return b;
}

inline double deg2rad(double deg) { return deg * constants::pi / 180.0; }

}  // namespace wakeline::elements
