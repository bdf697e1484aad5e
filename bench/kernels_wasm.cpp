// The kernels in WebAssembly, for bench/kernels-wasm.mjs: the module of the SIMD build has both
// implementations and the roofline loops, the baseline build's only the scalar reference.
#include <emscripten/emscripten.h>

#include <vector>

#include "kernel_workloads.h"
#include "roofline.h"

extern "C" {

// Runs `calls` times kernel 0 (gemv), 1 (gemm), 2 (attention) or 3 (step), or 8 to 11 the same
// in integers, vectorised (SIMD builds only) or the scalar reference, and returns the FLOP (or
// integer operations) of one call; or, SIMD builds only, the roofline: 4 the peak loop (returns
// its FLOP), 5, 6, 7 a read of 32 KB, 1 MB, 64 MB (returns its bytes), 12 the integer peak loop
// (returns its operations). Returns 0 for what this build lacks.
EMSCRIPTEN_KEEPALIVE double run_kernel(int kernel, int vectorised, int calls) {
  using han::bench::KernelWorkload;
  static KernelWorkload workload;
#ifdef HAN_VECTORISED_KERNELS
  const han::bench::KernelSet& set = vectorised ? han::bench::kVectorised : han::bench::kReference;
  static float sink = 0;
  if (kernel == 4) {
    double flops = 0;
    for (int call = 0; call < calls; ++call) flops = han::bench::peak_flops(1 << 16, &sink);
    return flops;
  }
  if (kernel == 12) {
    double ops = 0;
    for (int call = 0; call < calls; ++call) ops = han::bench::peak_int_ops(1 << 16, &sink);
    return ops;
  }
  if (kernel >= 5 && kernel <= 7) {
    static const size_t sizes[] = {32 << 10, 1 << 20, 64 << 20};
    static std::vector<float> buffer;
    buffer.assign(sizes[kernel - 5] / 4, 1.0f);
    double bytes = 0;
    for (int call = 0; call < calls; ++call) {
      bytes = han::bench::stream_bytes(buffer.data(), buffer.size(), &sink);
    }
    return bytes;
  }
#else
  if (vectorised || (kernel >= 4 && kernel <= 7) || kernel == 12) return 0;
  const han::bench::KernelSet& set = han::bench::kReference;
#endif
  for (int call = 0; call < calls; ++call) {
    if (kernel == 0) workload.gemv(set);
    if (kernel == 1) workload.gemm(set);
    if (kernel == 2) workload.attention(set);
    if (kernel == 3) workload.step(set);
    if (kernel == 8) workload.gemv_int8(set);
    if (kernel == 9) workload.gemm_int8(set);
    if (kernel == 10) workload.attention_int8(set);
    if (kernel == 11) workload.step_int8(set);
  }
  const double flops[] = {KernelWorkload::kGemvFlops, KernelWorkload::kGemmFlops,
                          KernelWorkload::kAttentionFlops, KernelWorkload::kStepFlops};
  return flops[kernel % 4];
}

}  // extern "C"
