// The scalar reference of the kernels (kernels.h): the plain loops the tests hold the vectorised
// kernels to, and what the WebAssembly baseline build runs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/kernels.h"

namespace han::kernels {

void masked_softmax(float* scores, int steps, const std::vector<bool>& mask) {
  auto is_real = [&](int t) { return mask.empty() || mask[static_cast<size_t>(t)]; };
  bool any_real = false;
  float max_score = 0;
  for (int t = 0; t < steps; ++t) {
    if (!is_real(t)) continue;
    if (!any_real || scores[t] > max_score) max_score = scores[t];
    any_real = true;
  }
  float sum = 0;
  for (int t = 0; t < steps; ++t) {
    scores[t] = is_real(t) ? std::exp(scores[t] - max_score) : 0.0f;
    sum += scores[t];
  }
  if (!any_real) return;
  for (int t = 0; t < steps; ++t) scores[t] /= sum;  // sum >= 1: the maximum contributes exp(0)
}

int int16_limit(int inputs) {
  const int64_t most = std::numeric_limits<int32_t>::max() / (int64_t{127} * std::max(inputs, 1));
  return static_cast<int>(std::min<int64_t>(most, std::numeric_limits<int16_t>::max()));
}

void pack_int8(MatrixView w, int8_t* packed, float* scales) {
  const Int8MatrixView shape{nullptr, nullptr, nullptr, w.rows, w.cols};
  const int pairs = shape.pairs(), columns = shape.panels() * kInt8Panel;
  for (int j = 0; j < columns; ++j) {
    float largest = 0;
    for (int k = 0; j < w.cols && k < w.rows; ++k) {
      largest = std::max(largest, std::abs(w.data[k * w.stride + j]));
    }
    const float scale = largest / 127.0f;
    scales[j] = scale;
    int8_t* column = packed + (j / kInt8Panel) * pairs * 16 + (j % kInt8Panel) * 2;
    for (int k = 0; k < 2 * pairs; ++k) {
      const bool real = j < w.cols && k < w.rows;
      float* weight = w.data + k * w.stride + j;
      const int8_t q = static_cast<int8_t>(real && scale > 0 ? std::nearbyint(*weight / scale) : 0);
      column[(k / 2) * 16 + k % 2] = q;
      if (real) *weight = scale * static_cast<float>(q);
    }
  }
}

namespace {

// q_kj of a packed matrix.
int weight_int8(Int8MatrixView w, int k, int j) {
  return w.packed[((j / kInt8Panel) * w.pairs() + k / 2) * 16 + (j % kInt8Panel) * 2 + k % 2];
}

// Element (r, j) of X W + b in integers, as gemm_int8 defines it.
float product_int8(Int16RowsView x, Int8MatrixView w, int r, int j) {
  int32_t sum = 0;
  for (int k = 0; k < w.rows; ++k) sum += x.data[r * x.stride + k] * weight_int8(w, k, j);
  const float scale = x.scales[r] * w.scales[j];
  return static_cast<float>(sum) * scale + (w.bias ? w.bias[j] : 0.0f);
}

}  // namespace

namespace reference {
namespace {

// The attention from its projections U = H W + b (`units` columns): s_t = act(u_t) · c, alpha =
// masked_softmax(s), p = alpha H.
void pool(ConstMatrixView h, const float* projections, int units, const float* context,
          Activation activation, const std::vector<bool>& mask, float* weights, float* pooled) {
  for (int t = 0; t < h.rows; ++t) {
    float score = 0;
    for (int j = 0; j < units; ++j) {
      float u = projections[t * units + j];
      if (activation == Activation::Tanh) u = std::tanh(u);
      if (activation == Activation::Relu) u = std::max(u, 0.0f);
      score += u * context[j];
    }
    weights[t] = score;
  }
  masked_softmax(weights, h.rows, mask);
  for (int j = 0; j < h.cols; ++j) {
    pooled[j] = 0;
    for (int t = 0; t < h.rows; ++t) pooled[j] += weights[t] * h.data[t * h.stride + j];
  }
}

}  // namespace

void gru_step(const float* x, const float* g, const float* h, float* next, int units) {
  for (int j = 0; j < units; ++j) {
    const float z = 1.0f / (1.0f + std::exp(-(x[j] + g[j])));
    const float r = 1.0f / (1.0f + std::exp(-(x[units + j] + g[units + j])));
    const float candidate = std::tanh(x[2 * units + j] + r * g[2 * units + j]);
    next[j] = z * h[j] + (1.0f - z) * candidate;
  }
}

void gemv(const float* x, ConstMatrixView w, const float* bias, float* y) {
  for (int j = 0; j < w.cols; ++j) y[j] = bias ? bias[j] : 0.0f;
  for (int i = 0; i < w.rows; ++i) {
    for (int j = 0; j < w.cols; ++j) y[j] += x[i] * w.data[i * w.stride + j];
  }
}

void gemm(ConstMatrixView x, ConstMatrixView w, const float* bias, MatrixView y) {
  for (int r = 0; r < x.rows; ++r) gemv(x.data + r * x.stride, w, bias, y.data + r * y.stride);
}

void attention(ConstMatrixView h, const AttentionWeights& a, const std::vector<bool>& mask,
               float* projections, float* weights, float* pooled) {
  gemm(h, a.kernel, a.bias, {projections, h.rows, a.kernel.cols, a.kernel.cols});
  pool(h, projections, a.kernel.cols, a.context, a.activation, mask, weights, pooled);
}

void quantize_rows(ConstMatrixView x, int16_t* q, int stride, float* scales) {
  const float limit = static_cast<float>(int16_limit(x.cols));
  for (int r = 0; r < x.rows; ++r) {
    const float* row = x.data + r * x.stride;
    float largest = 0;
    for (int k = 0; k < x.cols; ++k) largest = std::max(largest, std::abs(row[k]));
    const float inverse = largest > 0 ? limit / largest : 0.0f;
    scales[r] = largest / limit;
    int16_t* out = q + r * stride;
    for (int k = 0; k < x.cols; ++k)
      out[k] = static_cast<int16_t>(std::nearbyint(row[k] * inverse));
    std::fill(out + x.cols, out + stride, int16_t{0});
  }
}

void gemm_int8(Int16RowsView x, Int8MatrixView w, MatrixView y) {
  for (int r = 0; r < x.rows; ++r) {
    for (int j = 0; j < w.cols; ++j) y.data[r * y.stride + j] = product_int8(x, w, r, j);
  }
}

void attention_int8(ConstMatrixView h, Int16RowsView hq, Int8MatrixView w, const float* context,
                    Activation activation, const std::vector<bool>& mask, float* projections,
                    float* weights, float* pooled) {
  gemm_int8(hq, w, {projections, h.rows, w.cols, w.cols});
  pool(h, projections, w.cols, context, activation, mask, weights, pooled);
}

}  // namespace reference
}  // namespace han::kernels
