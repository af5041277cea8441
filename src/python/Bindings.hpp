#pragma once
// The pybind11 module wakeline._core: the C++ core as the pure-Python package `wakeline` uses
// it (src/python/wakeline/). One function per area binds its types and functions.
#include <pybind11/pybind11.h>

namespace wakeline::python {

void bind_beam(pybind11::module_& m);        // RefPart, Particles (NumPy views), moments
void bind_lattice(pybind11::module_& m);     // Element, deck-built and programmable elements, maps
void bind_simulation(pybind11::module_& m);  // Simulation, settings, beams, tracking, diagnostics
void bind_io(pybind11::module_& m);          // openPMD beams, PALS lattices

}  // namespace wakeline::python
