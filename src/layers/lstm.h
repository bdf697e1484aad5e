#pragma once
// Long short-term memory, Keras weight layout (gate blocks i, f, c, o; PyTorch's i, f, g, o is
// the same order), zero initial state.
#include "core/tensor.h"
#include "layers/activation.h"
#include "layers/products.h"

namespace han {

template <typename T>
struct LstmParams {
  int units = 0;
  Activation recurrent_activation = Activation::Sigmoid;
  Matrix<T> kernel;            // input x 4u
  Matrix<T> recurrent_kernel;  // u x 4u
  Matrix<T> bias;              // 1 x 4u
};

// The activations of one run, kept for lstm_backward.
template <typename T>
struct LstmCache {
  Matrix<T> inputs;                                           // x_t, one row per step
  Matrix<T> outputs;                                          // h_t
  Matrix<T> input_gate, forget_gate, candidate, output_gate;  // i, f, tanh(ac), o
  Matrix<T> cell;                                             // c_t
};

namespace detail {

// The recurrence of lstm_forward; also fills `cache` (but for inputs and outputs) if given.
template <typename T>
Matrix<T> lstm_run(const LstmParams<T>& p, const Matrix<T>& x, LstmCache<T>* cache) {
  const Eigen::Index u = p.units, steps = x.rows();
  Matrix<T> projected(steps, 4 * u);
  multiply_add(x, p.kernel, p.bias.row(0), projected);
  Matrix<T> out(steps, u);
  if (cache) {
    for (Matrix<T>* m : {&cache->input_gate, &cache->forget_gate, &cache->candidate,
                         &cache->output_gate, &cache->cell}) {
      m->resize(steps, u);
    }
  }
  RowVector<T> h = RowVector<T>::Zero(u), c = RowVector<T>::Zero(u);
  RowVector<T> gates(4 * u), input_gate(u), forget_gate(u), candidate(u), output_gate(u);
  for (Eigen::Index t = 0; t < steps; ++t) {
    multiply_add(h, p.recurrent_kernel, projected.row(t), gates);
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
    if (cache) {
      cache->input_gate.row(t) = input_gate;
      cache->forget_gate.row(t) = forget_gate;
      cache->candidate.row(t) = candidate;
      cache->output_gate.row(t) = output_gate;
      cache->cell.row(t) = c;
    }
  }
  return out;
}

}  // namespace detail

// (ai, af, ac, ao) = x_t W + h_{t-1} U + b
// i = σ(ai), f = σ(af), o = σ(ao), c_t = f ⊙ c_{t-1} + i ⊙ tanh(ac), h_t = o ⊙ tanh(c_t)
// Returns one row of h_t per input row.
template <typename T>
Matrix<T> lstm_forward(const LstmParams<T>& p, const Matrix<T>& x) {
  return detail::lstm_run<T>(p, x, nullptr);
}

// lstm_forward that keeps what lstm_backward needs; the outputs are cache.outputs.
template <typename T>
LstmCache<T> lstm_forward_train(const LstmParams<T>& p, const Matrix<T>& x) {
  LstmCache<T> cache;
  cache.inputs = x;
  cache.outputs = detail::lstm_run(p, x, &cache);
  return cache;
}

// Backward through time. δh and δc are the gradients reaching h_t and c_t (d_outputs[t] plus what
// step t+1 sends back), g = tanh(ac):
//   do = δh ⊙ tanh(c_t),  δc += δh ⊙ o ⊙ (1 - tanh²(c_t))
//   di = δc ⊙ g,  dg = δc ⊙ i,  df = δc ⊙ c_{t-1},  δc_{t-1} = δc ⊙ f
//   da = [di ⊙ σ'(i), df ⊙ σ'(f), dg ⊙ (1 - g²), do ⊙ σ'(o)]
//   dW += xᵀ da,  dU += h_{t-1}ᵀ da,  db += Σ_t da,  dx = da Wᵀ,  δh_{t-1} = da Uᵀ
// Adds the parameter gradients to `grads` (shaped like `p`; one with an empty
// kernel takes none) and returns dx.
template <typename T>
Matrix<T> lstm_backward(const LstmParams<T>& p, const LstmCache<T>& cache,
                        const Matrix<T>& d_outputs, LstmParams<T>& grads) {
  const Eigen::Index u = p.units, steps = cache.inputs.rows();
  Matrix<T> previous = Matrix<T>::Zero(steps, u);  // h_{t-1}
  if (steps > 1) previous.bottomRows(steps - 1) = cache.outputs.topRows(steps - 1);
  Matrix<T> d_gates(steps, 4 * u);
  RowVector<T> dh = RowVector<T>::Zero(u), dc = RowVector<T>::Zero(u), tanh_cell(u);
  const auto recurrent_t = train_transpose(p.recurrent_kernel);  // 4u x u
  for (Eigen::Index t = steps - 1; t >= 0; --t) {
    dh += d_outputs.row(t);
    const auto i = cache.input_gate.row(t), f = cache.forget_gate.row(t);
    const auto g = cache.candidate.row(t), o = cache.output_gate.row(t);
    tanh_cell = cache.cell.row(t).array().tanh().matrix();
    dc += activation_backward(Activation::Tanh, tanh_cell, dh.cwiseProduct(o));
    const RowVector<T> previous_cell =
        t > 0 ? RowVector<T>(cache.cell.row(t - 1)) : RowVector<T>::Zero(u);
    auto da = d_gates.row(t);
    da.head(u) = activation_backward(p.recurrent_activation, i, dc.cwiseProduct(g));
    da.segment(u, u) =
        activation_backward(p.recurrent_activation, f, dc.cwiseProduct(previous_cell));
    da.segment(2 * u, u) = activation_backward(Activation::Tanh, g, dc.cwiseProduct(i));
    da.tail(u) = activation_backward(p.recurrent_activation, o, dh.cwiseProduct(tanh_cell));
    dc = dc.cwiseProduct(f);
    train_multiply(da, recurrent_t, dh);
  }
  Matrix<T> dx(steps, p.kernel.rows());
  train_multiply(d_gates, train_transpose(p.kernel), dx);
  if (grads.kernel.size() == 0) return dx;
  add_transposed_product(cache.inputs, d_gates, grads.kernel);
  add_transposed_product(previous, d_gates, grads.recurrent_kernel);
  grads.bias.row(0) += d_gates.colwise().sum();
  return dx;
}

}  // namespace han
