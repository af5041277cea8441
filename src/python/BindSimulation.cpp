// The state of a run and the tracking entry points, with the CLI's diagnostics and Python hooks.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "core/ParallelFor.hpp"
#include "distribution/Distribution.hpp"
#include "io/DeckLoader.hpp"
#include "io/Diagnostics.hpp"
#include "io/InputDeck.hpp"
#include "python/Bindings.hpp"
#include "python/Convert.hpp"
#include "tracking/Simulation.hpp"

namespace py = pybind11;

namespace wakeline::python {

namespace {

// Python callables for ImpactX's sim.hook[...]; each receives nothing (the Python side closes
// over its ImpactX object).
struct Hooks : TrackObserver {
  std::function<void()> before_period_hook, after_period_hook, before_element_hook, after_element_hook,
      before_slice_hook;
  [[nodiscard]] bool wants_hooks() const override {
    return before_period_hook || after_period_hook || before_element_hook || after_element_hook ||
           before_slice_hook;
  }
  void before_period(Simulation& /*sim*/) override { call(before_period_hook); }
  void after_period(Simulation& /*sim*/) override { call(after_period_hook); }
  void before_element(Simulation& /*sim*/) override { call(before_element_hook); }
  void after_element(Simulation& /*sim*/) override { call(after_element_hook); }
  void before_slice(Simulation& /*sim*/) override { call(before_slice_hook); }

 private:
  static void call(const std::function<void()>& f) {
    if (f) f();
  }
};

io::InputDeck deck_of(const std::string& text, const std::string& origin) {
  return io::InputDeck::from_string(text, origin);
}

void reject_unread(io::InputDeck& deck, const std::string& origin) {
  for (const std::string& key : deck.unread_keys())
    throw InputError(key, origin, "is not a valid setting here");
}

TrackMode parse_mode(const std::string& mode) {
  if (mode == "particles") return TrackMode::particles;
  if (mode == "envelope") return TrackMode::envelope;
  if (mode == "reference_orbit") return TrackMode::reference_orbit;
  throw InputError("mode", "", "'" + mode + "' is not valid; valid: particles, envelope, reference_orbit");
}

}  // namespace

void bind_simulation(py::module_& m) {
  py::class_<Simulation>(m, "Simulation", "The state of a run: reference, beam, lattice, settings")
      .def(py::init<>())
      .def_property(
          "ref", [](Simulation& s) -> RefPart& { return s.ref; },
          [](Simulation& s, const RefPart& r) { s.ref = r; }, py::return_value_policy::reference_internal)
      .def_property_readonly(
          "beam", [](Simulation& s) -> Particles& { return s.beam; },
          py::return_value_policy::reference_internal)
      .def_property_readonly(
          "lost", [](Simulation& s) -> Particles& { return s.lost; },
          py::return_value_policy::reference_internal)
      .def_readwrite("seed", &Simulation::seed)
      .def_readwrite("step", &Simulation::step)
      .def_readwrite("period", &Simulation::period)
      .def_readwrite("element_index", &Simulation::element)
      .def_readwrite("slice_step_diagnostics", &Simulation::slice_step_diagnostics)
      .def_property(
          "periods", [](const Simulation& s) { return s.lattice.periods; },
          [](Simulation& s, int p) {
            if (p < 1) throw InputError("periods", "", "it must be >= 1");
            s.lattice.periods = p;
          })
      .def_property(
          "elements",
          [](const Simulation& s) {
            std::vector<ElementHandle> out;
            for (const Element& e : s.lattice.elements) out.push_back({e});
            return out;
          },
          [](Simulation& s, const std::vector<ElementHandle>& list) {
            s.lattice.elements.clear();
            for (const ElementHandle& e : list) s.lattice.elements.push_back(e.element);
          })
      .def(
          "set_element",
          [](Simulation& s, std::size_t i, const ElementHandle& e) {
            // Assignment in place: the tracker holds a reference to the element being tracked.
            if (i >= s.lattice.elements.size()) throw py::index_error("no element " + std::to_string(i));
            s.lattice.elements[i] = e.element;
          },
          py::arg("index"), py::arg("element"),
          "Replaces element `index` (also while tracking, from a hook; the number of elements stays)")
      .def_property(
          "envelope_sigma", [](const Simulation& s) { return to_numpy(s.envelope.sigma); },
          [](Simulation& s, const py::array_t<double, py::array::c_style | py::array::forcecast>& a) {
            if (a.ndim() != 2 || a.shape(0) != 6 || a.shape(1) != 6)
              throw InputError("envelope", "", "the covariance must be a 6x6 matrix");
            for (int i = 0; i < 6; ++i)
              for (int j = 0; j < 6; ++j) s.envelope.sigma(i, j) = a.at(i, j);
          })
      .def_property(
          "envelope_centroid", [](const Simulation& s) { return s.envelope.centroid; },
          [](Simulation& s, const std::array<double, 6>& c) { s.envelope.centroid = c; })
      .def_property(
          "envelope_charge_C", [](const Simulation& s) { return s.envelope.charge_C; },
          [](Simulation& s, double q) { s.envelope.charge_C = q; })
      .def(
          "configure",
          [](Simulation& s, const std::string& text, const std::string& mode) {
            return with_origin("ImpactX settings", [&] {
              io::InputDeck deck = deck_of(text, "ImpactX settings");
              s.mode = parse_mode(mode);
              std::vector<std::string> notices;
              s.space_charge = io::read_space_charge(deck, s.mode, notices);
              s.radiation = io::read_radiation(deck, s.mode);
              // Mesh keys are read only when space charge is on: the others are not an error.
              return notices;
            });
          },
          py::arg("text"), py::arg("mode"),
          "Reads algo.* settings (space charge, CSR, ISR) given as ImpactX-dialect text; returns notices")
      .def(
          "set_reference",
          [](Simulation& s, const std::string& text) {
            return with_origin("reference particle", [&] {
              io::InputDeck deck = deck_of(text, "reference particle");
              s.ref = io::read_reference(deck);
              reject_unread(deck, "reference particle");
            });
          },
          py::arg("text"))
      .def(
          "add_particles",
          [](Simulation& s, const std::string& text, double charge_C, long long npart, std::uint64_t seed) {
            return with_origin("distribution", [&] {
              io::InputDeck deck = deck_of(text, "distribution");
              std::vector<std::string> notices;
              const Distribution d = io::read_distribution(deck, notices);
              reject_unread(deck, "distribution");
              if (npart < 0) throw InputError("npart", "", "it must be >= 0");
              if (!(charge_C >= 0.0)) {
                throw InputError("bunch_charge", "", "it must be >= 0 (C); the sign comes from the species");
              }
              if (npart == 0) return notices;
              const double weight = charge_C / (constants::q_e * static_cast<double>(npart));
              sample(d, static_cast<std::size_t>(npart), seed, s.ref, weight, s.beam);
              return notices;
            });
          },
          py::arg("text"), py::arg("charge_C"), py::arg("npart"), py::arg("seed"),
          "Samples npart particles of the distribution (ImpactX-dialect beam.* keys) into the beam")
      .def(
          "init_envelope",
          [](Simulation& s, const std::string& text, double charge_C) {
            return with_origin("distribution", [&] {
              io::InputDeck deck = deck_of(text, "distribution");
              std::vector<std::string> notices;
              const Distribution d = io::read_distribution(deck, notices);
              reject_unread(deck, "distribution");
              if (d.kind == DistributionKind::thermal || d.kind == DistributionKind::empty) {
                throw InputError(
                    "distribution", "",
                    std::string("an envelope needs a distribution with a lambda/mu or Twiss form, not ") +
                        distribution_kind_name(d.kind));
              }
              s.envelope.sigma = covariance(d);
              s.envelope.centroid = d.mean;
              s.envelope.charge_C = std::copysign(charge_C, s.ref.charge);
            });
          },
          py::arg("text"), py::arg("charge_C"))
      .def(
          "track",
          [](Simulation& s, const std::string& mode, std::optional<py::dict> diagnostics, py::dict hooks) {
            s.mode = parse_mode(mode);
            Hooks h;
            const auto get = [&](const char* name) -> std::function<void()> {
              if (!hooks.contains(name) || hooks[name].is_none()) return {};
              return hooks[name].cast<std::function<void()>>();
            };
            h.before_period_hook = get("before_period");
            h.after_period_hook = get("after_period");
            h.before_element_hook = get("before_element");
            h.after_element_hook = get("after_element");
            h.before_slice_hook = get("before_slice");
            ObserverList observers;
            observers.add(h);
            std::optional<io::DiagnosticsWriter> writer;
            if (diagnostics) {
              io::DiagnosticsOptions o;
              const py::dict& d = *diagnostics;
              if (d.contains("enable")) o.enable = d["enable"].cast<bool>();
              if (d.contains("file_prefix")) o.file_prefix = d["file_prefix"].cast<std::string>();
              if (d.contains("file_min_digits")) o.file_min_digits = d["file_min_digits"].cast<int>();
              if (d.contains("eigenemittances")) o.eigenemittances = d["eigenemittances"].cast<bool>();
              writer.emplace(o, WAKELINE_VERSION);
              observers.add(*writer);
            }
            track(s, observers);
            if (writer) return std::optional<std::filesystem::path>(writer->commit());
            return std::optional<std::filesystem::path>();
          },
          py::arg("mode"), py::arg("diagnostics"), py::arg("hooks"),
          "Tracks in `mode` (particles, envelope, reference_orbit); writes ImpactX's diags layout when "
          "`diagnostics` is a dict (enable, file_prefix, file_min_digits, eigenemittances); returns its path")
      .def(
          "moments",
          [](const Simulation& s, bool eigenemittances) {
            const BeamMoments mo = current_moments(s);
            py::dict d;
            for (const auto& [k, v] : mo.named_values(eigenemittances)) d[py::str(k)] = v;
            return d;
          },
          py::arg("eigenemittances") = false, "The reduced beam characteristics of the current state");

  m.def(
      "envelope_moments",
      [](const Simulation& s) {
        const BeamMoments mo = moments_from_covariance(s.envelope.centroid, s.envelope.sigma,
                                                       s.ref.beta_gamma(), s.envelope.charge_C);
        py::dict d;
        for (const auto& [k, v] : mo.named_values(true)) d[py::str(k)] = v;
        return d;
      },
      py::arg("sim"), "The reduced beam characteristics of the envelope (extrema are NaN)");
  m.def("set_threads", &set_threads, py::arg("n"), "Number of OpenMP threads");
  m.def("max_threads", &max_threads);
  m.def(
      "plane_from_twiss",
      [](double alpha, double beta, double emittance) {
        const PlaneParameters p = plane_from_twiss(alpha, beta, emittance);
        return py::make_tuple(p.lambda_q, p.lambda_p, p.mu);
      },
      py::arg("alpha"), py::arg("beta"), py::arg("emittance"), "(lambda_q, lambda_p, mu) of one plane");
}

}  // namespace wakeline::python
