// Parity with the independent PyTorch reference (tests/reference/make_fixtures.py).
//
// Each fixture is a small random HAN written by the reference: <variant>.han holds the model and
// golden probabilities, <variant>.expected.json the float64 reference outputs of its texts (word
// ids, probabilities, sentence weights, word weights). Here the C++ must reproduce them: the
// float32 path within 1e-5, and the double path (the same float32 weights cast to double, the
// same arithmetic as the reference) within 1e-9, which shows the float path differs only by
// rounding.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/model_file.h"
#include "model/han.h"
#include "model/model.h"
#include "text/tokenizer.h"

#ifndef HAN_FIXTURE_DIR
#define HAN_FIXTURE_DIR "tests/fixtures"
#endif

namespace {

using nlohmann::json;

constexpr double kFloatTolerance = 1e-5;
constexpr double kDoubleTolerance = 1e-9;

std::string fixture_path(const std::string& variant, const std::string& suffix) {
  return std::string(HAN_FIXTURE_DIR) + "/" + variant + suffix;
}

json read_expected(const std::string& variant) {
  const std::string path = fixture_path(variant, ".expected.json");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return json::parse(in);
}

// The double twin of a float model: every weight cast, nothing else changed.
han::HanParams<double> to_double(const han::HanParams<float>& source) {
  han::HanParams<float> copy = source;  // visit_han_params needs a mutable reference
  std::map<std::string, const han::Matrix<float>*> by_name;
  han::visit_han_params(
      copy, [&](const std::string& name, han::Matrix<float>& m, bool) { by_name[name] = &m; });
  han::HanParams<double> out = han::make_han<double>(source.config);
  size_t visited = 0;
  han::visit_han_params(out, [&](const std::string& name, han::Matrix<double>& m, bool) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw std::runtime_error("no float tensor " + name);
    if (it->second->rows() != m.rows() || it->second->cols() != m.cols()) {
      throw std::runtime_error("shape mismatch for " + name);
    }
    m = it->second->cast<double>();
    ++visited;
  });
  if (visited != by_name.size()) throw std::runtime_error("tensor count mismatch");
  return out;
}

class ParityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // Loaded without the golden check here, so that a wrong number shows up below as the exact
    // output that differs; GoldenCasesPassAtLoad loads with the check.
    han::LoadOptions options;
    options.verify_golden = false;
    try {
      model_ = han::read_model_file(fixture_path(GetParam(), ".han"), options);
      expected_ = read_expected(GetParam());
    } catch (const std::exception& e) {
      FAIL() << GetParam() << ": " << e.what();
    }
    ASSERT_TRUE(expected_.contains("cases"));
    ASSERT_GE(expected_["cases"].size(), 1u);
  }

  void expect_float_predictions_match();

  han::Model model_;
  json expected_;
};

TEST_P(ParityTest, GoldenCasesPassAtLoad) {
  try {
    han::read_model_file(fixture_path(GetParam(), ".han"));  // the loader runs the golden cases
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(model_.golden_cases.size(), expected_["cases"].size());
  EXPECT_EQ(model_.golden_tolerance, kFloatTolerance);
  const han::GoldenReport report = model_.check_golden();
  EXPECT_EQ(report.failure, "");
  EXPECT_LE(report.max_abs_diff, kFloatTolerance);
}

TEST_P(ParityTest, TokenizerGivesReferenceIds) {
  for (const json& c : expected_["cases"]) {
    const std::string text = c["text"].get<std::string>();
    SCOPED_TRACE(text);
    const han::TokenizedText tokens = han::tokenize(text, model_.tokenizer);
    EXPECT_FALSE(tokens.truncated);
    const han::Document ids = model_.to_ids(tokens);
    const auto expected = c["ids"].get<std::vector<std::vector<int32_t>>>();
    EXPECT_EQ(ids, expected);
  }
}

// Without and then with the input projection cache (which only the variants on the ragged path
// make); the second pass over the cases reads rows that the first one filled.
TEST_P(ParityTest, FloatPredictionMatchesReference) {
  for (bool cached : {false, true}) {
    if (cached) model_.cache_input_projections();
    for (int pass = 0; pass < (cached ? 2 : 1); ++pass) {
      SCOPED_TRACE(::testing::Message() << "cache " << cached << ", pass " << pass);
      expect_float_predictions_match();
    }
  }
  // The one fixture on the ragged path is the one that has the cache, and used it.
  EXPECT_EQ(model_.projection_cache.value != nullptr, GetParam() == "gru_reset_after");
  if (model_.projection_cache.value) EXPECT_GT(model_.projection_cache.value->filled_rows(), 0);
}

void ParityTest::expect_float_predictions_match() {
  for (const json& c : expected_["cases"]) {
    const std::string text = c["text"].get<std::string>();
    SCOPED_TRACE(text);
    const han::Prediction p = model_.predict(text);
    const auto probabilities = c["probabilities"].get<std::vector<double>>();
    const auto sentence_weights = c["sentence_weights"].get<std::vector<double>>();
    const auto word_weights = c["word_weights"].get<std::vector<std::vector<double>>>();

    ASSERT_EQ(p.probabilities.size(), probabilities.size());
    for (size_t k = 0; k < probabilities.size(); ++k) {
      EXPECT_NEAR(p.probabilities[k], probabilities[k], kFloatTolerance) << "label " << k;
    }
    ASSERT_EQ(p.sentences.size(), sentence_weights.size());
    double sentence_sum = 0;
    for (size_t s = 0; s < sentence_weights.size(); ++s) {
      const han::SentenceAttention& sentence = p.sentences[s];
      EXPECT_NEAR(sentence.weight, sentence_weights[s], kFloatTolerance) << "sentence " << s;
      sentence_sum += sentence.weight;
      ASSERT_EQ(sentence.words.size(), word_weights[s].size()) << "sentence " << s;
      double word_sum = 0;
      for (size_t w = 0; w < word_weights[s].size(); ++w) {
        EXPECT_NEAR(sentence.words[w].weight, word_weights[s][w], kFloatTolerance)
            << "sentence " << s << " word " << w;
        word_sum += sentence.words[w].weight;
      }
      EXPECT_NEAR(word_sum, 1.0, kFloatTolerance) << "word weights of sentence " << s;
    }
    EXPECT_NEAR(sentence_sum, 1.0, kFloatTolerance) << "sentence weights";
  }
}

TEST_P(ParityTest, DoubleForwardMatchesReferenceExactly) {
  const han::HanParams<double> params = to_double(model_.params);
  for (const json& c : expected_["cases"]) {
    SCOPED_TRACE(c["text"].get<std::string>());
    const auto ids = c["ids"].get<han::Document>();
    const han::HanOutput<double> out = han::han_forward(params, ids);
    const auto probabilities = c["probabilities"].get<std::vector<double>>();
    const auto sentence_weights = c["sentence_weights"].get<std::vector<double>>();
    const auto word_weights = c["word_weights"].get<std::vector<std::vector<double>>>();

    ASSERT_EQ(static_cast<size_t>(out.probabilities.size()), probabilities.size());
    for (size_t k = 0; k < probabilities.size(); ++k) {
      EXPECT_NEAR(out.probabilities[static_cast<Eigen::Index>(k)], probabilities[k],
                  kDoubleTolerance)
          << "label " << k;
    }
    ASSERT_EQ(static_cast<size_t>(out.sentence_weights.size()), sentence_weights.size());
    ASSERT_EQ(out.word_weights.size(), word_weights.size());
    for (size_t s = 0; s < sentence_weights.size(); ++s) {
      EXPECT_NEAR(out.sentence_weights[static_cast<Eigen::Index>(s)], sentence_weights[s],
                  kDoubleTolerance)
          << "sentence " << s;
      ASSERT_EQ(static_cast<size_t>(out.word_weights[s].size()), word_weights[s].size());
      for (size_t w = 0; w < word_weights[s].size(); ++w) {
        EXPECT_NEAR(out.word_weights[s][static_cast<Eigen::Index>(w)], word_weights[s][w],
                    kDoubleTolerance)
            << "sentence " << s << " word " << w;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ParityTest,
                         ::testing::Values("gru_reset_after", "gru_reset_before", "lstm", "mixed",
                                           "unidirectional"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// A copy of a model starts without the cache, which belongs to the original's weights; a move
// (as into the WebAssembly bindings' LoadedModel) keeps it, filled rows included.
TEST(ModelProjectionCache, CopiesStartWithoutItAndMovesKeepIt) {
  han::Model model = han::read_model_file(fixture_path("gru_reset_after", ".han"));
  model.cache_input_projections();
  model.predict("alpha bravo. charlie!");
  ASSERT_NE(model.projection_cache.value, nullptr);
  const int32_t filled = model.projection_cache.value->filled_rows();
  EXPECT_EQ(filled, 3);
  const han::Model copy = model;
  EXPECT_EQ(copy.projection_cache.value, nullptr);
  const han::Model moved = std::move(model);
  ASSERT_NE(moved.projection_cache.value, nullptr);
  EXPECT_EQ(moved.projection_cache.value->filled_rows(), filled);
}

}  // namespace
