#pragma once
// Inverted dropout, for training only: the forward multiplies by a mask and so does the backward.
#include <cstdint>
#include <random>
#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace han {

// Each entry is 1 / (1 - rate) with probability 1 - rate, else 0, so the expected value of the
// masked input is the input and inference runs without dropout. The keep test uses the raw 32-bit
// output of std::mt19937, which the standard fixes (unlike its distributions): a seed gives the
// same mask with every standard library, natively and in WebAssembly.
template <typename T>
Matrix<T> dropout_mask(Eigen::Index rows, Eigen::Index cols, double rate, std::mt19937& rng) {
  if (!(rate >= 0 && rate < 1)) {
    throw Error("dropout rate " + std::to_string(rate) + " is outside [0, 1)");
  }
  const uint64_t drop_below = static_cast<uint64_t>(rate * 4294967296.0);  // rate * 2^32
  const T keep_scale = static_cast<T>(1 / (1 - rate));
  Matrix<T> mask(rows, cols);
  for (Eigen::Index i = 0; i < mask.size(); ++i) {
    mask.data()[i] = static_cast<uint64_t>(rng()) < drop_below ? T(0) : keep_scale;
  }
  return mask;
}

}  // namespace han
