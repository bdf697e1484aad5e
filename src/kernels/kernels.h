#pragma once
// Kernels of the inference hot paths: the matrix products of the recurrent layers and the
// attention, in float32 and in integers (int8 weights, int16 activations, int32 sums; models that
// compute in int8). Each exists twice with the same signature:
//   reference   plain scalar loops, the definition the tests hold the other to;
//   vectorised  SIMD: wasm_simd128 under -msimd128, AVX + FMA or SSE2 natively (simd.h).
// `selected` names the one this build runs: vectorised where a SIMD instruction set is available,
// else the reference (the WebAssembly baseline build).
// Every matrix is row-major; no kernel allocates.
#include <cstdint>
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

// A weight matrix W (inputs x outputs, as Keras stores kernels) in int8, one scale per output:
//   W[k][j] ≈ scales[j] · q[k][j],  scales[j] = max_k |W[k][j]| / 127
// packed for 16-bit dot products: output columns in panels of kInt8Panel; a panel is `pairs()`
// blocks of 16 bytes, block i holding q[2i][j], q[2i+1][j] for each column j of the panel in turn,
// so that one dot product of a pair of inputs with a block gives a partial sum for each column.
// Past `rows` (an odd count) and `cols` everything is zero: q, scales and the bias.
constexpr int kInt8Panel = 8;
struct Int8MatrixView {
  const int8_t* packed;  // panels() blocks of pairs() x 16 bytes
  const float* scales;   // panels() x kInt8Panel
  const float* bias;     // panels() x kInt8Panel, or null for none
  int rows;
  int cols;

  int pairs() const { return (rows + 1) / 2; }
  int panels() const { return (cols + kInt8Panel - 1) / kInt8Panel; }
};

// Rows of activations in int16, one scale per row: x[r][k] ≈ scales[r] · q[r][k]. Each row holds
// 2 pairs() values of the matrix it meets (zero past `cols`), at `stride` (even) int16 apart.
struct Int16RowsView {
  const int16_t* data;
  const float* scales;
  int rows;
  int cols;
  int stride;
};

// The largest |q| of an activation row that meets `inputs` rows of int8 weights: 32767, or less
// when inputs x 127 x 32767 would overflow the int32 sum (past 516 inputs).
int int16_limit(int inputs);

// Packs W (at most 4096 x 4096) as Int8MatrixView describes, into `packed`
// (panels x pairs x 16 bytes) and `scales` (panels x kInt8Panel floats), and replaces each weight
// of W by scale_j · q_kj, the value its integer stands for.
void pack_int8(MatrixView w, int8_t* packed, float* scales);

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

// Attention pooling of the rows h_t of H:
//   u_t = act(h_t W + b),  s_t = u_t · c,  alpha = masked_softmax(s),  p = sum_t alpha_t h_t
// Writes the projections h_t W + b to `projections` (H.rows x W.cols floats, working memory),
// alpha to `weights` (H.rows values) and p to `pooled` (H.cols values).
void attention(ConstMatrixView h, const AttentionWeights& a, const std::vector<bool>& mask,
               float* projections, float* weights, float* pooled);

// Quantizes the rows of X for products with int8 weights: scale_r = max_k |x_rk| / L and
// q_rk = round(x_rk · (L / max_k |x_rk|)), ties to even, with L = int16_limit(X.cols); a row of
// zeros gets scale 0. Writes X.rows rows of `stride` int16 to q (even, at least X.cols), zero
// after each row's values, and the scales.
void quantize_rows(ConstMatrixView x, int16_t* q, int stride, float* scales);

// Y = X W + 1 b in integers: y_rj = float(sum_k qx_rk qw_kj) · (scale_r · scale_j) + b_j, the sum
// exact in int32. Y is X.rows x W.cols.
void gemm_int8(Int16RowsView x, Int8MatrixView w, MatrixView y);

// The attention pooling of the rows of H (as `attention`), with the projections H W + b in
// integers: gemm_int8 from `hq` (H quantized by quantize_rows) into `projections`; `context` holds
// W.cols values. The pooling p = alpha H stays float.
void attention_int8(ConstMatrixView h, Int16RowsView hq, Int8MatrixView w, const float* context,
                    Activation activation, const std::vector<bool>& mask, float* projections,
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
               float* projections, float* weights, float* pooled);
// The integer kernels: the sums are exact, so gemm_int8 gives the reference's results bit for bit.
void quantize_rows(ConstMatrixView x, int16_t* q, int stride, float* scales);
void gemm_int8(Int16RowsView x, Int8MatrixView w, MatrixView y);
void attention_int8(ConstMatrixView h, Int16RowsView hq, Int8MatrixView w, const float* context,
                    Activation activation, const std::vector<bool>& mask, float* projections,
                    float* weights, float* pooled);
}  // namespace vectorised
namespace selected = vectorised;
#else
namespace selected = reference;
#endif

}  // namespace han::kernels
