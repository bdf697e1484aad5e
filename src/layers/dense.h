#pragma once
// Fully connected output layer.
#include "core/tensor.h"
#include "layers/activation.h"

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

// y = act(x W + b); softmax is shifted by its maximum, so it never overflows.
template <typename T>
RowVector<T> dense_forward(const DenseParams<T>& d, const RowVector<T>& x) {
  RowVector<T> y = x * d.kernel + d.bias.row(0);
  if (d.activation == Activation::Softmax) return softmax<T>(y);
  apply_activation(d.activation, y);
  return y;
}

template <typename T, typename Visitor>
void visit_dense_params(DenseParams<T>& d, Visitor&& visit) {
  visit("kernel", d.kernel, false);
  visit("bias", d.bias, true);
}

}  // namespace han
