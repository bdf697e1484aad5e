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

}  // namespace han
