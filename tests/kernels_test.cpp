// The kernels of src/kernels/: the ones this build runs (kernels::selected: AVX + FMA with
// -march=native, SSE2 without, as WebAssembly SIMD is 4 wide too) against the scalar reference,
// on odd shapes, strided views and masks; and the reference against Eigen in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "layers/attention.h"
#include "layers/gru.h"

namespace han {
namespace {

constexpr float kTolerance = 1e-5f;
constexpr float kGuard = 12345.0f;  // fills memory a kernel must not write

const std::vector<int> kSizes = {1, 3, 5, 17, 50, 100};

// A row-major matrix with `padding` unused floats after each row, so that views have
// stride = cols + padding, as blocks of wider matrices do.
struct TestMatrix {
  int rows, cols, stride;
  std::vector<float> values;

  TestMatrix(int rows_, int cols_, int padding, std::mt19937& rng, float scale)
      : rows(rows_),
        cols(cols_),
        stride(cols_ + padding),
        values(static_cast<size_t>(rows_ * (cols_ + padding)), kGuard) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) values[static_cast<size_t>(i * stride + j)] = uniform(rng);
    }
  }
  kernels::ConstMatrixView view() const { return {values.data(), rows, cols, stride}; }
  kernels::MatrixView mutable_view() { return {values.data(), rows, cols, stride}; }
  float at(int i, int j) const { return values[static_cast<size_t>(i * stride + j)]; }
  Matrix<double> to_eigen() const {
    Matrix<double> m(rows, cols);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) m(i, j) = at(i, j);
    }
    return m;
  }
};

std::vector<float> random_vector(int size, std::mt19937& rng, float scale) {
  return TestMatrix(1, size, 0, rng, scale).values;
}

// Equal within kTolerance everywhere, and both left the padding alone.
void expect_near(const TestMatrix& actual, const TestMatrix& expected) {
  for (size_t k = 0; k < actual.values.size(); ++k) {
    ASSERT_NEAR(actual.values[k], expected.values[k], kTolerance) << "at flat index " << k;
  }
}

void expect_near(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t k = 0; k < actual.size(); ++k) {
    ASSERT_NEAR(actual[k], expected[k], kTolerance) << "at index " << k;
  }
}

#ifdef HAN_VECTORISED_KERNELS
// The fast activations against std:: on a dense sweep of [-20, 20], beyond where both saturate,
// and at the edges: the bound the gates of the GRU rely on.
TEST(Kernels, FastActivationsAreWithin1e6OfStd) {
  std::vector<float> x;
  for (int i = -200000; i <= 200000; ++i) x.push_back(static_cast<float>(i) * 1e-4f);
  for (float edge :
       {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, 7.9f, 7.91f, 30.0f, -30.0f, 1e30f, -1e30f,
        std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()}) {
    x.push_back(edge);
  }
  std::vector<float> tanh_y(x.size()), sigmoid_y(x.size());
  kernels::vectorised::tanh(x.data(), tanh_y.data(), static_cast<int>(x.size()));
  kernels::vectorised::sigmoid(x.data(), sigmoid_y.data(), static_cast<int>(x.size()));
  double tanh_error = 0, sigmoid_error = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double exact_tanh = std::tanh(static_cast<double>(x[i]));
    const double exact_sigmoid = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    tanh_error = std::max(tanh_error, std::abs(tanh_y[i] - exact_tanh));
    sigmoid_error = std::max(sigmoid_error, std::abs(sigmoid_y[i] - exact_sigmoid));
    ASSERT_GE(sigmoid_y[i], 0.0f) << x[i];
    ASSERT_LE(sigmoid_y[i], 1.0f) << x[i];
    ASSERT_LE(std::abs(tanh_y[i]), 1.0f) << x[i];
  }
  RecordProperty("tanh_max_error", std::to_string(tanh_error));
  RecordProperty("sigmoid_max_error", std::to_string(sigmoid_error));
  EXPECT_LE(tanh_error, 1e-6);
  EXPECT_LE(sigmoid_error, 1e-6);
}
#endif

TEST(Kernels, GruStepMatchesReference) {
  std::mt19937 rng(7);
  for (int units : {1, 3, 4, 5, 8, 17, 50}) {
    SCOPED_TRACE(testing::Message() << units << " units");
    const std::vector<float> x = random_vector(3 * units, rng, 4.0f);
    const std::vector<float> g = random_vector(3 * units, rng, 4.0f);
    const std::vector<float> h = random_vector(units, rng, 1.0f);
    std::vector<float> expected(static_cast<size_t>(units) + 8, kGuard), actual = expected;
    kernels::reference::gru_step(x.data(), g.data(), h.data(), expected.data(), units);
    kernels::selected::gru_step(x.data(), g.data(), h.data(), actual.data(), units);
    expect_near(actual, expected);
  }
}

// The reference step is the GRU layer's step (layers/gru.h) on one input row.
TEST(Kernels, ReferenceGruStepIsTheLayersStep) {
  std::mt19937 rng(8);
  const int units = 5, input = 3;
  GruParams<float> p;
  p.units = units;
  p.kernel = TestMatrix(input, 3 * units, 0, rng, 0.5f).to_eigen().cast<float>();
  p.recurrent_kernel = TestMatrix(units, 3 * units, 0, rng, 0.5f).to_eigen().cast<float>();
  p.bias = TestMatrix(2, 3 * units, 0, rng, 0.5f).to_eigen().cast<float>();
  const Matrix<float> x = TestMatrix(2, input, 0, rng, 1.0f).to_eigen().cast<float>();
  const Matrix<float> layer = gru_forward(p, x);  // h_1, then h_2 from h_1
  std::vector<float> projected(3 * units), gates(3 * units), h2(units);
  const RowVector<float> x1 = x.row(1);
  const RowVector<float> h1 = layer.row(0);
  Eigen::Map<RowVector<float>>(projected.data(), 3 * units) = x1 * p.kernel + p.bias.row(0);
  Eigen::Map<RowVector<float>>(gates.data(), 3 * units) = h1 * p.recurrent_kernel + p.bias.row(1);
  kernels::reference::gru_step(projected.data(), gates.data(), h1.data(), h2.data(), units);
  for (int j = 0; j < units; ++j) EXPECT_NEAR(h2[j], layer(1, j), 1e-6f) << j;
}

TEST(Kernels, GemvMatchesReference) {
  std::mt19937 rng(1);
  for (int rows : kSizes) {
    for (int cols : {1, 3, 4, 5, 8, 17, 50, 100, 150}) {
      for (bool with_bias : {false, true}) {
        SCOPED_TRACE(testing::Message() << rows << " x " << cols << (with_bias ? " + b" : ""));
        const TestMatrix w(rows, cols, 3, rng, 0.5f);
        const std::vector<float> x = random_vector(rows, rng, 1.0f);
        const std::vector<float> b = random_vector(cols, rng, 1.0f);
        const float* bias = with_bias ? b.data() : nullptr;
        std::vector<float> expected(static_cast<size_t>(cols) + 8, kGuard), actual = expected;
        kernels::reference::gemv(x.data(), w.view(), bias, expected.data());
        kernels::selected::gemv(x.data(), w.view(), bias, actual.data());
        expect_near(actual, expected);
      }
    }
  }
}

TEST(Kernels, GemmMatchesReference) {
  std::mt19937 rng(2);
  for (int rows : {1, 3, 4, 5, 8, 17, 50}) {
    for (int inner : kSizes) {
      for (int cols : {1, 3, 5, 8, 17, 100, 150}) {
        SCOPED_TRACE(testing::Message() << rows << " x " << inner << " x " << cols);
        const TestMatrix x(rows, inner, 2, rng, 1.0f), w(inner, cols, 5, rng, 0.5f);
        const std::vector<float> b = random_vector(cols, rng, 1.0f);
        TestMatrix expected(rows, cols, 3, rng, 0.0f), actual = expected;
        kernels::reference::gemm(x.view(), w.view(), b.data(), expected.mutable_view());
        kernels::selected::gemm(x.view(), w.view(), b.data(), actual.mutable_view());
        expect_near(actual, expected);
      }
    }
  }
}

TEST(Kernels, ReferenceGemmIsTheMatrixProduct) {
  std::mt19937 rng(3);
  const TestMatrix x(5, 17, 1, rng, 1.0f), w(17, 3, 2, rng, 0.5f);
  const std::vector<float> b = random_vector(3, rng, 1.0f);
  TestMatrix y(5, 3, 0, rng, 0.0f);
  kernels::reference::gemm(x.view(), w.view(), b.data(), y.mutable_view());
  Matrix<double> expected = x.to_eigen() * w.to_eigen();
  for (int j = 0; j < 3; ++j) expected.col(j).array() += b[static_cast<size_t>(j)];
  EXPECT_LT((y.to_eigen() - expected).cwiseAbs().maxCoeff(), kTolerance);
}

struct AttentionCase {
  TestMatrix h, kernel;
  std::vector<float> bias, context;
  kernels::AttentionWeights weights(bool with_bias, Activation activation) const {
    return {kernel.view(), with_bias ? bias.data() : nullptr, context.data(), activation};
  }
};

AttentionCase random_attention_case(int steps, int input, int units, std::mt19937& rng) {
  return {TestMatrix(steps, input, 3, rng, 1.0f), TestMatrix(input, units, 1, rng, 0.5f),
          random_vector(units, rng, 0.5f), random_vector(units, rng, 2.0f)};
}

std::vector<bool> random_mask(int steps, std::mt19937& rng) {
  std::vector<bool> mask(static_cast<size_t>(steps));
  for (size_t t = 0; t < mask.size(); ++t) mask[t] = rng() % 3 != 0;
  return mask;
}

TEST(Kernels, AttentionMatchesReference) {
  std::mt19937 rng(4);
  for (int steps : {0, 1, 3, 4, 5, 17, 50}) {
    for (int input : kSizes) {
      for (int units : {1, 3, 5, 8, 17, 100}) {
        const AttentionCase c = random_attention_case(steps, input, units, rng);
        for (Activation activation : {Activation::Tanh, Activation::Linear, Activation::Relu}) {
          for (bool with_bias : {false, true}) {
            for (const std::vector<bool>& mask :
                 {std::vector<bool>(), random_mask(steps, rng),
                  std::vector<bool>(static_cast<size_t>(steps), false)}) {
              SCOPED_TRACE(testing::Message()
                           << steps << " steps of " << input << ", " << units << " units, "
                           << activation_name(activation) << (with_bias ? " + b" : "")
                           << (mask.empty() ? "" : ", masked"));
              const kernels::AttentionWeights a = c.weights(with_bias, activation);
              std::vector<float> expected_weights(static_cast<size_t>(steps) + 4, kGuard);
              std::vector<float> expected_pooled(static_cast<size_t>(input) + 8, kGuard);
              std::vector<float> weights = expected_weights, pooled = expected_pooled;
              std::vector<float> projections(static_cast<size_t>(steps * units));
              kernels::reference::attention(c.h.view(), a, mask, projections.data(),
                                            expected_weights.data(), expected_pooled.data());
              kernels::selected::attention(c.h.view(), a, mask, projections.data(), weights.data(),
                                           pooled.data());
              expect_near(weights, expected_weights);
              expect_near(pooled, expected_pooled);
              for (size_t t = 0; t < mask.size(); ++t) {
                if (!mask[t]) EXPECT_EQ(weights[t], 0.0f);
              }
            }
          }
        }
      }
    }
  }
}

TEST(Kernels, ReferenceAttentionMatchesTheDoubleLayer) {
  std::mt19937 rng(5);
  const AttentionCase c = random_attention_case(7, 5, 6, rng);
  const std::vector<bool> mask = {true, false, true, true, false, true, true};
  AttentionParams<double> layer = make_attention<double>({6, true, Activation::Tanh}, 5);
  layer.kernel = c.kernel.to_eigen();
  layer.bias = TestMatrix(1, 6, 0, rng, 0.0f).to_eigen();
  for (int j = 0; j < 6; ++j) layer.bias(0, j) = c.bias[static_cast<size_t>(j)];
  for (int j = 0; j < 6; ++j) layer.context(0, j) = c.context[static_cast<size_t>(j)];
  const AttentionOutput<double> expected = attention_forward(layer, c.h.to_eigen(), mask);

  std::vector<float> weights(7), pooled(5), projections(7 * 6);
  kernels::reference::attention(c.h.view(), c.weights(true, Activation::Tanh), mask,
                                projections.data(), weights.data(), pooled.data());
  for (int t = 0; t < 7; ++t)
    EXPECT_NEAR(weights[static_cast<size_t>(t)], expected.weights[t], 1e-6);
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(pooled[static_cast<size_t>(j)], expected.pooled[j], 1e-6);
}

TEST(Kernels, MaskedSoftmaxIsStableAndZeroOnMaskedSteps) {
  std::vector<float> scores = {1000.0f, -3.0f, 999.0f, 5000.0f};
  kernels::masked_softmax(scores.data(), 4, {true, true, true, false});
  EXPECT_NEAR(scores[0] + scores[1] + scores[2], 1.0f, 1e-6f);
  EXPECT_NEAR(scores[0] / scores[2], std::exp(1.0f), 1e-4f);
  EXPECT_EQ(scores[3], 0.0f);

  std::vector<float> all_masked = {1.0f, 2.0f};
  kernels::masked_softmax(all_masked.data(), 2, {false, false});
  EXPECT_EQ(all_masked, std::vector<float>({0.0f, 0.0f}));
}

}  // namespace
}  // namespace han
