#pragma once
// The few SIMD operations the vectorised kernels use, on a vector `Vec` of kWidth floats and a
// vector `IVec` of kWidth int32 (the int8 products): WebAssembly SIMD (wasm_simd128.h) under
// -msimd128, else AVX2 with FMA (and AVX-VNNI where the compiler targets it), else SSE2 (every
// x86-64).
// vectorised.cpp and the benchmarks' roofline (bench/roofline.h) include this, only when
// kernels.h defines HAN_VECTORISED_KERNELS.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#include <immintrin.h>
#endif
#include <cstdint>
#include <cstring>

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
inline Vec abs(Vec v) {
  return wasm_f32x4_abs(v);
}

using IVec = v128_t;
// The 2 kWidth int8 at p (kWidth columns of a pair of inputs) as int16 lanes.
inline IVec load_int8_pairs(const int8_t* p) {
  return wasm_i16x8_load8x8(p);
}
// The pair of int16 at p in every 32-bit lane.
inline IVec splat_int16_pair(const int16_t* p) {
  return wasm_v128_load32_splat(p);
}
// a0 b0 + a1 b1 of each 32-bit lane's int16 pair: i32x4.dot_i16x8_s, 8 multiply-adds.
inline IVec dot(IVec a, IVec b) {
  return wasm_i32x4_dot_i16x8(a, b);
}
// acc + dot(a, b).
inline IVec dot_add(IVec acc, IVec a, IVec b) {
  return wasm_i32x4_add(acc, dot(a, b));
}
inline Vec to_float(IVec v) {
  return wasm_f32x4_convert_i32x4(v);
}
// The kWidth lanes of v rounded to the nearest integer (ties to even) as int16 at p.
inline void store_rounded_int16(int16_t* p, Vec v) {
  const IVec rounded = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(v));
  wasm_v128_store64_lane(p, wasm_i16x8_narrow_i32x4(rounded, rounded), 0);
}

#elif defined(__AVX2__) && defined(__FMA__)

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
inline Vec abs(Vec v) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

using IVec = __m256i;
inline IVec load_int8_pairs(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline IVec splat_int16_pair(const int16_t* p) {
  int32_t pair;
  std::memcpy(&pair, p, sizeof pair);
  return _mm256_set1_epi32(pair);
}
inline IVec dot(IVec a, IVec b) {
  return _mm256_madd_epi16(a, b);
}
// vpdpwssd where the CPU has AVX-VNNI (one instruction), else vpmaddwd and an add.
inline IVec dot_add(IVec acc, IVec a, IVec b) {
#ifdef __AVXVNNI__
  return _mm256_dpwssd_avx_epi32(acc, a, b);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}
inline Vec to_float(IVec v) {
  return _mm256_cvtepi32_ps(v);
}
inline void store_rounded_int16(int16_t* p, Vec v) {
  const IVec rounded = _mm256_cvtps_epi32(v);  // the default rounding: nearest, ties to even
  const __m128i packed =
      _mm_packs_epi32(_mm256_castsi256_si128(rounded), _mm256_extracti128_si256(rounded, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), packed);
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
inline Vec abs(Vec v) {
  return _mm_andnot_ps(_mm_set1_ps(-0.0f), v);
}

using IVec = __m128i;
inline IVec load_int8_pairs(const int8_t* p) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm_srai_epi16(_mm_unpacklo_epi8(bytes, bytes), 8);  // sign-extended to int16
}
inline IVec splat_int16_pair(const int16_t* p) {
  int32_t pair;
  std::memcpy(&pair, p, sizeof pair);
  return _mm_set1_epi32(pair);
}
inline IVec dot(IVec a, IVec b) {
  return _mm_madd_epi16(a, b);
}
inline IVec dot_add(IVec acc, IVec a, IVec b) {
  return _mm_add_epi32(acc, dot(a, b));
}
inline Vec to_float(IVec v) {
  return _mm_cvtepi32_ps(v);
}
inline void store_rounded_int16(int16_t* p, Vec v) {
  const IVec rounded = _mm_cvtps_epi32(v);  // the default rounding: nearest, ties to even
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi32(rounded, rounded));
}

#endif

}  // namespace han::kernels::simd
