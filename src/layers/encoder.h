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

// forward_t = RNN_fw(x_1 .. x_t);  backward_t = RNN_bw(x_T .. x_t), i.e. the backward cell reads
// the real steps last to first and its outputs are put back in time order.
// merge: concat [fw, bw] | sum fw + bw | ave (fw + bw) / 2 | mul fw ⊙ bw
template <typename T>
Matrix<T> encoder_forward(const EncoderParams<T>& e, const Matrix<T>& x) {
  Matrix<T> fw = recurrent_forward(e.forward, x);
  if (!e.config.bidirectional) return fw;
  const Matrix<T> reversed = x.colwise().reverse();
  const Matrix<T> bw = recurrent_forward(e.backward, reversed).colwise().reverse();
  switch (e.config.merge) {
    case MergeMode::Concat: {
      Matrix<T> out(x.rows(), fw.cols() + bw.cols());
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
