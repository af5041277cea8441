// RefPart, the particle container with NumPy views of its arrays, and beam moments.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>

#include "core/Error.hpp"
#include "core/Particles.hpp"
#include "core/RefPart.hpp"
#include "python/Bindings.hpp"
#include "tracking/Moments.hpp"

namespace py = pybind11;

namespace wakeline::python {

namespace {

// A NumPy array over the container's own memory (no copy). `owner` (the Python object of the
// container) is the array's base, so the container outlives the view. A view holds the arrays as
// they are when it is made: particles lost or added afterwards reallocate them, so ask again.
template <class T>
py::array_t<T> view(ParticleVector<T>& v, py::handle owner) {
  return py::array_t<T>({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(T))}, v.data(),
                        owner);
}

template <class T>
void append(ParticleVector<T>& to, const py::array_t<T, py::array::c_style | py::array::forcecast>& from) {
  const T* p = from.data();
  to.insert(to.end(), p, p + from.size());
}

}  // namespace

void bind_beam(py::module_& m) {
  py::class_<RefPart>(m, "RefPart", "The reference particle (ImpactX's RefPart): SI units, pt = -gamma")
      .def(py::init<>())
      .def_readwrite("s", &RefPart::s, "integrated path length (m)")
      .def_readwrite("x", &RefPart::x, "global lab position (m)")
      .def_readwrite("y", &RefPart::y)
      .def_readwrite("z", &RefPart::z)
      .def_readwrite("t", &RefPart::t, "clock time times c (m)")
      .def_readwrite("px", &RefPart::px, "beta_x gamma")
      .def_readwrite("py", &RefPart::py)
      .def_readwrite("pz", &RefPart::pz)
      .def_readwrite("pt", &RefPart::pt, "-gamma")
      .def_readwrite("mass", &RefPart::mass, "kg")
      .def_readwrite("charge", &RefPart::charge, "C")
      .def_readwrite("sedge", &RefPart::sedge, "s at the entrance of the current element (m)")
      .def_property_readonly("gamma", &RefPart::gamma)
      .def_property_readonly("beta", &RefPart::beta)
      .def_property_readonly("beta_gamma", &RefPart::beta_gamma)
      .def_property_readonly("mass_MeV", &RefPart::mass_MeV)
      .def_property_readonly("charge_qe", &RefPart::charge_qe)
      .def_property_readonly("kin_energy_MeV", &RefPart::kin_energy_MeV)
      .def_property_readonly("rigidity_Tm", &RefPart::rigidity_Tm, "magnetic rigidity B rho (T m), signed")
      .def_property_readonly("qm_ratio_SI", &RefPart::qm, "charge/mass (C/kg)")
      .def(
          "set_species",
          [](RefPart& r, const std::string& name) -> RefPart& {
            if (!r.set_species(name)) {
              throw InputError("set_species", "",
                               "unknown species '" + name +
                                   "'; valid: electron, positron, proton, Hminus (or set_charge_qe and "
                                   "set_mass_MeV)");
            }
            return r;
          },
          py::arg("name"), py::return_value_policy::reference)
      .def(
          "set_kin_energy_MeV",
          [](RefPart& r, double e) -> RefPart& {
            if (!(e > 0.0)) throw InputError("set_kin_energy_MeV", "", "the kinetic energy must be > 0 MeV");
            return r.set_kin_energy_MeV(e);
          },
          py::arg("kin_energy_MeV"), py::return_value_policy::reference)
      .def(
          "set_charge_qe",
          [](RefPart& r, double q) -> RefPart& {
            if (q == 0.0 || !std::isfinite(q))
              throw InputError("set_charge_qe", "", "the charge must be != 0");
            return r.set_charge_qe(q);
          },
          py::arg("charge_qe"), py::return_value_policy::reference)
      .def(
          "set_mass_MeV",
          [](RefPart& r, double mass) -> RefPart& {
            if (!(mass > 0.0)) throw InputError("set_mass_MeV", "", "the mass must be > 0 MeV");
            return r.set_mass_MeV(mass);
          },
          py::arg("mass_MeV"), py::return_value_policy::reference)
      .def("copy", [](const RefPart& r) { return RefPart(r); })
      .def("__copy__", [](const RefPart& r) { return RefPart(r); })
      .def("__deepcopy__", [](const RefPart& r, py::dict) { return RefPart(r); })
      .def("__repr__", [](const RefPart& r) {
        return "<RefPart s=" + std::to_string(r.s) + " m, kin_energy=" + std::to_string(r.kin_energy_MeV()) +
               " MeV, mass=" + std::to_string(r.mass_MeV()) +
               " MeV, charge=" + std::to_string(r.charge_qe()) + " qe>";
      });

  py::class_<Particles>(m, "Particles",
                        "Beam particles in ImpactX's coordinates: x, y, t (m), px, py, pt (dimensionless), "
                        "qm (C/kg), w (real particles per macroparticle), id")
      .def(py::init<>())
      .def("__len__", &Particles::size)
      .def_property_readonly("size", &Particles::size)
      .def_property_readonly("x", [](py::object self) { return view(self.cast<Particles&>().x, self); })
      .def_property_readonly("y", [](py::object self) { return view(self.cast<Particles&>().y, self); })
      .def_property_readonly("t", [](py::object self) { return view(self.cast<Particles&>().t, self); })
      .def_property_readonly("px", [](py::object self) { return view(self.cast<Particles&>().px, self); })
      .def_property_readonly("py", [](py::object self) { return view(self.cast<Particles&>().py, self); })
      .def_property_readonly("pt", [](py::object self) { return view(self.cast<Particles&>().pt, self); })
      .def_property_readonly("qm", [](py::object self) { return view(self.cast<Particles&>().qm, self); })
      .def_property_readonly("w", [](py::object self) { return view(self.cast<Particles&>().w, self); })
      .def_property_readonly("id", [](py::object self) { return view(self.cast<Particles&>().id, self); })
      .def_property_readonly("s_lost",
                             [](py::object self) { return view(self.cast<Particles&>().s_lost, self); })
      .def("clear", &Particles::clear)
      .def(
          "append",
          [](Particles& p, const py::array_t<double, py::array::c_style | py::array::forcecast>& x,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& y,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& t,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& px,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& py_,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& pt,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& qm,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& w) {
            const py::ssize_t n = x.size();
            for (const auto* a : {&y, &t, &px, &py_, &pt, &qm, &w}) {
              if (a->ndim() != 1 || a->size() != n) {
                throw InputError("add_n_particles", "",
                                 "every array must be one-dimensional with the same length");
              }
            }
            if (x.ndim() != 1) throw InputError("add_n_particles", "", "the arrays must be one-dimensional");
            std::int64_t next = 0;
            for (const std::int64_t id : p.id) next = std::max(next, id < 0 ? -id : id);
            append(p.x, x), append(p.y, y), append(p.t, t);
            append(p.px, px), append(p.py, py_), append(p.pt, pt);
            append(p.qm, qm), append(p.w, w);
            p.s_lost.resize(p.x.size(), 0.0);
            for (py::ssize_t i = 0; i < n; ++i) p.id.push_back(++next);
          },
          py::arg("x"), py::arg("y"), py::arg("t"), py::arg("px"), py::arg("py"), py::arg("pt"),
          py::arg("qm"), py::arg("w"),
          "Appends particles (ids continue from the largest present); every array has the same length.");

  m.def(
      "beam_moments",
      [](const Particles& beam, const RefPart& ref, bool eigenemittances) {
        const BeamMoments mo = compute_moments(beam, ref);
        py::dict d;
        for (const auto& [k, v] : mo.named_values(eigenemittances)) d[py::str(k)] = v;
        d["count"] = mo.count;
        return d;
      },
      py::arg("beam"), py::arg("ref"), py::arg("eigenemittances") = false,
      "The reduced beam characteristics (ImpactX's names) of the particles with id > 0.");
}

}  // namespace wakeline::python
