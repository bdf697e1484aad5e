// Backward passes against central finite differences in double precision, layer by layer and for
// the whole HAN and sequence model; then the optimisers, and a small HAN trained end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/han_train.h"
#include "model/sequence_model.h"
#include "test_util.h"
#include "train/optimizer.h"

namespace han {
namespace {

constexpr double kStep = 1e-6;
// |analytic - numeric| must be within kRelativeTolerance of the larger of the two, or within
// kAbsoluteTolerance: central differences with a 1e-6 step carry about 1e-10 of rounding noise.
constexpr double kRelativeTolerance = 1e-6;
constexpr double kAbsoluteTolerance = 1e-8;
constexpr size_t kSamplesPerTensor = 20;

Matrix<double> random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed,
                             double scale = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-scale, scale);
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  return m;
}

// Fills every parameter that `visit_params` visits with uniform values in [-scale, scale].
template <typename Params, typename VisitParams>
void randomize(Params& p, VisitParams&& visit_params, unsigned seed, double scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-scale, scale);
  visit_params(p, [&](const std::string&, Matrix<double>& m, bool) {
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  });
}

const auto visit_encoder = [](auto& p, auto&& visit) { visit_encoder_params(p, visit); };
const auto visit_attention = [](auto& p, auto&& visit) { visit_attention_params(p, visit); };
const auto visit_dense = [](auto& p, auto&& visit) { visit_dense_params(p, visit); };

// sum(out ⊙ weights): a loss whose gradient with respect to `out` is `weights`.
double weighted_sum(const Matrix<double>& out, const Matrix<double>& weights) {
  return (out.array() * weights.array()).sum();
}

// Compares `analytic` with central differences of `loss` at up to kSamplesPerTensor of the
// `candidates` (flat indices into `value`; all entries when empty).
void expect_matches_finite_differences(const std::string& name, Matrix<double>& value,
                                       const Matrix<double>& analytic,
                                       const std::function<double()>& loss,
                                       std::vector<Eigen::Index> candidates = {}) {
  ASSERT_EQ(value.rows(), analytic.rows()) << name;
  ASSERT_EQ(value.cols(), analytic.cols()) << name;
  if (candidates.empty()) {
    for (Eigen::Index i = 0; i < value.size(); ++i) candidates.push_back(i);
  }
  if (candidates.size() > kSamplesPerTensor) {
    std::shuffle(candidates.begin(), candidates.end(),
                 std::mt19937(static_cast<unsigned>(name.size())));
    candidates.resize(kSamplesPerTensor);
  }
  for (Eigen::Index i : candidates) {
    double& entry = value.data()[i];
    const double saved = entry;
    entry = saved + kStep;
    const double up = loss();
    entry = saved - kStep;
    const double down = loss();
    entry = saved;
    const double numeric = (up - down) / (2 * kStep);
    const double exact = analytic.data()[i];
    const double tolerance = std::max(
        kAbsoluteTolerance, kRelativeTolerance * std::max(std::abs(numeric), std::abs(exact)));
    EXPECT_NEAR(exact, numeric, tolerance) << name << " entry " << i;
  }
}

// Every slot's gradient; for a sparse slot, entries of the touched rows (the others must be 0).
void expect_gradients_match(const std::vector<ParamSlot<double>>& slots,
                            const std::function<double()>& loss) {
  for (const ParamSlot<double>& slot : slots) {
    std::vector<Eigen::Index> candidates;
    if (slot.sparse_rows) {
      const std::vector<int32_t>& touched = slot.sparse_rows->rows();
      for (Eigen::Index row = 0; row < slot.gradient->rows(); ++row) {
        if (std::find(touched.begin(), touched.end(), row) != touched.end()) {
          for (Eigen::Index col = 0; col < slot.gradient->cols(); ++col) {
            candidates.push_back(row * slot.gradient->cols() + col);
          }
        } else {
          EXPECT_EQ(slot.gradient->row(row).cwiseAbs().sum(), 0.0) << slot.name << " row " << row;
        }
      }
      ASSERT_FALSE(candidates.empty()) << slot.name;
    }
    expect_matches_finite_differences(slot.name, *slot.value, *slot.gradient, loss, candidates);
  }
}

EncoderParams<double> random_encoder(const EncoderConfig& config, int input_dim, unsigned seed,
                                     double scale) {
  EncoderParams<double> e = make_encoder<double>(config, input_dim);
  randomize(e, visit_encoder, seed, scale);
  return e;
}

// True when some gate of the cache sits on a flat part of hard_sigmoid (exactly 0 or 1), where
// the backward must give 0.
bool has_saturated_entries(const Matrix<double>& gate) {
  return (gate.array() == 0.0).any() || (gate.array() == 1.0).any();
}

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

// ---- The whole HAN ----

// Padding inside sentences, an empty sentence, a sentence of padding only, a repeated word.
const Document kRaggedDocument = {{2, 5, 0, 7}, {}, {0, 0}, {3, 3, 9, 11, 4}, {6}};

class HanGradient : public ::testing::TestWithParam<std::tuple<CellType, CellType>> {};

TEST_P(HanGradient, MatchesFiniteDifferencesOnARaggedDocument) {
  const auto [word_cell, sentence_cell] = GetParam();
  HanConfig c = testing::small_config(word_cell, sentence_cell);
  c.num_labels = 3;
  HanParams<double> p = testing::random_params<double>(c, 27);
  HanGradients<double> grads(c);
  const RowVector<double> target = one_hot<double>(1, 3);
  auto loss = [&] {
    return output_loss(p.output.activation, han_forward_train(p, kRaggedDocument).output_layer,
                       target)
        .value;
  };

  const HanCache<double> cache = han_forward_train(p, kRaggedDocument);
  const HanOutput<double> expected = han_forward(p, kRaggedDocument);
  EXPECT_TRUE(cache.output.probabilities == expected.probabilities);
  EXPECT_TRUE(cache.output.sentence_weights == expected.sentence_weights);
  for (size_t s = 0; s < kRaggedDocument.size(); ++s) {
    EXPECT_TRUE(cache.output.word_weights[s] == expected.word_weights[s]);
  }

  const double value = han_backward(p, cache, target, grads);
  EXPECT_NEAR(value, -std::log(expected.probabilities[1]), 1e-12);
  std::vector<int32_t> touched = grads.embedding_rows.rows();
  std::sort(touched.begin(), touched.end());
  EXPECT_EQ(touched, (std::vector<int32_t>{2, 3, 4, 5, 6, 7, 9, 11}));
  expect_gradients_match(han_param_slots(p, grads), loss);
}

INSTANTIATE_TEST_SUITE_P(WordAndSentenceCells, HanGradient,
                         ::testing::Values(std::make_tuple(CellType::Gru, CellType::Gru),
                                           std::make_tuple(CellType::Lstm, CellType::Lstm),
                                           std::make_tuple(CellType::Gru, CellType::Lstm)));

TEST(HanGradientDropout, MatchesFiniteDifferencesWithTheMasksOfAFixedSeed) {
  const HanConfig c = testing::small_config(CellType::Lstm, CellType::Gru);
  HanParams<double> p = testing::random_params<double>(c, 28);
  HanGradients<double> grads(c);
  const HanDropout dropout{0.3, 0.3};
  const uint32_t seed = 30;
  const RowVector<double> target = one_hot<double>(0, 2);
  auto loss = [&] {
    return output_loss(p.output.activation,
                       han_forward_train(p, kRaggedDocument, dropout, seed).output_layer, target)
        .value;
  };
  const HanCache<double> cache = han_forward_train(p, kRaggedDocument, dropout, seed);
  // Dropout did drop something, and the same seed repeats the same masks.
  EXPECT_TRUE((cache.document_dropout_mask.array() == 0.0).any());
  EXPECT_TRUE((cache.sentences[1].dropout_mask.array() == 0.0).any());
  EXPECT_TRUE(han_forward_train(p, kRaggedDocument, dropout, seed).output.probabilities ==
              cache.output.probabilities);
  EXPECT_FALSE(han_forward_train(p, kRaggedDocument, dropout, seed + 1).output.probabilities ==
               cache.output.probabilities);
  han_backward(p, cache, target, grads);
  expect_gradients_match(han_param_slots(p, grads), loss);
}

TEST(HanGradientEdgeCases, DocumentWithoutWordsTrainsOnlyTheOutputBias) {
  const HanConfig c = testing::small_config();
  HanParams<double> p = testing::random_params<double>(c, 30);
  HanGradients<double> grads(c);
  const Document no_words = {{0, 0}, {}};
  const HanCache<double> cache = han_forward_train(p, no_words);
  han_backward(p, cache, one_hot<double>(1, 2), grads);
  EXPECT_TRUE(grads.embedding_rows.rows().empty());
  for (const ParamSlot<double>& slot : han_param_slots(p, grads)) {
    const double sum = slot.gradient->cwiseAbs().sum();
    if (slot.name == "output.bias") {
      EXPECT_GT(sum, 0.0);
    } else {
      EXPECT_EQ(sum, 0.0) << slot.name;
    }
  }
}

// ---- The sequence model ----

struct SequenceCase {
  std::string name;
  SequenceConfig config;
  bool masked;
};

std::vector<SequenceCase> sequence_cases() {
  auto config = [](EncoderConfig encoder, bool use_attention, Activation output, int outputs) {
    SequenceConfig c;
    c.input_dim = 3;
    c.encoder = encoder;
    c.use_attention = use_attention;
    c.attention = {4, true, Activation::Tanh};
    c.output_activation = output;
    c.outputs = outputs;
    return c;
  };
  const EncoderConfig bigru{CellType::Gru, 3, true, MergeMode::Concat, true, Activation::Sigmoid};
  const EncoderConfig bilstm_sum{CellType::Lstm, 3,     true,
                                 MergeMode::Sum, false, Activation::Sigmoid};
  const EncoderConfig gru{CellType::Gru,     4,     false,
                          MergeMode::Concat, false, Activation::HardSigmoid};
  const EncoderConfig lstm{CellType::Lstm, 3, false, MergeMode::Concat, false, Activation::Sigmoid};
  return {
      {"BiGruAttentionRegressionMasked", config(bigru, true, Activation::Linear, 1), true},
      {"BiLstmPlainClassesMasked", config(bilstm_sum, false, Activation::Softmax, 3), true},
      {"GruPlainRegression", config(gru, false, Activation::Linear, 2), false},
      {"LstmAttentionSigmoidMasked", config(lstm, true, Activation::Sigmoid, 2), true},
  };
}

const std::vector<bool> kSequenceMask = {false, false, true, true, false, true, true, false};

class SequenceGradient : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(SequenceGradient, MatchesFiniteDifferences) {
  const SequenceCase& test_case = GetParam();
  const SequenceConfig& c = test_case.config;
  const auto visit_sequence = [](auto& p, auto&& visit) { visit_sequence_params(p, visit); };
  SequenceParams<double> p = make_sequence_model<double>(c);
  randomize(p, visit_sequence, 31, 0.8);
  SequenceParams<double> grads = make_sequence_model<double>(c);
  Matrix<double> x = random_matrix(8, 3, 32);
  const std::vector<bool> mask = test_case.masked ? kSequenceMask : std::vector<bool>{};
  const RowVector<double> target =
      c.output_activation == Activation::Softmax ? one_hot<double>(2, 3)
      : c.output_activation == Activation::Sigmoid
          ? RowVector<double>((RowVector<double>(2) << 0, 1).finished())
          : RowVector<double>(random_matrix(1, c.outputs, 33).row(0));
  auto loss = [&] {
    return output_loss(c.output_activation, sequence_forward_train(p, x, mask).output_layer, target)
        .value;
  };

  const SequenceCache<double> cache = sequence_forward_train(p, x, mask);
  const SequenceBackward<double> backward = sequence_backward(p, cache, target, grads);
  expect_gradients_match(sequence_param_slots(p, grads), loss);
  expect_matches_finite_differences("x", x, backward.d_inputs, loss);
  for (size_t t = 0; t < mask.size(); ++t) {
    if (mask[t]) continue;
    EXPECT_EQ(backward.d_inputs.row(static_cast<Eigen::Index>(t)).cwiseAbs().sum(), 0.0);
    if (c.use_attention)
      EXPECT_EQ(cache.output.attention_weights[static_cast<Eigen::Index>(t)], 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SequenceGradient, ::testing::ValuesIn(sequence_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(SequenceModel, MaskingEqualsDroppingTheMaskedSteps) {
  for (const SequenceCase& test_case : sequence_cases()) {
    SequenceParams<double> p = make_sequence_model<double>(test_case.config);
    randomize(
        p, [](auto& q, auto&& visit) { visit_sequence_params(q, visit); }, 34, 0.8);
    const Matrix<double> x = random_matrix(8, 3, 35);
    Matrix<double> real(4, 3);
    real << x.row(2), x.row(3), x.row(5), x.row(6);
    const SequenceOutput<double> masked = sequence_forward(p, x, kSequenceMask);
    const SequenceOutput<double> compact = sequence_forward(p, real);
    EXPECT_LT((masked.output - compact.output).cwiseAbs().maxCoeff(), 1e-12) << test_case.name;
    if (!test_case.config.use_attention) {
      EXPECT_EQ(masked.attention_weights.size(), 0);
      continue;
    }
    EXPECT_NEAR(masked.attention_weights.sum(), 1.0, 1e-12);
    EXPECT_EQ(masked.attention_weights[2], compact.attention_weights[0]);
    EXPECT_EQ(masked.attention_weights[6], compact.attention_weights[3]);
  }
}

TEST(SequenceModel, RejectsMismatchedInputs) {
  SequenceConfig c = sequence_cases().front().config;
  const SequenceParams<double> p = make_sequence_model<double>(c);
  EXPECT_THROW(sequence_forward(p, Matrix<double>(Matrix<double>::Zero(4, 2))), Error);
  EXPECT_THROW(sequence_forward(p, Matrix<double>(Matrix<double>::Zero(4, 3)), {true, false}),
               Error);
}

// ---- Optimisers ----

// One dense 2 x 2 parameter as a slot.
struct OneTensor {
  Matrix<double> value, gradient;
  std::vector<ParamSlot<double>> slots() { return {{"w", &value, &gradient, nullptr}}; }
};

TEST(Optimizer, AdamFirstStepIsLearningRateTimesTheSignOfTheGradient) {
  OneTensor t{random_matrix(2, 2, 36), (Matrix<double>(2, 2) << 3, -0.5, 1e-3, -20).finished()};
  const Matrix<double> before = t.value;
  OptimizerConfig config;
  config.learning_rate = 0.01;
  Optimizer<double> adam(config);
  adam.step(t.slots());
  const Matrix<double> expected = before - 0.01 * t.gradient.array().sign().matrix();
  // Without bias correction the step would be 0.01 * (1 - 0.9) / sqrt(1 - 0.999) = 0.0316 sign(g).
  EXPECT_LT((t.value - expected).cwiseAbs().maxCoeff(), 1e-7);
  EXPECT_EQ(adam.steps_taken(), 1);
}

TEST(Optimizer, SgdMomentumFollowsItsRecurrenceOnAQuadratic) {
  // f(w) = 0.5 Σ a_i w_i², so g = a ⊙ w.
  const Matrix<double> curvature = (Matrix<double>(2, 2) << 1, 4, 0.5, 2).finished();
  OneTensor t{(Matrix<double>(2, 2) << 1, -2, 3, 0.5).finished(), Matrix<double>()};
  OptimizerConfig config;
  config.method = OptimizerMethod::Sgd;
  config.learning_rate = 0.1;
  config.momentum = 0.9;
  Optimizer<double> sgd(config);
  Matrix<double> w = t.value, velocity = Matrix<double>::Zero(2, 2);
  for (int step = 0; step < 200; ++step) {
    t.gradient = curvature.cwiseProduct(t.value);
    sgd.step(t.slots());
    velocity = 0.9 * velocity + curvature.cwiseProduct(w);
    w -= 0.1 * velocity;
    ASSERT_LT((t.value - w).cwiseAbs().maxCoeff(), 1e-12) << "step " << step;
  }
  EXPECT_LT(t.value.cwiseAbs().maxCoeff(), 1e-2);  // heading for the minimum at 0
}

TEST(Optimizer, ClippingScalesAllGradientsTogetherToTheGivenNorm) {
  Matrix<double> w = Matrix<double>::Zero(2, 2),
                 dw = (Matrix<double>(2, 2) << 3, 0, 0, 4).finished();
  Matrix<double> table = Matrix<double>::Zero(3, 2), d_table = Matrix<double>::Zero(3, 2);
  d_table.row(1) << 0, 12;
  TouchedRows touched;
  touched.add(1);
  const std::vector<ParamSlot<double>> slots = {{"w", &w, &dw, nullptr},
                                                {"table", &table, &d_table, &touched}};
  EXPECT_DOUBLE_EQ(gradient_norm(slots), 13.0);
  EXPECT_DOUBLE_EQ(clip_gradient_norm(slots, 20.0), 13.0);  // under the limit: unchanged
  EXPECT_EQ(dw(1, 1), 4.0);
  EXPECT_DOUBLE_EQ(clip_gradient_norm(slots, 2.6), 13.0);
  EXPECT_NEAR(gradient_norm(slots), 2.6, 1e-12);
  EXPECT_NEAR(dw(0, 0), 0.6, 1e-12);
  EXPECT_NEAR(d_table(1, 1), 2.4, 1e-12);

  zero_gradients(slots);
  EXPECT_EQ(gradient_norm(slots), 0.0);
  EXPECT_TRUE(touched.rows().empty());
}

TEST(Optimizer, AdamUpdatesSparseSlotsOnTheirTouchedRowsOnly) {
  Matrix<double> table = random_matrix(4, 2, 37);
  Matrix<double> d_table = Matrix<double>::Zero(4, 2);
  TouchedRows touched;
  const std::vector<ParamSlot<double>> slots = {{"table", &table, &d_table, &touched}};
  OptimizerConfig config;
  config.learning_rate = 0.01;
  Optimizer<double> adam(config);

  d_table.row(1) << 2, -1;
  touched.add(1);
  Matrix<double> before = table;
  adam.step(slots);
  EXPECT_TRUE(table.row(0) == before.row(0));
  EXPECT_TRUE(table.row(2) == before.row(2));
  EXPECT_NEAR(table(1, 0) - before(1, 0), -0.01, 1e-9);

  // Row 3 is first touched at step 2: its moments start from 0 there ("lazy"), so with the
  // bias correction of step 2 the update is lr sqrt(1 + β2) / (1 + β1) sign(g).
  zero_gradients(slots);
  d_table.row(3) << -5, 0.25;
  touched.add(3);
  before = table;
  adam.step(slots);
  const double lazy_step = 0.01 * std::sqrt(1.999) / 1.9;
  EXPECT_NEAR(table(3, 0) - before(3, 0), lazy_step, 1e-9);
  EXPECT_NEAR(table(3, 1) - before(3, 1), -lazy_step, 1e-9);
  EXPECT_TRUE(table.row(1) == before.row(1));
}

TEST(Optimizer, WeightDecayIsL2OnTheParameters) {
  OneTensor t{random_matrix(2, 2, 38), Matrix<double>::Zero(2, 2)};
  const Matrix<double> before = t.value;
  OptimizerConfig config;
  config.method = OptimizerMethod::Sgd;
  config.momentum = 0;
  config.learning_rate = 0.1;
  config.weight_decay = 0.01;
  Optimizer<double> sgd(config);
  sgd.step(t.slots());
  EXPECT_LT((t.value - before * (1 - 0.1 * 0.01)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Optimizer, LearningRateSchedules) {
  LearningRateSchedule step_decay;
  step_decay.kind = LearningRateSchedule::Kind::StepDecay;
  step_decay.decay_every = 10;
  step_decay.decay_factor = 0.5;
  EXPECT_EQ(step_decay.factor(0), 1.0);
  EXPECT_EQ(step_decay.factor(9), 1.0);
  EXPECT_EQ(step_decay.factor(10), 0.5);
  EXPECT_EQ(step_decay.factor(25), 0.25);

  LearningRateSchedule warmup;
  warmup.kind = LearningRateSchedule::Kind::WarmupLinearDecay;
  warmup.warmup_steps = 4;
  warmup.total_steps = 10;
  EXPECT_EQ(warmup.factor(0), 0.25);
  EXPECT_EQ(warmup.factor(3), 1.0);
  EXPECT_EQ(warmup.factor(4), 1.0);
  EXPECT_EQ(warmup.factor(7), 0.5);
  EXPECT_EQ(warmup.factor(10), 0.0);
  EXPECT_EQ(warmup.factor(20), 0.0);

  OptimizerConfig config;
  config.method = OptimizerMethod::Sgd;
  config.momentum = 0;
  config.learning_rate = 0.2;
  config.schedule = warmup;
  OneTensor t{Matrix<double>::Zero(2, 2), Matrix<double>::Ones(2, 2)};
  Optimizer<double> sgd(config);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.05);
  sgd.step(t.slots());
  EXPECT_DOUBLE_EQ(t.value(0, 0), -0.05);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.1);
}

TEST(Optimizer, RejectsBadSettingsAndChangedParameters) {
  OptimizerConfig config;
  config.learning_rate = 0;
  EXPECT_THROW(Optimizer<double>{config}, Error);
  config.learning_rate = 0.1;
  config.schedule.kind = LearningRateSchedule::Kind::StepDecay;  // without decay_every
  EXPECT_THROW(Optimizer<double>{config}, Error);

  Optimizer<double> adam(OptimizerConfig{});
  OneTensor t{Matrix<double>::Zero(2, 2), Matrix<double>::Ones(2, 2)};
  adam.step(t.slots());
  OneTensor other{Matrix<double>::Zero(3, 2), Matrix<double>::Ones(3, 2)};
  EXPECT_THROW(adam.step(other.slots()), Error);
}

// ---- End to end ----

// Documents of filler words (ids 4..11) with one signal word: 2 for class 0, 3 for class 1.
struct LabelledDocument {
  Document words;
  int label;
};

std::vector<LabelledDocument> two_word_task(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int low, int high) { return low + static_cast<int>(rng() % (high - low + 1)); };
  std::vector<LabelledDocument> docs;
  for (size_t i = 0; i < count; ++i) {
    LabelledDocument doc{Document(static_cast<size_t>(pick(1, 3))), static_cast<int>(i % 2)};
    for (auto& sentence : doc.words) {
      for (int w = pick(2, 5); w > 0; --w) sentence.push_back(pick(4, 11));
    }
    auto& chosen = doc.words[static_cast<size_t>(pick(0, static_cast<int>(doc.words.size()) - 1))];
    chosen.insert(chosen.begin() + pick(0, static_cast<int>(chosen.size())), 2 + doc.label);
    docs.push_back(doc);
  }
  return docs;
}

TEST(OptimizerTraining, AdamFitsASmallHanToATwoWordTask) {
  const HanConfig c = testing::small_config();
  HanParams<float> p = testing::random_params<float>(c, 39, 0.3);
  const std::vector<LabelledDocument> docs = two_word_task(24, 40);
  auto mean_loss = [&] {
    double sum = 0;
    for (const LabelledDocument& doc : docs) {
      sum -= std::log(han_forward(p, doc.words).probabilities[doc.label]);
    }
    return sum / static_cast<double>(docs.size());
  };
  EXPECT_GT(mean_loss(), 0.5);

  HanGradients<float> grads(c);
  const std::vector<ParamSlot<float>> slots = han_param_slots(p, grads);
  OptimizerConfig config;
  config.learning_rate = 0.02;
  config.clip_norm = 5;
  Optimizer<float> adam(config);
  constexpr size_t kBatch = 4;
  for (size_t step = 0; step < 300; ++step) {
    zero_gradients(slots);
    for (size_t k = 0; k < kBatch; ++k) {
      const LabelledDocument& doc = docs[(step * kBatch + k) % docs.size()];
      han_backward(p, han_forward_train(p, doc.words), one_hot<float>(doc.label, 2), grads);
    }
    scale_gradients(slots, 1.0f / kBatch);
    adam.step(slots);
  }
  EXPECT_LT(mean_loss(), 0.02);
}

}  // namespace
}  // namespace han
