#pragma once
// What the training loops share for their randomness: well-mixed seeds and Keras's default
// initial weights.
#include <cstdint>
#include <random>
#include <string>

#include "core/tensor.h"
#include "layers/encoder.h"

namespace han {

// A well-mixed 32-bit seed from several integers (splitmix64 finaliser), so that every
// (epoch, example) pair gets its own random stream whatever the thread count.
uint32_t mix_seed(uint64_t a, uint64_t b, uint64_t c);

// Keras's default for one weight, by the last part of its visitor name: Glorot-uniform kernels,
// orthogonal recurrent kernels (per gate block), zero biases except an LSTM's forget gate (1),
// attention contexts uniform in ±sqrt(6 / (units + 1)). `encoder` is the config of the encoder the
// weight belongs to, or null for a weight outside an encoder.
void initialise_weight(const std::string& name, Matrix<float>& weight, const EncoderConfig* encoder,
                       std::mt19937& rng);

}  // namespace han
