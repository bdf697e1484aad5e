#pragma once
// Attention pooling after Yang et al. (2016), with masking.
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "layers/activation.h"
#include "layers/products.h"

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

namespace detail {

// u_t = act(h_t W + b), one row per step.
template <typename T>
Matrix<T> attention_hidden(const AttentionParams<T>& a, const Matrix<T>& h) {
  Matrix<T> projected(h.rows(), a.kernel.cols());
  if (a.config.use_bias) {
    train_multiply_add(h, a.kernel, a.bias.row(0), projected);
  } else {
    train_multiply(h, a.kernel, projected);
  }
  apply_activation(a.config.activation, projected);
  return projected;
}

// score_t = u_t · c,  alpha = softmax(score) over the real steps,  pooled = sum_t alpha_t h_t.
template <typename T>
AttentionOutput<T> attention_pool(const AttentionParams<T>& a, const Matrix<T>& hidden,
                                  const Matrix<T>& h, const std::vector<bool>& mask) {
  const RowVector<T> scores = (hidden * a.context.row(0).transpose()).transpose();
  AttentionOutput<T> out;
  out.weights = softmax<T>(scores, mask);
  out.pooled = out.weights * h;
  return out;
}

}  // namespace detail

// u_t = act(h_t W + b),  score_t = u_t · c,  alpha = softmax(score) over the real steps,
// pooled = sum_t alpha_t h_t.  Every step masked (or none at all): zero weights, zero vector.
// For float, one kernel (kernels::attention) computes it all.
template <typename T>
AttentionOutput<T> attention_forward(const AttentionParams<T>& a, const Matrix<T>& h,
                                     const std::vector<bool>& mask = {}) {
  if constexpr (std::is_same_v<T, float>) {
    const Activation activation = a.config.activation;
    if (activation != Activation::Tanh && activation != Activation::Linear &&
        activation != Activation::Relu) {
      throw Error("attention: the activation must be tanh, linear or relu");
    }
    AttentionOutput<T> out{RowVector<T>(h.cols()), RowVector<T>(h.rows())};
    const kernels::AttentionWeights weights{detail::const_view(a.kernel),
                                            a.config.use_bias ? a.bias.data() : nullptr,
                                            a.context.data(), activation};
    std::vector<float> projections(static_cast<size_t>(h.rows() * a.kernel.cols()));
    kernels::selected::attention(detail::const_view(h), weights, mask, projections.data(),
                                 out.weights.data(), out.pooled.data());
    return out;
  } else {
    return detail::attention_pool(a, detail::attention_hidden(a, h), h, mask);
  }
}

// What attention_backward needs; the mask lives on in the weights (exactly 0 on masked steps).
template <typename T>
struct AttentionCache {
  Matrix<T> inputs;  // h_t, one row per step
  Matrix<T> hidden;  // u_t
  AttentionOutput<T> output;
};

template <typename T>
AttentionCache<T> attention_forward_train(const AttentionParams<T>& a, const Matrix<T>& h,
                                          const std::vector<bool>& mask = {}) {
  AttentionCache<T> cache{h, detail::attention_hidden(a, h), {}};
  cache.output = detail::attention_pool(a, cache.hidden, h, mask);
  return cache;
}

// dalpha_t = dpooled · h_t,  dscore = softmax_backward(alpha, dalpha),  dc += sum_t dscore_t u_t,
// da_t = act'(u_t) ⊙ dscore_t c,  dW += hᵀ da,  db += sum_t da,  dh_t = alpha_t dpooled + da_t Wᵀ.
// Masked steps have alpha_t = 0, hence dscore_t = 0 and dh_t = 0.
// Adds the parameter gradients to `grads` (shaped like `a`; one with an empty kernel
// takes none) and returns dh.
template <typename T>
Matrix<T> attention_backward(const AttentionParams<T>& a, const AttentionCache<T>& cache,
                             const RowVector<T>& d_pooled, AttentionParams<T>& grads) {
  const RowVector<T>& weights = cache.output.weights;
  const RowVector<T> d_weights = (cache.inputs * d_pooled.transpose()).transpose();
  const RowVector<T> d_scores = softmax_backward(weights, d_weights);
  const Matrix<T> d_hidden = d_scores.transpose() * a.context.row(0);
  const Matrix<T> d_projected = activation_backward(a.config.activation, cache.hidden, d_hidden);
  if (grads.kernel.size() > 0) {
    grads.context.row(0) += d_scores * cache.hidden;
    add_transposed_product(cache.inputs, d_projected, grads.kernel);
    if (a.config.use_bias) grads.bias.row(0) += d_projected.colwise().sum();
  }
  Matrix<T> dh(cache.inputs.rows(), cache.inputs.cols());
  train_multiply(d_projected, train_transpose(a.kernel), dh);
  dh.noalias() += weights.transpose() * d_pooled;
  return dh;
}

template <typename T, typename Visitor>
void visit_attention_params(AttentionParams<T>& a, Visitor&& visit) {
  visit("kernel", a.kernel, false);
  if (a.config.use_bias) visit("bias", a.bias, true);
  visit("context", a.context, true);
}

}  // namespace han
