#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/Matrix6.hpp"
#include "core/RefPart.hpp"
#include "tracking/Lattice.hpp"

namespace wakeline {

// Linear optics of a lattice about its reference orbit (wakeline --optics): the one-period
// transfer map, the periodic Twiss functions, dispersion and tunes when the period is stable,
// and the Twiss functions along s. Uncoupled-plane formulas: the table says when the map
// couples x and y (solenoids, rolled elements), where beta and alpha are projections.
struct TwissPlane {
  double beta = 0.0, alpha = 0.0;
};

struct OpticsPoint {
  std::string name;  // element at whose exit this point is
  std::string type;
  double s = 0.0;
  TwissPlane x, y;
  double mu_x = 0.0, mu_y = 0.0;                                    // phase advance from the start, rad
  double disp_x = 0.0, disp_px = 0.0, disp_y = 0.0, disp_py = 0.0;  // D = -<x pt>/<pt^2> convention
};

struct OpticsResult {
  Matrix6 one_period;
  PeriodicTwiss periodic_x, periodic_y;
  bool periodic = false;  // both planes stable: the table starts from the periodic solution
  bool coupled = false;   // the one-period map couples x and y
  double disp_x = 0.0, disp_px = 0.0, disp_y = 0.0, disp_py = 0.0;  // periodic dispersion at the start
  double symplectic_error = 0.0;                                    // max |M^T J M - J|
  std::vector<OpticsPoint> table;                                   // start, then every element exit
};

// Starting conditions for a lattice without a stable periodic solution (e.g. the beam's).
struct InitialOptics {
  TwissPlane x, y;
  double disp_x = 0.0, disp_px = 0.0, disp_y = 0.0, disp_py = 0.0;
};

// Computes the optics. Without a stable periodic solution, `initial` starts the table; with
// neither, the table is empty.
OpticsResult compute_optics(const Lattice& lattice, const RefPart& ref,
                            std::optional<InitialOptics> initial = std::nullopt);

// A human-readable report (printed by the CLI) and the table as a whitespace-separated file.
std::string format_optics_report(const OpticsResult& optics, const RefPart& ref);
std::string format_optics_table(const OpticsResult& optics);

}  // namespace wakeline
