#pragma once
// A complete model: the network plus everything needed to run it on raw text.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/worker_pool.h"
#include "model/han.h"
#include "model/int8_han.h"
#include "model/sentence_cache.h"
#include "text/tokenizer.h"

namespace han {

// Word <-> id. Ids 0 (padding) and 1 (unknown) are reserved and never looked up.
class Vocabulary {
 public:
  static constexpr int32_t kPadding = 0;
  static constexpr int32_t kUnknown = 1;

  Vocabulary() = default;
  // Throws han::Error on fewer than two entries or a duplicate word.
  explicit Vocabulary(std::vector<std::string> words);

  int32_t id(std::string_view word) const;  // kUnknown when absent
  const std::string& word(int32_t id) const { return words_.at(static_cast<size_t>(id)); }
  size_t size() const { return words_.size(); }
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int32_t> ids_;
};

// A text whose expected output is stored in the model file and checked at load.
struct GoldenCase {
  std::string text;
  std::vector<double> probabilities;
};

struct WordAttention {
  std::string text;  // the word as written in the input
  TextSpan span;
  int32_t id = 0;
  float weight = 0;
};

struct SentenceAttention {
  std::string text;  // the sentence as written in the input
  TextSpan span;
  float weight = 0;
  std::vector<WordAttention> words;
};

struct Prediction {
  size_t label = 0;  // index of the most probable label
  std::vector<float> probabilities;
  bool truncated = false;       // the tokenizer's limits dropped part of the text
  size_t sentences_reused = 0;  // sentences whose word level came from the sentence cache
  std::vector<SentenceAttention> sentences;
};

// Bounds on what one prediction reads, on top of the model's own tokenizer limits: they keep its
// time and memory in proportion to them whatever text arrives (docs/reliability.md). Zero means
// no limit. Past a limit the rest of the text is not read and the prediction says `truncated`.
struct InputLimits {
  size_t max_text_bytes = size_t{16} << 20;  // cut at a code point boundary
  size_t max_sentences = 100'000;
  size_t max_words = 1'000'000;  // in the whole text
  size_t max_words_per_sentence = 10'000;
};

struct GoldenReport {
  size_t cases = 0;
  double max_abs_diff = 0;
  std::string failure;  // empty when every case is within tolerance
};

// How a tensor is stored in the model file; in memory every weight is float32.
enum class StorageType : uint8_t {
  Float32 = 1,
  Float16 = 2,
  Int8 = 3,         // per-row float32 scales, matrices only
  Int8Columns = 4,  // per-column float32 scales: the matrices of a model that computes in int8
};

// What the network's large products compute in (model/int8_han.h): the model's choice, recorded
// in its file.
enum class ComputeType : uint8_t { Float32, Int8 };

// A Model member that copies as empty: a copy of a model starts without the caches of the
// original, which were made for the original's weights, and without its threads. Moving keeps
// it, with the weights.
template <typename T>
class NotCopied {
 public:
  NotCopied() = default;
  NotCopied(const NotCopied&) {}
  NotCopied& operator=(const NotCopied&) {
    value.reset();
    return *this;
  }
  NotCopied(NotCopied&&) noexcept = default;
  NotCopied& operator=(NotCopied&&) noexcept = default;
  std::unique_ptr<T> value;
};

struct Model {
  HanParams<float> params;
  std::map<std::string, StorageType> storage;  // by tensor name; absent means Float32
  TokenizerConfig tokenizer;
  Vocabulary vocabulary;
  std::vector<std::string> labels;
  std::vector<GoldenCase> golden_cases;
  double golden_tolerance = 1e-4;
  std::string metadata_json = "{}";  // free-form JSON object kept with the model
  // With ComputeType::Int8, the matrices of the large products packed for the integer kernels;
  // null for float32. Shared by copies, which have the same weights.
  std::shared_ptr<const Int8Han> int8;
  NotCopied<InputProjectionCache> projection_cache;
  NotCopied<SentenceCache> sentence_cache;
  NotCopied<WorkerPool> pool;

  // The default bound of the sentence cache: about 5,000 sentences of the bundled model.
  static constexpr size_t kDefaultSentenceCacheBytes = size_t{4} << 20;

  const HanConfig& config() const { return params.config; }
  ComputeType compute() const { return int8 ? ComputeType::Int8 : ComputeType::Float32; }
  // From now on the large products compute in `type`. To int8, the weights they use are rounded
  // first (round_to_int8), so that the float code paths (gradients, training) see the same
  // weights; throws han::Error for a network off the ragged path (detail::runs_ragged: GRU
  // encoders with reset_after and a sigmoid, concatenated). Clears the caches.
  void set_compute(ComputeType type);
  // What a prediction runs with: the caches, threads and int8 weights the model has.
  RaggedOptions ragged_options() const;
  // The same without the sentence cache and threads: for callers that run many variants of a
  // document (the explanations), which would only churn the model's cache.
  RaggedOptions network_options() const;
  Document to_ids(const TokenizedText& tokens) const;
  Prediction predict(std::string_view text, const InputLimits& limits = {}) const;
  // predict on each text; the documents run together (han_forward_batch), with the same results
  // as one at a time.
  std::vector<Prediction> predict_batch(const std::vector<std::string_view>& texts,
                                        const InputLimits& limits = {}) const;
  // The network on word ids (0 is padding), without the tokenizer.
  HanOutput<float> predict_ids(const Document& doc) const;
  // From now on, predictions look the word encoder's input projections up per word id
  // (InputProjectionCache: vocabulary × 6 units floats, filled as words are seen) instead of
  // computing them. Call it once the weights are final, before predicting from several threads;
  // changing the weights afterwards needs another call. Does nothing for networks that do not
  // run on the ragged path (detail::runs_ragged).
  void cache_input_projections();
  // From now on, predictions keep the word level of the sentences they encode, up to `max_bytes`
  // (SentenceCache; least recently used first out), and encode only the sentences it does not
  // have: an edit of one sentence re-encodes that sentence. 0 turns the cache off. The same
  // conditions as cache_input_projections apply, and the results are the same bit for bit.
  void cache_sentences(size_t max_bytes);
  // Predictions encode the sentences of a document, and of a batch, on `threads` threads (a pool
  // kept until the next call; 1: on the calling thread). The results are the same bit for bit.
  void set_threads(size_t threads);
  // True once a thread of the pool held its part of a prediction past WorkerPool's stall wait (its
  // Web Worker has probably stopped): that prediction, and every one after, ran on one thread.
  bool threads_stalled() const { return pool.value && pool.value->stalled(); }
  GoldenReport check_golden() const;
  // Replaces the golden cases with these texts and the model's own current predictions.
  void set_golden_texts(const std::vector<std::string>& texts);
};

}  // namespace han
