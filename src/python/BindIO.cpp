// openPMD beams and PALS lattices: the C++ readers and writers, for wakeline.pals and sim.beam.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "distribution/Distribution.hpp"
#include "elements/Element.hpp"
#include "io/OpenPMDReader.hpp"
#include "io/OpenPMDWriter.hpp"
#include "io/PalsLattice.hpp"
#include "python/Bindings.hpp"
#include "python/Convert.hpp"

namespace py = pybind11;

namespace wakeline::python {

namespace {

elements::BeamLayout parse_layout(const std::string& layout) {
  if (layout == "impactx") return elements::BeamLayout::impactx;
  if (layout == "lab") return elements::BeamLayout::lab;
  throw InputError("layout", "", "'" + layout + "' is not valid; valid: impactx, lab");
}

// "auto", "mean" or a z in m (absolute), as the deck key *.openpmd_reference_plane.
ReferencePlane parse_plane(const py::object& plane) {
  ReferencePlane p;
  if (plane.is_none()) return p;
  if (py::isinstance<py::str>(plane)) {
    const auto s = plane.cast<std::string>();
    if (s == "auto") return p;
    if (s == "mean") {
      p.kind = ReferencePlane::Kind::mean;
      return p;
    }
    throw InputError("reference_plane", "", "'" + s + "' is not valid; valid: auto, mean, or a z in m");
  }
  p.kind = ReferencePlane::Kind::given;
  p.z = plane.cast<double>();
  return p;
}

std::vector<py::object> wrap(std::vector<Element>&& elements) {
  std::vector<py::object> out;
  for (Element& e : elements) out.push_back(py::cast(ElementHandle{std::move(e)}));
  return out;
}

}  // namespace

void bind_io(py::module_& m) {
  m.def(
      "write_beam_file",
      [](const std::string& path, const Particles& beam, const RefPart& ref, const std::string& layout) {
        io::write_beam_file(path, beam, ref, parse_layout(layout), WAKELINE_VERSION);
      },
      py::arg("path"), py::arg("beam"), py::arg("ref"), py::arg("layout") = "impactx",
      "Writes the beam as a one-iteration openPMD file (layout 'impactx' or 'lab', see "
      "docs/user-guide/openpmd.md)");
  m.def(
      "read_beam_file",
      [](const std::string& path, const RefPart& ref, long long iteration, const std::string& species,
         const py::object& plane) {
        return io::read_beam_file(path, ref, iteration, species, parse_plane(plane));
      },
      py::arg("path"), py::arg("ref"), py::arg("iteration") = -1, py::arg("species") = "",
      py::arg("reference_plane") = py::none(),
      "The particles of an openPMD file (Wakeline, ImpactX, WarpX, Wake-T) relative to `ref`");
  m.def(
      "read_pals",
      [](const std::string& path, const RefPart& ref, int nslice) {
        std::vector<std::string> notices;
        auto elements = io::read_pals_lattice(path, ref, nslice, notices);
        return py::make_tuple(wrap(std::move(elements)), notices);
      },
      py::arg("path"), py::arg("ref"), py::arg("nslice") = 1, "(elements, notices) of a PALS lattice file");
  m.def(
      "read_pals_text",
      [](const std::string& text, const std::string& name, const RefPart& ref, int nslice) {
        std::vector<std::string> notices;
        auto elements = io::read_pals_lattice_text(text, name, ref, nslice, notices);
        return py::make_tuple(wrap(std::move(elements)), notices);
      },
      py::arg("text"), py::arg("name"), py::arg("ref"), py::arg("nslice") = 1);
  m.def(
      "write_pals",
      [](const std::vector<ElementHandle>& list, const RefPart& ref, const std::string& name) {
        std::vector<Element> elements;
        for (const ElementHandle& e : list) elements.push_back(e.element);
        return io::write_pals_lattice(elements, ref, name);
      },
      py::arg("elements"), py::arg("ref"), py::arg("name") = "lattice", "The elements as PALS YAML text");
}

}  // namespace wakeline::python
