// Backward passes of each layer against central finite differences in double precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gradient_check.h"

namespace han {
namespace {

using namespace han::testing;

// ---- Recurrent cells ----

class GruGradient : public ::testing::TestWithParam<std::tuple<bool, Activation>> {};

TEST_P(GruGradient, MatchesFiniteDifferences) {
  const auto [reset_after, recurrent_activation] = GetParam();
  const EncoderConfig config{CellType::Gru,     4,           false,
                             MergeMode::Concat, reset_after, recurrent_activation};
  // Weights large enough for hard_sigmoid to saturate somewhere.
  EncoderParams<double> e = random_encoder(config, 3, 1, 1.0);
  EncoderParams<double> grads = make_encoder<double>(config, 3);
  auto& p = std::get<GruParams<double>>(e.forward);
  Matrix<double> x = random_matrix(6, 3, 2, 2.0);
  const Matrix<double> d_out = random_matrix(6, 4, 3);
  auto loss = [&] { return weighted_sum(gru_forward(p, x), d_out); };

  const GruCache<double> cache = gru_forward_train(p, x);
  EXPECT_TRUE(cache.outputs == gru_forward(p, x));
  const Matrix<double> dx =
      gru_backward(p, cache, d_out, std::get<GruParams<double>>(grads.forward));
  expect_gradients_match(pair_params<double>(e, grads, visit_encoder), loss);
  expect_matches_finite_differences("x", x, dx, loss);
  if (recurrent_activation == Activation::HardSigmoid) {
    EXPECT_TRUE(has_saturated_entries(cache.update) || has_saturated_entries(cache.reset));
  }
}

INSTANTIATE_TEST_SUITE_P(ConventionsAndActivations, GruGradient,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(Activation::Sigmoid,
                                                              Activation::HardSigmoid)));

class LstmGradient : public ::testing::TestWithParam<Activation> {};

TEST_P(LstmGradient, MatchesFiniteDifferences) {
  const EncoderConfig config{CellType::Lstm, 3, false, MergeMode::Concat, false, GetParam()};
  EncoderParams<double> e = random_encoder(config, 4, 4, 1.0);
  EncoderParams<double> grads = make_encoder<double>(config, 4);
  auto& p = std::get<LstmParams<double>>(e.forward);
  Matrix<double> x = random_matrix(7, 4, 5, 2.0);
  const Matrix<double> d_out = random_matrix(7, 3, 6);
  auto loss = [&] { return weighted_sum(lstm_forward(p, x), d_out); };

  const LstmCache<double> cache = lstm_forward_train(p, x);
  EXPECT_TRUE(cache.outputs == lstm_forward(p, x));
  const Matrix<double> dx =
      lstm_backward(p, cache, d_out, std::get<LstmParams<double>>(grads.forward));
  expect_gradients_match(pair_params<double>(e, grads, visit_encoder), loss);
  expect_matches_finite_differences("x", x, dx, loss);
  if (GetParam() == Activation::HardSigmoid) {
    EXPECT_TRUE(has_saturated_entries(cache.input_gate) ||
                has_saturated_entries(cache.forget_gate) ||
                has_saturated_entries(cache.output_gate));
  }
}

INSTANTIATE_TEST_SUITE_P(RecurrentActivations, LstmGradient,
                         ::testing::Values(Activation::Sigmoid, Activation::HardSigmoid));

TEST(RecurrentGradient, EmptySequenceGivesEmptyInputGradient) {
  for (CellType cell : {CellType::Gru, CellType::Lstm}) {
    const EncoderConfig config{cell, 3, true, MergeMode::Concat, true, Activation::Sigmoid};
    const EncoderParams<double> e = random_encoder(config, 2, 7, 0.5);
    EncoderParams<double> grads = make_encoder<double>(config, 2);
    const EncoderCache<double> cache = encoder_forward_train(e, Matrix<double>(0, 2));
    const Matrix<double> dx = encoder_backward(e, cache, Matrix<double>(0, 6), grads);
    EXPECT_EQ(dx.rows(), 0);
    EXPECT_EQ(dx.cols(), 2);
  }
}

// ---- Bidirectional encoder ----

class EncoderGradient : public ::testing::TestWithParam<std::tuple<MergeMode, CellType>> {
 protected:
  EncoderConfig config() const {
    const auto [merge, cell] = GetParam();
    return {cell, 3, true, merge, false, Activation::Sigmoid};
  }
};

TEST_P(EncoderGradient, MatchesFiniteDifferences) {
  const EncoderConfig c = config();
  EncoderParams<double> e = random_encoder(c, 2, 8, 0.8);
  EncoderParams<double> grads = make_encoder<double>(c, 2);
  Matrix<double> x = random_matrix(5, 2, 9);
  const Matrix<double> d_out = random_matrix(5, c.output_dim(), 10);
  auto loss = [&] { return weighted_sum(encoder_forward(e, x), d_out); };

  const EncoderCache<double> cache = encoder_forward_train(e, x);
  EXPECT_TRUE(cache.outputs == encoder_forward(e, x));
  const Matrix<double> dx = encoder_backward(e, cache, d_out, grads);
  expect_gradients_match(pair_params<double>(e, grads, visit_encoder), loss);
  expect_matches_finite_differences("x", x, dx, loss);
}

TEST_P(EncoderGradient, FinalStateMatchesFiniteDifferences) {
  const EncoderConfig c = config();
  EncoderParams<double> e = random_encoder(c, 2, 11, 0.8);
  EncoderParams<double> grads = make_encoder<double>(c, 2);
  Matrix<double> x = random_matrix(4, 2, 12);
  const RowVector<double> d_state = random_matrix(1, c.output_dim(), 13).row(0);
  auto loss = [&] { return encoder_final_state(c, encoder_forward_train(e, x)).dot(d_state); };

  const EncoderCache<double> cache = encoder_forward_train(e, x);
  const Matrix<double> dx = encoder_final_state_backward(e, cache, d_state, grads);
  expect_gradients_match(pair_params<double>(e, grads, visit_encoder), loss);
  expect_matches_finite_differences("x", x, dx, loss);
}

INSTANTIATE_TEST_SUITE_P(MergeModes, EncoderGradient,
                         ::testing::Combine(::testing::Values(MergeMode::Concat, MergeMode::Sum,
                                                              MergeMode::Ave, MergeMode::Mul),
                                            ::testing::Values(CellType::Gru, CellType::Lstm)));

TEST(EncoderFinalState, IsTheLastForwardAndTheFirstBackwardOutput) {
  const EncoderConfig c{CellType::Gru, 3, true, MergeMode::Concat, true, Activation::Sigmoid};
  const EncoderParams<double> e = random_encoder(c, 2, 14, 0.8);
  const Matrix<double> x = random_matrix(5, 2, 15);
  const Matrix<double> out = encoder_forward(e, x);
  const RowVector<double> state = encoder_final_state(c, encoder_forward_train(e, x));
  EXPECT_TRUE(state.head(3) == out.row(4).head(3));
  EXPECT_TRUE(state.tail(3) == out.row(0).tail(3));
}

// ---- Attention ----

class AttentionGradient : public ::testing::TestWithParam<std::tuple<Activation, bool, bool>> {};

TEST_P(AttentionGradient, MatchesFiniteDifferences) {
  const auto [activation, use_bias, masked] = GetParam();
  AttentionParams<double> a = make_attention<double>({5, use_bias, activation}, 4);
  randomize(a, visit_attention, 16, 1.0);
  a.context *= 3.0;
  AttentionParams<double> grads = make_attention<double>({5, use_bias, activation}, 4);
  Matrix<double> h = random_matrix(6, 4, 17);
  const std::vector<bool> mask =
      masked ? std::vector<bool>{false, true, true, false, true, true} : std::vector<bool>{};
  const RowVector<double> d_pooled = random_matrix(1, 4, 18).row(0);
  auto loss = [&] { return attention_forward(a, h, mask).pooled.dot(d_pooled); };

  const AttentionCache<double> cache = attention_forward_train(a, h, mask);
  EXPECT_TRUE(cache.output.weights == attention_forward(a, h, mask).weights);
  const Matrix<double> dh = attention_backward(a, cache, d_pooled, grads);
  expect_gradients_match(pair_params<double>(a, grads, visit_attention), loss);
  expect_matches_finite_differences("h", h, dh, loss);
  for (size_t t = 0; t < mask.size(); ++t) {
    if (!mask[t]) EXPECT_EQ(dh.row(static_cast<Eigen::Index>(t)).cwiseAbs().sum(), 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(ActivationsBiasAndMask, AttentionGradient,
                         ::testing::Combine(::testing::Values(Activation::Tanh, Activation::Linear,
                                                              Activation::Relu),
                                            ::testing::Bool(), ::testing::Bool()));

TEST(AttentionGradientEdgeCases, AllMaskedGivesZeroGradients) {
  AttentionParams<double> a = make_attention<double>({3, true, Activation::Tanh}, 4);
  randomize(a, visit_attention, 19, 1.0);
  AttentionParams<double> grads = make_attention<double>({3, true, Activation::Tanh}, 4);
  const AttentionCache<double> cache =
      attention_forward_train(a, random_matrix(3, 4, 20), {false, false, false});
  const Matrix<double> dh =
      attention_backward(a, cache, RowVector<double>(random_matrix(1, 4, 21).row(0)), grads);
  EXPECT_EQ(dh.cwiseAbs().sum(), 0.0);
  EXPECT_EQ(
      grads.kernel.cwiseAbs().sum() + grads.bias.cwiseAbs().sum() + grads.context.cwiseAbs().sum(),
      0.0);
}

// ---- Dense output and its losses ----

class DenseGradient : public ::testing::TestWithParam<Activation> {};

TEST_P(DenseGradient, LossAndGradientsMatch) {
  const Activation activation = GetParam();
  DenseParams<double> d = make_dense<double>(activation, 4, 3);
  randomize(d, visit_dense, 22, 1.0);
  DenseParams<double> grads = make_dense<double>(activation, 4, 3);
  RowVector<double> x = random_matrix(1, 4, 23).row(0);
  const RowVector<double> target =
      activation == Activation::Softmax ? one_hot<double>(2, 3)
      : activation == Activation::Sigmoid
          ? RowVector<double>((RowVector<double>(3) << 1, 0, 1).finished())
          : RowVector<double>(random_matrix(1, 3, 24).row(0));
  auto loss = [&] { return output_loss(activation, dense_forward_train(d, x), target).value; };

  // The loss as the plain formula on dense_forward's output.
  const RowVector<double> y = dense_forward(d, x);
  double expected = 0;
  for (Eigen::Index k = 0; k < 3; ++k) {
    const double t = target[k];
    expected += activation == Activation::Softmax ? -t * std::log(y[k])
                : activation == Activation::Sigmoid
                    ? -t * std::log(y[k]) - (1 - t) * std::log(1 - y[k])
                    : (y[k] - t) * (y[k] - t) / 3;
  }
  const DenseCache<double> cache = dense_forward_train(d, x);
  EXPECT_TRUE(cache.output == y);
  const Loss<double> computed = output_loss(activation, cache, target);
  EXPECT_NEAR(computed.value, expected, 1e-12);

  const RowVector<double> dx = dense_backward(d, cache, computed.d_logits, grads);
  expect_gradients_match(pair_params<double>(d, grads, visit_dense), loss);
  Matrix<double> x_matrix = x;
  auto loss_of_x = [&] {
    return output_loss(activation, dense_forward_train(d, RowVector<double>(x_matrix.row(0))),
                       target)
        .value;
  };
  expect_matches_finite_differences("x", x_matrix, dx, loss_of_x);
}

INSTANTIATE_TEST_SUITE_P(OutputActivations, DenseGradient,
                         ::testing::Values(Activation::Softmax, Activation::Sigmoid,
                                           Activation::Linear));

TEST(DenseGradientEdgeCases, SaturatedOutputsGiveFiniteLosses) {
  DenseCache<double> softmax_cache{RowVector<double>(),
                                   (RowVector<double>(2) << 800, -800).finished(),
                                   (RowVector<double>(2) << 1, 0).finished()};
  EXPECT_NEAR(output_loss(Activation::Softmax, softmax_cache, one_hot<double>(1, 2)).value, 1600,
              1e-9);
  DenseCache<double> sigmoid_cache{RowVector<double>(), (RowVector<double>(1) << 800).finished(),
                                   (RowVector<double>(1) << 1).finished()};
  const RowVector<double> zero = RowVector<double>::Zero(1);
  EXPECT_NEAR(output_loss(Activation::Sigmoid, sigmoid_cache, zero).value, 800, 1e-9);
  EXPECT_THROW(output_loss(Activation::Tanh, sigmoid_cache, one_hot<double>(0, 1)), Error);
  EXPECT_THROW(one_hot<double>(3, 3), Error);
}

// ---- Embedding ----

TEST(EmbeddingGradient, AccumulatesOnlyTheUsedRowsAndListsEachOnce) {
  Matrix<double> table = random_matrix(6, 3, 25);
  Matrix<double> d_table = Matrix<double>::Zero(6, 3);
  const std::vector<int32_t> ids = {4, 2, 4, 5};
  const Matrix<double> d_out = random_matrix(4, 3, 26);
  TouchedRows touched;
  embedding_backward(ids, d_out, d_table, touched);
  EXPECT_EQ(touched.rows(), (std::vector<int32_t>{4, 2, 5}));
  for (int row : {0, 1, 3}) EXPECT_EQ(d_table.row(row).cwiseAbs().sum(), 0.0);
  auto loss = [&] { return weighted_sum(embedding_lookup(table, ids), d_out); };
  expect_matches_finite_differences("embedding", table, d_table, loss);

  touched.clear();
  EXPECT_TRUE(touched.rows().empty());
  embedding_backward(std::vector<int32_t>{2}, Matrix<double>(d_out.topRows(1)), d_table, touched);
  EXPECT_EQ(touched.rows(), (std::vector<int32_t>{2}));
}

}  // namespace
}  // namespace han
