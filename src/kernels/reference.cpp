// The scalar reference of the kernels (kernels.h): the plain loops the tests hold the vectorised
// kernels to, and what the WebAssembly baseline build runs.
#include <algorithm>
#include <cmath>

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

namespace reference {

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
               float* weights, float* pooled) {
  const ConstMatrixView& w = a.kernel;
  for (int t = 0; t < h.rows; ++t) {
    const float* h_t = h.data + t * h.stride;
    float score = 0;
    for (int j = 0; j < w.cols; ++j) {
      float u = a.bias ? a.bias[j] : 0.0f;
      for (int i = 0; i < w.rows; ++i) u += h_t[i] * w.data[i * w.stride + j];
      if (a.activation == Activation::Tanh) u = std::tanh(u);
      if (a.activation == Activation::Relu) u = std::max(u, 0.0f);
      score += u * a.context[j];
    }
    weights[t] = score;
  }
  masked_softmax(weights, h.rows, mask);
  for (int j = 0; j < h.cols; ++j) {
    pooled[j] = 0;
    for (int t = 0; t < h.rows; ++t) pooled[j] += weights[t] * h.data[t * h.stride + j];
  }
}

}  // namespace reference
}  // namespace han::kernels
