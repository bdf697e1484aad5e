#pragma once
// float32 kernels of the inference hot paths: the matrix products of the recurrent layers and the
// fused attention. Each exists twice with the same signature:
//   reference   plain scalar loops, the definition the tests hold the other to;
//   vectorised  SIMD: wasm_simd128 under -msimd128, AVX + FMA or SSE2 natively (simd.h).
// `selected` names the one this build runs: vectorised where a SIMD instruction set is available,
// else the reference (the WebAssembly baseline build).
// Every matrix is row-major; no kernel allocates.
#include <vector>

#include "layers/activation.h"

#if defined(__wasm_simd128__) || defined(__SSE2__)
#define HAN_VECTORISED_KERNELS 1
#endif

namespace han::kernels {

// Element (i, j) is data[i * stride + j].
struct ConstMatrixView {
  const float* data;
  int rows;
  int cols;
  int stride;
};

struct MatrixView {
  float* data;
  int rows;
  int cols;
  int stride;
};

// The parameters of an attention layer: projection W (input x units), bias b (units, or null for
// none), context vector c (units), activation tanh, linear or relu.
struct AttentionWeights {
  ConstMatrixView kernel;
  const float* bias;
  const float* context;
  Activation activation;
};

// alpha_t = exp(s_t - m) / sum_k exp(s_k - m) over the real steps (mask empty or mask[t]), with
// m their maximum; masked steps get exactly 0, and all steps do when none is real. In place.
// Shared by both implementations: a few dozen exponentials per call are not worth vectorising.
void masked_softmax(float* scores, int steps, const std::vector<bool>& mask);

namespace reference {

// One step of the GRU with reset_after=true and a sigmoid recurrent activation, from the input
// projection x = x_t W + b_in and the recurrent one g = h U + b_rec, each of 3 units values in
// gate blocks z, r, h (layers/gru.h):
//   z = σ(xz + gz),  r = σ(xr + gr),  h~ = tanh(xh + r ⊙ gh),  h' = z ⊙ h + (1 - z) ⊙ h~
// Writes h' to `next` (units values), which must not overlap h.
void gru_step(const float* x, const float* g, const float* h, float* next, int units);

// y = x W + b: x a row of W.rows values, y a row of W.cols; the bias b may be null (none).
void gemv(const float* x, ConstMatrixView w, const float* bias, float* y);

// Y = X W + 1 b: the bias row b (or null) is added to every row; Y is X.rows x W.cols and
// does not overlap X.
void gemm(ConstMatrixView x, ConstMatrixView w, const float* bias, MatrixView y);

// Attention pooling of the rows h_t of H, fused:
//   u_t = act(h_t W + b),  s_t = u_t · c,  alpha = masked_softmax(s),  p = sum_t alpha_t h_t
// Writes alpha to `weights` (H.rows values) and p to `pooled` (H.cols values).
void attention(ConstMatrixView h, const AttentionWeights& a, const std::vector<bool>& mask,
               float* weights, float* pooled);

}  // namespace reference

#ifdef HAN_VECTORISED_KERNELS
// The same kernels on SIMD vectors; results within 1e-5 of the reference (tests/kernels_test.cpp).
namespace vectorised {
// σ and tanh here are rational approximations within 1e-6 of std:: (tests/kernels_test.cpp),
// which these two apply element-wise, y = tanh(x) and y = σ(x), to n values.
void tanh(const float* x, float* y, int n);
void sigmoid(const float* x, float* y, int n);
void gru_step(const float* x, const float* g, const float* h, float* next, int units);
void gemv(const float* x, ConstMatrixView w, const float* bias, float* y);
void gemm(ConstMatrixView x, ConstMatrixView w, const float* bias, MatrixView y);
void attention(ConstMatrixView h, const AttentionWeights& a, const std::vector<bool>& mask,
               float* weights, float* pooled);
}  // namespace vectorised
namespace selected = vectorised;
#else
namespace selected = reference;
#endif

}  // namespace han::kernels
