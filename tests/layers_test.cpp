// Layer-level behaviour: the properties the Keras libraries han-wasm replaces got wrong, checked
// directly, plus a plain-loop reference of each recurrent cell.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "model/han.h"
#include "test_util.h"

namespace han {
namespace {

Matrix<double> random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  return m;
}

AttentionParams<double> random_attention(int input, AttentionConfig config, unsigned seed) {
  AttentionParams<double> a = make_attention<double>(config, input);
  a.kernel = random_matrix(input, config.units, seed);
  if (config.use_bias) a.bias = random_matrix(1, config.units, seed + 1);
  a.context = random_matrix(1, config.units, seed + 2) * 3.0;
  return a;
}

TEST(Softmax, SumsToOneAndIsExactlyZeroOnMaskedSteps) {
  const RowVector<double> scores = (RowVector<double>(5) << 0.3, -2, 7, 1, 1).finished();
  const RowVector<double> w = softmax<double>(scores, {true, false, true, true, false});
  EXPECT_NEAR(w.sum(), 1.0, 1e-12);
  EXPECT_EQ(w[1], 0.0);
  EXPECT_EQ(w[4], 0.0);
  EXPECT_GT(w[2], w[0]);
}

TEST(Softmax, MaximumIsTakenOverRealStepsOnly) {
  // A library that takes the maximum over masked steps computes exp(1 - 1000) = 0 for every real
  // step and divides 0 by 0.
  const RowVector<double> scores = (RowVector<double>(3) << 1000, 1, 2).finished();
  const RowVector<double> w = softmax<double>(scores, {false, true, true});
  EXPECT_EQ(w[0], 0.0);
  EXPECT_NEAR(w[1], 1 / (1 + std::exp(1.0)), 1e-12);
  EXPECT_NEAR(w[2], std::exp(1.0) / (1 + std::exp(1.0)), 1e-12);
}

TEST(Softmax, AllMaskedGivesZerosNotNaN) {
  const RowVector<float> w = softmax<float>(RowVector<float>::Constant(4, 3.f), {0, 0, 0, 0});
  for (Eigen::Index t = 0; t < w.size(); ++t) EXPECT_EQ(w[t], 0.f);
  EXPECT_EQ(softmax<float>(RowVector<float>(0)).size(), 0);
}

TEST(Softmax, HugeScoresStayFinite) {
  const RowVector<float> w =
      softmax<float>((RowVector<float>(3) << 1e30f, -1e30f, 1e30f).finished());
  EXPECT_FLOAT_EQ(w[0], 0.5f);
  EXPECT_EQ(w[1], 0.f);
  EXPECT_FLOAT_EQ(w[2], 0.5f);
}

TEST(Activation, HardSigmoidIsKeras2) {
  RowVector<double> x = (RowVector<double>(5) << -3, -2.5, 0, 1, 3).finished();
  apply_activation(Activation::HardSigmoid, x);
  EXPECT_DOUBLE_EQ(x[0], 0.0);
  EXPECT_DOUBLE_EQ(x[1], 0.0);
  EXPECT_DOUBLE_EQ(x[2], 0.5);
  EXPECT_DOUBLE_EQ(x[3], 0.7);
  EXPECT_DOUBLE_EQ(x[4], 1.0);
}

class AttentionActivations : public ::testing::TestWithParam<Activation> {};

TEST_P(AttentionActivations, IdenticalRowsPoolToThatRow) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const auto a = random_attention(7, {5, seed % 2 == 0, GetParam()}, seed);
    const Matrix<double> row = random_matrix(1, 7, seed + 10);
    const Matrix<double> h = row.replicate(6, 1);
    const AttentionOutput<double> out = attention_forward(a, h);
    EXPECT_LT((out.pooled - row.row(0)).cwiseAbs().maxCoeff(), 1e-12);
    for (Eigen::Index t = 0; t < 6; ++t) EXPECT_NEAR(out.weights[t], 1.0 / 6, 1e-12);
  }
}

TEST_P(AttentionActivations, MaskingEqualsDroppingTheMaskedSteps) {
  const auto a = random_attention(4, {3, true, GetParam()}, 3);
  const Matrix<double> h = random_matrix(5, 4, 4);
  const std::vector<bool> mask = {false, true, true, false, true};
  const AttentionOutput<double> masked = attention_forward(a, h, mask);
  Matrix<double> real(3, 4);
  real << h.row(1), h.row(2), h.row(4);
  const AttentionOutput<double> compact = attention_forward(a, real);
  EXPECT_EQ(masked.weights[0], 0.0);
  EXPECT_EQ(masked.weights[3], 0.0);
  EXPECT_NEAR(masked.weights.sum(), 1.0, 1e-12);
  EXPECT_NEAR(masked.weights[1], compact.weights[0], 1e-12);
  EXPECT_NEAR(masked.weights[4], compact.weights[2], 1e-12);
  EXPECT_LT((masked.pooled - compact.pooled).cwiseAbs().maxCoeff(), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(All, AttentionActivations,
                         ::testing::Values(Activation::Tanh, Activation::Linear, Activation::Relu));

TEST(Attention, AllMaskedOrEmptyGivesZeroVector) {
  const auto a = random_attention(4, {3, true, Activation::Tanh}, 5);
  const AttentionOutput<double> masked =
      attention_forward(a, random_matrix(3, 4, 6), {false, false, false});
  EXPECT_EQ(masked.weights.cwiseAbs().sum(), 0.0);
  EXPECT_EQ(masked.pooled.size(), 4);
  EXPECT_EQ(masked.pooled.cwiseAbs().sum(), 0.0);
  const AttentionOutput<double> empty = attention_forward(a, Matrix<double>(0, 4));
  EXPECT_EQ(empty.pooled.size(), 4);
  EXPECT_EQ(empty.pooled.cwiseAbs().sum(), 0.0);
}

TEST(ParameterCount, SquareAttentionWithBiasHasHSquaredPlus2H) {
  for (int h : {1, 8, 100}) {
    auto a = make_attention<float>({h, true, Activation::Tanh}, h);
    uint64_t count = 0;
    visit_attention_params(a, [&](const std::string&, Matrix<float>& m, bool) {
      count += static_cast<uint64_t>(m.size());
    });
    EXPECT_EQ(count, static_cast<uint64_t>(h * h + 2 * h));
  }
}

TEST(ParameterCount, FormulaMatchesTheAllocatedWeights) {
  for (CellType word : {CellType::Gru, CellType::Lstm}) {
    for (CellType sentence : {CellType::Gru, CellType::Lstm}) {
      for (MergeMode merge : {MergeMode::Concat, MergeMode::Sum}) {
        for (bool reset_after : {true, false}) {
          HanConfig c = testing::small_config(word, sentence);
          c.word_encoder.merge = merge;
          c.word_encoder.reset_after = reset_after;
          c.sentence_encoder.bidirectional = reset_after;
          HanParams<float> p = make_han<float>(c);
          uint64_t count = 0;
          visit_han_params(p, [&](const std::string&, Matrix<float>& m, bool) {
            count += static_cast<uint64_t>(m.size());
          });
          EXPECT_EQ(count, han_parameter_count(c));
        }
      }
    }
  }
  // Keras: Bidirectional(GRU(50, reset_after=True)) on 200 inputs has 2 * 3 * (200*50 + 50*50 +
  // 2*50).
  HanConfig c = testing::small_config();
  c.vocab_size = 2;
  c.embedding_dim = 200;
  c.word_encoder.units = 50;
  HanParams<float> p = make_han<float>(c);
  uint64_t word_encoder = 0;
  visit_encoder_params(p.word_encoder, [&](const std::string&, Matrix<float>& m, bool) {
    word_encoder += static_cast<uint64_t>(m.size());
  });
  EXPECT_EQ(word_encoder, 2u * 3 * (200 * 50 + 50 * 50 + 2 * 50));
}

double sigmoid(double x) {
  return 1 / (1 + std::exp(-x));
}

// Plain-loop GRU in the Keras layout, written independently of the Eigen code.
Matrix<double> loop_gru(const GruParams<double>& p, const Matrix<double>& x) {
  const int u = p.units;
  std::vector<double> h(u, 0.0);
  Matrix<double> out(x.rows(), u);
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    auto input = [&](int col) {
      double s = p.bias(0, col);
      for (Eigen::Index i = 0; i < x.cols(); ++i) s += x(t, i) * p.kernel(i, col);
      return s;
    };
    auto recurrent = [&](int col, const std::vector<double>& state) {
      double s = p.reset_after ? p.bias(1, col) : 0.0;
      for (int j = 0; j < u; ++j) s += state[j] * p.recurrent_kernel(j, col);
      return s;
    };
    std::vector<double> z(u), r(u), next(u);
    for (int k = 0; k < u; ++k) {
      z[k] = sigmoid(input(k) + recurrent(k, h));
      r[k] = sigmoid(input(u + k) + recurrent(u + k, h));
    }
    std::vector<double> reset_state(u);
    for (int k = 0; k < u; ++k) reset_state[k] = r[k] * h[k];
    for (int k = 0; k < u; ++k) {
      const double candidate =
          p.reset_after ? std::tanh(input(2 * u + k) + r[k] * recurrent(2 * u + k, h))
                        : std::tanh(input(2 * u + k) + recurrent(2 * u + k, reset_state));
      next[k] = z[k] * h[k] + (1 - z[k]) * candidate;
    }
    h = next;
    for (int k = 0; k < u; ++k) out(t, k) = h[k];
  }
  return out;
}

TEST(Gru, MatchesPlainLoopsInBothConventions) {
  for (bool reset_after : {true, false}) {
    GruParams<double> p;
    p.units = 3;
    p.reset_after = reset_after;
    p.kernel = random_matrix(4, 9, 1);
    p.recurrent_kernel = random_matrix(3, 9, 2);
    p.bias = random_matrix(reset_after ? 2 : 1, 9, 3);
    const Matrix<double> x = random_matrix(6, 4, 4);
    EXPECT_LT((gru_forward(p, x) - loop_gru(p, x)).cwiseAbs().maxCoeff(), 1e-12)
        << "reset_after=" << reset_after;
  }
}

TEST(Lstm, MatchesPlainLoops) {
  LstmParams<double> p;
  p.units = 2;
  p.kernel = random_matrix(3, 8, 5);
  p.recurrent_kernel = random_matrix(2, 8, 6);
  p.bias = random_matrix(1, 8, 7);
  const Matrix<double> x = random_matrix(5, 3, 8);
  std::vector<double> h(2, 0.0), c(2, 0.0);
  Matrix<double> expected(5, 2);
  for (Eigen::Index t = 0; t < 5; ++t) {
    double a[8];
    for (int col = 0; col < 8; ++col) {
      a[col] = p.bias(0, col);
      for (int i = 0; i < 3; ++i) a[col] += x(t, i) * p.kernel(i, col);
      for (int j = 0; j < 2; ++j) a[col] += h[j] * p.recurrent_kernel(j, col);
    }
    for (int k = 0; k < 2; ++k) {
      c[k] = sigmoid(a[2 + k]) * c[k] + sigmoid(a[k]) * std::tanh(a[4 + k]);
      h[k] = sigmoid(a[6 + k]) * std::tanh(c[k]);
      expected(t, k) = h[k];
    }
  }
  EXPECT_LT((lstm_forward(p, x) - expected).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Bidirectional, BackwardDirectionReadsTheRealStepsLastToFirst) {
  EncoderConfig config{CellType::Gru, 3, true, MergeMode::Concat, true, Activation::Sigmoid};
  EncoderParams<double> e = make_encoder<double>(config, 4);
  auto& fw = std::get<GruParams<double>>(e.forward);
  auto& bw = std::get<GruParams<double>>(e.backward);
  fw.kernel = random_matrix(4, 9, 1);
  fw.recurrent_kernel = random_matrix(3, 9, 2);
  fw.bias = random_matrix(2, 9, 3);
  bw.kernel = random_matrix(4, 9, 4);
  bw.recurrent_kernel = random_matrix(3, 9, 5);
  bw.bias = random_matrix(2, 9, 6);
  const Matrix<double> x = random_matrix(5, 4, 7);
  const Matrix<double> out = encoder_forward(e, x);
  const Matrix<double> backward_on_reversed =
      gru_forward(bw, Matrix<double>(x.colwise().reverse()));
  ASSERT_EQ(out.cols(), 6);
  EXPECT_LT((out.leftCols(3) - gru_forward(fw, x)).cwiseAbs().maxCoeff(), 1e-12);
  // The backward output at the last step has seen only the last input.
  for (Eigen::Index t = 0; t < 5; ++t) {
    EXPECT_LT((out.row(t).tail(3) - backward_on_reversed.row(4 - t)).cwiseAbs().maxCoeff(), 1e-12);
  }

  for (MergeMode merge : {MergeMode::Sum, MergeMode::Ave, MergeMode::Mul}) {
    e.config.merge = merge;
    const Matrix<double> merged = encoder_forward(e, x);
    const Matrix<double> f = out.leftCols(3), b = out.rightCols(3);
    const Matrix<double> expected = merge == MergeMode::Sum   ? Matrix<double>(f + b)
                                    : merge == MergeMode::Ave ? Matrix<double>((f + b) / 2)
                                                              : Matrix<double>(f.cwiseProduct(b));
    EXPECT_LT((merged - expected).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(Han, WeightsSumToOneAndProbabilitiesAreADistribution) {
  for (CellType cell : {CellType::Gru, CellType::Lstm}) {
    const HanConfig c = testing::small_config(cell, cell);
    const HanParams<double> p = testing::random_params<double>(c, 11);
    const Document doc = {{2, 3, 4}, {5}, {6, 7, 1, 8, 9}};
    const HanOutput<double> out = han_forward(p, doc);
    EXPECT_NEAR(out.probabilities.sum(), 1.0, 1e-12);
    EXPECT_NEAR(out.sentence_weights.sum(), 1.0, 1e-12);
    for (const RowVector<double>& w : out.word_weights) EXPECT_NEAR(w.sum(), 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(out.word_weights[1][0], 1.0);
  }
}

TEST(Han, PaddingAndEmptySentencesChangeNothingAndGetExactlyZero) {
  const HanConfig c = testing::small_config(CellType::Gru, CellType::Lstm);
  const HanParams<double> p = testing::random_params<double>(c, 12);
  const HanOutput<double> plain = han_forward(p, {{2, 3, 4}, {5, 6}});
  const HanOutput<double> padded = han_forward(p, {{0, 2, 3, 0, 4, 0}, {0, 0}, {5, 6, 0}});
  EXPECT_LT((plain.probabilities - padded.probabilities).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(padded.word_weights[0][0], 0.0);
  EXPECT_EQ(padded.word_weights[0][3], 0.0);
  EXPECT_NEAR(padded.word_weights[0][1], plain.word_weights[0][0], 1e-12);
  EXPECT_NEAR(padded.word_weights[0][4], plain.word_weights[0][2], 1e-12);
  EXPECT_EQ(padded.sentence_weights[1], 0.0);
  EXPECT_EQ(padded.word_weights[1].cwiseAbs().sum(), 0.0);
  EXPECT_NEAR(padded.sentence_weights[2], plain.sentence_weights[1], 1e-12);
}

TEST(Han, EmptyDocumentGivesTheOutputBiasAlone) {
  const HanConfig c = testing::small_config();
  const HanParams<double> p = testing::random_params<double>(c, 13);
  const HanOutput<double> out = han_forward(p, {});
  const RowVector<double> expected = softmax<double>(p.output.bias.row(0));
  EXPECT_LT((out.probabilities - expected).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(out.sentence_weights.size(), 0);
}

TEST(Han, FloatAgreesWithDouble) {
  const HanConfig c = testing::small_config(CellType::Lstm, CellType::Gru);
  const HanParams<double> pd = testing::random_params<double>(c, 14);
  HanParams<float> pf = make_han<float>(c);
  HanParams<double> copy = pd;
  std::vector<Matrix<double>*> source;
  visit_han_params(copy,
                   [&](const std::string&, Matrix<double>& m, bool) { source.push_back(&m); });
  size_t i = 0;
  visit_han_params(
      pf, [&](const std::string&, Matrix<float>& m, bool) { m = source[i++]->cast<float>(); });
  const Document doc = {{2, 3, 4, 5, 6, 7, 8}, {9, 10}, {11, 2, 3}};
  const auto d = han_forward(pd, doc);
  const auto f = han_forward(pf, doc);
  EXPECT_LT((d.probabilities - f.probabilities.cast<double>()).cwiseAbs().maxCoeff(), 1e-5);
}

// The float path that runs documents together on the kernels (han_forward_batch) against the
// network layer by layer, one document at a time.
TEST(Han, DocumentsRunTogetherGiveWhatEachGivesAlone) {
  HanConfig c = testing::small_config();
  c.sentence_encoder = {CellType::Gru, 3, true, MergeMode::Concat, true, Activation::Sigmoid};
  ASSERT_TRUE(detail::runs_ragged(c));
  const std::vector<Document> docs = {{{2, 3, 4, 5, 6, 7, 8}, {9, 10}, {11, 2, 3}},
                                      {},
                                      {{0, 0}, {5}, {0, 6, 0, 7}},
                                      {{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}},
                                      {{4, 5}, {6, 7, 8, 9, 10, 11}, {2}, {3, 4, 5}}};
  for (bool bidirectional : {true, false}) {
    for (Activation activation : {Activation::Tanh, Activation::Relu, Activation::Linear}) {
      SCOPED_TRACE(::testing::Message() << bidirectional << " " << activation_name(activation));
      c.word_encoder.bidirectional = c.sentence_encoder.bidirectional = bidirectional;
      c.word_attention.activation = activation;
      c.sentence_attention.use_bias = activation != Activation::Tanh;
      const HanParams<float> p = testing::random_params<float>(c, 16);
      const std::vector<HanOutput<float>> together = han_forward_batch(p, docs);
      ASSERT_EQ(together.size(), docs.size());
      // The projection cache, filled by the first run (a row for each of the 10 distinct word
      // ids) and read by the second, changes nothing.
      InputProjectionCache cache(c);
      for (int run = 0; run < 2; ++run) {
        const std::vector<HanOutput<float>> cached = han_forward_batch(p, docs, {&cache});
        EXPECT_EQ(cache.filled_rows(), 10);
        for (size_t d = 0; d < docs.size(); ++d) {
          EXPECT_LT((cached[d].probabilities - together[d].probabilities).cwiseAbs().maxCoeff(),
                    1e-6)
              << "run " << run << ", document " << d;
        }
      }
      for (size_t d = 0; d < docs.size(); ++d) {
        const HanOutput<float> alone = detail::han_forward_layers(p, docs[d]);
        EXPECT_LT((together[d].probabilities - alone.probabilities).cwiseAbs().maxCoeff(), 1e-6);
        ASSERT_EQ(together[d].sentence_weights.size(), alone.sentence_weights.size());
        if (alone.sentence_weights.size() > 0) {
          EXPECT_LT((together[d].sentence_weights - alone.sentence_weights).cwiseAbs().maxCoeff(),
                    1e-6);
        }
        for (size_t s = 0; s < docs[d].size(); ++s) {
          EXPECT_LT((together[d].word_weights[s] - alone.word_weights[s]).cwiseAbs().maxCoeff(),
                    1e-6);
          for (size_t w = 0; w < docs[d][s].size(); ++w) {
            if (docs[d][s][w] == 0) EXPECT_EQ(together[d].word_weights[s][w], 0.0f);
          }
        }
        const HanOutput<float> one = han_forward(p, docs[d]);
        EXPECT_EQ(one.probabilities, together[d].probabilities) << "document " << d;
      }
    }
  }
}

// Threads that share one cache from empty, each running all documents, get what one thread gets
// without it: a row being written by one is computed on the side by the others.
TEST(Han, ThreadsShareTheProjectionCache) {
  HanConfig c = testing::small_config();
  c.sentence_encoder.reset_after = true;
  c.sentence_encoder.recurrent_activation = Activation::Sigmoid;
  ASSERT_TRUE(detail::runs_ragged(c));
  const HanParams<float> p = testing::random_params<float>(c, 17);
  std::vector<Document> docs;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int32_t> id(0, c.vocab_size - 1);
  for (int d = 0; d < 40; ++d) docs.push_back({{id(rng), id(rng), id(rng)}, {id(rng), id(rng)}});
  const std::vector<HanOutput<float>> expected = han_forward_batch(p, docs);
  InputProjectionCache cache(c);
  std::vector<std::vector<HanOutput<float>>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&] {
      for (const Document& doc : docs) result.push_back(han_forward(p, doc, {&cache}));
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& result : results) {
    for (size_t d = 0; d < docs.size(); ++d) {
      EXPECT_LT((result[d].probabilities - expected[d].probabilities).cwiseAbs().maxCoeff(), 1e-6);
    }
  }
}

TEST(Han, OutOfRangeIdIsAClearError) {
  const HanConfig c = testing::small_config();
  const HanParams<float> p = testing::random_params<float>(c, 15);
  try {
    han_forward(p, {{2, 99}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "word id 99 is outside the vocabulary of 12 words");
  }
  HanConfig ragged = c;
  ragged.sentence_encoder.reset_after = true;
  ragged.sentence_encoder.recurrent_activation = Activation::Sigmoid;
  ASSERT_TRUE(detail::runs_ragged(ragged));
  const HanParams<float> q = testing::random_params<float>(ragged, 15);
  try {
    han_forward_batch(q, {{{2, 3}}, {{4, -1}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "word id -1 is outside the vocabulary of 12 words");
  }
}

}  // namespace
}  // namespace han
