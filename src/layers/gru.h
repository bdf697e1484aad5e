#pragma once
// Gated recurrent unit, Keras weight layout (gate blocks z, r, h), zero initial state.
#include "core/tensor.h"
#include "layers/activation.h"
#include "layers/products.h"

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

// The activations of one run, kept for gru_backward.
template <typename T>
struct GruCache {
  Matrix<T> inputs;                    // x_t, one row per step
  Matrix<T> outputs;                   // h_t
  Matrix<T> update, reset, candidate;  // z, r, h~
  Matrix<T> recurrent_candidate;       // reset_after only: hh, before r ⊙
};

namespace detail {

// The recurrence of gru_forward; also fills `cache` (but for inputs and outputs) if given.
template <typename T>
Matrix<T> gru_run(const GruParams<T>& p, const Matrix<T>& x, GruCache<T>* cache) {
  const Eigen::Index u = p.units, steps = x.rows();
  // Input projections of all steps as one matrix product.
  Matrix<T> projected(steps, 3 * u);
  multiply_add(x, p.kernel, p.bias.row(0), projected);
  Matrix<T> out(steps, u);
  if (cache) {
    for (Matrix<T>* m : {&cache->update, &cache->reset, &cache->candidate}) m->resize(steps, u);
    if (p.reset_after) cache->recurrent_candidate.resize(steps, u);
  }
  RowVector<T> h = RowVector<T>::Zero(u);
  RowVector<T> recurrent(3 * u), z(u), r(u), candidate(u), reset_state(u);
  for (Eigen::Index t = 0; t < steps; ++t) {
    const auto xt = projected.row(t);
    if (p.reset_after) {
      multiply_add(h, p.recurrent_kernel, p.bias.row(1), recurrent);
    } else {
      multiply(h, p.recurrent_kernel.leftCols(2 * u), recurrent.head(2 * u));
    }
    z = xt.head(u) + recurrent.head(u);
    r = xt.segment(u, u) + recurrent.segment(u, u);
    apply_activation(p.recurrent_activation, z);
    apply_activation(p.recurrent_activation, r);
    if (p.reset_after) {
      candidate = xt.tail(u) + r.cwiseProduct(recurrent.tail(u));
    } else {
      reset_state = r.cwiseProduct(h);
      multiply_add(reset_state, p.recurrent_kernel.rightCols(u), xt.tail(u), candidate);
    }
    apply_activation(Activation::Tanh, candidate);
    h = z.cwiseProduct(h) + (RowVector<T>::Ones(u) - z).cwiseProduct(candidate);
    out.row(t) = h;
    if (cache) {
      cache->update.row(t) = z;
      cache->reset.row(t) = r;
      cache->candidate.row(t) = candidate;
      if (p.reset_after) cache->recurrent_candidate.row(t) = recurrent.tail(u);
    }
  }
  return out;
}

}  // namespace detail

// For each step t, with x_t W + b_in split into blocks (xz, xr, xh):
//   reset_after = true:   (hz, hr, hh) = h_{t-1} U + b_rec
//     z = σ(xz + hz),  r = σ(xr + hr),  h~ = tanh(xh + r ⊙ hh)
//   reset_after = false:
//     z = σ(xz + h_{t-1} U_z),  r = σ(xr + h_{t-1} U_r),  h~ = tanh(xh + (r ⊙ h_{t-1}) U_h)
//   h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h~
// Returns one row of h_t per input row.
template <typename T>
Matrix<T> gru_forward(const GruParams<T>& p, const Matrix<T>& x) {
  return detail::gru_run<T>(p, x, nullptr);
}

// gru_forward that keeps what gru_backward needs; the outputs are cache.outputs.
template <typename T>
GruCache<T> gru_forward_train(const GruParams<T>& p, const Matrix<T>& x) {
  GruCache<T> cache;
  cache.inputs = x;
  cache.outputs = detail::gru_run(p, x, &cache);
  return cache;
}

// Backward through time. δh is the gradient reaching h_t (d_outputs[t] plus what step t+1 sends
// back), h~ the candidate and a_h its value before tanh:
//   dz = δh ⊙ (h_{t-1} - h~),  da_h = δh ⊙ (1 - z) ⊙ (1 - h~²),  δh_{t-1} = δh ⊙ z + ...
//   reset_after:  dr = da_h ⊙ hh,  d hh = da_h ⊙ r
//   reset_before: d(r ⊙ h_{t-1}) = da_h U_hᵀ,  dr = d(r ⊙ h_{t-1}) ⊙ h_{t-1},
//                 δh_{t-1} += d(r ⊙ h_{t-1}) ⊙ r,  dU_h += (r ⊙ h_{t-1})ᵀ da_h
//   da_z = dz ⊙ σ'(z),  da_r = dr ⊙ σ'(r)
//   input side, g_in = [da_z, da_r, da_h]:  dW += xᵀ g_in,  db_in += Σ_t g_in,  dx = g_in Wᵀ
//   recurrent side, g_rec = [da_z, da_r, d hh] (reset_after) or [da_z, da_r] (against U_zr):
//     dU += h_{t-1}ᵀ g_rec,  db_rec += Σ_t g_rec (reset_after),  δh_{t-1} += g_rec Uᵀ
// Adds the parameter gradients to `grads` (shaped like `p`; one with an empty
// kernel takes none) and returns dx.
template <typename T>
Matrix<T> gru_backward(const GruParams<T>& p, const GruCache<T>& cache, const Matrix<T>& d_outputs,
                       GruParams<T>& grads) {
  const Eigen::Index u = p.units, steps = cache.inputs.rows();
  Matrix<T> previous = Matrix<T>::Zero(steps, u);  // h_{t-1}
  if (steps > 1) previous.bottomRows(steps - 1) = cache.outputs.topRows(steps - 1);
  Matrix<T> d_input_side(steps, 3 * u), d_recurrent_side(steps, 3 * u);
  RowVector<T> dh = RowVector<T>::Zero(u), d_previous(u), d_reset(u), d_reset_state(u), sent(u);
  const auto recurrent_t = train_transpose(p.recurrent_kernel);  // 3u x u
  for (Eigen::Index t = steps - 1; t >= 0; --t) {
    dh += d_outputs.row(t);
    const auto h_previous = previous.row(t);
    const auto z = cache.update.row(t), r = cache.reset.row(t), candidate = cache.candidate.row(t);
    const RowVector<T> d_candidate = activation_backward(
        Activation::Tanh, candidate, dh.cwiseProduct(RowVector<T>::Ones(u) - z));
    d_previous = dh.cwiseProduct(z);
    if (p.reset_after) {
      d_reset = d_candidate.cwiseProduct(cache.recurrent_candidate.row(t));
      d_recurrent_side.row(t).tail(u) = d_candidate.cwiseProduct(r);
    } else {
      train_multiply(d_candidate, recurrent_t.bottomRows(u), d_reset_state);
      d_reset = d_reset_state.cwiseProduct(h_previous);
      d_previous += d_reset_state.cwiseProduct(r);
      d_recurrent_side.row(t).tail(u) = d_candidate;
    }
    auto g_in = d_input_side.row(t);
    g_in.head(u) =
        activation_backward(p.recurrent_activation, z, dh.cwiseProduct(h_previous - candidate));
    g_in.segment(u, u) = activation_backward(p.recurrent_activation, r, d_reset);
    g_in.tail(u) = d_candidate;
    d_recurrent_side.row(t).head(2 * u) = g_in.head(2 * u);
    if (p.reset_after) {
      train_multiply(d_recurrent_side.row(t), recurrent_t, sent);
    } else {
      train_multiply(d_recurrent_side.row(t).head(2 * u), recurrent_t.topRows(2 * u), sent);
    }
    dh = d_previous + sent;
  }
  Matrix<T> dx(steps, p.kernel.rows());
  train_multiply(d_input_side, train_transpose(p.kernel), dx);
  if (grads.kernel.size() == 0) return dx;
  add_transposed_product(cache.inputs, d_input_side, grads.kernel);
  grads.bias.row(0) += d_input_side.colwise().sum();
  if (p.reset_after) {
    add_transposed_product(previous, d_recurrent_side, grads.recurrent_kernel);
    grads.bias.row(1) += d_recurrent_side.colwise().sum();
  } else {
    add_transposed_product(previous, d_recurrent_side.leftCols(2 * u),
                           grads.recurrent_kernel.leftCols(2 * u));
    add_transposed_product(Matrix<T>(cache.reset.cwiseProduct(previous)),
                           d_recurrent_side.rightCols(u), grads.recurrent_kernel.rightCols(u));
  }
  return dx;
}

}  // namespace han
