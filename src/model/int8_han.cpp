#include "model/int8_han.h"

namespace han {

Int8Matrix::Int8Matrix(Matrix<float>& w, const float* bias)
    : rows_(static_cast<int>(w.rows())), cols_(static_cast<int>(w.cols())) {
  const kernels::Int8MatrixView shape = view();
  const size_t columns = static_cast<size_t>(shape.panels()) * kernels::kInt8Panel;
  packed_.resize(columns * static_cast<size_t>(shape.pairs()) * 2);
  scales_.resize(columns);
  kernels::pack_int8({w.data(), rows_, cols_, cols_}, packed_.data(), scales_.data());
  if (bias) {
    bias_.assign(columns, 0.0f);
    std::copy(bias, bias + cols_, bias_.begin());
  }
}

kernels::Int8MatrixView Int8Matrix::view() const {
  return {packed_.data(), scales_.data(), bias_.empty() ? nullptr : bias_.data(), rows_, cols_};
}

namespace {

Int8Gru make_int8_gru(RecurrentParams<float>& cell) {
  GruParams<float>& p = std::get<GruParams<float>>(cell);
  return {Int8Matrix(p.kernel, p.bias.row(0).data()),
          Int8Matrix(p.recurrent_kernel, p.bias.row(1).data())};
}

Int8Encoder make_int8_encoder(EncoderParams<float>& e) {
  Int8Encoder out;
  out.forward = make_int8_gru(e.forward);
  if (e.config.bidirectional) out.backward = make_int8_gru(e.backward);
  return out;
}

Int8Matrix make_int8_attention(AttentionParams<float>& a) {
  return Int8Matrix(a.kernel, a.config.use_bias ? a.bias.data() : nullptr);
}

}  // namespace

Int8Han make_int8_han(HanParams<float>& p) {
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

}  // namespace han
