#pragma once
#include "collective/SpaceChargeSettings.hpp"
#include "core/Matrix6.hpp"
#include "core/RefPart.hpp"

// Space charge for algo.track = envelope (ImpactX's EnvelopeSpaceChargePush; reference/impactx.md
// 4.2). The beam is replaced by the equivalent uniform distribution with the same second moments:
// a KV beam (2D: a long beam of current I) or a uniformly filled ellipsoid (3D: a bunch of charge
// Q). Its self-field is linear in the coordinates, so over a slice of length L it is one linear
// kick R about the centroid, and the covariance maps as Sigma <- R Sigma R^T. The kick changes the
// momenta only, so the positions, and with them R, are the same after the kick: R(-L) is the
// exact inverse of R(L).
namespace wakeline::collective {

// Carlson's symmetric elliptic integral of the second kind,
//   R_D(x, y, z) = 3/2 Int_0^inf dt / ((t + x)^(1/2) (t + y)^(1/2) (t + z)^(3/2)),
// by the duplication algorithm of Carlson (Numer. Algorithms 10, 13 (1995)) to about machine
// precision. Needs x, y >= 0 with at most one of them zero, and z > 0; otherwise returns NaN.
[[nodiscard]] double carlson_rd(double x, double y, double z);

// The 2D (KV) kick of a slice of length L (m) for a beam of current current_A (A); sigma is the
// covariance about the centroid, ref the reference at the slice entrance. Identity for I = 0 or
// L = 0. Throws RunError if the transverse beam has no area (the KV field is singular there).
[[nodiscard]] Matrix6 envelope_kick_2d(const Matrix6& sigma, const RefPart& ref, double current_A, double L);

// The 3D (uniform ellipsoid) kick of a slice of length L (m) for a bunch of charge charge_C (C;
// the sign does not matter). Uses the diagonal of sigma only: the model assumes <xy> = <yt> =
// <tx> = 0 (see envelope_3d_correlation). Throws RunError if a size is zero.
[[nodiscard]] Matrix6 envelope_kick_3d(const Matrix6& sigma, const RefPart& ref, double charge_C, double L);

// The largest normalised position correlation |<uv>| / sqrt(<u^2><v^2>) over (x, y), (y, t) and
// (t, x): what the 3D model neglects. 0 for a beam with a zero size.
[[nodiscard]] double envelope_3d_correlation(const Matrix6& sigma);

// The kick of the selected model: 2D with current_A, 3D with charge_C, identity when off.
[[nodiscard]] Matrix6 envelope_space_charge_kick(const Matrix6& sigma, const RefPart& ref, double L,
                                                 SpaceChargeModel model, double current_A, double charge_C);

}  // namespace wakeline::collective
