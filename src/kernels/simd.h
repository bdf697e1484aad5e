#pragma once
// The few SIMD operations the vectorised kernels use, on a vector `Vec` of kWidth floats:
// WebAssembly SIMD (wasm_simd128.h) under -msimd128, else AVX with FMA, else SSE2 (every x86-64).
// vectorised.cpp and the benchmarks' roofline (bench/roofline.h) include this, only when
// kernels.h defines HAN_VECTORISED_KERNELS.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#include <immintrin.h>
#endif

namespace han::kernels::simd {

#if defined(__wasm_simd128__)

using Vec = v128_t;
constexpr int kWidth = 4;
inline Vec load(const float* p) {
  return wasm_v128_load(p);
}
inline void store(float* p, Vec v) {
  wasm_v128_store(p, v);
}
inline Vec splat(float x) {
  return wasm_f32x4_splat(x);
}
inline Vec add(Vec a, Vec b) {
  return wasm_f32x4_add(a, b);
}
inline Vec sub(Vec a, Vec b) {
  return wasm_f32x4_sub(a, b);
}
inline Vec mul(Vec a, Vec b) {
  return wasm_f32x4_mul(a, b);
}
inline Vec div(Vec a, Vec b) {
  return wasm_f32x4_div(a, b);
}
// a b + c. Fused multiply-add is only in relaxed SIMD, which Emscripten 3.1.6 encodes as the
// proposal's early opcode that engines now reject (docs/benchmarks.md).
inline Vec mul_add(Vec a, Vec b, Vec c) {
  return add(mul(a, b), c);
}
// pmin/pmax: one x86 instruction each, unlike min/max with their NaN rules.
inline Vec min(Vec a, Vec b) {
  return wasm_f32x4_pmin(a, b);
}
inline Vec max(Vec a, Vec b) {
  return wasm_f32x4_pmax(a, b);
}
inline float sum(Vec v) {
  const Vec pairs = add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(add(pairs, wasm_i32x4_shuffle(pairs, pairs, 1, 0, 3, 2)), 0);
}

#elif defined(__AVX__) && defined(__FMA__)

using Vec = __m256;
constexpr int kWidth = 8;
inline Vec load(const float* p) {
  return _mm256_loadu_ps(p);
}
inline void store(float* p, Vec v) {
  _mm256_storeu_ps(p, v);
}
inline Vec splat(float x) {
  return _mm256_set1_ps(x);
}
inline Vec add(Vec a, Vec b) {
  return _mm256_add_ps(a, b);
}
inline Vec sub(Vec a, Vec b) {
  return _mm256_sub_ps(a, b);
}
inline Vec mul(Vec a, Vec b) {
  return _mm256_mul_ps(a, b);
}
inline Vec div(Vec a, Vec b) {
  return _mm256_div_ps(a, b);
}
inline Vec mul_add(Vec a, Vec b, Vec c) {
  return _mm256_fmadd_ps(a, b, c);
}  // a b + c
inline Vec min(Vec a, Vec b) {
  return _mm256_min_ps(a, b);
}
inline Vec max(Vec a, Vec b) {
  return _mm256_max_ps(a, b);
}
inline float sum(Vec v) {
  const __m128 halves = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 pairs = _mm_add_ps(halves, _mm_movehl_ps(halves, halves));
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
}

#else  // SSE2

using Vec = __m128;
constexpr int kWidth = 4;
inline Vec load(const float* p) {
  return _mm_loadu_ps(p);
}
inline void store(float* p, Vec v) {
  _mm_storeu_ps(p, v);
}
inline Vec splat(float x) {
  return _mm_set1_ps(x);
}
inline Vec add(Vec a, Vec b) {
  return _mm_add_ps(a, b);
}
inline Vec sub(Vec a, Vec b) {
  return _mm_sub_ps(a, b);
}
inline Vec mul(Vec a, Vec b) {
  return _mm_mul_ps(a, b);
}
inline Vec div(Vec a, Vec b) {
  return _mm_div_ps(a, b);
}
inline Vec mul_add(Vec a, Vec b, Vec c) {
  return add(mul(a, b), c);
}  // a b + c
inline Vec min(Vec a, Vec b) {
  return _mm_min_ps(a, b);
}
inline Vec max(Vec a, Vec b) {
  return _mm_max_ps(a, b);
}
inline float sum(Vec v) {
  const __m128 pairs = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
}

#endif

}  // namespace han::kernels::simd
