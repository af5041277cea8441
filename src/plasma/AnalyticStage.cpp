#include "plasma/AnalyticStage.hpp"

#include <cmath>
#include <vector>

#include "core/ParallelFor.hpp"
#include "elements/Mixins.hpp"

namespace wakeline::plasma {

void AnalyticStage::track(Particles& beam, RefPart& ref) const {
  track_in_lab(beam, ref, length_, [this](LabBunch& lab, const std::vector<double>& /*weights*/) {
    push_bunch(lab, fields_, length_ / constants::c, settings_);
  });
}

void track_in_lab(Particles& beam, RefPart& ref, double length,
                  const std::function<void(LabBunch& lab, const std::vector<double>& weights)>& push) {
  const std::size_t n = beam.size();
  const double bg0 = ref.beta_gamma(), gamma0 = ref.gamma();

  // ---- entry: fixed s -> fixed time. Slot n is the reference particle.
  LabBunch lab;
  lab.resize(n + 1);
  const ParticleView v(beam);
  const double* qm_in = beam.qm.data();
  LabBunch* lb = &lab;
  parallel_for(n, [=](std::size_t i) {
    const double ux = v.px[i] * bg0, uy = v.py[i] * bg0;
    const double gamma = gamma0 - v.pt[i] * bg0;
    const double uz2 = gamma * gamma - 1.0 - ux * ux - uy * uy;
    if (!(uz2 > 0.0) || v.id[i] < 0) {
      // Cannot cross the entrance plane forwards: lost there (the tracker sets s_lost).
      if (v.id[i] > 0) v.id[i] = -v.id[i];
      lb->x[i] = lb->y[i] = lb->xi[i] = lb->ux[i] = lb->uy[i] = 0.0;
      lb->uz[i] = bg0, lb->qm[i] = 0.0;  // a spectator on axis, not counted at the exit
      return;
    }
    const double uz = std::sqrt(uz2);
    // The particle crosses the entrance t/c after the reference (t > 0: later); at the reference's
    // crossing time it is a time t/c before the plane.
    const double t = v.t[i];
    lb->x[i] = v.x[i] - ux / gamma * t;
    lb->y[i] = v.y[i] - uy / gamma * t;
    lb->xi[i] = -uz / gamma * t;
    lb->ux[i] = ux, lb->uy[i] = uy, lb->uz[i] = uz;
    lb->qm[i] = qm_in[i];
  });
  lab.x[n] = lab.y[n] = lab.xi[n] = lab.ux[n] = lab.uy[n] = 0.0;
  lab.uz[n] = bg0;
  lab.qm[n] = ref.qm();

  // ---- the stage
  std::vector<double> weights(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    if (beam.id[i] >= 0 && lab.qm[i] != 0.0) weights[i] = beam.w[i];
  push(lab, weights);

  // ---- exit: the new reference. Its time of flight: t_final plus the time the tracked reference
  // particle needs for the distance -xi left to the exit plane.
  const auto arrival_delay = [&](std::size_t i) {  // c * (time to reach the exit plane), m
    const double gamma =
        std::sqrt(1.0 + lab.ux[i] * lab.ux[i] + lab.uy[i] * lab.uy[i] + lab.uz[i] * lab.uz[i]);
    return -lab.xi[i] * gamma / lab.uz[i];
  };
  double sum_w = 0.0, sum_wg = 0.0, sum_1 = 0.0, sum_g = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double gamma =
        std::sqrt(1.0 + lab.ux[i] * lab.ux[i] + lab.uy[i] * lab.uy[i] + lab.uz[i] * lab.uz[i]);
    if (beam.id[i] < 0 || !(lab.uz[i] > 0.0) || !std::isfinite(gamma) || !std::isfinite(lab.xi[i]) ||
        !std::isfinite(lab.x[i]) || !std::isfinite(lab.y[i])) {
      if (beam.id[i] > 0) beam.id[i] = -beam.id[i];
      continue;
    }
    sum_w += beam.w[i], sum_wg += beam.w[i] * gamma;
    sum_1 += 1.0, sum_g += gamma;
  }
  const double ref_delay = arrival_delay(n);
  RefPart out = ref;
  elements::push_reference_straight(out, length);  // s, and the position along the direction
  out.t = ref.t + length + ref_delay;              // c * (t_final + delay)
  double gamma_ref;
  if (sum_w > 0.0) {
    gamma_ref = sum_wg / sum_w;
  } else if (sum_1 > 0.0) {
    gamma_ref = sum_g / sum_1;
  } else {  // no beam left: the tracked reference particle's own energy
    gamma_ref = std::sqrt(1.0 + lab.uz[n] * lab.uz[n]);
  }
  // Same direction, new energy.
  const double bg_old = out.beta_gamma();
  out.pt = -gamma_ref;
  const double bg_new = out.beta_gamma();
  out.px *= bg_new / bg_old, out.py *= bg_new / bg_old, out.pz *= bg_new / bg_old;

  // ---- exit: fixed time -> fixed s, relative to the new reference.
  const ParticleView w(beam);
  parallel_for(n, [=](std::size_t i) {
    if (w.id[i] < 0) return;
    const double ux = lb->ux[i], uy = lb->uy[i], uz = lb->uz[i];
    const double gamma = std::sqrt(1.0 + ux * ux + uy * uy + uz * uz);
    const double delay = -lb->xi[i] * gamma / uz;  // c * time to the exit plane
    w.x[i] = lb->x[i] + ux / gamma * delay;
    w.y[i] = lb->y[i] + uy / gamma * delay;
    w.t[i] = delay - ref_delay;
    w.px[i] = ux / bg_new;
    w.py[i] = uy / bg_new;
    w.pt[i] = -(gamma - gamma_ref) / bg_new;
  });
  ref = out;
}

}  // namespace wakeline::plasma
