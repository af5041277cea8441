#pragma once
// Marks functions that run on the host and, in the CUDA build, on the device too.
// Element maps are written once with this marker and serve both backends.
#if defined(__CUDACC__)
#define WL_HOST_DEVICE __host__ __device__
#define WL_FORCE_INLINE __forceinline__
#else
#define WL_HOST_DEVICE
#define WL_FORCE_INLINE inline __attribute__((always_inline))
#endif
