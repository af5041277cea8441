#pragma once
#include <cstddef>
#include <cstdint>

#include "core/HostDevice.hpp"

#if defined(__CUDACC__)
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#endif

namespace wakeline {

// Runs f(i) for every i in [0, n): OpenMP threads on the CPU, a CUDA grid in the CUDA build.
// f must be a WL_HOST_DEVICE callable that captures by value (it is copied to the device).
#if defined(__CUDACC__)
template <class F>
__global__ void parallel_for_kernel(std::size_t n, F f) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) f(i);
}

template <class F>
void parallel_for(std::size_t n, F f) {
  if (n == 0) return;
  constexpr unsigned threads = 256;
  const auto blocks = static_cast<unsigned>((n + threads - 1) / threads);
  parallel_for_kernel<<<blocks, threads>>>(n, f);
  const cudaError_t err = cudaDeviceSynchronize();
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA kernel failed: ") + cudaGetErrorString(err));
}
#else
template <class F>
void parallel_for(std::size_t n, F f) {
  const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < count; ++i) f(static_cast<std::size_t>(i));
}
#endif

// Number of threads the CPU backend uses (1 without OpenMP).
int max_threads();
// Sets the CPU thread count (n >= 1); no effect in the CUDA build's kernels.
void set_threads(int n);

}  // namespace wakeline
