#pragma once
// The kernels' inputs in the shapes of the reference HAN (docs/benchmarks.md), shared by the
// native benchmark (kernels_bench.cpp) and the WebAssembly one (kernels_wasm.cpp).
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "model/int8_han.h"

namespace han::bench {

// One implementation of the kernels: the scalar reference or the vectorised one.
struct KernelSet {
  decltype(&kernels::reference::gemv) gemv;
  decltype(&kernels::reference::gemm) gemm;
  decltype(&kernels::reference::attention) attention;
  decltype(&kernels::reference::gru_step) gru_step;
  decltype(&kernels::reference::quantize_rows) quantize_rows;
  decltype(&kernels::reference::gemm_int8) gemm_int8;
  decltype(&kernels::reference::attention_int8) attention_int8;
};

inline const KernelSet kReference = {
    &kernels::reference::gemv,          &kernels::reference::gemm,
    &kernels::reference::attention,     &kernels::reference::gru_step,
    &kernels::reference::quantize_rows, &kernels::reference::gemm_int8,
    &kernels::reference::attention_int8};
#ifdef HAN_VECTORISED_KERNELS
inline const KernelSet kVectorised = {
    &kernels::vectorised::gemv,          &kernels::vectorised::gemm,
    &kernels::vectorised::attention,     &kernels::vectorised::gru_step,
    &kernels::vectorised::quantize_rows, &kernels::vectorised::gemm_int8,
    &kernels::vectorised::attention_int8};
#endif

// Weights uniform in ±0.1 as in the reference model, inputs in ±1.
//   gemv       the GRU step h U + b: 1 x 50 times 50 x 150
//   gemm       a sentence's input projection X W + b: 21 words x 200 times 200 x 150
//   attention  word attention over 21 steps of 100 (GRU 50 + 50), 100 units, tanh
//   step       one recurrent step of a document's 11 sentences together: H U + b, 11 x 50 times
//              50 x 150, then the gates of each (gru_step)
// kXxxBytes: the bytes of the operands, for the arithmetic intensity. The *_int8 runs do the same
// products in integers as a model that computes in int8 does (quantize the rows, then the integer
// product), counted the same (2 operations per multiply-add).
struct KernelWorkload {
  static constexpr int kUnits = 50, kGates = 3 * kUnits, kEmbedding = 200, kWords = 21;
  static constexpr int kStates = 2 * kUnits, kAttentionUnits = 100, kSentences = 11;

  // Floating-point operations per call: 2 per multiply-add; the attention's tanh and exp are not
  // counted.
  static constexpr double kGemvFlops = 2.0 * kUnits * kGates;
  static constexpr double kGemmFlops = 2.0 * kWords * kEmbedding * kGates;
  static constexpr double kAttentionFlops = 2.0 * kWords * kStates * kAttentionUnits +
                                            2.0 * kWords * kAttentionUnits + 2.0 * kWords * kStates;
  static constexpr double kStepFlops = 2.0 * kSentences * kUnits * kGates;
  static constexpr double kGemvBytes = 4.0 * (kUnits + kUnits * kGates + 2 * kGates);
  static constexpr double kGemmBytes =
      4.0 * (kWords * kEmbedding + kEmbedding * kGates + kGates + kWords * kGates);
  static constexpr double kAttentionBytes =
      4.0 * (kWords * kStates + kStates * kAttentionUnits + 2 * kAttentionUnits + kWords + kStates);
  static constexpr double kStepBytes = 4.0 * (kSentences * kUnits + kUnits * kGates + kGates +
                                              2 * kSentences * kGates + 2 * kSentences * kUnits);

  KernelWorkload() {
    std::mt19937 rng(42);
    auto random = [&](int size, float limit) {
      std::uniform_real_distribution<float> uniform(-limit, limit);
      std::vector<float> values(static_cast<size_t>(size));
      for (float& v : values) v = uniform(rng);
      return values;
    };
    state = random(kUnits, 1);
    recurrent_kernel = random(kUnits * kGates, 0.1f);
    gate_bias = random(kGates, 0.1f);
    words = random(kWords * kEmbedding, 1);
    input_kernel = random(kEmbedding * kGates, 0.1f);
    states = random(kWords * kStates, 1);
    attention_kernel = random(kStates * kAttentionUnits, 0.1f);
    attention_bias = random(kAttentionUnits, 0.1f);
    context = random(kAttentionUnits, 0.1f);
    sentence_states = random(kSentences * kUnits, 1);
    step_projected = random(kSentences * kGates, 1);
    // Packed from copies: packing rounds the matrix it packs.
    using Map = Eigen::Map<const Matrix<float>>;
    Matrix<float> recurrent = Map(recurrent_kernel.data(), kUnits, kGates);
    Matrix<float> input = Map(input_kernel.data(), kEmbedding, kGates);
    Matrix<float> attention = Map(attention_kernel.data(), kStates, kAttentionUnits);
    recurrent_int8 = Int8Matrix(recurrent, gate_bias.data());
    input_int8 = Int8Matrix(input, gate_bias.data());
    attention_int8_kernel = Int8Matrix(attention, attention_bias.data());
  }

  std::vector<float> state, recurrent_kernel, gate_bias, gates = std::vector<float>(kGates);
  std::vector<float> words, input_kernel, projected = std::vector<float>(kWords * kGates);
  std::vector<float> states, attention_kernel, attention_bias, context;
  std::vector<float> weights = std::vector<float>(kWords), pooled = std::vector<float>(kStates);
  std::vector<float> sentence_states, step_projected;
  std::vector<float> step_gates = std::vector<float>(kSentences * kGates);
  std::vector<float> next_states = std::vector<float>(kSentences * kUnits);

  void gemv(const KernelSet& k) {
    k.gemv(state.data(), {recurrent_kernel.data(), kUnits, kGates, kGates}, gate_bias.data(),
           gates.data());
  }
  void gemm(const KernelSet& k) {
    k.gemm({words.data(), kWords, kEmbedding, kEmbedding},
           {input_kernel.data(), kEmbedding, kGates, kGates}, gate_bias.data(),
           {projected.data(), kWords, kGates, kGates});
  }
  // The product is counted in kStepFlops, the gates (about 60 operations per unit) are not.
  void step(const KernelSet& k) {
    k.gemm({sentence_states.data(), kSentences, kUnits, kUnits},
           {recurrent_kernel.data(), kUnits, kGates, kGates}, gate_bias.data(),
           {step_gates.data(), kSentences, kGates, kGates});
    for (int s = 0; s < kSentences; ++s) {
      k.gru_step(step_projected.data() + s * kGates, step_gates.data() + s * kGates,
                 sentence_states.data() + s * kUnits, next_states.data() + s * kUnits, kUnits);
    }
  }
  // The integer kernels on the same shapes, with the weights packed once (model/int8_han.h).
  Int8Matrix recurrent_int8, input_int8, attention_int8_kernel;  // made in the constructor
  std::vector<int16_t> quantized = std::vector<int16_t>(kWords * kEmbedding);
  std::vector<float> row_scales = std::vector<float>(kWords);
  std::vector<float> attention_projections = std::vector<float>(kWords * kAttentionUnits);

  // X W + b in integers: the rows quantized, then the product.
  void product_int8(const KernelSet& k, const float* x, int rows, const Int8Matrix& w, float* y,
                    int cols) {
    const int stride = w.row_stride();
    k.quantize_rows({x, rows, w.rows(), w.rows()}, quantized.data(), stride, row_scales.data());
    k.gemm_int8({quantized.data(), row_scales.data(), rows, w.rows(), stride}, w.view(),
                {y, rows, cols, cols});
  }
  void gemv_int8(const KernelSet& k) {
    product_int8(k, state.data(), 1, recurrent_int8, gates.data(), kGates);
  }
  void gemm_int8(const KernelSet& k) {
    product_int8(k, words.data(), kWords, input_int8, projected.data(), kGates);
  }
  void step_int8(const KernelSet& k) {
    product_int8(k, sentence_states.data(), kSentences, recurrent_int8, step_gates.data(), kGates);
    for (int s = 0; s < kSentences; ++s) {
      k.gru_step(step_projected.data() + s * kGates, step_gates.data() + s * kGates,
                 sentence_states.data() + s * kUnits, next_states.data() + s * kUnits, kUnits);
    }
  }
  void attention_int8(const KernelSet& k) {
    const int stride = attention_int8_kernel.row_stride();
    k.quantize_rows({states.data(), kWords, kStates, kStates}, quantized.data(), stride,
                    row_scales.data());
    k.attention_int8({states.data(), kWords, kStates, kStates},
                     {quantized.data(), row_scales.data(), kWords, kStates, stride},
                     attention_int8_kernel.view(), context.data(), Activation::Tanh, {},
                     attention_projections.data(), weights.data(), pooled.data());
  }

  void attention(const KernelSet& k) {
    k.attention({states.data(), kWords, kStates, kStates},
                {{attention_kernel.data(), kStates, kAttentionUnits, kAttentionUnits},
                 attention_bias.data(),
                 context.data(),
                 Activation::Tanh},
                {}, attention_projections.data(), weights.data(), pooled.data());
  }
};

}  // namespace han::bench
