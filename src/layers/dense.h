#pragma once
// Fully connected output layer.
#include <cmath>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/tensor.h"
#include "layers/activation.h"
#include "layers/products.h"

namespace han {

template <typename T>
struct DenseParams {
  Activation activation = Activation::Softmax;  // softmax, sigmoid or linear
  Matrix<T> kernel;                             // input x outputs
  Matrix<T> bias;                               // 1 x outputs
};

template <typename T>
DenseParams<T> make_dense(Activation activation, int input_dim, int outputs) {
  return {activation, Matrix<T>::Zero(input_dim, outputs), Matrix<T>::Zero(1, outputs)};
}

namespace detail {

template <typename T>
RowVector<T> dense_activate(Activation activation, RowVector<T> logits) {
  if (activation == Activation::Softmax) return softmax<T>(logits);
  apply_activation(activation, logits);
  return logits;
}

}  // namespace detail

// y = act(x W + b); softmax is shifted by its maximum, so it never overflows.
template <typename T>
RowVector<T> dense_forward(const DenseParams<T>& d, const RowVector<T>& x) {
  RowVector<T> logits(d.kernel.cols());
  multiply_add(x, d.kernel, d.bias.row(0), logits);
  return detail::dense_activate<T>(d.activation, std::move(logits));
}

template <typename T>
struct DenseCache {
  RowVector<T> input;   // x
  RowVector<T> logits;  // z = x W + b
  RowVector<T> output;  // act(z), as dense_forward returns it
};

template <typename T>
DenseCache<T> dense_forward_train(const DenseParams<T>& d, const RowVector<T>& x) {
  DenseCache<T> cache{x, RowVector<T>(d.kernel.cols()), {}};
  train_multiply_add(x, d.kernel, d.bias.row(0), cache.logits);
  cache.output = detail::dense_activate(d.activation, cache.logits);
  return cache;
}

// dW += xᵀ dz,  db += dz,  dx = dz Wᵀ, where dz is the gradient with respect to the logits
// (output_loss gives it fused with the activation). Adds to `grads` (shaped like `d`; one with an
// empty kernel takes none), returns dx.
template <typename T>
RowVector<T> dense_backward(const DenseParams<T>& d, const DenseCache<T>& cache,
                            const RowVector<T>& d_logits, DenseParams<T>& grads) {
  if (grads.kernel.size() > 0) {
    add_transposed_product(cache.input, d_logits, grads.kernel);
    grads.bias.row(0) += d_logits;
  }
  RowVector<T> dx(d.kernel.rows());
  train_multiply(d_logits, train_transpose(d.kernel), dx);
  return dx;
}

template <typename T>
RowVector<T> one_hot(int label, int size) {
  if (label < 0 || label >= size) {
    throw Error("label " + std::to_string(label) + " is outside the " + std::to_string(size) +
                " classes");
  }
  RowVector<T> target = RowVector<T>::Zero(size);
  target[label] = T(1);
  return target;
}

template <typename T>
struct Loss {
  T value = T(0);
  RowVector<T> d_logits;  // dL/dz
};

// The loss that goes with each output activation, against `target`, and its gradient with
// respect to the logits z, fused with the activation (cheaper, and stable when it saturates):
//   softmax  cross-entropy         L = -Σ t log p                      dL/dz = p - t  (Σ t = 1)
//   sigmoid  binary cross-entropy  L = -Σ t log p + (1 - t) log(1 - p)  dL/dz = p - t
//   linear   mean squared error    L = Σ (y - t)² / n                   dL/dz = 2 (y - t) / n
// log p is computed from z (log-sum-exp, softplus), so a saturated output costs a large finite
// loss rather than infinity.
template <typename T>
Loss<T> output_loss(Activation activation, const DenseCache<T>& cache, const RowVector<T>& target) {
  const RowVector<T>& z = cache.logits;
  const RowVector<T>& y = cache.output;
  if (target.size() != y.size()) {
    throw Error("the target has " + std::to_string(target.size()) + " values for " +
                std::to_string(y.size()) + " outputs");
  }
  switch (activation) {
    case Activation::Softmax: {
      const T max_logit = z.maxCoeff();
      const T log_sum = max_logit + std::log((z.array() - max_logit).exp().sum());
      return {-(target.array() * (z.array() - log_sum)).sum(), y - target};
    }
    case Activation::Sigmoid: {
      // -t log σ(z) - (1 - t) log(1 - σ(z)) = softplus(z) - t z
      const auto softplus = z.array().max(T(0)) + (-z.array().abs()).exp().log1p();
      return {(softplus - target.array() * z.array()).sum(), y - target};
    }
    case Activation::Linear: {
      const T n = static_cast<T>(y.size());
      return {(y - target).squaredNorm() / n, (y - target) * (T(2) / n)};
    }
    case Activation::Tanh:
    case Activation::Relu:
    case Activation::HardSigmoid:
      break;
  }
  throw Error("no loss is defined for the output activation " +
              std::string(activation_name(activation)));
}

template <typename T, typename Visitor>
void visit_dense_params(DenseParams<T>& d, Visitor&& visit) {
  visit("kernel", d.kernel, false);
  visit("bias", d.bias, true);
}

}  // namespace han
