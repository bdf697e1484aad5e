// Backward passes of the whole HAN and of the sequence model against central finite differences
// in double precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "gradient_check.h"
#include "test_util.h"

namespace han {
namespace {

using namespace han::testing;

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

}  // namespace
}  // namespace han
