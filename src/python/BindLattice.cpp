// Elements: built from ImpactX-dialect keys (the deck reader validates them, one mechanism for
// decks and Python), or programmable with Python pushes; transfer maps.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "core/Error.hpp"
#include "elements/Element.hpp"
#include "io/DeckLoader.hpp"
#include "io/InputDeck.hpp"
#include "python/Bindings.hpp"
#include "python/Convert.hpp"
#include "tracking/Lattice.hpp"

namespace py = pybind11;

namespace wakeline::python {

void bind_lattice(py::module_& m) {
  py::class_<ElementHandle>(m, "Element", "One lattice element of the C++ core")
      .def_property_readonly("name", [](const ElementHandle& e) { return common(e.element).name; })
      .def_property_readonly("type", [](const ElementHandle& e) { return type_name(e.element); })
      .def_property_readonly("ds", [](const ElementHandle& e) { return common(e.element).ds; })
      .def_property_readonly("nslice", [](const ElementHandle& e) { return common(e.element).nslice; })
      .def(
          "slice_map",
          [](const ElementHandle& e, RefPart ref) {
            const Matrix6 r = push_with_linear_map(e.element, ref);
            return py::make_tuple(to_numpy(r), ref);
          },
          py::arg("ref"),
          "(R, ref_after): the 6x6 linear map of one slice about the reference, and the reference "
          "pushed through that slice (the argument is not changed)");

  m.def(
      "element_from_deck",
      [](const std::string& text, const std::string& name, int default_nslice, double reference_mass,
         const std::string& origin) {
        return with_origin(origin, [&] {
          io::InputDeck deck = io::InputDeck::from_string(text, origin);
          std::vector<std::string> notices;
          Element e = io::read_element(deck, name, default_nslice, reference_mass, notices);
          for (const std::string& key : deck.unread_keys()) {
            throw InputError(key, origin, "is not a parameter of this element");
          }
          return py::make_tuple(ElementHandle{std::move(e)}, notices);
        });
      },
      py::arg("text"), py::arg("name"), py::arg("default_nslice"), py::arg("reference_mass"),
      py::arg("origin"),
      "(element, notices): the element `name` of an ImpactX-dialect text (keys <name>.type, ...)");

  m.def(
      "programmable",
      [](const std::string& name, double ds, int nslice, py::object push_beam, py::object push_ref) {
        if (nslice < 1) throw InputError("nslice", name, "it must be >= 1");
        elements::Programmable p;
        p.name = name, p.ds = ds, p.nslice = nslice;
        // The callbacks get the particles and the reference by reference (pybind11 would copy an
        // lvalue argument), so what they change is what the tracker continues with.
        constexpr auto by_ref = py::return_value_policy::reference;
        if (!push_beam.is_none()) {
          p.push_beam = [f = py::function(push_beam)](Particles& beam, const RefPart& ref, std::uint64_t step,
                                                      int period) {
            f(py::cast(&beam, by_ref), py::cast(&ref, by_ref), step, period);
          };
        }
        if (!push_ref.is_none()) {
          p.push_ref = [f = py::function(push_ref)](RefPart& ref) { f(py::cast(&ref, by_ref)); };
        }
        return ElementHandle{Element(std::move(p))};
      },
      py::arg("name"), py::arg("ds"), py::arg("nslice"), py::arg("push_beam"), py::arg("push_ref"),
      "A programmable element: push_beam(particles, ref, step, period) and push_ref(ref), each per slice "
      "(either may be None)");

  m.def(
      "transfer_map",
      [](const std::vector<ElementHandle>& elements, const RefPart& ref) {
        Lattice lattice;
        for (const ElementHandle& e : elements) lattice.elements.push_back(e.element);
        return to_numpy(transfer_map(lattice, ref));
      },
      py::arg("elements"), py::arg("ref"),
      "The 6x6 linear transfer map of the elements about the reference orbit (ref at the entrance)");
}

}  // namespace wakeline::python
