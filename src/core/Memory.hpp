#pragma once
#include <cstddef>
#include <new>
#include <vector>

#if defined(WAKELINE_CUDA)
#include <cuda_runtime.h>
#endif

namespace wakeline {

// Allocator for particle arrays: they must live where the kernels run.
// CPU build: 64-byte aligned host memory (whole cache lines, full-width vector loads).
// CUDA build: CUDA managed memory, so the same arrays serve the device kernels and the
// host-side I/O and diagnostics without explicit copies.
template <class T>
struct ParticleAllocator {
  using value_type = T;
  ParticleAllocator() = default;
  template <class U>
  ParticleAllocator(const ParticleAllocator<U>& /*other*/) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
#if defined(WAKELINE_CUDA)
    void* p = nullptr;
    if (cudaMallocManaged(&p, n * sizeof(T)) != cudaSuccess) throw std::bad_alloc();
    return static_cast<T*>(p);
#else
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}));
#endif
  }
  void deallocate(T* p, std::size_t /*n*/) noexcept {
#if defined(WAKELINE_CUDA)
    cudaFree(p);
#else
    ::operator delete (p, std::align_val_t{64});
#endif
  }
  template <class U>
  bool operator==(const ParticleAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

template <class T>
using ParticleVector = std::vector<T, ParticleAllocator<T>>;

}  // namespace wakeline
