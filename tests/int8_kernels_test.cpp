// The integer kernels (int8 weights, int16 activations, int32 sums): the ones this build runs
// against the scalar reference, bit for bit where only integers and the same float operations are
// involved; and the reference against the float product within the bound that rounding the
// weights and activations implies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/kernels.h"

namespace han {
namespace {

constexpr float kGuard = 12345.0f;  // fills memory a kernel must not write

// Row-major values with `padding` unused floats after each row (stride = cols + padding).
struct Floats {
  int rows, cols, stride;
  std::vector<float> values;

  Floats(int rows_, int cols_, int padding, std::mt19937& rng, float scale)
      : rows(rows_), cols(cols_), stride(cols_ + padding) {
    values.assign(static_cast<size_t>(rows * stride), kGuard);
    std::uniform_real_distribution<float> uniform(-scale, scale);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) at(i, j) = uniform(rng);
    }
  }
  float& at(int i, int j) { return values[static_cast<size_t>(i * stride + j)]; }
  float at(int i, int j) const { return values[static_cast<size_t>(i * stride + j)]; }
  kernels::ConstMatrixView view() const { return {values.data(), rows, cols, stride}; }
  kernels::MatrixView mutable_view() { return {values.data(), rows, cols, stride}; }
};

// A packed int8 matrix with its padded bias, as the model keeps them.
struct Packed {
  kernels::Int8MatrixView shape;
  Floats rounded;  // the weights as pack_int8 leaves them: what the integers stand for
  std::vector<int8_t> packed;
  std::vector<float> scales, bias;

  Packed(const Floats& w, const std::vector<float>* b)
      : shape{nullptr, nullptr, nullptr, w.rows, w.cols}, rounded(w) {
    const size_t columns = static_cast<size_t>(shape.panels()) * kernels::kInt8Panel;
    packed.assign(columns * static_cast<size_t>(shape.pairs()) * 2, 0);
    scales.assign(columns, -1.0f);
    kernels::pack_int8(rounded.mutable_view(), packed.data(), scales.data());
    if (b) {
      bias.assign(columns, 0.0f);
      std::copy(b->begin(), b->end(), bias.begin());
    }
  }
  kernels::Int8MatrixView view() const {
    return {packed.data(), scales.data(), bias.empty() ? nullptr : bias.data(), shape.rows,
            shape.cols};
  }
  int q(int k, int j) const {
    return packed[static_cast<size_t>(((j / kernels::kInt8Panel) * shape.pairs() + k / 2) * 16 +
                                      (j % kernels::kInt8Panel) * 2 + k % 2)];
  }
};

// Rows quantized by one implementation, with their scales.
struct Quantized {
  int stride;
  std::vector<int16_t> values;
  std::vector<float> scales;

  template <typename Quantize>
  Quantized(const Floats& x, Quantize quantize) : stride(2 * ((x.cols + 1) / 2)) {
    values.assign(static_cast<size_t>(x.rows * stride), 7777);
    scales.assign(static_cast<size_t>(x.rows), -1.0f);
    quantize(x.view(), values.data(), stride, scales.data());
  }
  kernels::Int16RowsView view(int rows, int cols) const {
    return {values.data(), scales.data(), rows, cols, stride};
  }
  int q(int r, int k) const { return values[static_cast<size_t>(r * stride + k)]; }
};

std::vector<float> random_values(int n, std::mt19937& rng, float scale) {
  return Floats(1, n, 0, rng, scale).values;
}

const std::vector<int> kInputs = {1, 2, 3, 7, 16, 17, 50, 100, 200};
const std::vector<int> kOutputs = {1, 3, 4, 7, 8, 9, 16, 17, 100, 150};

TEST(Int8Kernels, Int16LimitKeepsEverySumWithinInt32) {
  EXPECT_EQ(kernels::int16_limit(1), 32767);
  EXPECT_EQ(kernels::int16_limit(516), 32767);
  for (int inputs : {517, 1000, 4096, 100000}) {
    const int64_t limit = kernels::int16_limit(inputs);
    EXPECT_LT(limit, 32767) << inputs;
    EXPECT_LE(limit * 127 * inputs, std::numeric_limits<int32_t>::max()) << inputs;
    EXPECT_GT((limit + 1) * 127 * inputs, std::numeric_limits<int32_t>::max()) << inputs;
  }
}

// Packing also rounds the weights to what their integers stand for, and leaves the padding of
// their rows alone.
TEST(Int8Kernels, PackingKeepsEachWeightWithinHalfAStepOfItsColumn) {
  std::mt19937 rng(11);
  for (int rows : kInputs) {
    for (int cols : kOutputs) {
      SCOPED_TRACE(testing::Message() << rows << " x " << cols);
      Floats w(rows, cols, 3, rng, 0.3f);
      if (cols > 2) {
        for (int k = 0; k < rows; ++k) w.at(k, 2) = 0.0f;  // an all-zero column
      }
      const Packed p(w, nullptr);
      for (size_t i = 0; i < w.values.size(); ++i) {
        if (w.values[i] == kGuard) ASSERT_EQ(p.rounded.values[i], kGuard) << "padding, at " << i;
      }
      for (int j = 0; j < p.shape.panels() * kernels::kInt8Panel; ++j) {
        float largest = 0;
        for (int k = 0; j < cols && k < rows; ++k)
          largest = std::max(largest, std::abs(w.at(k, j)));
        ASSERT_EQ(p.scales[static_cast<size_t>(j)], largest / 127.0f) << j;
        for (int k = 0; k < 2 * p.shape.pairs(); ++k) {
          if (j >= cols || k >= rows || largest == 0) {
            ASSERT_EQ(p.q(k, j), 0) << k << ", " << j;  // padding, and the zero column
            continue;
          }
          ASSERT_LE(std::abs(p.q(k, j)), 127);
          ASSERT_EQ(p.rounded.at(k, j), p.scales[static_cast<size_t>(j)] * p.q(k, j));
          ASSERT_LE(std::abs(p.scales[static_cast<size_t>(j)] * p.q(k, j) - w.at(k, j)),
                    0.5f * p.scales[static_cast<size_t>(j)] * (1 + 1e-5f))
              << k << ", " << j;
        }
      }
    }
  }
}

TEST(Int8Kernels, QuantizedRowsMatchTheReferenceAndUseTheirWholeRange) {
  std::mt19937 rng(12);
  for (int rows : {1, 2, 5}) {
    for (int cols : kInputs) {
      for (int limit_inputs : {cols, 4096}) {  // 4096: a row limited below 32767
        SCOPED_TRACE(testing::Message() << rows << " x " << cols);
        Floats x(rows, limit_inputs == cols ? cols : 4096, 2, rng, 3.0f);
        if (rows > 1) {
          for (int k = 0; k < x.cols; ++k) x.at(1, k) = 0.0f;  // a row of zeros
        }
        const Quantized expected(x, kernels::reference::quantize_rows);
        const Quantized actual(x, kernels::selected::quantize_rows);
        ASSERT_EQ(actual.values, expected.values);
        ASSERT_EQ(actual.scales, expected.scales);
        const int limit = kernels::int16_limit(x.cols);
        for (int r = 0; r < rows; ++r) {
          int largest = 0;
          for (int k = 0; k < expected.stride; ++k) {
            const int q = expected.q(r, k);
            if (k >= x.cols) ASSERT_EQ(q, 0) << "padding of row " << r;
            largest = std::max(largest, std::abs(q));
            if (k < x.cols) {
              // Half a step, and x · (L / max) is rounded to float before it is rounded to an
              // integer: up to L 2^-24 (0.002) of a step more.
              ASSERT_LE(std::abs(expected.scales[static_cast<size_t>(r)] * q - x.at(r, k)),
                        0.51f * expected.scales[static_cast<size_t>(r)]);
            }
          }
          ASSERT_EQ(largest, r == 1 ? 0 : limit) << "row " << r;
          if (r == 1) ASSERT_EQ(expected.scales[1], 0.0f);
        }
      }
    }
  }
}

TEST(Int8Kernels, GemmMatchesTheReferenceBitForBit) {
  std::mt19937 rng(13);
  for (int rows : {1, 2, 3, 4, 5, 6, 7, 9, 21}) {
    for (int inputs : kInputs) {
      for (int outputs : kOutputs) {
        for (bool with_bias : {false, true}) {
          SCOPED_TRACE(testing::Message()
                       << rows << " x " << inputs << " x " << outputs << (with_bias ? " + b" : ""));
          const Floats x(rows, inputs, 3, rng, 1.0f), w(inputs, outputs, 1, rng, 0.2f);
          const std::vector<float> b = random_values(outputs, rng, 0.5f);
          const Packed p(w, with_bias ? &b : nullptr);
          const Quantized q(x, kernels::reference::quantize_rows);
          Floats expected(rows, outputs, 2, rng, 0.0f), actual = expected;
          for (float& v : expected.values) v = kGuard;
          actual.values = expected.values;
          kernels::reference::gemm_int8(q.view(rows, inputs), p.view(), expected.mutable_view());
          kernels::selected::gemm_int8(q.view(rows, inputs), p.view(), actual.mutable_view());
          ASSERT_EQ(actual.values, expected.values);  // the guard after each row included
        }
      }
    }
  }
}

// Rounding both factors: with x = sx qx + dx and w = sw qw + dw, |dx| <= 0.51 sx (half a step,
// and the float rounding before it: QuantizedRowsMatchTheReference...) and |dw| <= sw/2,
//   |x·w - sx sw qx·qw| <= sum_k (|x_k| sw/2 + |w_kj| 0.51 sx + 0.51 sx sw/2)
// and float32 adds at most a few ulp of sum_k |x_k w_kj| on top, bounded here by 1e-6 of it.
TEST(Int8Kernels, GemmIsWithinTheRoundingBoundOfTheFloatProduct) {
  std::mt19937 rng(14);
  for (int inputs : {3, 50, 100, 200, 1000}) {
    const int rows = 6, outputs = 150;
    const Floats x(rows, inputs, 0, rng, 1.0f), w(inputs, outputs, 0, rng, 0.1f);
    const std::vector<float> b = random_values(outputs, rng, 0.1f);
    const Packed p(w, &b);
    const Quantized q(x, kernels::reference::quantize_rows);
    Floats y(rows, outputs, 0, rng, 0.0f);
    kernels::reference::gemm_int8(q.view(rows, inputs), p.view(), y.mutable_view());
    double worst_share = 0;
    for (int r = 0; r < rows; ++r) {
      for (int j = 0; j < outputs; ++j) {
        double exact = b[static_cast<size_t>(j)], bound = 0, magnitude = 0;
        const double sx = q.scales[static_cast<size_t>(r)], sw = p.scales[static_cast<size_t>(j)];
        for (int k = 0; k < inputs; ++k) {
          exact += double{x.at(r, k)} * w.at(k, j);
          bound +=
              std::abs(x.at(r, k)) * sw / 2 + std::abs(w.at(k, j)) * 0.51 * sx + 0.51 * sx * sw / 2;
          magnitude += std::abs(double{x.at(r, k)} * w.at(k, j));
        }
        bound += 1e-6 * (magnitude + std::abs(b[static_cast<size_t>(j)]));
        const double error = std::abs(y.at(r, j) - exact);
        ASSERT_LE(error, bound) << "row " << r << ", column " << j << " of " << inputs;
        worst_share = std::max(worst_share, error / bound);
      }
    }
    RecordProperty("worst_share_of_bound_" + std::to_string(inputs), std::to_string(worst_share));
  }
}

// The largest sums the limits allow: 4096 inputs at the int16 limit against weights of 127 (and
// of -127) add up without overflowing (UBSan checks the reference's int32 sum).
TEST(Int8Kernels, TheLargestSumsDoNotOverflow) {
  std::mt19937 rng(15);
  const int inputs = 4096, outputs = 9;
  Floats x(2, inputs, 0, rng, 1.0f), w(inputs, outputs, 0, rng, 1.0f);
  for (int k = 0; k < inputs; ++k) {
    x.at(0, k) = 1.0f;
    x.at(1, k) = -1.0f;
    for (int j = 0; j < outputs; ++j) w.at(k, j) = j % 2 ? -2.0f : 2.0f;
  }
  const Packed p(w, nullptr);
  const Quantized q(x, kernels::reference::quantize_rows);
  Floats expected(2, outputs, 0, rng, 0.0f), actual = expected;
  kernels::reference::gemm_int8(q.view(2, inputs), p.view(), expected.mutable_view());
  kernels::selected::gemm_int8(q.view(2, inputs), p.view(), actual.mutable_view());
  EXPECT_EQ(actual.values, expected.values);
  for (int j = 0; j < outputs; ++j) {
    EXPECT_NEAR(expected.at(0, j), (j % 2 ? -2.0 : 2.0) * inputs, 1e-3 * inputs) << j;
    EXPECT_NEAR(expected.at(1, j), (j % 2 ? 2.0 : -2.0) * inputs, 1e-3 * inputs) << j;
  }
}

struct AttentionCase {
  Floats h, w;
  std::vector<float> bias, context;
};

TEST(Int8Kernels, AttentionMatchesTheReference) {
  std::mt19937 rng(16);
  for (int steps : {0, 1, 3, 4, 5, 17, 50}) {
    for (int input : {1, 5, 17, 100}) {
      for (int units : {1, 3, 8, 17, 100}) {
        const AttentionCase c{Floats(steps, input, 3, rng, 1.0f),
                              Floats(input, units, 1, rng, 0.5f), random_values(units, rng, 0.5f),
                              random_values(units, rng, 2.0f)};
        for (Activation activation : {Activation::Tanh, Activation::Linear, Activation::Relu}) {
          for (bool with_bias : {false, true}) {
            for (const std::vector<bool>& mask :
                 {std::vector<bool>(), std::vector<bool>(static_cast<size_t>(steps), false)}) {
              SCOPED_TRACE(testing::Message()
                           << steps << " steps of " << input << ", " << units << " units, "
                           << activation_name(activation) << (with_bias ? " + b" : "")
                           << (mask.empty() ? "" : ", all masked"));
              const Packed p(c.w, with_bias ? &c.bias : nullptr);
              const Quantized q(c.h, kernels::reference::quantize_rows);
              std::vector<float> expected_weights(static_cast<size_t>(steps) + 4, kGuard);
              std::vector<float> expected_pooled(static_cast<size_t>(input) + 8, kGuard);
              std::vector<float> weights = expected_weights, pooled = expected_pooled;
              std::vector<float> projections(static_cast<size_t>(steps * units));
              kernels::reference::attention_int8(
                  c.h.view(), q.view(steps, input), p.view(), c.context.data(), activation, mask,
                  projections.data(), expected_weights.data(), expected_pooled.data());
              kernels::selected::attention_int8(c.h.view(), q.view(steps, input), p.view(),
                                                c.context.data(), activation, mask,
                                                projections.data(), weights.data(), pooled.data());
              // The vectorised tanh is within 1e-6 of std::tanh, and the scores add in another
              // order: the bound of the float kernels' test.
              for (size_t t = 0; t < weights.size(); ++t) {
                ASSERT_NEAR(weights[t], expected_weights[t], 1e-5f) << t;
              }
              for (size_t j = 0; j < pooled.size(); ++j) {
                ASSERT_NEAR(pooled[j], expected_pooled[j], 1e-5f) << j;
              }
            }
          }
        }
      }
    }
  }
}

// Against the float attention: a projection within e_j of its float value moves a score by at
// most d = sum_j |c_j| e_j (tanh, relu and the identity are 1-Lipschitz), and scores within d move
// each weight alpha_t by at most alpha_t (exp(2d) - 1).
TEST(Int8Kernels, AttentionIsWithinTheRoundingBoundOfFloat) {
  std::mt19937 rng(17);
  const int steps = 21, input = 100, units = 100;
  const AttentionCase c{Floats(steps, input, 0, rng, 1.0f), Floats(input, units, 0, rng, 0.1f),
                        random_values(units, rng, 0.1f), random_values(units, rng, 0.1f)};
  const Packed p(c.w, &c.bias);
  const Quantized q(c.h, kernels::reference::quantize_rows);
  std::vector<float> weights(steps), pooled(input), float_weights(steps), float_pooled(input);
  std::vector<float> projections(steps * units);
  kernels::reference::attention_int8(c.h.view(), q.view(steps, input), p.view(), c.context.data(),
                                     Activation::Tanh, {}, projections.data(), weights.data(),
                                     pooled.data());
  kernels::reference::attention(c.h.view(),
                                {c.w.view(), c.bias.data(), c.context.data(), Activation::Tanh}, {},
                                projections.data(), float_weights.data(), float_pooled.data());
  double d = 0;
  for (int t = 0; t < steps; ++t) {
    double score_bound = 0;
    for (int j = 0; j < units; ++j) {
      double e = 1e-6;
      const double sx = q.scales[static_cast<size_t>(t)], sw = p.scales[static_cast<size_t>(j)];
      for (int k = 0; k < input; ++k) {
        e += std::abs(c.h.at(t, k)) * sw / 2 + std::abs(c.w.at(k, j)) * 0.51 * sx +
             0.51 * sx * sw / 2;
      }
      score_bound += std::abs(c.context[static_cast<size_t>(j)]) * e;
    }
    d = std::max(d, score_bound);
  }
  for (int t = 0; t < steps; ++t) {
    const double bound = float_weights[static_cast<size_t>(t)] * std::expm1(2 * d) + 1e-6;
    EXPECT_LE(std::abs(weights[static_cast<size_t>(t)] - float_weights[static_cast<size_t>(t)]),
              bound)
        << t;
  }
  RecordProperty("score_bound", std::to_string(d));
}

}  // namespace
}  // namespace han
