#pragma once
// The kernels' inputs in the shapes of the reference HAN (docs/benchmarks.md), shared by the
// native benchmark (kernels_bench.cpp) and the WebAssembly one (kernels_wasm.cpp).
#include <random>
#include <vector>

#include "kernels/kernels.h"

namespace han::bench {

// One implementation of the kernels: the scalar reference or the vectorised one.
struct KernelSet {
  decltype(&kernels::reference::gemv) gemv;
  decltype(&kernels::reference::gemm) gemm;
  decltype(&kernels::reference::attention) attention;
};

inline const KernelSet kReference = {&kernels::reference::gemv, &kernels::reference::gemm,
                                     &kernels::reference::attention};
#ifdef HAN_VECTORISED_KERNELS
inline const KernelSet kVectorised = {&kernels::vectorised::gemv, &kernels::vectorised::gemm,
                                      &kernels::vectorised::attention};
#endif

// Weights uniform in ±0.1 as in the reference model, inputs in ±1.
//   gemv       the GRU step h U + b: 1 x 50 times 50 x 150
//   gemm       a sentence's input projection X W + b: 21 words x 200 times 200 x 150
//   attention  word attention over 21 steps of 100 (GRU 50 + 50), 100 units, tanh
struct KernelWorkload {
  static constexpr int kUnits = 50, kGates = 3 * kUnits, kEmbedding = 200, kWords = 21;
  static constexpr int kStates = 2 * kUnits, kAttentionUnits = 100;

  // Floating-point operations per call: 2 per multiply-add; the attention's tanh and exp are not
  // counted.
  static constexpr double kGemvFlops = 2.0 * kUnits * kGates;
  static constexpr double kGemmFlops = 2.0 * kWords * kEmbedding * kGates;
  static constexpr double kAttentionFlops = 2.0 * kWords * kStates * kAttentionUnits +
                                            2.0 * kWords * kAttentionUnits + 2.0 * kWords * kStates;

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
  }

  std::vector<float> state, recurrent_kernel, gate_bias, gates = std::vector<float>(kGates);
  std::vector<float> words, input_kernel, projected = std::vector<float>(kWords * kGates);
  std::vector<float> states, attention_kernel, attention_bias, context;
  std::vector<float> weights = std::vector<float>(kWords), pooled = std::vector<float>(kStates);

  void gemv(const KernelSet& k) {
    k.gemv(state.data(), {recurrent_kernel.data(), kUnits, kGates, kGates}, gate_bias.data(),
           gates.data());
  }
  void gemm(const KernelSet& k) {
    k.gemm({words.data(), kWords, kEmbedding, kEmbedding},
           {input_kernel.data(), kEmbedding, kGates, kGates}, gate_bias.data(),
           {projected.data(), kWords, kGates, kGates});
  }
  void attention(const KernelSet& k) {
    k.attention({states.data(), kWords, kStates, kStates},
                {{attention_kernel.data(), kStates, kAttentionUnits, kAttentionUnits},
                 attention_bias.data(),
                 context.data(),
                 Activation::Tanh},
                {}, weights.data(), pooled.data());
  }
};

}  // namespace han::bench
