// Incremental re-prediction (the sentence cache), batches and threads: each must give exactly,
// bit for bit, what a from-scratch prediction of one document on one thread gives.
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "io/model_file.h"
#include "model/model.h"
#include "model/sentence_cache.h"
#include "test_util.h"

#ifndef HAN_FIXTURE_DIR
#define HAN_FIXTURE_DIR "tests/fixtures"
#endif

namespace han {
namespace {

// A small random model on the ragged path (the only one with the caches).
Model ragged_model() {
  HanConfig c = testing::small_config();
  c.sentence_encoder.reset_after = true;
  c.sentence_encoder.recurrent_activation = Activation::Sigmoid;
  EXPECT_TRUE(detail::runs_ragged(c));
  return testing::random_model(c, 21);
}

// Every number of two predictions, compared exactly.
void expect_identical(const Prediction& a, const Prediction& b) {
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.probabilities, b.probabilities);
  EXPECT_EQ(a.truncated, b.truncated);
  ASSERT_EQ(a.sentences.size(), b.sentences.size());
  for (size_t s = 0; s < a.sentences.size(); ++s) {
    EXPECT_EQ(a.sentences[s].weight, b.sentences[s].weight) << "sentence " << s;
    EXPECT_EQ(a.sentences[s].text, b.sentences[s].text);
    ASSERT_EQ(a.sentences[s].words.size(), b.sentences[s].words.size());
    for (size_t w = 0; w < a.sentences[s].words.size(); ++w) {
      EXPECT_EQ(a.sentences[s].words[w].weight, b.sentences[s].words[w].weight)
          << "sentence " << s << ", word " << w;
      EXPECT_EQ(a.sentences[s].words[w].span.byte_start, b.sentences[s].words[w].span.byte_start);
    }
  }
}

// A text of `sentences` random sentences over the words w2..w11 and some unknown ones.
std::string random_text(std::mt19937& rng, int sentences) {
  std::uniform_int_distribution<int> length(1, 9), word(0, 11);
  std::string text;
  for (int s = 0; s < sentences; ++s) {
    for (int w = length(rng); w > 0; --w) {
      const int k = word(rng);
      text += k < 2 ? "other" : "w" + std::to_string(k);
      text += w > 1 ? " " : ". ";
    }
  }
  return text;
}

TEST(SentenceCache, KeepsTheMostRecentlyUsedWithinItsBound) {
  const EncodedSentence value{{1, 2, 3, 4}, {0.5f, 0.5f}};
  const size_t entry = SentenceCache::entry_bytes({7, 8}, value);
  SentenceCache cache(3 * entry);
  cache.insert({1, 2}, value);
  cache.insert({3, 4}, value);
  cache.insert({5, 6}, value);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.bytes(), 3 * entry);
  EncodedSentence found;
  ASSERT_TRUE(cache.find({1, 2}, found));  // now the most recently used
  EXPECT_EQ(found.vector, value.vector);
  EXPECT_EQ(found.weights, value.weights);
  cache.insert({7, 8}, value);  // drops {3, 4}, the least recently used
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_LE(cache.bytes(), cache.max_bytes());
  EXPECT_FALSE(cache.find({3, 4}, found));
  EXPECT_TRUE(cache.find({1, 2}, found));
  EXPECT_TRUE(cache.find({5, 6}, found));
  EXPECT_TRUE(cache.find({7, 8}, found));
  EXPECT_FALSE(cache.find({1}, found));  // a prefix is another sentence

  // Inserting a sentence again replaces it and counts it once.
  cache.insert({7, 8}, EncodedSentence{{9, 9, 9, 9}, {1, 0}});
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_TRUE(cache.find({7, 8}, found));
  EXPECT_EQ(found.vector[0], 9.0f);

  // A sentence larger than the whole bound is not kept, and takes nothing else out.
  cache.insert(std::vector<int32_t>(10'000, 3), value);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(SentenceCache, AnEditReencodesOnlyTheChangedSentenceAndChangesNoNumber) {
  Model fresh = ragged_model();
  Model incremental = fresh;
  incremental.cache_sentences(Model::kDefaultSentenceCacheBytes);
  ASSERT_NE(incremental.sentence_cache.value, nullptr);

  const std::string text = "w2 w3 w4. w5 w6 w7! w8 w9? w10 w11 w2.";
  const Prediction first = incremental.predict(text);
  EXPECT_EQ(first.sentences_reused, 0u);
  expect_identical(first, fresh.predict(text));
  // The same text again: every sentence from the cache.
  const Prediction again = incremental.predict(text);
  EXPECT_EQ(again.sentences_reused, 4u);
  expect_identical(again, fresh.predict(text));
  // One word of the third sentence changed: three sentences reused.
  const std::string edited = "w2 w3 w4. w5 w6 w7! w8 w8? w10 w11 w2.";
  const Prediction p = incremental.predict(edited);
  EXPECT_EQ(p.sentences_reused, 3u);
  expect_identical(p, fresh.predict(edited));
  // The original with a sentence appended: its four sentences reused.
  const std::string appended = text + " w3 w3.";
  const Prediction q = incremental.predict(appended);
  EXPECT_EQ(q.sentences_reused, 4u);
  expect_identical(q, fresh.predict(appended));
  // The word ids are the key, not the text: other spacing and case reuse the sentences.
  EXPECT_EQ(incremental.predict("W2  w3 w4.\nw5 w6 w7!").sentences_reused, 2u);
  // A fresh model never reuses anything.
  EXPECT_EQ(fresh.predict(text).sentences_reused, 0u);
}

TEST(SentenceCache, RandomEditsAlwaysGiveTheFromScratchResult) {
  Model fresh = ragged_model();
  Model incremental = fresh;
  // A small bound, so that the edits also run with sentences dropped from the cache.
  incremental.cache_sentences(4096);
  std::mt19937 rng(5);
  std::string text = random_text(rng, 6);
  for (int step = 0; step < 300; ++step) {
    std::uniform_int_distribution<size_t> at(0, text.size());
    switch (rng() % 4) {
      case 0:
        text.insert(at(rng), random_text(rng, 1 + static_cast<int>(rng() % 3)));
        break;
      case 1: {
        const size_t from = at(rng);
        text.erase(from, std::min<size_t>(rng() % 20, text.size() - from));
        break;
      }
      case 2:
        text.insert(at(rng), std::string(1, static_cast<char>(rng() % 256)));  // any byte
        break;
      default:
        text.insert(at(rng), " w3 ");
    }
    SCOPED_TRACE(::testing::Message() << "step " << step);
    expect_identical(incremental.predict(text), fresh.predict(text));
    ASSERT_LE(incremental.sentence_cache.value->bytes(), 4096u);
  }
}

TEST(SentenceCache, StaysWithinItsBoundOnTheBundledModel) {
  Model model = read_model_file(std::string(HAN_FIXTURE_DIR) + "/../../models/imdb-sentiment.han");
  model.cache_input_projections();
  const size_t bound = 64 << 10;
  model.cache_sentences(bound);
  std::mt19937 rng(9);
  const std::vector<std::string> words = {"the", "film", "was",   "not", "good",   "bad",
                                          "and", "i",    "loved", "it",  "boring", "plot"};
  size_t reused = 0;
  for (int d = 0; d < 400; ++d) {
    std::string text;
    for (int s = 0; s < 5; ++s) {
      for (int w = 0; w < 3 + static_cast<int>(rng() % 8); ++w) text += words[rng() % 12] + " ";
      text += ". ";
    }
    text += "the film was good.";  // a sentence every document shares
    reused += model.predict(text).sentences_reused;
    ASSERT_LE(model.sentence_cache.value->bytes(), bound);
  }
  EXPECT_GT(model.sentence_cache.value->size(), 10u);
  EXPECT_GE(reused, 399u);  // at least the shared sentence, after the first document
}

TEST(PredictBatch, GivesWhatEachGivesAloneAndOnAnyNumberOfThreads) {
  Model reference = ragged_model();
  std::mt19937 rng(13);
  std::vector<std::string> texts;
  for (int d = 0; d < 30; ++d) texts.push_back(random_text(rng, 1 + d % 7));
  texts.push_back("");
  texts.push_back("w2 w3. w2 w3.");  // a sentence repeated within a document
  texts.push_back(texts[3]);         // and a document repeated within the batch
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<Prediction> expected;
  for (const std::string& text : texts) expected.push_back(reference.predict(text));

  for (size_t threads : {1, 2, 3}) {
    for (bool caches : {false, true}) {
      SCOPED_TRACE(::testing::Message() << threads << " threads, caches " << caches);
      Model model = reference;
      model.set_threads(threads);
      if (caches) model.cache_sentences(Model::kDefaultSentenceCacheBytes);
      for (int pass = 0; pass < 2; ++pass) {
        const std::vector<Prediction> batch = model.predict_batch(views);
        ASSERT_EQ(batch.size(), texts.size());
        for (size_t d = 0; d < texts.size(); ++d) {
          SCOPED_TRACE(::testing::Message() << "pass " << pass << ", document " << d);
          expect_identical(batch[d], expected[d]);
        }
      }
      for (size_t d = 0; d < texts.size(); ++d)
        expect_identical(model.predict(texts[d]), expected[d]);
    }
  }
}

TEST(PredictBatch, ThreadsAgreeWithOneThreadOnTheBundledModelWithItsProjectionCache) {
  Model one = read_model_file(std::string(HAN_FIXTURE_DIR) + "/../../models/imdb-sentiment.han");
  one.cache_input_projections();
  Model two = one;
  two.cache_input_projections();
  two.set_threads(2);
  // Long enough that the word level is split between the threads.
  std::string review;
  for (int s = 0; s < 40; ++s) {
    review += "The acting in scene " + std::to_string(s) +
              " was wonderful and the story kept me watching until the very end. ";
  }
  expect_identical(two.predict(review), one.predict(review));
  const std::string prefix = review.substr(0, 500);
  const std::vector<std::string_view> batch = {review, "Not bad.", prefix};
  const std::vector<Prediction> together = two.predict_batch(batch);
  for (size_t d = 0; d < batch.size(); ++d) expect_identical(together[d], one.predict(batch[d]));
}

TEST(PredictBatch, AnOutOfRangeIdOnThreadsIsAClearErrorAndThePoolStaysUsable) {
  Model model = ragged_model();
  model.set_threads(2);
  Document doc(40, std::vector<int32_t>(10, 3));
  doc[35][4] = 99;
  EXPECT_THROW(model.predict_ids(doc), Error);
  doc[35][4] = 4;
  const HanOutput<float> out = model.predict_ids(doc);
  Model plain = ragged_model();
  EXPECT_EQ(out.probabilities, plain.predict_ids(doc).probabilities);
}

}  // namespace
}  // namespace han
