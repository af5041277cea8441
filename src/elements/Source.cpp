#include "elements/Source.hpp"

#include <algorithm>
#include <cstdlib>

namespace wakeline::elements {

void Source::inject(Particles& beam, const RefPart& /*ref*/) const {
  if (!injected || injected->size() == 0) return;
  const Particles& in = *injected;
  const std::size_t first = beam.size(), n = in.size();
  std::int64_t next_id = 1;
  for (std::size_t i = 0; i < first; ++i) next_id = std::max(next_id, std::abs(beam.id[i]) + 1);
  beam.resize(first + n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = first + k;
    beam.x[i] = in.x[k], beam.y[i] = in.y[k], beam.t[i] = in.t[k];
    beam.px[i] = in.px[k], beam.py[i] = in.py[k], beam.pt[i] = in.pt[k];
    beam.qm[i] = in.qm[k];
    beam.w[i] = in.w[k];
    beam.s_lost[i] = 0.0;
    beam.id[i] = next_id + static_cast<std::int64_t>(k);
  }
}

}  // namespace wakeline::elements
