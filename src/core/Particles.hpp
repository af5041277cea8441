#pragma once
#include <cstddef>
#include <cstdint>

#include "core/Memory.hpp"

namespace wakeline {

// Beam particles as a structure of arrays (ImpactX's coordinates, see docs/architecture.md):
// x, y, t in m; px, py, pt dimensionless; qm in C/kg; w = number of real particles.
// id > 0 for a particle in the beam; a lost particle carries -id and the s where it was lost
// until the tracker moves it to the lost container.
struct Particles {
  ParticleVector<double> x, y, t, px, py, pt, qm, w, s_lost;
  ParticleVector<std::int64_t> id;

  [[nodiscard]] std::size_t size() const { return x.size(); }
  void resize(std::size_t n) {
    for (auto* a : {&x, &y, &t, &px, &py, &pt, &qm, &w, &s_lost}) a->resize(n);
    id.resize(n);
  }
  void reserve(std::size_t n) {
    for (auto* a : {&x, &y, &t, &px, &py, &pt, &qm, &w, &s_lost}) a->reserve(n);
    id.reserve(n);
  }
  void clear() { resize(0); }
  // Appends particle i of another container (used to build the lost container).
  void push_back_from(const Particles& o, std::size_t i) {
    x.push_back(o.x[i]), y.push_back(o.y[i]), t.push_back(o.t[i]);
    px.push_back(o.px[i]), py.push_back(o.py[i]), pt.push_back(o.pt[i]);
    qm.push_back(o.qm[i]), w.push_back(o.w[i]), s_lost.push_back(o.s_lost[i]);
    id.push_back(o.id[i]);
  }
  // Moves particle `from` to slot `to` within this container (compaction).
  void move_within(std::size_t from, std::size_t to) {
    x[to] = x[from], y[to] = y[from], t[to] = t[from];
    px[to] = px[from], py[to] = py[from], pt[to] = pt[from];
    qm[to] = qm[from], w[to] = w[from], s_lost[to] = s_lost[from];
    id[to] = id[from];
  }
};

// Raw pointers to one container's arrays, passed by value into kernels (host or device).
struct ParticleView {
  double *x, *y, *t, *px, *py, *pt, *s_lost;
  std::int64_t* id;
  std::size_t n;
  explicit ParticleView(Particles& p)
      : x(p.x.data()),
        y(p.y.data()),
        t(p.t.data()),
        px(p.px.data()),
        py(p.py.data()),
        pt(p.pt.data()),
        s_lost(p.s_lost.data()),
        id(p.id.data()),
        n(p.size()) {}
};

}  // namespace wakeline
