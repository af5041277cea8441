// wakeline: runs an ImpactX-dialect inputs deck and writes ImpactX's output layout.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "app/Examples.hpp"
#include "core/Error.hpp"
#include "core/ParallelFor.hpp"
#include "io/DeckLoader.hpp"
#include "io/Diagnostics.hpp"
#include "io/InputDeck.hpp"
#include "io/PalsLattice.hpp"
#include "tracking/Optics.hpp"

namespace {

// Set by SIGINT/SIGTERM; checked between slices.
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int signal) { g_stop_signal = signal; }
struct Interrupted : std::exception {
  [[nodiscard]] const char* what() const noexcept override { return "interrupted"; }
};

constexpr const char* kUsage = R"(usage: wakeline DECK [key=value ...] [options]
       wakeline --example NAME [key=value ...] [options]
       wakeline plot DIAG_DIR [-o OUT_DIR] [--quiet]

Runs an ImpactX inputs deck (AMReX ParmParse dialect) and writes ImpactX's output layout
under diags/ (diag.file_prefix): openPMD beam monitors, reduced beam characteristics and
reference-particle files. key=value arguments override keys of the deck.

'wakeline plot' writes PNG figures of a run's output folder to DIAG_DIR/plots (or OUT_DIR):
moments along s, phase space of every beam monitor, lost particles. It runs the Python module
wakeline.plot with matplotlib, using the interpreter named by WAKELINE_PYTHON (default python3);
'wakeline plot --help' lists its options.

options:
  --optics           linear optics of the deck's lattice instead of tracking: one-period transfer
                     map, periodic Twiss, tunes, dispersion, Twiss along s (diags/optics.txt)
  --write-pals FILE  write the deck's lattice as a PALS file (YAML) instead of tracking
  --example NAME     run a built-in example deck (available: fodo)
  --print-example NAME  print a built-in example deck and exit
  --seed N           random seed of the beam (overrides beam.seed); a run is bit-reproducible
                     for a given seed at any thread count
  --threads N        number of OpenMP threads (default: OMP_NUM_THREADS or all cores)
  --quiet            no progress bar and no summary (errors are still printed)
  --version          print the version and exit
  --help             this text

exit status: 0 success, 1 run failure, 2 bad input (the message names key, file and line),
             128 + signal when interrupted (no output is left behind)
)";

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void update(std::uint64_t step, std::uint64_t total) {
    if (!enabled_ || total == 0) return;
    const int percent = static_cast<int>(100 * step / total);
    if (percent == last_ && step != total) return;
    last_ = percent;
    constexpr int width = 40;
    const int filled = width * percent / 100;
    std::fprintf(stderr, "\r[%.*s%*s] %3d%%  step %llu/%llu", filled,
                 "########################################", width - filled, "", percent,
                 static_cast<unsigned long long>(step), static_cast<unsigned long long>(total));
    if (step == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  int last_ = -1;
};

struct CliOptions {
  std::optional<std::string> deck_path, example;
  std::vector<std::string> overrides;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  bool quiet = false;
  bool optics = false;
  std::optional<std::string> write_pals;  // --write-pals FILE
};

std::uint64_t parse_unsigned(const std::string& flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
    throw wakeline::InputError(flag, "command line",
                               std::string("expected a non-negative integer, got '") + text + "'");
  }
  return v;
}

// Returns false when the program should exit 0 right away (help, version, print-example).
bool parse_args(int argc, char** argv, CliOptions& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw wakeline::InputError(a, "command line", "needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return false;
    } else if (a == "--version") {
      std::cout << "wakeline " << WAKELINE_VERSION << '\n';
      return false;
    } else if (a == "--optics") {
      o.optics = true;
    } else if (a == "--write-pals") {
      o.write_pals = value();
    } else if (a == "--quiet" || a == "-q") {
      o.quiet = true;
    } else if (a == "--seed") {
      o.seed = parse_unsigned(a, value());
    } else if (a == "--threads") {
      const auto n = parse_unsigned(a, value());
      if (n < 1) throw wakeline::InputError(a, "command line", "must be >= 1");
      o.threads = static_cast<int>(n);
    } else if (a == "--example") {
      o.example = value();
    } else if (a == "--print-example") {
      const std::string name = value();
      const auto text = wakeline::app::example_deck(name);
      if (!text)
        throw wakeline::InputError(a, "command line", "unknown example '" + name + "'; available: fodo");
      std::cout << *text;
      return false;
    } else if (a.find('=') != std::string::npos && a[0] != '-') {
      o.overrides.push_back(a);
    } else if (a[0] == '-') {
      throw wakeline::InputError(a, "command line", "unknown option; see wakeline --help");
    } else if (!o.deck_path) {
      o.deck_path = a;
    } else {
      throw wakeline::InputError("", "command line",
                                 "more than one deck given ('" + *o.deck_path + "', '" + a + "')");
    }
  }
  if (!o.deck_path && !o.example)
    throw wakeline::InputError("", "command line", "no deck given\n" + std::string(kUsage));
  if (o.deck_path && o.example)
    throw wakeline::InputError("", "command line", "give either a deck or --example, not both");
  return true;
}

// --optics: the linear optics of one period of the lattice; no beam is tracked. Without a stable
// periodic solution the Twiss functions start from the beam's (its lambda/mu or Twiss keys).
int run_optics(wakeline::io::RunSetup& setup, const CliOptions& o) {
  using namespace wakeline;
  std::optional<InitialOptics> initial;
  const Distribution& d = setup.distribution;
  if (d.kind != DistributionKind::thermal && d.kind != DistributionKind::empty && d.planes[0].lambda_q > 0 &&
      d.planes[1].lambda_q > 0) {
    const Matrix6 cov = covariance(d);
    const auto twiss = [&](int q) {
      const double eps = std::sqrt(cov(q, q) * cov(q + 1, q + 1) - cov(q, q + 1) * cov(q, q + 1));
      return TwissPlane{cov(q, q) / eps, -cov(q, q + 1) / eps};
    };
    initial =
        InitialOptics{twiss(0), twiss(2), d.dispersion[0], d.dispersion[1], d.dispersion[2], d.dispersion[3]};
  }
  const OpticsResult optics = compute_optics(setup.sim.lattice, setup.sim.ref, initial);
  io::DiagnosticsWriter writer(setup.diagnostics, WAKELINE_VERSION);
  std::ostringstream map;
  map << std::scientific << std::setprecision(16);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) map << (j ? " " : "") << optics.one_period(i, j);
    map << '\n';
  }
  writer.write_text("transfer_map.txt", map.str());
  writer.write_text("optics.txt", format_optics_table(optics));
  const std::filesystem::path out = writer.commit();
  if (!o.quiet) {
    std::cout << format_optics_report(optics, setup.sim.ref);
    std::cout << "  tables in " << std::filesystem::absolute(out).lexically_normal().string()
              << "/ (optics.txt, transfer_map.txt)\n";
  }
  return 0;
}

int run(const CliOptions& o) {
  using namespace wakeline;
  const auto t0 = std::chrono::steady_clock::now();
  io::InputDeck deck = [&] {
    if (o.example) {
      const auto text = app::example_deck(*o.example);
      if (!text)
        throw InputError("--example", "command line",
                         "unknown example '" + *o.example + "'; available: fodo");
      return io::InputDeck::from_string(*text, "<built-in example " + *o.example + ">");
    }
    return io::InputDeck::from_file(*o.deck_path);
  }();
  for (const std::string& ov : o.overrides) deck.add_override(ov);
  if (o.threads) set_threads(*o.threads);

  // Everything is read and validated before any output exists.
  io::RunSetup setup = io::load_run(deck, o.seed);
  if (!o.quiet)
    for (const std::string& n : setup.notices) std::cerr << n << '\n';
  if (o.optics) return run_optics(setup, o);
  if (o.write_pals) {
    // One period: PALS has no period count (lattice.periods is a tracking setting).
    std::ofstream file(*o.write_pals);
    if (!(file << io::write_pals_lattice(setup.sim.lattice.elements, setup.sim.ref)))
      throw RunError("cannot write '" + *o.write_pals + "'");
    if (!o.quiet) std::cerr << "wakeline: wrote the lattice to " << *o.write_pals << '\n';
    return 0;
  }
  io::create_beam(setup);

  const bool show_progress = !o.quiet && ::isatty(STDERR_FILENO);
  ProgressBar bar(show_progress);
  io::DiagnosticsWriter writer(setup.diagnostics, WAKELINE_VERSION);
  writer.on_progress = [&](std::uint64_t step, std::uint64_t total) {
    // Ctrl-C or a kill ends the run between slices: the exception unwinds through the writer,
    // which removes its staging folder, so no partial output is left.
    if (g_stop_signal != 0) throw Interrupted();
    bar.update(step, total);
  };
  const auto t1 = std::chrono::steady_clock::now();
  track(setup.sim, writer);
  const auto t2 = std::chrono::steady_clock::now();
  const std::filesystem::path out = writer.commit();

  if (!o.quiet) {
    const Simulation& sim = setup.sim;
    const double track_s = std::chrono::duration<double>(t2 - t1).count();
    const double total_s = std::chrono::duration<double>(t2 - t0).count();
    std::cout << "wakeline " << WAKELINE_VERSION << ": " << setup.npart << " particles, "
              << sim.lattice.elements.size() << " elements x " << sim.lattice.periods << " period(s), "
              << sim.step << " slice steps, s = " << sim.ref.s << " m, seed " << setup.seed << ", "
              << max_threads() << " thread(s)\n";
    std::cout << "  tracked in " << track_s << " s (" << total_s << " s with set-up); " << sim.beam.size()
              << " particles in the beam, " << sim.lost.size() << " lost\n";
    std::cout << "  results in " << std::filesystem::absolute(out).lexically_normal().string()
              << "/ (openPMD/*.h5, reduced_beam_characteristics.0, ref_particle.0)\n";
  }
  return 0;
}

// `wakeline plot DIAG_DIR ...`: the figures are drawn by the pure-Python module wakeline.plot
// (matplotlib), the same code Python users call, so the CLI hands the process over to Python
// rather than duplicating it. Only returns if Python cannot be started.
int run_plot(int argc, char** argv) {
  // The build tree and an install put the package beside the executable: <bin>/../python/wakeline.
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec && std::strchr(argv[0], '/') != nullptr) exe = std::filesystem::absolute(argv[0], ec);

  // The interpreter: WAKELINE_PYTHON; else the python3 beside the executable (`pip install .` into a
  // venv puts both in its bin/, and that python has the package); else python3 from PATH.
  const char* env_python = std::getenv("WAKELINE_PYTHON");
  std::string python = "python3";
  if (env_python != nullptr && *env_python != '\0') {
    python = env_python;
  } else if (!exe.empty() && ::access((exe.parent_path() / "python3").c_str(), X_OK) == 0) {
    python = (exe.parent_path() / "python3").string();
  }
  if (!exe.empty()) {
    const std::filesystem::path pkg = (exe.parent_path() / ".." / "python").lexically_normal();
    if (std::filesystem::is_directory(pkg, ec)) {
      const char* old = std::getenv("PYTHONPATH");
      std::string path = pkg.string();
      if (old != nullptr && *old != '\0') path += ":" + std::string(old);
      ::setenv("PYTHONPATH", path.c_str(), 1);
    }
  }

  // A bootstrap instead of `-m wakeline.plot`: a missing module is reported as bad input (exit 2,
  // with the reason) rather than as Python's generic exit 1, and argparse says "wakeline plot".
  // plot.py is pure Python, so when the package as a whole does not import (its C++ extension
  // missing or stale, e.g. a build with WAKELINE_PYTHON_MODULE=OFF) the module is loaded alone.
  static constexpr const char* kBootstrap = R"py(
import importlib.util, os, sys
def load():
    try:
        from wakeline.plot import main
        return main
    except ImportError as e:
        err = e
    for d in sys.path:
        f = os.path.join(d or '.', 'wakeline', 'plot.py')
        if os.path.isfile(f):
            spec = importlib.util.spec_from_file_location('wakeline_plot', f)
            module = sys.modules['wakeline_plot'] = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                return module.main
            except ImportError as e:
                err = e
            break
    sys.stderr.write('wakeline plot: error: cannot import the Python module wakeline.plot with '
                     f'{sys.executable} ({err}); it needs numpy, pandas, matplotlib and h5py, and '
                     'the wakeline package on PYTHONPATH (WAKELINE_PYTHON chooses the interpreter)\n')
    sys.exit(2)
sys.exit(load()(sys.argv[1:], prog='wakeline plot'))
)py";
  std::vector<char*> args;
  args.push_back(const_cast<char*>(python.c_str()));
  args.push_back(const_cast<char*>("-c"));
  args.push_back(const_cast<char*>(kBootstrap));
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  std::cout.flush();
  ::execvp(args[0], args.data());
  const int err = errno;
  std::cerr << "wakeline plot: error: cannot run the Python interpreter '" << python << "' ("
            << std::strerror(err) << "); install Python 3 with matplotlib, or set WAKELINE_PYTHON "
            << "to an interpreter that has it\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "plot") == 0) return run_plot(argc, argv);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  try {
    CliOptions options;
    if (!parse_args(argc, argv, options)) return 0;
    return run(options);
  } catch (const wakeline::InputError& e) {
    std::cerr << "wakeline: error: " << e.what() << '\n';
    return 2;
  } catch (const Interrupted&) {
    std::cerr << "\nwakeline: interrupted; no output was written\n";
    return 128 + g_stop_signal;
  } catch (const std::exception& e) {
    std::cerr << "wakeline: run failed: " << e.what() << '\n';
    return 1;
  }
}
