#include <pybind11/pybind11.h>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "python/Bindings.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "Wakeline's C++ core (use the `wakeline` package, not this module directly)";
  m.attr("__version__") = WAKELINE_VERSION;
  // CODATA constants as the core uses them (SI).
  m.attr("c") = wakeline::constants::c;
  m.attr("q_e") = wakeline::constants::q_e;
  m.attr("m_e") = wakeline::constants::m_e;
  m.attr("m_p") = wakeline::constants::m_p;
  m.attr("MeV") = wakeline::constants::MeV;
  // Bad input becomes wakeline.InputError (a ValueError), naming the key and where it came from;
  // failures during a run become RuntimeError.
  static py::exception<wakeline::InputError> input_error(m, "InputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const wakeline::InputError& e) {
      py::set_error(input_error, e.what());
    } catch (const wakeline::RunError& e) {
      py::set_error(PyExc_RuntimeError, e.what());
    }
  });
  wakeline::python::bind_beam(m);
  wakeline::python::bind_lattice(m);
  wakeline::python::bind_simulation(m);
  wakeline::python::bind_io(m);
}
