#pragma once
// The weights of a HAN that computes in int8 (Model::compute): the matrices of its large
// products (both encoders' input and recurrent kernels, both attention projections) packed for
// the integer kernels, one scale per output column (kernels::Int8MatrixView). The embedding, the
// biases, the attention contexts and the output layer stay float, and so does everything between
// the products: gates, softmax, pooling.
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "model/han.h"

namespace han {

// One weight matrix and its bias (or none), packed and owning its memory.
class Int8Matrix {
 public:
  Int8Matrix() = default;
  // w: inputs x outputs, which this replaces by the values its integers stand for (scale_j ·
  // q_kj); bias: w.cols() values, or null.
  Int8Matrix(Matrix<float>& w, const float* bias);

  kernels::Int8MatrixView view() const;
  int rows() const { return rows_; }
  // int16 values per activation row of a product with this matrix (kernels::Int16RowsView).
  int row_stride() const { return 2 * view().pairs(); }

 private:
  std::vector<int8_t> packed_;
  std::vector<float> scales_, bias_;
  int rows_ = 0, cols_ = 0;
};

struct Int8Gru {
  Int8Matrix kernel;     // x W + b_in
  Int8Matrix recurrent;  // h U + b_rec
};

struct Int8Encoder {
  Int8Gru forward, backward;
};

// The attentions' projections h W + b are their Int8Matrix; their contexts stay float.
struct Int8Han {
  Int8Encoder word_encoder, sentence_encoder;
  Int8Matrix word_attention, sentence_attention;
};

// Packs the matrices of `p`, whose configuration runs on the ragged path (detail::runs_ragged),
// and replaces each in `p` by what its integers stand for, so that float code on them (gradients,
// training) sees the weights the integer products use.
Int8Han make_int8_han(HanParams<float>& p);

// Whether int8 compute quantizes the tensor of this name (docs/model-format.md).
bool computed_in_int8(const std::string& tensor_name);

}  // namespace han
