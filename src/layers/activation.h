#pragma once
// Element-wise activations and the masked, numerically stable softmax.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"

namespace han {

enum class Activation { Linear, Tanh, Relu, Sigmoid, HardSigmoid, Softmax };

std::string_view activation_name(Activation activation);
// Parses a Keras activation name; `what` names the setting in the error message.
Activation parse_activation(std::string_view name, std::string_view what);

// sigmoid(x) = 1 / (1 + e^-x); hard_sigmoid(x) = clip(0.2 x + 0.5, 0, 1) (Keras 2).
// Softmax is not element-wise; see softmax() below.
template <typename Derived>
void apply_activation(Activation activation, Eigen::MatrixBase<Derived>& x) {
  using T = typename Derived::Scalar;
  switch (activation) {
    case Activation::Linear:
      return;
    case Activation::Tanh:
      x = x.array().tanh().matrix();
      return;
    case Activation::Relu:
      x = x.array().max(T(0)).matrix();
      return;
    case Activation::Sigmoid:
      x = (T(1) / (T(1) + (-x.array()).exp())).matrix();
      return;
    case Activation::HardSigmoid:
      x = (x.array() * T(0.2) + T(0.5)).max(T(0)).min(T(1)).matrix();
      return;
    case Activation::Softmax:
      break;
  }
  throw Error("softmax is not an element-wise activation");
}

// Backward of apply_activation: dx = dy ⊙ act'(x), with act' written in terms of the output
// y = act(x), so backward passes need to keep only outputs:
//   linear 1 | tanh 1 - y² | relu [y > 0] | sigmoid y (1 - y)
//   hard_sigmoid 0.2 where 0 < y < 1, which is exactly where x lies inside (-2.5, 2.5), else 0
template <typename DerivedY, typename DerivedD>
typename DerivedD::PlainObject activation_backward(Activation activation,
                                                   const Eigen::MatrixBase<DerivedY>& y,
                                                   const Eigen::MatrixBase<DerivedD>& dy) {
  using T = typename DerivedY::Scalar;
  const auto out = y.array();
  switch (activation) {
    case Activation::Linear:
      return dy;
    case Activation::Tanh:
      return (dy.array() * (T(1) - out.square())).matrix();
    case Activation::Relu:
      return (dy.array() * (out > T(0)).template cast<T>()).matrix();
    case Activation::Sigmoid:
      return (dy.array() * out * (T(1) - out)).matrix();
    case Activation::HardSigmoid:
      return (dy.array() * ((out > T(0)) && (out < T(1))).template cast<T>() * T(0.2)).matrix();
    case Activation::Softmax:
      break;
  }
  throw Error("softmax is not an element-wise activation");
}

// alpha_t = exp(s_t - m) / sum_k exp(s_k - m) over the real steps, m = max over the real steps
// only. Masked steps (mask[t] == false) get exactly 0; if every step is masked, all weights are 0.
// An empty mask means every step is real.
template <typename T>
RowVector<T> softmax(const RowVector<T>& scores, const std::vector<bool>& mask = {}) {
  const Eigen::Index n = scores.size();
  auto is_real = [&](Eigen::Index t) { return mask.empty() || mask[static_cast<size_t>(t)]; };
  RowVector<T> weights = RowVector<T>::Zero(n);
  bool any_real = false;
  T max_score = T(0);
  for (Eigen::Index t = 0; t < n; ++t) {
    if (!is_real(t)) continue;
    if (!any_real || scores[t] > max_score) max_score = scores[t];
    any_real = true;
  }
  if (!any_real) return weights;
  T sum = T(0);
  for (Eigen::Index t = 0; t < n; ++t) {
    if (!is_real(t)) continue;
    weights[t] = std::exp(scores[t] - max_score);
    sum += weights[t];
  }
  return weights / sum;  // sum >= 1: the maximum contributes exp(0)
}

// Backward of softmax(): ds_t = alpha_t (dalpha_t - sum_k alpha_k dalpha_k). Masked steps have
// alpha_t = 0 and so get exactly 0.
template <typename T>
RowVector<T> softmax_backward(const RowVector<T>& weights, const RowVector<T>& d_weights) {
  return weights.cwiseProduct(d_weights -
                              RowVector<T>::Constant(weights.size(), weights.dot(d_weights)));
}

}  // namespace han
