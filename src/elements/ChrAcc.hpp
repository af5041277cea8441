#pragma once
// ImpactX's ChrAcc: uniform accelerating field E_z with a uniform solenoid field B_z, chromatic
// (paraxial) map: second order in x, px, y, py, exact in pt.
#include <cmath>

#include "core/VectorMath.hpp"
#include "elements/ElementCommon.hpp"
#include "elements/LinearKernels.hpp"

namespace wakeline::elements {

// Works in "dynamic" momenta (normalised to m c, not to the reference momentum): the particle
// momenta are multiplied by the reference beta*gamma at the slice entrance (bgi) and divided by
// the one at the exit (bgf). The particle's energy offset from the reference is conserved.
struct ChrAccMap {
  double bgi, bgf;          // reference beta*gamma at entrance and exit of the slice
  double pti_ref, ptf_ref;  // reference pt = -gamma at entrance and exit
  double pzi_ref, pzf_ref;  // = bgi, bgf
  double alpha;             // bz/2, 1/m
  double ez, L;             // 1/m; slice length

  // Branch-free (the lost-particle case and the ez = 0, alpha = 0 limits are selected, with
  // harmless stand-in arguments), with core/VectorMath.hpp's log and sin_cos, so that the loop
  // over particles vectorises.
  WL_HOST_DEVICE WL_FORCE_INLINE bool operator()(double& x, double& px, double& y, double& py, double& t,
                                                 double& pt) const {
    px *= bgi, py *= bgi, pt *= bgi;
    const double pti = pti_ref + pt, ptf = ptf_ref + pt;  // particle's total pt, entrance and exit
    const bool alive = pti * pti > 1.0 && ptf * ptf > 1.0;
    const double pzi = std::sqrt(alive ? pti * pti - 1.0 : 1.0),
                 pzf = std::sqrt(alive ? ptf * ptf - 1.0 : 1.0);
    // lambda = integral of ds / pz over the slice; Larmor angle theta = alpha * lambda.
    const double ratio = alive ? (pzf - ptf) / (pzi - pti) : 1.0;
    const double lambda = ez != 0.0 ? vm::log(ratio) / ez : L / pzi;
    const double theta = alpha * lambda;
    double sn, cs;
    vm::sin_cos(theta, sn, cs);
    const double s_over_alpha = alpha != 0.0 ? sn / alpha : lambda;
    // Kinetic transverse momentum squared (conserved by the rotation below).
    const double u = px + alpha * y, v = py - alpha * x;
    const double q2 = u * u + v * v;
    const double dt = ez != 0.0
                          ? (pzf - pzf_ref - pzi + pzi_ref) / ez + (1.0 / pzi - 1.0 / pzf) * q2 / (2.0 * ez)
                          // the ez -> 0 limit (ImpactX divides by ez)
                          : -L * (pti / pzi - pti_ref / pzi_ref) - L * pti / (pzi * pzi * pzi) * q2 / 2.0;
    // Focusing, then rotation by theta (the two commute).
    const double x1 = cs * x + s_over_alpha * px, px1 = -alpha * sn * x + cs * px;
    const double y1 = cs * y + s_over_alpha * py, py1 = -alpha * sn * y + cs * py;
    const double x2 = cs * x1 + sn * y1, y2 = -sn * x1 + cs * y1;
    const double px2 = cs * px1 + sn * py1, py2 = -sn * px1 + cs * py1;
    x = alive ? x2 : x, y = alive ? y2 : y;
    px = alive ? px2 : px, py = alive ? py2 : py;
    t = alive ? t + dt : t;
    px /= bgf, py /= bgf, pt /= bgf;
    return alive;
  }
};

// ez = q E_z / (m c^2) and bz = q B_z / (m c), both in 1/m. The reference gains ez*L in gamma
// per slice (pt_f = pt_i - ez L), keeps its direction (it moves along the entrance direction),
// and its clock advances by (bgf - bgi)/ez. The particle map needs the entrance reference.
struct ChrAcc : ElementCommon {
  static constexpr const char* type = "uniform_acc_chromatic";
  double ez = 0.0, bz = 0.0;

  void push_reference(RefPart& ref) const {
    const double L = slice_ds();
    const double bgi = ref.beta_gamma();
    const double pti = ref.pt;
    ref.pt = pti - ez * L;
    const double bgf = ref.beta_gamma();
    ref.t += ez != 0.0 ? (bgf - bgi) / ez : -L * pti / bgi;
    ref.x += L * ref.px / bgi;
    ref.y += L * ref.py / bgi;
    ref.z += L * ref.pz / bgi;
    ref.px *= bgf / bgi;
    ref.py *= bgf / bgi;
    ref.pz *= bgf / bgi;
    ref.s += L;
  }
  [[nodiscard]] ChrAccMap particle_map(const RefPart& before, const RefPart& after) const {
    ChrAccMap m{};
    m.bgi = before.beta_gamma(), m.bgf = after.beta_gamma();
    m.pti_ref = before.pt, m.ptf_ref = after.pt;
    m.pzi_ref = m.bgi, m.pzf_ref = m.bgf;
    m.alpha = 0.5 * bz;
    m.ez = ez, m.L = slice_ds();
    return m;
  }
  // Linearisation about the reference: focusing and rotation by the reference Larmor angle,
  // R56 from the pt dependence of the time of flight, momenta rescaled by bgi/bgf.
  [[nodiscard]] Matrix6 linear_map(const RefPart& before, const RefPart& after) const {
    const ChrAccMap m = particle_map(before, after);
    const double lambda =
        ez != 0.0 ? std::log((m.pzf_ref - m.ptf_ref) / (m.pzi_ref - m.pti_ref)) / ez : m.L / m.pzi_ref;
    const double theta = m.alpha * lambda, sn = std::sin(theta), cs = std::cos(theta);
    const double s_over_alpha = m.alpha != 0.0 ? sn / m.alpha : lambda;
    Matrix6 foc = Matrix6::identity(), rot = Matrix6::identity();
    for (int p = 0; p < 2; ++p) {
      const int q = 2 * p;
      foc(q, q) = cs, foc(q, q + 1) = s_over_alpha * m.bgi;
      foc(q + 1, q) = -m.alpha * sn / m.bgf, foc(q + 1, q + 1) = cs * m.bgi / m.bgf;
      rot(q, q) = cs, rot(q + 1, q + 1) = cs;
    }
    rot(0, 2) = sn, rot(1, 3) = sn;    // x' = c x + s y,  px' = c px + s py
    rot(2, 0) = -sn, rot(3, 1) = -sn;  // y' = -s x + c y, py' = -s px + c py
    // (x, px) and (y, py) are scaled alike, so the rotation commutes with the rescaling.
    Matrix6 r = rot * foc;
    r(4, 5) = ez != 0.0 ? m.bgi * (m.ptf_ref / m.pzf_ref - m.pti_ref / m.pzi_ref) / ez
                        : m.L / (m.pzi_ref * m.pzi_ref);
    r(5, 5) = m.bgi / m.bgf;
    return r;
  }
};

}  // namespace wakeline::elements
