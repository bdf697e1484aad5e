// Limits: what one prediction reads (InputLimits, on top of the model's tokenizer limits) and what
// a loader accepts (ModelLimits). Past a limit: truncation flagged in the result, or an error that
// names the limit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "io/model_file.h"
#include "model/config.h"
#include "test_util.h"

namespace han {
namespace {

using Words = std::vector<std::string>;

Words words_of(const Prediction& p) {
  Words words;
  for (const SentenceAttention& s : p.sentences) {
    for (const WordAttention& w : s.words) words.push_back(w.text);
  }
  return words;
}

InputLimits no_limits() {
  return {0, 0, 0, 0};
}

class Limits : public ::testing::Test {
 protected:
  Model model = testing::random_model(testing::small_config(), 11);
};

TEST(TokenizerLimits, MaxWordsCountsTheWholeTextAndEndsAtTheLastKeptWord) {
  TokenizerConfig config;
  config.max_words = 3;
  const std::string text = "one two. three four. five.";
  const TokenizedText result = tokenize(text, config);
  EXPECT_TRUE(result.truncated);
  ASSERT_EQ(result.sentences.size(), 2u);
  EXPECT_EQ(result.sentences[1].words.size(), 1u);
  const TextSpan& last = result.sentences[1].span;
  EXPECT_EQ(text.substr(last.byte_start, last.byte_end - last.byte_start), "three");
}

TEST(TokenizerLimits, MaxWordsNotTruncatedWhenEveryWordFits) {
  TokenizerConfig config;
  config.max_words = 3;
  EXPECT_FALSE(tokenize("one two. three!", config).truncated);
}

TEST(TokenizerLimits, MaxWordsStopsEarlyOnHugeInput) {
  TokenizerConfig config;
  config.max_words = 2;
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "word ";
  const TokenizedText result = tokenize(text, config);
  ASSERT_EQ(result.sentences.size(), 1u);
  EXPECT_EQ(result.sentences[0].words.size(), 2u);
  EXPECT_TRUE(result.truncated);
}

TEST_F(Limits, TextPastMaxTextBytesIsNotRead) {
  InputLimits limits = no_limits();
  limits.max_text_bytes = 7;  // "w2 w3 w" of "w2 w3 w4. w5"
  const Prediction p = model.predict("w2 w3 w4. w5", limits);
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(words_of(p), (Words{"w2", "w3", "w"}));
  EXPECT_FALSE(model.predict("w2 w3 w", limits).truncated);
}

TEST_F(Limits, TextCutInsideACodePointEndsWithASeparator) {
  InputLimits limits = no_limits();
  limits.max_text_bytes = 6;  // "w2 é" and the first byte of the next "é"
  const Prediction p = model.predict("w2 ééé", limits);
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(words_of(p), (Words{"w2", "é"}));
}

TEST_F(Limits, SentenceAndWordLimitsTruncate) {
  InputLimits limits = no_limits();
  limits.max_sentences = 2;
  EXPECT_EQ(words_of(model.predict("w2. w3. w4.", limits)), (Words{"w2", "w3"}));
  limits = no_limits();
  limits.max_words = 2;
  const Prediction p = model.predict("w2 w3 w4. w5.", limits);
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(words_of(p), (Words{"w2", "w3"}));
  limits = no_limits();
  limits.max_words_per_sentence = 1;
  EXPECT_EQ(words_of(model.predict("w2 w3 w4. w5 w6.", limits)), (Words{"w2", "w5"}));
}

TEST_F(Limits, TheTighterOfTheModelsAndTheCallersLimitApplies) {
  model.tokenizer.max_sentences = 1;
  InputLimits limits = no_limits();
  limits.max_sentences = 5;
  EXPECT_EQ(model.predict("w2. w3. w4.", limits).sentences.size(), 1u);
  model.tokenizer.max_sentences = 5;
  limits.max_sentences = 2;
  EXPECT_EQ(model.predict("w2. w3. w4.", limits).sentences.size(), 2u);
}

TEST_F(Limits, ZeroMeansNoLimitAndTheDefaultsBoundASentence) {
  std::string text;
  for (int i = 0; i < 10'001; ++i) text += "w2 ";
  EXPECT_TRUE(model.predict(text).truncated);
  EXPECT_EQ(model.predict(text).sentences[0].words.size(), 10'000u);
  const Prediction unlimited = model.predict(text, no_limits());
  EXPECT_FALSE(unlimited.truncated);
  EXPECT_EQ(unlimited.sentences[0].words.size(), 10'001u);
}

TEST_F(Limits, TokenizerMaxWordsIsStoredInTheModelFile) {
  model.tokenizer.max_words = 3;
  model.set_golden_texts({"w2 w3 w4 w5. w6"});  // the limit changes what the model computes
  const std::vector<uint8_t> bytes = write_model(model);
  EXPECT_EQ(read_model(bytes.data(), bytes.size()).tokenizer.max_words, 3u);
}

std::string load_error(const std::vector<uint8_t>& bytes, const ModelLimits& limits) {
  LoadOptions options;
  options.limits = limits;
  try {
    read_model(bytes.data(), bytes.size(), options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(Limits, EveryModelLimitGivesAnErrorNamingIt) {
  const std::vector<uint8_t> bytes = write_model(model);
  const uint64_t parameters = han_parameter_count(model.config());
  ModelLimits limits;
  EXPECT_EQ(load_error(bytes, limits), "");

  limits = {};
  limits.max_file_bytes = bytes.size() - 1;
  EXPECT_EQ(load_error(bytes, limits), "the model file has " + std::to_string(bytes.size()) +
                                           " bytes, more than the limit of " +
                                           std::to_string(bytes.size() - 1));
  limits = {};
  limits.max_parameters = parameters - 1;
  EXPECT_EQ(load_error(bytes, limits), "configuration: " + std::to_string(parameters) +
                                           " weights, more than the limit of " +
                                           std::to_string(parameters - 1));
  limits = {};
  limits.max_vocabulary = 11;
  EXPECT_EQ(load_error(bytes, limits), "vocab_size: expected an integer from 2 to 11, found 12");
  limits = {};
  limits.max_dimension = 4;
  EXPECT_EQ(load_error(bytes, limits), "embedding_dim: expected an integer from 1 to 4, found 5");
  limits.max_dimension = 5;
  EXPECT_EQ(load_error(bytes, limits),
            "word_attention.units: expected an integer from 1 to 5, found 6");
  limits = {};
  limits.max_labels = 1;
  EXPECT_EQ(load_error(bytes, limits), "labels: expected an array of 1 to 1 strings");
}

TEST_F(Limits, AModelLimitPastTheFormatsBoundHasNoEffect) {
  ModelLimits limits;
  limits.max_dimension = 100'000;
  limits.max_file_bytes = uint64_t{1} << 40;
  nlohmann::json config = to_json(model.config());
  config["embedding_dim"] = 5000;
  try {
    han_config_from_json(config, 2, limits);
    ADD_FAILURE() << "accepted embedding_dim 5000";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "embedding_dim: expected an integer from 1 to 4096, found 5000");
  }
  EXPECT_THROW(check_file_size(uint64_t{1} << 32, limits), Error);
}

}  // namespace
}  // namespace han
