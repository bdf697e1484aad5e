#include "model/int8_han.h"

#include <variant>

namespace han {

Int8Matrix::Int8Matrix(const Matrix<float>& w, const float* bias)
    : rows_(static_cast<int>(w.rows())), cols_(static_cast<int>(w.cols())) {
  const kernels::Int8MatrixView shape = view();
  const size_t columns = static_cast<size_t>(shape.panels()) * kernels::kInt8Panel;
  packed_.resize(columns * static_cast<size_t>(shape.pairs()) * 2);
  scales_.resize(columns);
  kernels::pack_int8(detail::const_view(w), packed_.data(), scales_.data());
  if (bias) {
    bias_.assign(columns, 0.0f);
    std::copy(bias, bias + cols_, bias_.begin());
  }
}

kernels::Int8MatrixView Int8Matrix::view() const {
  return {packed_.data(), scales_.data(), bias_.empty() ? nullptr : bias_.data(), rows_, cols_};
}

Matrix<float> Int8Matrix::dequantized() const {
  const kernels::Int8MatrixView v = view();
  Matrix<float> w(rows_, cols_);
  for (int k = 0; k < rows_; ++k) {
    for (int j = 0; j < cols_; ++j) {
      const int8_t q = v.packed[((j / kernels::kInt8Panel) * v.pairs() + k / 2) * 16 +
                                (j % kernels::kInt8Panel) * 2 + k % 2];
      w(k, j) = v.scales[j] * static_cast<float>(q);
    }
  }
  return w;
}

namespace {

const GruParams<float>& gru(const RecurrentParams<float>& cell) {
  return std::get<GruParams<float>>(cell);
}

Int8Gru make_int8_gru(const GruParams<float>& p) {
  return {Int8Matrix(p.kernel, p.bias.row(0).data()),
          Int8Matrix(p.recurrent_kernel, p.bias.row(1).data())};
}

Int8Encoder make_int8_encoder(const EncoderParams<float>& e) {
  Int8Encoder out;
  out.forward = make_int8_gru(gru(e.forward));
  if (e.config.bidirectional) out.backward = make_int8_gru(gru(e.backward));
  return out;
}

Int8Attention make_int8_attention(const AttentionParams<float>& a) {
  Int8Attention out;
  out.projection = Int8Matrix(a.kernel, a.config.use_bias ? a.bias.data() : nullptr);
  out.context.assign(static_cast<size_t>(out.projection.view().panels()) * kernels::kInt8Panel,
                     0.0f);
  std::copy(a.context.data(), a.context.data() + a.context.size(), out.context.begin());
  out.activation = a.config.activation;
  return out;
}

}  // namespace

Int8Han make_int8_han(const HanParams<float>& p) {
  return {make_int8_encoder(p.word_encoder), make_int8_encoder(p.sentence_encoder),
          make_int8_attention(p.word_attention), make_int8_attention(p.sentence_attention)};
}

bool computed_in_int8(const std::string& name) {
  for (const char* encoder : {"word_encoder.", "sentence_encoder."}) {
    for (const char* direction : {"fw.", "bw."}) {
      for (const char* matrix : {"kernel", "recurrent_kernel"}) {
        if (name == std::string(encoder) + direction + matrix) return true;
      }
    }
  }
  return name == "word_attention.kernel" || name == "sentence_attention.kernel";
}

void round_to_int8(HanParams<float>& p) {
  visit_han_params(p, [](const std::string& name, Matrix<float>& m, bool) {
    if (computed_in_int8(name)) m = Int8Matrix(m, nullptr).dequantized();
  });
}

}  // namespace han
