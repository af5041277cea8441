#include "core/ParallelFor.hpp"

#include <omp.h>

namespace wakeline {

int max_threads() { return omp_get_max_threads(); }
void set_threads(int n) { omp_set_num_threads(n); }

}  // namespace wakeline
