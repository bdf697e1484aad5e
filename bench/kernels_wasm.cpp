// The kernels in WebAssembly, for bench/wasm-kernels.mjs: the module of the SIMD build has both
// implementations, the baseline build's only the scalar reference.
#include <emscripten/emscripten.h>

#include "kernel_workloads.h"

extern "C" {

// Runs kernel 0 (gemv), 1 (gemm) or 2 (attention) `calls` times, vectorised (SIMD builds only)
// or the scalar reference; returns the FLOP of one call, or 0 when that implementation is absent.
EMSCRIPTEN_KEEPALIVE double run_kernel(int kernel, int vectorised, int calls) {
  using han::bench::KernelWorkload;
  static KernelWorkload workload;
#ifdef HAN_VECTORISED_KERNELS
  const han::bench::KernelSet& set = vectorised ? han::bench::kVectorised : han::bench::kReference;
#else
  if (vectorised) return 0;
  const han::bench::KernelSet& set = han::bench::kReference;
#endif
  for (int call = 0; call < calls; ++call) {
    if (kernel == 0) workload.gemv(set);
    if (kernel == 1) workload.gemm(set);
    if (kernel == 2) workload.attention(set);
  }
  const double flops[] = {KernelWorkload::kGemvFlops, KernelWorkload::kGemmFlops,
                          KernelWorkload::kAttentionFlops};
  return flops[kernel];
}

}  // extern "C"
