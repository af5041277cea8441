#pragma once
// The list of element types. Adding an element: write its header, add it here, teach the deck
// reader its keys (io/DeckLoader.cpp) and add a test.
#include <cmath>
#include <string>
#include <variant>

#include "elements/ActivePlasmaLens.hpp"
#include "elements/Aperture.hpp"
#include "elements/BeamMonitor.hpp"
#include "elements/Buncher.hpp"
#include "elements/CFbend.hpp"
#include "elements/ChrAcc.hpp"
#include "elements/ChrDrift.hpp"
#include "elements/ChrPlasmaLens.hpp"
#include "elements/ChrQuad.hpp"
#include "elements/ConstF.hpp"
#include "elements/DipEdge.hpp"
#include "elements/Drift.hpp"
#include "elements/ExactCFbend.hpp"
#include "elements/ExactDrift.hpp"
#include "elements/ExactMultipole.hpp"
#include "elements/ExactQuad.hpp"
#include "elements/ExactSbend.hpp"
#include "elements/Kicker.hpp"
#include "elements/LinearMap.hpp"
#include "elements/Marker.hpp"
#include "elements/Multipole.hpp"
#include "elements/NonlinearLens.hpp"
#include "elements/PRot.hpp"
#include "elements/PlasmaStage.hpp"
#include "elements/PlaneXYRot.hpp"
#include "elements/PolygonAperture.hpp"
#include "elements/Programmable.hpp"
#include "elements/Quad.hpp"
#include "elements/QuadEdge.hpp"
#include "elements/RFCavity.hpp"
#include "elements/Sbend.hpp"
#include "elements/ShortRF.hpp"
#include "elements/SoftQuadrupole.hpp"
#include "elements/SoftSolenoid.hpp"
#include "elements/Solenoid.hpp"
#include "elements/Source.hpp"
#include "elements/TaperedPL.hpp"
#include "elements/ThinDipole.hpp"

namespace wakeline {

using Element =
    std::variant<elements::Drift, elements::Quad, elements::Sbend, elements::DipEdge, elements::ConstF,
                 elements::Solenoid, elements::Multipole, elements::Kicker, elements::ThinDipole,
                 elements::PRot, elements::PlaneXYRot, elements::Buncher, elements::ShortRF,
                 elements::LinearMap, elements::BeamMonitor, elements::Marker, elements::Aperture,
                 elements::PolygonAperture, elements::Source, elements::RFCavity, elements::SoftSolenoid,
                 elements::SoftQuadrupole, elements::ExactSbend, elements::CFbend, elements::ExactCFbend,
                 elements::ChrAcc, elements::ChrDrift, elements::ExactDrift, elements::ChrQuad,
                 elements::ExactQuad, elements::ChrPlasmaLens, elements::TaperedPL, elements::NonlinearLens,
                 elements::ExactMultipole, elements::QuadEdge, elements::Programmable,
                 elements::PlasmaStage, elements::ActivePlasmaLens>;

// Elements with a particle map; monitors and markers have none. Most build it from the
// reference after its push; elements whose map is integrated along the slice (soft-edge, RF)
// also need the reference at the slice entrance: particle_map(before, after).
template <class E>
concept HasParticleMap = requires(const E& e, const RefPart& r) {
  e.particle_map(r);
};
template <class E>
concept HasEntranceParticleMap = requires(const E& e, const RefPart& r) {
  e.particle_map(r, r);
};
template <class E>
concept HasEntranceLinearMap = requires(const E& e, const RefPart& r) {
  e.linear_map(r, r);
};

// The per-slice particle maps the tracker can apply (each distinct map type once).
using ParticleMap =
    std::variant<std::monostate, elements::BlockDiagonalMap, elements::MatrixMap, elements::MultipoleMap,
                 elements::KickerMap, elements::ThinDipoleMap, elements::PRotMap, elements::ShortRFMap,
                 elements::ApertureMap, elements::PolygonApertureMap, elements::ExactSbendMap,
                 elements::ExactCFbendMap, elements::ChrAccMap, elements::ChromaticMap,
                 elements::ExactDriftMap, elements::ExactQuadMap, elements::ExactMultipoleMap,
                 elements::TaperedPLMap, elements::NonlinearLensMap, elements::QuadEdgeMap,
                 elements::DipEdgeFringeMap>;

inline const elements::ElementCommon& common(const Element& e) {
  return std::visit([](const auto& el) -> const elements::ElementCommon& { return el; }, e);
}
inline elements::ElementCommon& common(Element& e) {
  return std::visit([](auto& el) -> elements::ElementCommon& { return el; }, e);
}
inline std::string type_name(const Element& e) {
  return std::visit([](const auto& el) { return std::string(std::decay_t<decltype(el)>::type); }, e);
}
// Pushes the reference particle through one slice of the element.
inline void push_reference(const Element& e, RefPart& ref) {
  std::visit([&](const auto& el) { el.push_reference(ref); }, e);
}
// An element whose map kind depends on its settings (dipedge: linear or nonlinear model)
// returns a variant of the kinds it can have.
template <class M>
ParticleMap as_particle_map(M&& m) {
  return std::move(m);
}
template <class... Ms>
ParticleMap as_particle_map(std::variant<Ms...>&& m) {
  return std::visit([](auto& one) -> ParticleMap { return one; }, m);
}
// The particle map of one slice: `before` is the reference at the slice entrance, `after` the
// same reference pushed through the slice.
inline ParticleMap particle_map(const Element& e, const RefPart& before, const RefPart& after) {
  return std::visit(
      [&](const auto& el) -> ParticleMap {
        using E = std::decay_t<decltype(el)>;
        if constexpr (HasEntranceParticleMap<E>) {
          return as_particle_map(el.particle_map(before, after));
        } else if constexpr (HasParticleMap<E>) {
          return as_particle_map(el.particle_map(after));
        } else {
          return std::monostate{};
        }
      },
      e);
}
// The 6x6 linear map of one slice about the reference orbit (same arguments).
inline Matrix6 linear_map(const Element& e, const RefPart& before, const RefPart& after) {
  return std::visit(
      [&](const auto& el) {
        if constexpr (HasEntranceLinearMap<std::decay_t<decltype(el)>>) {
          return el.linear_map(before, after);
        } else {
          return el.linear_map(after);
        }
      },
      e);
}
// The linear map of a rolled element: shift_in rotates (x, y) and (px, py) by the roll angle and
// shift_out rotates back, so R -> A^T R A. (Translations dx, dy only move the orbit.)
inline Matrix6 rolled(const Matrix6& r, double roll_deg) {
  if (roll_deg == 0.0) return r;
  const double c = std::cos(elements::deg2rad(roll_deg)), s = std::sin(elements::deg2rad(roll_deg));
  Matrix6 a = Matrix6::identity();  // z' = a z on entry
  for (int k = 0; k < 2; ++k) {
    a(k, k) = c, a(k, 2 + k) = s;
    a(2 + k, k) = -s, a(2 + k, 2 + k) = c;
  }
  return a.transpose() * r * a;
}

// Pushes `ref` through one slice and returns that slice's linear map, with the element's roll.
inline Matrix6 push_with_linear_map(const Element& e, RefPart& ref) {
  const RefPart before = ref;
  push_reference(e, ref);
  return rolled(linear_map(e, before, ref), common(e).alignment.rotation_deg);
}

}  // namespace wakeline
