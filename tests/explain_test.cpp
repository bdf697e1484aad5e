// Attributions and their faithfulness (src/explain/): gradient × input and integrated gradients
// against PyTorch autograd (tests/reference/make_explain_fixtures.py), occlusion against editing
// the text and predicting again, and the identities that comprehensiveness and sufficiency obey.
#include <cmath>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "explain/faithfulness.h"
#include "explain/gradient_attribution.h"
#include "io/model_file.h"

#ifndef HAN_FIXTURE_DIR
#define HAN_FIXTURE_DIR "tests/fixtures"
#endif

namespace {

using nlohmann::json;
namespace ex = han::explain;

constexpr double kReferenceTolerance = 1e-5;
const char* const kVariants[] = {"gru_reset_after", "gru_reset_before", "lstm", "mixed",
                                 "unidirectional"};

han::Model load(const std::string& variant) {
  return han::read_model_file(std::string(HAN_FIXTURE_DIR) + "/" + variant + ".han");
}

const json& reference() {
  static const json j = [] {
    const std::string path = std::string(HAN_FIXTURE_DIR) + "/explain.expected.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return json::parse(in);
  }();
  return j;
}

// Every word's weight of an explanation, in reading order.
std::vector<double> word_weights(const han::Prediction& p) {
  std::vector<double> out;
  for (const han::SentenceAttention& s : p.sentences) {
    for (const han::WordAttention& w : s.words) out.push_back(w.weight);
  }
  return out;
}

std::vector<double> flatten(const json& per_sentence) {
  std::vector<double> out;
  for (const json& s : per_sentence) {
    for (const json& w : s) out.push_back(w.get<double>());
  }
  return out;
}

// Every method, the gradient ones included (the CLI's and Python's explain).
ex::Explanation explain(const han::Model& model, const std::string& text,
                        const ex::Options& options) {
  return ex::explain(model, text, options, {}, ex::attribute_with_gradients);
}

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected,
                     double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance) << what << ", word " << i;
  }
}

TEST(Explain, GradientTimesInputMatchesPyTorch) {
  for (const char* variant : kVariants) {
    const han::Model model = load(variant);
    for (const json& c : reference()["variants"][variant]) {
      const ex::Explanation e =
          explain(model, c["text"].get<std::string>(), {ex::Method::GradientInput});
      const std::string what = std::string(variant) + ": " + c["text"].get<std::string>();
      EXPECT_EQ(e.prediction.label, c["label"].get<size_t>()) << what;
      expect_near_all(word_weights(e.prediction), flatten(c["gradient_input"]), kReferenceTolerance,
                      what);
    }
  }
}

TEST(Explain, IntegratedGradientsMatchPyTorch) {
  const int steps = reference()["steps"].get<int>();
  for (const char* variant : kVariants) {
    const han::Model model = load(variant);
    for (const json& c : reference()["variants"][variant]) {
      const ex::Explanation e =
          explain(model, c["text"].get<std::string>(), {ex::Method::IntegratedGradients, steps});
      const std::string what = std::string(variant) + ": " + c["text"].get<std::string>();
      const std::vector<double> expected = flatten(c["integrated_gradients"]);
      expect_near_all(word_weights(e.prediction), expected, kReferenceTolerance, what);
      EXPECT_NEAR(e.baseline_probability, c["baseline_probability"].get<double>(),
                  kReferenceTolerance)
          << what;
      // The completeness error the C++ reports is the reference's own, to rounding.
      const double reference_error =
          std::abs(std::accumulate(expected.begin(), expected.end(), 0.0) -
                   (c["probability"].get<double>() - c["baseline_probability"].get<double>()));
      EXPECT_NEAR(e.completeness_error, reference_error, 1e-4) << what;
      // A sentence's attribution is the sum of its words'.
      for (const han::SentenceAttention& s : e.prediction.sentences) {
        double sum = 0;
        for (const han::WordAttention& w : s.words) sum += w.weight;
        EXPECT_NEAR(s.weight, sum, 1e-6) << what;
      }
    }
  }
}

// Σ attributions = p(y | x) - p(y | 0) up to the midpoint rule's error, which falls as the steps
// grow (by about 4x per doubling, the rule being second order).
TEST(Explain, IntegratedGradientsAreCompleteWithinTheirTolerance) {
  for (const char* variant : kVariants) {
    const han::Model model = load(variant);
    for (const json& c : reference()["variants"][variant]) {
      const std::string text = c["text"].get<std::string>();
      const double coarse =
          explain(model, text, {ex::Method::IntegratedGradients, 8}).completeness_error;
      const double fine =
          explain(model, text, {ex::Method::IntegratedGradients, 64}).completeness_error;
      EXPECT_LT(fine, 2e-3) << variant << ": " << text;
      EXPECT_LE(fine, coarse + 1e-6) << variant << ": " << text;
    }
  }
}

// Removing one word (or sentence) from the text and predicting again gives the occlusion value,
// on the sentence-at-a-time path (gru_reset_after) and the whole-document one (the others).
TEST(Explain, OcclusionIsTheChangeWhenTheTextLosesTheWord) {
  for (const char* variant : kVariants) {
    const han::Model model = load(variant);
    // A one-word sentence (removing its word removes it), and more variants than one batch.
    std::string long_text;
    for (int i = 0; i < 14; ++i)
      long_text += "echo foxtrot golf hotel india juliett kilo lima mike. ";
    for (const std::string& text :
         {std::string("alpha bravo charlie. delta! foxtrot golf hotel india?"), long_text}) {
      const ex::Explanation e = explain(model, text, {ex::Method::Occlusion});
      const size_t y = e.prediction.label;
      const double p = e.prediction.probabilities[y];
      for (const han::SentenceAttention& s : e.prediction.sentences) {
        for (const han::WordAttention& w : s.words) {
          const std::string edited =
              text.substr(0, w.span.byte_start) + text.substr(w.span.byte_end);
          EXPECT_NEAR(w.weight, p - model.predict(edited).probabilities[y], 1e-6)
              << variant << ": without " << w.text;
        }
        const std::string edited = text.substr(0, s.span.byte_start) + text.substr(s.span.byte_end);
        EXPECT_NEAR(s.weight, p - model.predict(edited).probabilities[y], 1e-6)
            << variant << ": without " << s.text;
      }
    }
  }
}

TEST(Explain, AttentionMethodsAreThePredictionsWeights) {
  const han::Model model = load("gru_reset_after");
  const std::string text = "alpha bravo charlie. delta echo! foxtrot golf hotel india?";
  const han::Prediction p = model.predict(text);
  const ex::Explanation both = explain(model, text, {ex::Method::Attention});
  const ex::Explanation word = explain(model, text, {ex::Method::WordAttention});
  const ex::Explanation sentence = explain(model, text, {ex::Method::SentenceAttention});
  for (size_t s = 0; s < p.sentences.size(); ++s) {
    EXPECT_FLOAT_EQ(both.prediction.sentences[s].weight, p.sentences[s].weight);
    for (size_t w = 0; w < p.sentences[s].words.size(); ++w) {
      const float wt = p.sentences[s].words[w].weight;
      EXPECT_FLOAT_EQ(both.prediction.sentences[s].words[w].weight, wt * p.sentences[s].weight);
      EXPECT_FLOAT_EQ(word.prediction.sentences[s].words[w].weight, wt);
      EXPECT_FLOAT_EQ(sentence.prediction.sentences[s].words[w].weight, p.sentences[s].weight);
    }
  }
}

TEST(Faithfulness, ComprehensivenessOfNoWordsIsZeroAndOfAllWordsTheEmptyDocumentsChange) {
  for (const char* variant : kVariants) {
    const han::Model model = load(variant);
    for (const json& c : reference()["variants"][variant]) {
      const std::string text = c["text"].get<std::string>();
      const han::Prediction p = model.predict(text);
      const han::Document doc = ex::prediction_ids(p);
      const ex::Attribution a = ex::attribute(model.params, doc, {ex::Method::Occlusion});
      const std::vector<ex::WordIndex> ranking = ex::rank_words(doc, a);
      const ex::Erasure e =
          ex::erase_top_words(model.params, doc, p.label, ranking, {0, ranking.size()});
      const double empty = model.predict("").probabilities[p.label];
      EXPECT_EQ(e.comprehensiveness[0], 0.0) << variant << ": " << text;
      EXPECT_NEAR(e.comprehensiveness[1], p.probabilities[p.label] - empty, 1e-6) << text;
      EXPECT_NEAR(e.sufficiency[0], p.probabilities[p.label] - empty, 1e-6) << text;
      EXPECT_EQ(e.sufficiency[1], 0.0) << variant << ": " << text;
    }
  }
}

TEST(Faithfulness, ErasingTheTopWordsIsErasingThemFromTheText) {
  const han::Model model = load("lstm");
  const std::string text = "alpha bravo charlie. delta echo! foxtrot golf hotel india?";
  const han::Prediction p = model.predict(text);
  const han::Document doc = ex::prediction_ids(p);
  const ex::Attribution a =
      ex::attribute_with_gradients(model.params, doc, {ex::Method::GradientInput});
  const std::vector<ex::WordIndex> ranking = ex::rank_words(doc, a);
  for (size_t i = 1; i < ranking.size(); ++i) {  // highest first
    EXPECT_GE(a.words[ranking[i - 1].sentence][ranking[i - 1].word],
              a.words[ranking[i].sentence][ranking[i].word]);
  }
  const ex::Erasure e = ex::erase_top_words(model.params, doc, p.label, ranking, {2});
  std::string edited = text;  // blank the two words out, last first so the offsets hold
  std::vector<han::TextSpan> spans;
  for (size_t i = 0; i < 2; ++i)
    spans.push_back(p.sentences[ranking[i].sentence].words[ranking[i].word].span);
  if (spans[0].byte_start < spans[1].byte_start) std::swap(spans[0], spans[1]);
  for (const han::TextSpan& s : spans) edited.erase(s.byte_start, s.byte_end - s.byte_start);
  EXPECT_NEAR(e.comprehensiveness[0],
              p.probabilities[p.label] - model.predict(edited).probabilities[p.label], 1e-6);
}

TEST(Faithfulness, TopCountsAndRandomRanking) {
  EXPECT_EQ(ex::top_counts(300, ex::aopc_fractions()), (std::vector<size_t>{3, 15, 30, 60, 150}));
  EXPECT_EQ(ex::top_counts(7, ex::aopc_fractions()), (std::vector<size_t>{1, 1, 1, 2, 4}));
  EXPECT_EQ(ex::top_counts(0, ex::aopc_fractions()), (std::vector<size_t>{0, 0, 0, 0, 0}));
  const han::Document doc = {{5, 0, 6}, {}, {7, 8}};
  const std::vector<ex::WordIndex> r = ex::random_ranking(doc, 3);
  ASSERT_EQ(r.size(), 4u);
  std::vector<int32_t> seen;
  for (const ex::WordIndex& w : r) seen.push_back(doc[w.sentence][w.word]);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int32_t>{5, 6, 7, 8}));
}

TEST(Explain, MethodNamesAndBadOptions) {
  for (ex::Method m : ex::all_methods()) EXPECT_EQ(ex::parse_method(ex::method_name(m)), m);
  try {
    ex::parse_method("shap");
    FAIL() << "no error";
  } catch (const han::Error& e) {
    EXPECT_NE(std::string(e.what()).find("integrated-gradients"), std::string::npos);
  }
  const han::Model model = load("gru_reset_after");
  EXPECT_THROW(explain(model, "alpha.", {ex::Method::IntegratedGradients, 0}), han::Error);
  // No words: every method gives an empty explanation, not an error.
  for (ex::Method m : ex::all_methods()) {
    EXPECT_TRUE(explain(model, "   ", {m}).prediction.sentences.empty());
  }
}

// hancore alone (the inference .wasm) has no backward pass: it says so instead of linking one.
TEST(Explain, TheInferenceLibrarySaysGradientMethodsNeedTheBackwardPass) {
  const han::Model model = load("lstm");
  const han::Document doc = ex::prediction_ids(model.predict("alpha bravo."));
  for (ex::Method m : {ex::Method::GradientInput, ex::Method::IntegratedGradients}) {
    ASSERT_TRUE(ex::needs_gradients(m));
    try {
      ex::attribute(model.params, doc, {m});
      ADD_FAILURE() << ex::method_name(m) << " ran without the backward pass";
    } catch (const han::Error& e) {
      EXPECT_NE(std::string(e.what()).find(ex::method_name(m)), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("backward pass"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(ex::needs_gradients(ex::Method::Occlusion));
  EXPECT_EQ(ex::attribute(model.params, doc, {ex::Method::Occlusion}).words,
            ex::attribute_with_gradients(model.params, doc, {ex::Method::Occlusion}).words);
}

}  // namespace
