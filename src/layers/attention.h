#pragma once
// Attention pooling after Yang et al. (2016), with masking.
#include <vector>

#include "core/tensor.h"
#include "layers/activation.h"

namespace han {

struct AttentionConfig {
  int units = 0;
  bool use_bias = true;
  Activation activation = Activation::Tanh;
};

template <typename T>
struct AttentionParams {
  AttentionConfig config;
  Matrix<T> kernel;   // input x units
  Matrix<T> bias;     // 1 x units (empty without use_bias)
  Matrix<T> context;  // 1 x units
};

template <typename T>
AttentionParams<T> make_attention(const AttentionConfig& config, int input_dim) {
  AttentionParams<T> a{config, Matrix<T>::Zero(input_dim, config.units), Matrix<T>(),
                       Matrix<T>::Zero(1, config.units)};
  if (config.use_bias) a.bias = Matrix<T>::Zero(1, config.units);
  return a;
}

template <typename T>
struct AttentionOutput {
  RowVector<T> pooled;   // sum_t alpha_t h_t
  RowVector<T> weights;  // alpha, one per step; exactly 0 on masked steps
};

// u_t = act(h_t W + b),  score_t = u_t · c,  alpha = softmax(score) over the real steps,
// pooled = sum_t alpha_t h_t.  Every step masked (or none at all): zero weights, zero vector.
template <typename T>
AttentionOutput<T> attention_forward(const AttentionParams<T>& a, const Matrix<T>& h,
                                     const std::vector<bool>& mask = {}) {
  Matrix<T> projected = h * a.kernel;
  if (a.config.use_bias) projected.rowwise() += a.bias.row(0);
  apply_activation(a.config.activation, projected);
  const RowVector<T> scores = (projected * a.context.row(0).transpose()).transpose();
  AttentionOutput<T> out;
  out.weights = softmax<T>(scores, mask);
  out.pooled = out.weights * h;
  return out;
}

template <typename T, typename Visitor>
void visit_attention_params(AttentionParams<T>& a, Visitor&& visit) {
  visit("kernel", a.kernel, false);
  if (a.config.use_bias) visit("bias", a.bias, true);
  visit("context", a.context, true);
}

}  // namespace han
