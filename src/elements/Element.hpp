#pragma once
// The list of element types. Adding an element: write its header, add it here, teach the deck
// reader its keys (io/DeckLoader.cpp) and add a test.
#include <string>
#include <variant>

#include "elements/BeamMonitor.hpp"
#include "elements/Buncher.hpp"
#include "elements/ConstF.hpp"
#include "elements/DipEdge.hpp"
#include "elements/Drift.hpp"
#include "elements/Kicker.hpp"
#include "elements/LinearMap.hpp"
#include "elements/Marker.hpp"
#include "elements/Multipole.hpp"
#include "elements/PRot.hpp"
#include "elements/PlaneXYRot.hpp"
#include "elements/Quad.hpp"
#include "elements/Sbend.hpp"
#include "elements/ShortRF.hpp"
#include "elements/Solenoid.hpp"
#include "elements/ThinDipole.hpp"

namespace wakeline {

using Element = std::variant<elements::Drift, elements::Quad, elements::Sbend, elements::DipEdge,
                             elements::ConstF, elements::Solenoid, elements::Multipole, elements::Kicker,
                             elements::ThinDipole, elements::PRot, elements::PlaneXYRot, elements::Buncher,
                             elements::ShortRF, elements::LinearMap, elements::BeamMonitor, elements::Marker>;

// Elements with a particle map; monitors and markers have none.
template <class E>
concept HasParticleMap = requires(const E& e, const RefPart& r) { e.particle_map(r); };

// The per-slice particle maps the tracker can apply (each distinct map type once).
using ParticleMap = std::variant<std::monostate, elements::BlockDiagonalMap, elements::MatrixMap,
                                 elements::MultipoleMap, elements::KickerMap, elements::ThinDipoleMap,
                                 elements::PRotMap, elements::ShortRFMap>;

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
// The particle map of one slice, built from the reference particle after its push.
inline ParticleMap particle_map(const Element& e, const RefPart& ref) {
  return std::visit(
      [&](const auto& el) -> ParticleMap {
        if constexpr (HasParticleMap<std::decay_t<decltype(el)>>) {
          return el.particle_map(ref);
        } else {
          return std::monostate{};
        }
      },
      e);
}
// The 6x6 linear map of one slice about the reference (reference already pushed).
inline Matrix6 linear_map(const Element& e, const RefPart& ref) {
  return std::visit([&](const auto& el) { return el.linear_map(ref); }, e);
}

}  // namespace wakeline
