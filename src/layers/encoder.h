#pragma once
// A recurrent encoder: one GRU or LSTM, optionally wrapped bidirectionally (Keras Bidirectional).
#include <string>
#include <variant>

#include "core/tensor.h"
#include "layers/gru.h"
#include "layers/lstm.h"

namespace han {

enum class CellType { Gru, Lstm };
enum class MergeMode { Concat, Sum, Ave, Mul };

struct EncoderConfig {
  CellType cell = CellType::Gru;
  int units = 0;
  bool bidirectional = true;
  MergeMode merge = MergeMode::Concat;
  bool reset_after = true;  // GRU only
  Activation recurrent_activation = Activation::Sigmoid;

  int gate_count() const { return cell == CellType::Gru ? 3 : 4; }
  int output_dim() const { return bidirectional && merge == MergeMode::Concat ? 2 * units : units; }
};

template <typename T>
using RecurrentParams = std::variant<GruParams<T>, LstmParams<T>>;

template <typename T>
struct EncoderParams {
  EncoderConfig config;
  RecurrentParams<T> forward;
  RecurrentParams<T> backward;  // unused unless config.bidirectional
};

// Zero-filled parameters of the right shapes for `config` on inputs of `input_dim` features.
template <typename T>
EncoderParams<T> make_encoder(const EncoderConfig& config, int input_dim) {
  auto make_direction = [&]() -> RecurrentParams<T> {
    const int u = config.units, g = config.gate_count();
    if (config.cell == CellType::Gru) {
      GruParams<T> p;
      p.units = u;
      p.reset_after = config.reset_after;
      p.recurrent_activation = config.recurrent_activation;
      p.kernel = Matrix<T>::Zero(input_dim, g * u);
      p.recurrent_kernel = Matrix<T>::Zero(u, g * u);
      p.bias = Matrix<T>::Zero(config.reset_after ? 2 : 1, g * u);
      return p;
    }
    LstmParams<T> p;
    p.units = u;
    p.recurrent_activation = config.recurrent_activation;
    p.kernel = Matrix<T>::Zero(input_dim, g * u);
    p.recurrent_kernel = Matrix<T>::Zero(u, g * u);
    p.bias = Matrix<T>::Zero(1, g * u);
    return p;
  };
  EncoderParams<T> e{config, make_direction(), {}};
  if (config.bidirectional) e.backward = make_direction();
  return e;
}

template <typename T>
Matrix<T> recurrent_forward(const RecurrentParams<T>& params, const Matrix<T>& x) {
  if (const auto* gru = std::get_if<GruParams<T>>(&params)) return gru_forward(*gru, x);
  return lstm_forward(std::get<LstmParams<T>>(params), x);
}

// merge: concat [fw, bw] | sum fw + bw | ave (fw + bw) / 2 | mul fw ⊙ bw
template <typename T>
Matrix<T> merge_directions(MergeMode merge, const Matrix<T>& fw, const Matrix<T>& bw) {
  switch (merge) {
    case MergeMode::Concat: {
      Matrix<T> out(fw.rows(), fw.cols() + bw.cols());
      out << fw, bw;
      return out;
    }
    case MergeMode::Sum:
      return fw + bw;
    case MergeMode::Ave:
      return (fw + bw) * T(0.5);
    case MergeMode::Mul:
      return fw.cwiseProduct(bw);
  }
  return fw;
}

// forward_t = RNN_fw(x_1 .. x_t);  backward_t = RNN_bw(x_T .. x_t), i.e. the backward cell reads
// the real steps last to first and its outputs are put back in time order; then
// merge_directions(forward, backward).
template <typename T>
Matrix<T> encoder_forward(const EncoderParams<T>& e, const Matrix<T>& x) {
  Matrix<T> fw = recurrent_forward(e.forward, x);
  if (!e.config.bidirectional) return fw;
  const Matrix<T> reversed = x.colwise().reverse();
  const Matrix<T> bw = recurrent_forward(e.backward, reversed).colwise().reverse();
  return merge_directions(e.config.merge, fw, bw);
}

template <typename T>
using RecurrentCache = std::variant<GruCache<T>, LstmCache<T>>;

template <typename T>
RecurrentCache<T> recurrent_forward_train(const RecurrentParams<T>& params, const Matrix<T>& x) {
  if (const auto* gru = std::get_if<GruParams<T>>(&params)) return gru_forward_train(*gru, x);
  return lstm_forward_train(std::get<LstmParams<T>>(params), x);
}

template <typename T>
const Matrix<T>& recurrent_outputs(const RecurrentCache<T>& cache) {
  return std::visit([](const auto& c) -> const Matrix<T>& { return c.outputs; }, cache);
}

// Adds the parameter gradients to `grads` (the same cell type as `params`) and returns dx.
template <typename T>
Matrix<T> recurrent_backward(const RecurrentParams<T>& params, const RecurrentCache<T>& cache,
                             const Matrix<T>& d_outputs, RecurrentParams<T>& grads) {
  if (const auto* gru = std::get_if<GruParams<T>>(&params)) {
    return gru_backward(*gru, std::get<GruCache<T>>(cache), d_outputs,
                        std::get<GruParams<T>>(grads));
  }
  return lstm_backward(std::get<LstmParams<T>>(params), std::get<LstmCache<T>>(cache), d_outputs,
                       std::get<LstmParams<T>>(grads));
}

// What encoder_backward needs. The backward cell ran on the reversed input, so its outputs are in
// reversed time order.
template <typename T>
struct EncoderCache {
  RecurrentCache<T> forward;
  RecurrentCache<T> backward;  // only with config.bidirectional
  Matrix<T> outputs;           // as encoder_forward returns them
};

template <typename T>
EncoderCache<T> encoder_forward_train(const EncoderParams<T>& e, const Matrix<T>& x) {
  EncoderCache<T> cache;
  cache.forward = recurrent_forward_train(e.forward, x);
  if (!e.config.bidirectional) {
    cache.outputs = recurrent_outputs(cache.forward);
    return cache;
  }
  cache.backward = recurrent_forward_train(e.backward, Matrix<T>(x.colwise().reverse()));
  cache.outputs =
      merge_directions(e.config.merge, recurrent_outputs(cache.forward),
                       Matrix<T>(recurrent_outputs(cache.backward).colwise().reverse()));
  return cache;
}

template <typename T>
struct DirectionGradients {
  Matrix<T> forward, backward;
};

// Backward of merge_directions: concat splits d, sum passes d to both, ave d / 2 to both,
// mul d ⊙ bw to fw and d ⊙ fw to bw.
template <typename T>
DirectionGradients<T> merge_backward(MergeMode merge, const Matrix<T>& fw, const Matrix<T>& bw,
                                     const Matrix<T>& d_merged) {
  switch (merge) {
    case MergeMode::Concat:
      return {d_merged.leftCols(fw.cols()), d_merged.rightCols(bw.cols())};
    case MergeMode::Sum:
      return {d_merged, d_merged};
    case MergeMode::Ave:
      return {d_merged * T(0.5), d_merged * T(0.5)};
    case MergeMode::Mul:
      return {d_merged.cwiseProduct(bw), d_merged.cwiseProduct(fw)};
  }
  return {d_merged, d_merged};
}

// dx = dx_fw + reverse(dx_bw), where the backward cell gets d.backward (time order) reversed.
// Adds the parameter gradients to `grads` (shaped like `e`).
template <typename T>
Matrix<T> encoder_backward_directions(const EncoderParams<T>& e, const EncoderCache<T>& cache,
                                      const DirectionGradients<T>& d, EncoderParams<T>& grads) {
  Matrix<T> dx = recurrent_backward(e.forward, cache.forward, d.forward, grads.forward);
  if (!e.config.bidirectional) return dx;
  dx += recurrent_backward(e.backward, cache.backward, Matrix<T>(d.backward.colwise().reverse()),
                           grads.backward)
            .colwise()
            .reverse();
  return dx;
}

// Backward of encoder_forward: merge_backward, then each direction through time.
template <typename T>
Matrix<T> encoder_backward(const EncoderParams<T>& e, const EncoderCache<T>& cache,
                           const Matrix<T>& d_outputs, EncoderParams<T>& grads) {
  if (!e.config.bidirectional) return encoder_backward_directions(e, cache, {d_outputs, {}}, grads);
  const Matrix<T> bw = recurrent_outputs(cache.backward).colwise().reverse();
  return encoder_backward_directions(
      e, cache, merge_backward(e.config.merge, recurrent_outputs(cache.forward), bw, d_outputs),
      grads);
}

// The encoder's summary of the whole sequence, as Keras returns it with return_sequences=False:
// the forward cell's state after the last step, merged with the backward cell's state after the
// first step (the last it reads). Needs at least one step.
template <typename T>
RowVector<T> encoder_final_state(const EncoderConfig& config, const EncoderCache<T>& cache) {
  const Matrix<T> fw = recurrent_outputs(cache.forward).bottomRows(1);
  if (!config.bidirectional) return fw.row(0);
  return merge_directions(config.merge, fw,
                          Matrix<T>(recurrent_outputs(cache.backward).bottomRows(1)))
      .row(0);
}

// Backward of encoder_final_state: only the forward cell's last output and the backward cell's
// first (in time order) receive a gradient.
template <typename T>
Matrix<T> encoder_final_state_backward(const EncoderParams<T>& e, const EncoderCache<T>& cache,
                                       const RowVector<T>& d_state, EncoderParams<T>& grads) {
  const Matrix<T>& fw = recurrent_outputs(cache.forward);
  const Eigen::Index steps = fw.rows(), u = e.config.units;
  DirectionGradients<T> d{Matrix<T>::Zero(steps, u), Matrix<T>()};
  if (!e.config.bidirectional) {
    d.forward.row(steps - 1) = d_state;
    return encoder_backward_directions(e, cache, d, grads);
  }
  const DirectionGradients<T> merged = merge_backward(
      e.config.merge, Matrix<T>(fw.bottomRows(1)),
      Matrix<T>(recurrent_outputs(cache.backward).bottomRows(1)), Matrix<T>(d_state));
  d.backward = Matrix<T>::Zero(steps, u);
  d.forward.row(steps - 1) = merged.forward.row(0);
  d.backward.row(0) = merged.backward.row(0);
  return encoder_backward_directions(e, cache, d, grads);
}

// Calls visit(suffix, matrix, is_vector) for each weight; suffix is e.g. "fw.kernel".
template <typename T, typename Visitor>
void visit_encoder_params(EncoderParams<T>& e, Visitor&& visit) {
  auto visit_direction = [&](const std::string& dir, RecurrentParams<T>& params) {
    std::visit(
        [&](auto& p) {
          visit(dir + ".kernel", p.kernel, false);
          visit(dir + ".recurrent_kernel", p.recurrent_kernel, false);
          visit(dir + ".bias", p.bias, p.bias.rows() == 1);
        },
        params);
  };
  visit_direction("fw", e.forward);
  if (e.config.bidirectional) visit_direction("bw", e.backward);
}

}  // namespace han
