#include "io/Diagnostics.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <optional>

#include "core/Constants.hpp"
#include "core/Error.hpp"
#include "tracking/LensInvariants.hpp"
#include "tracking/Moments.hpp"

namespace wakeline::io {

namespace fs = std::filesystem;

namespace {

void set_number_format(std::ofstream& out) {
  // ImpactX's format: scientific with max_digits10 significant digits (one before the point).
  out << std::scientific << std::setprecision(std::numeric_limits<double>::max_digits10 - 1);
}

BeamFrame make_frame(const Particles& p, const Simulation& sim,
                     std::vector<std::pair<std::string, double>> attrs) {
  BeamFrame f;
  f.n = p.size();
  f.x = p.x.data(), f.y = p.y.data(), f.t = p.t.data();
  f.px = p.px.data(), f.py = p.py.data(), f.pt = p.pt.data();
  f.qm = p.qm.data(), f.w = p.w.data(), f.id = p.id.data();
  f.ref_x = sim.ref.x, f.ref_y = sim.ref.y, f.ref_t = sim.ref.t;
  f.attributes = std::move(attrs);
  // ImpactX stores the reference s (in m) as the iteration time; its analysis scripts read it so.
  f.time = sim.ref.s;
  return f;
}

// ImpactX's older attribute names, which analysis scripts in its examples still read from
// monitors: mean_x -> x_mean, min_x -> x_min, max_x -> x_max, sigma_x -> sig_x.
std::optional<std::string> legacy_name(const std::string& name) {
  for (const auto& [prefix, suffix] :
       {std::pair{"mean_", "_mean"}, std::pair{"min_", "_min"}, std::pair{"max_", "_max"}}) {
    const std::string p = prefix;
    if (name.rfind(p, 0) == 0) return name.substr(p.size()) + suffix;
  }
  if (name.rfind("sigma_", 0) == 0) return "sig_" + name.substr(6);
  return std::nullopt;
}

// True when `dir` is the working folder or one of its ancestors: it cannot be moved aside.
bool is_working_folder(const fs::path& dir) {
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(dir.empty() ? fs::path(".") : dir, ec);
  const fs::path here = fs::current_path(ec);
  for (fs::path p = here; !p.empty(); p = p.parent_path()) {
    if (p == target) return true;
    if (p == p.parent_path()) break;
  }
  return false;
}

// Moves every file under `from` to the same relative place under `to`.
void merge_into(const fs::path& from, const fs::path& to) {
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    const fs::path dest = to / fs::relative(entry.path(), from);
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    fs::rename(entry.path(), dest, ec);
    if (ec)
      throw RunError("cannot move " + entry.path().string() + " to " + dest.string() + ": " + ec.message());
  }
}

}  // namespace

std::vector<std::pair<std::string, double>> reference_attributes(const RefPart& r, int period) {
  return {{"beta_ref", r.beta()},
          {"gamma_ref", r.gamma()},
          {"beta_gamma_ref", r.beta_gamma()},
          {"s_ref", r.s},
          {"x_ref", r.x},
          {"y_ref", r.y},
          {"z_ref", r.z},
          {"t_ref", r.t},
          {"px_ref", r.px},
          {"py_ref", r.py},
          {"pz_ref", r.pz},
          {"pt_ref", r.pt},
          {"mass_ref", r.mass},
          {"charge_ref", r.charge},
          {"gyromagnetic_anomaly_ref", r.gyromagnetic_anomaly},
          {"period", static_cast<double>(period)}};
}

std::vector<std::pair<std::string, double>> reference_attributes(const Simulation& sim) {
  return reference_attributes(sim.ref, sim.period);
}

std::vector<std::pair<std::string, double>> beam_attributes(const RefPart& ref, const Particles& beam,
                                                            int period, bool with_eigenemittances) {
  auto a = reference_attributes(ref, period);
  for (auto& kv : compute_moments(beam, ref).named_values(with_eigenemittances)) {
    if (auto old = legacy_name(kv.first)) a.emplace_back(std::move(*old), kv.second);
    a.push_back(std::move(kv));
  }
  return a;
}

std::vector<std::pair<std::string, double>> beam_attributes(const Simulation& sim, const Particles& beam,
                                                            bool with_eigenemittances) {
  return beam_attributes(sim.ref, beam, sim.period, with_eigenemittances);
}

DiagnosticsWriter::DiagnosticsWriter(DiagnosticsOptions options, std::string software_version)
    : options_(std::move(options)), version_(std::move(software_version)) {
  final_dir_ = fs::path(options_.file_prefix.empty() ? "." : options_.file_prefix).lexically_normal();
  if (!final_dir_.has_filename()) final_dir_ = final_dir_.parent_path();  // "diags/" -> "diags"
  const fs::path parent = final_dir_.has_parent_path() ? final_dir_.parent_path() : fs::path(".");
  std::string stem = final_dir_.filename().string();
  if (stem == "." || stem == ".." || stem.empty()) stem = "wakeline";
  staging_dir_ = parent / ("." + stem + ".partial." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(staging_dir_, ec);
  fs::create_directories(staging_dir_ / "openPMD", ec);
  if (ec) throw RunError("cannot create the output folder " + staging_dir_.string() + ": " + ec.message());
}

DiagnosticsWriter::~DiagnosticsWriter() {
  if (!committed_) abandon();
}

void DiagnosticsWriter::initial(const Simulation& sim) {
  // A reference-orbit run has no beam: only the reference-particle files.
  with_beam_ = sim.mode != TrackMode::reference_orbit;
  if (options_.enable) {
    if (with_beam_) reduced_.open(staging_dir_ / "reduced_beam_characteristics.0");
    ref_.open(staging_dir_ / "ref_particle.0");
    if ((with_beam_ && !reduced_) || !ref_) throw RunError("cannot write into " + staging_dir_.string());
    set_number_format(reduced_);
    set_number_format(ref_);
    if (with_beam_) {
      write_reduced_header(reduced_);
      write_reduced_line(reduced_, sim);
    }
    ref_ << "step s beta gamma beta_gamma x y z t px py pz pt\n";
    write_ref_line(ref_, sim);
  }
}

void DiagnosticsWriter::after_slice(const Simulation& sim) {
  if (!options_.enable) return;
  if (with_beam_) write_reduced_line(reduced_, sim);
  write_ref_line(ref_, sim);
}

void DiagnosticsWriter::monitor(const elements::BeamMonitor& m, const Simulation& sim) {
  if (sim.period % m.period_sample_intervals != 0) return;
  const auto attrs =
      m.write_moments ? beam_attributes(sim, sim.beam, options_.eigenemittances) : reference_attributes(sim);
  BeamFrame frame = make_frame(sim.beam, sim, attrs);
  LabArrays lab;
  if (m.layout == BeamLayout::lab) make_lab_frame(sim.beam, sim.ref, lab, frame);
  std::vector<double> h, inv;
  if (m.lens_invariants) {
    const LensInvariants invariants{m.alpha, m.beta, m.tn, m.cn};
    const Particles& b = sim.beam;
    h.resize(b.size()), inv.resize(b.size());
    for (std::size_t i = 0; i < b.size(); ++i) invariants(b.x[i], b.y[i], b.px[i], b.py[i], h[i], inv[i]);
    frame.extra_records = {{"H", h.data()}, {"I", inv.data()}};
  }
  if (!m.write_particles) frame.n = 0;  // the iteration keeps the reference and moments only
  if (m.file_based) {
    // One file per visit: <name>_%0<digits>T.h5, committed at once.
    char digits[32];
    std::snprintf(digits, sizeof digits, "%0*llu", options_.file_min_digits,
                  static_cast<unsigned long long>(sim.step));
    const std::string pattern = m.output_name + "_%0" + std::to_string(options_.file_min_digits) + "T.h5";
    OpenPMDSeriesWriter w((staging_dir_ / "openPMD" / (m.output_name + "_" + digits + ".h5")).string(),
                          version_, pattern);
    w.write_iteration(sim.step, frame);
    w.commit();
    return;
  }
  auto& writer = series_[m.output_name];
  if (!writer) {
    writer = std::make_unique<OpenPMDSeriesWriter>(
        (staging_dir_ / "openPMD" / (m.output_name + ".h5")).string(), version_);
  }
  writer->write_iteration(sim.step, frame);
  writer->flush();
}

void DiagnosticsWriter::stage_fields(const std::string& stage, const elements::StageFieldSnapshot& fields,
                                     const RefPart& entrance, const Simulation& /*sim*/) {
  const elements::StageFieldSnapshot& f = fields;
  // The snapshot is (n_xi, n_r) with r fastest; openPMD's thetaMode wants (r, z) with z fastest.
  const auto transposed = [&f](const std::vector<double>& v) {
    std::vector<double> out(v.size());
    for (int j = 0; j < f.n_xi; ++j)
      for (int k = 0; k < f.n_r; ++k)
        out[static_cast<std::size_t>(k) * f.n_xi + j] = v[static_cast<std::size_t>(j) * f.n_r + k];
    return out;
  };
  constexpr std::array<double, 7> kElectric{1, 1, -3, -1, 0, 0, 0};  // V/m = kg m s^-3 A^-1
  constexpr std::array<double, 7> kMagnetic{0, 1, -2, -1, 0, 0, 0};  // T = kg s^-2 A^-1
  constexpr std::array<double, 7> kChargeDensity{-3, 0, 1, 1, 0, 0, 0};
  constexpr std::array<double, 7> kPotential{2, 1, -3, -1, 0, 0, 0};  // V
  constexpr std::array<double, 7> kNone{};
  std::vector<std::vector<double>> store;  // keeps the transposed arrays alive while writing
  store.reserve(16);
  const auto data = [&](const std::vector<double>& v) {
    store.push_back(transposed(v));
    return static_cast<const double*>(store.back().data());
  };
  const std::vector<double> zeros(static_cast<std::size_t>(f.n_r) * f.n_xi, 0.0);
  CylMeshFrame frame;
  frame.n_r = f.n_r, frame.n_z = f.n_xi;
  frame.dr = f.dr, frame.dz = f.dxi;
  // The reference particle is at xi = 0 and z = s_entrance + c t inside the stage.
  frame.z_offset = entrance.s + f.z + f.xi_min;
  frame.time = entrance.t / constants::c + f.z / constants::c;
  frame.attributes = {{"fieldSolver", "other"}, {"fieldSolverParams", "quasistatic_2d"}};
  // Where the snapshot is in the stage: distance from the entrance (c t), the entrance's s, and the
  // co-moving coordinate xi = z - c t - s_entrance of the first grid node (the reference is at xi = 0).
  frame.numeric_attributes = {{"stageDistance", f.z}, {"stageEntrance", entrance.s}, {"xiMin", f.xi_min}};
  if (!f.Ez.empty())
    frame.records.push_back({"E", {{"r", data(f.Er)}, {"t", zeros.data()}, {"z", data(f.Ez)}}, kElectric});
  if (!f.Bt.empty())
    frame.records.push_back({"B", {{"r", zeros.data()}, {"t", data(f.Bt)}, {"z", zeros.data()}}, kMagnetic});
  if (!f.Wr.empty()) frame.records.push_back({"W_r", {{"", data(f.Wr)}}, kElectric});
  if (!f.rho.empty()) frame.records.push_back({"rho", {{"", data(f.rho)}}, kChargeDensity});
  if (!f.rho_beam.empty()) frame.records.push_back({"rho_beam", {{"", data(f.rho_beam)}}, kChargeDensity});
  if (!f.psi.empty()) frame.records.push_back({"psi", {{"", data(f.psi)}}, kPotential});
  if (!f.chi.empty()) frame.records.push_back({"chi", {{"", data(f.chi)}}, kNone});
  if (!f.a_mod.empty()) {
    frame.records.push_back({"a_mod", {{"", data(f.a_mod)}}, kNone});
    frame.records.push_back({"a_phase", {{"", data(f.a_phase)}}, kNone});
  }
  const std::string output = stage + "_fields";
  auto& writer = series_[output];
  if (!writer) {
    writer = std::make_unique<OpenPMDSeriesWriter>((staging_dir_ / "openPMD" / (output + ".h5")).string(),
                                                   version_);
  }
  std::uint64_t& count = stage_snapshots_[stage];
  writer->write_mesh_iteration(count, frame);
  // The drivers, as lab-frame particle species of the same iteration (openPMD-viewer reads both).
  for (const auto& d : f.drivers) {
    const std::size_t n = d.x.size();
    const double mc = d.particle_mass * constants::c;
    LabArrays a;
    a.px.resize(n), a.py.resize(n), a.pz.resize(n), a.weight.resize(n);
    std::vector<std::int64_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) {
      a.px[i] = d.ux[i] * mc, a.py[i] = d.uy[i] * mc, a.pz[i] = d.uz[i] * mc;
      a.weight[i] = std::fabs(d.particle_charge) * d.weight[i];
      ids[i] = static_cast<std::int64_t>(i + 1);
    }
    BeamFrame b;
    b.layout = BeamLayout::lab;
    b.species = d.name;
    b.n = n;
    // position/z is xi, relative to positionOffset/z = s_entrance + c t (the meshes' frame).
    b.x = d.x.data(), b.y = d.y.data(), b.t = d.xi.data();
    b.px = a.px.data(), b.py = a.py.data(), b.pt = a.pz.data();
    b.w = d.weight.data();
    b.id = ids.data();
    b.ref_t = entrance.s + f.z;
    b.charge = d.particle_charge, b.mass = d.particle_mass;
    b.weight = a.weight.data();
    RefPart species;
    species.mass = d.particle_mass, species.charge = d.particle_charge;
    b.species_type = species_type_name(species);
    b.time = frame.time;
    writer->write_iteration(count, b);
  }
  ++count;
  writer->flush();
}

void DiagnosticsWriter::progress(std::uint64_t step, std::uint64_t total_steps) {
  if (on_progress) on_progress(step, total_steps);
}

void DiagnosticsWriter::final(const Simulation& sim) {
  if (options_.enable) {
    reduced_.close();
    ref_.close();
    if (with_beam_) {
      std::ofstream reduced_final(staging_dir_ / "reduced_beam_characteristics_final.0");
      set_number_format(reduced_final);
      write_reduced_header(reduced_final);
      write_reduced_line(reduced_final, sim);
      if (!reduced_final) throw RunError("cannot write the final diagnostics into " + staging_dir_.string());
    }
    std::ofstream ref_final(staging_dir_ / "ref_particle_final.0");
    set_number_format(ref_final);
    ref_final << "step s beta gamma beta_gamma x y z t px py pz pt\n";
    write_ref_line(ref_final, sim);
    if (!ref_final) throw RunError("cannot write the final diagnostics into " + staging_dir_.string());
  }
  if (options_.enable && sim.lost.size() > 0) {
    // As ImpactX: one iteration, numbered 0, with the reference particle at the end of the run.
    OpenPMDSeriesWriter lost((staging_dir_ / "openPMD" / "particles_lost.h5").string(), version_);
    BeamFrame frame = make_frame(sim.lost, sim, beam_attributes(sim, sim.lost));
    frame.s_lost = sim.lost.s_lost.data();
    lost.write_iteration(0, frame);
    lost.commit();
  }
  for (auto& [name, writer] : series_) writer->commit();
  series_.clear();
}

void DiagnosticsWriter::write_reduced_header(std::ofstream& out) const {
  out << "step period s";
  for (const auto& kv : BeamMoments{}.named_values(options_.eigenemittances)) out << ' ' << kv.first;
  out << '\n';
}

void DiagnosticsWriter::write_reduced_line(std::ofstream& out, const Simulation& sim) {
  out << sim.step << ' ' << sim.period << ' ' << sim.ref.s;
  for (const auto& kv : current_moments(sim).named_values(options_.eigenemittances)) out << ' ' << kv.second;
  out << '\n';
}

void DiagnosticsWriter::write_ref_line(std::ofstream& out, const Simulation& sim) {
  const RefPart& r = sim.ref;
  out << sim.step << ' ' << r.s << ' ' << r.beta() << ' ' << r.gamma() << ' ' << r.beta_gamma() << ' ' << r.x
      << ' ' << r.y << ' ' << r.z << ' ' << r.t << ' ' << r.px << ' ' << r.py << ' ' << r.pz << ' ' << r.pt
      << '\n';
}

void DiagnosticsWriter::write_text(const std::string& name, const std::string& content) {
  std::ofstream out(staging_dir_ / name);
  out << content;
  if (!out) throw RunError("cannot write " + (staging_dir_ / name).string());
}

fs::path DiagnosticsWriter::commit() {
  if (committed_) return final_dir_;
  for (auto& [name, writer] : series_) writer->commit();
  series_.clear();
  reduced_.close();
  ref_.close();
  std::error_code ec;
  if (is_working_folder(final_dir_)) {
    // diag.file_prefix = "." (or an ancestor of the working folder): write the files into it,
    // replacing older ones of the same name, rather than moving the folder aside.
    merge_into(staging_dir_, final_dir_);
    fs::remove_all(staging_dir_, ec);
    committed_ = true;
    return final_dir_;
  }
  if (fs::exists(final_dir_)) {
    // Keep the previous results, as ImpactX does, under a name that says when they were moved.
    const auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    fs::path old = final_dir_;
    old += ".old." + std::to_string(stamp);
    fs::rename(final_dir_, old, ec);
    if (ec) throw RunError("cannot move the previous " + final_dir_.string() + " aside: " + ec.message());
  }
  fs::rename(staging_dir_, final_dir_, ec);
  if (ec) throw RunError("cannot move the results to " + final_dir_.string() + ": " + ec.message());
  committed_ = true;
  return final_dir_;
}

void DiagnosticsWriter::abandon() {
  for (auto& [name, writer] : series_) writer->abandon();
  series_.clear();
  reduced_.close();
  ref_.close();
  std::error_code ec;
  fs::remove_all(staging_dir_, ec);
  committed_ = true;  // nothing left to clean up
}

}  // namespace wakeline::io
