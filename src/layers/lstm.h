#pragma once
// Long short-term memory, Keras weight layout (gate blocks i, f, c, o; PyTorch's i, f, g, o is
// the same order), zero initial state.
#include "core/tensor.h"
#include "layers/activation.h"

namespace han {

template <typename T>
struct LstmParams {
  int units = 0;
  Activation recurrent_activation = Activation::Sigmoid;
  Matrix<T> kernel;            // input x 4u
  Matrix<T> recurrent_kernel;  // u x 4u
  Matrix<T> bias;              // 1 x 4u
};

// (ai, af, ac, ao) = x_t W + h_{t-1} U + b
// i = σ(ai), f = σ(af), o = σ(ao), c_t = f ⊙ c_{t-1} + i ⊙ tanh(ac), h_t = o ⊙ tanh(c_t)
// Returns one row of h_t per input row.
template <typename T>
Matrix<T> lstm_forward(const LstmParams<T>& p, const Matrix<T>& x) {
  const Eigen::Index u = p.units, steps = x.rows();
  Matrix<T> projected = x * p.kernel;
  projected.rowwise() += p.bias.row(0);
  Matrix<T> out(steps, u);
  RowVector<T> h = RowVector<T>::Zero(u), c = RowVector<T>::Zero(u);
  RowVector<T> gates(4 * u), input_gate(u), forget_gate(u), candidate(u), output_gate(u);
  for (Eigen::Index t = 0; t < steps; ++t) {
    gates.noalias() = h * p.recurrent_kernel;
    gates += projected.row(t);
    input_gate = gates.head(u);
    forget_gate = gates.segment(u, u);
    candidate = gates.segment(2 * u, u);
    output_gate = gates.tail(u);
    apply_activation(p.recurrent_activation, input_gate);
    apply_activation(p.recurrent_activation, forget_gate);
    apply_activation(p.recurrent_activation, output_gate);
    apply_activation(Activation::Tanh, candidate);
    c = forget_gate.cwiseProduct(c) + input_gate.cwiseProduct(candidate);
    h = output_gate.cwiseProduct(c.array().tanh().matrix());
    out.row(t) = h;
  }
  return out;
}

}  // namespace han
