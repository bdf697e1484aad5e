#pragma once
// Gated recurrent unit, Keras weight layout (gate blocks z, r, h), zero initial state.
#include "core/tensor.h"
#include "layers/activation.h"

namespace han {

template <typename T>
struct GruParams {
  int units = 0;
  bool reset_after = true;  // true: TF2 Keras and PyTorch nn.GRU; false: Keras 2.x
  Activation recurrent_activation = Activation::Sigmoid;
  Matrix<T> kernel;            // input x 3u
  Matrix<T> recurrent_kernel;  // u x 3u
  Matrix<T> bias;              // 2 x 3u (input, recurrent) with reset_after, else 1 x 3u
};

// For each step t, with x_t W + b_in split into blocks (xz, xr, xh):
//   reset_after = true:   (hz, hr, hh) = h_{t-1} U + b_rec
//     z = σ(xz + hz),  r = σ(xr + hr),  h~ = tanh(xh + r ⊙ hh)
//   reset_after = false:
//     z = σ(xz + h_{t-1} U_z),  r = σ(xr + h_{t-1} U_r),  h~ = tanh(xh + (r ⊙ h_{t-1}) U_h)
//   h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h~
// Returns one row of h_t per input row.
template <typename T>
Matrix<T> gru_forward(const GruParams<T>& p, const Matrix<T>& x) {
  const Eigen::Index u = p.units, steps = x.rows();
  // Input projections of all steps as one matrix product.
  Matrix<T> projected = x * p.kernel;
  projected.rowwise() += p.bias.row(0);
  Matrix<T> out(steps, u);
  RowVector<T> h = RowVector<T>::Zero(u);
  RowVector<T> recurrent(3 * u), z(u), r(u), candidate(u);
  for (Eigen::Index t = 0; t < steps; ++t) {
    const auto xt = projected.row(t);
    if (p.reset_after) {
      recurrent.noalias() = h * p.recurrent_kernel;
      recurrent += p.bias.row(1);
    } else {
      recurrent.head(2 * u).noalias() = h * p.recurrent_kernel.leftCols(2 * u);
    }
    z = xt.head(u) + recurrent.head(u);
    r = xt.segment(u, u) + recurrent.segment(u, u);
    apply_activation(p.recurrent_activation, z);
    apply_activation(p.recurrent_activation, r);
    if (p.reset_after) {
      candidate = xt.tail(u) + r.cwiseProduct(recurrent.tail(u));
    } else {
      candidate.noalias() = r.cwiseProduct(h) * p.recurrent_kernel.rightCols(u);
      candidate += xt.tail(u);
    }
    apply_activation(Activation::Tanh, candidate);
    h = z.cwiseProduct(h) + (RowVector<T>::Ones(u) - z).cwiseProduct(candidate);
    out.row(t) = h;
  }
  return out;
}

}  // namespace han
