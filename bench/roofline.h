#pragma once
// The machine's limits that the kernel benchmarks are read against, measured with the same vector
// width and instructions as the kernels (src/kernels/simd.h), natively and in WebAssembly:
//   peak_flops     independent multiply-add chains held in registers: the arithmetic peak
//   stream_bytes   a sum over a buffer: the bandwidth of the cache level (or memory) that holds it
#include <cstddef>
#include <vector>

#include "kernels/kernels.h"

#ifdef HAN_VECTORISED_KERNELS
#include "kernels/simd.h"
#endif

namespace han::bench {

#ifdef HAN_VECTORISED_KERNELS
namespace simd = kernels::simd;
using simd::Vec;

// `iterations` rounds of 12 independent a ← a x + y on vectors (12 chains and 2 constants fill
// the 16 vector registers of x86-64; fewer would leave the pipelines waiting on latency); returns
// the FLOP done (2 per multiply-add lane). The chains start from *sink and end in it, so that no
// call can be dropped.
inline double peak_flops(long iterations, float* sink) {
  constexpr int kChains = 12;
  Vec a[kChains];
  for (int c = 0; c < kChains; ++c) a[c] = simd::splat(1.0f + 0.001f * c + 1e-9f * *sink);
  const Vec x = simd::splat(0.999999f), y = simd::splat(1e-7f);
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) a[c] = simd::mul_add(a[c], x, y);
  }
  Vec total = a[0];
  for (int c = 1; c < kChains; ++c) total = simd::add(total, a[c]);
  *sink = simd::sum(total);
  return 2.0 * kChains * simd::kWidth * static_cast<double>(iterations);
}

// The integer peak of the int8 kernels' instructions: `iterations` rounds of 12 independent
// a ← a + dot(a, y) (simd::dot_add: each 32-bit lane adds the products of a pair of int16, two
// multiply-adds; in WebAssembly i32x4.dot_i16x8_s and an add, natively vpmaddwd and an add, or
// AVX-VNNI's vpdpwssd alone). Each step reads its own chain, so no product can be hoisted out of
// the loop; the sums wrap, which changes nothing of the timing. Returns the operations done, 2 per
// multiply-add, as the kernels count them.
inline double peak_int_ops(long iterations, float* sink) {
  constexpr int kChains = 12;
  const int8_t bytes[2 * simd::kWidth] = {3, -2, 5, 7, -1, 4, 2, -6};
  const simd::IVec y = simd::load_int8_pairs(bytes);
  simd::IVec a[kChains];
  const int16_t start[2] = {static_cast<int16_t>(*sink), 1};
  for (int c = 0; c < kChains; ++c) a[c] = simd::dot(simd::splat_int16_pair(start), y);
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) a[c] = simd::dot_add(a[c], a[c], y);
  }
  Vec total = simd::to_float(a[0]);
  for (int c = 1; c < kChains; ++c) total = simd::add(total, simd::to_float(a[c]));
  *sink = simd::sum(total) * 1e-30f;
  return 4.0 * kChains * simd::kWidth * static_cast<double>(iterations);
}

// Sums `floats` values (a multiple of 4 vectors) with 4 independent accumulators, starting from
// *sink and ending in it; returns the bytes read.
inline double stream_bytes(const float* data, size_t floats, float* sink) {
  Vec s[4] = {simd::splat(*sink), simd::splat(0.0f), simd::splat(0.0f), simd::splat(0.0f)};
  for (size_t i = 0; i < floats; i += 4 * simd::kWidth) {
    for (int k = 0; k < 4; ++k) s[k] = simd::add(s[k], simd::load(data + i + k * simd::kWidth));
  }
  *sink = simd::sum(simd::add(simd::add(s[0], s[1]), simd::add(s[2], s[3])));
  return 4.0 * static_cast<double>(floats);
}
#endif

}  // namespace han::bench
