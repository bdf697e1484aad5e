#pragma once
// The Hierarchical Attention Network (Yang et al., NAACL 2016) on ragged input:
//   word vectors -> word encoder -> word attention   => one vector per sentence
//   sentence vectors -> sentence encoder -> sentence attention => one vector per document
//   document vector -> dense output
// Every sentence and document runs at its true length; padding is never computed.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "layers/attention.h"
#include "layers/dense.h"
#include "layers/embedding.h"
#include "layers/encoder.h"

namespace han {

struct HanConfig {
  int vocab_size = 0;
  int embedding_dim = 0;
  EncoderConfig word_encoder;
  AttentionConfig word_attention;
  EncoderConfig sentence_encoder;
  AttentionConfig sentence_attention;
  Activation output_activation = Activation::Softmax;
  int num_labels = 0;
};

template <typename T>
struct HanParams {
  HanConfig config;
  Matrix<T> embedding;  // vocab_size x embedding_dim
  EncoderParams<T> word_encoder;
  AttentionParams<T> word_attention;
  EncoderParams<T> sentence_encoder;
  AttentionParams<T> sentence_attention;
  DenseParams<T> output;
};

// Zero-filled parameters of the shapes `config` implies.
template <typename T>
HanParams<T> make_han(const HanConfig& c) {
  const int word_dim = c.word_encoder.output_dim();
  const int sentence_dim = c.sentence_encoder.output_dim();
  return {c,
          Matrix<T>::Zero(c.vocab_size, c.embedding_dim),
          make_encoder<T>(c.word_encoder, c.embedding_dim),
          make_attention<T>(c.word_attention, word_dim),
          make_encoder<T>(c.sentence_encoder, word_dim),
          make_attention<T>(c.sentence_attention, sentence_dim),
          make_dense<T>(c.output_activation, sentence_dim, c.num_labels)};
}

// Calls visit(name, matrix, is_vector) for every weight, with the tensor names of the model file
// format (docs/model-format.md). The one place that knows the names: loading, saving, counting
// and optimisers all go through it. Vectors are stored as 1 x n matrices.
template <typename T, typename Visitor>
void visit_han_params(HanParams<T>& p, Visitor&& visit) {
  visit("embedding", p.embedding, false);
  visit_encoder_params(p.word_encoder, prefixed_visitor("word_encoder", visit));
  visit_attention_params(p.word_attention, prefixed_visitor("word_attention", visit));
  visit_encoder_params(p.sentence_encoder, prefixed_visitor("sentence_encoder", visit));
  visit_attention_params(p.sentence_attention, prefixed_visitor("sentence_attention", visit));
  visit_dense_params(p.output, prefixed_visitor("output", visit));
}

// The number of weights `config` implies, computed without allocating them: the loader checks it
// against the file before it allocates anything.
inline uint64_t han_parameter_count(const HanConfig& c) {
  auto encoder = [](const EncoderConfig& e, uint64_t input) -> uint64_t {
    const uint64_t u = static_cast<uint64_t>(e.units), g = static_cast<uint64_t>(e.gate_count());
    const uint64_t bias_rows = e.cell == CellType::Gru && e.reset_after ? 2 : 1;
    return (e.bidirectional ? 2 : 1) * (input * g * u + u * g * u + bias_rows * g * u);
  };
  auto attention = [](const AttentionConfig& a, uint64_t input) -> uint64_t {
    const uint64_t units = static_cast<uint64_t>(a.units);
    return input * units + (a.use_bias ? units : 0) + units;
  };
  const uint64_t word_dim = static_cast<uint64_t>(c.word_encoder.output_dim());
  const uint64_t sentence_dim = static_cast<uint64_t>(c.sentence_encoder.output_dim());
  const uint64_t labels = static_cast<uint64_t>(c.num_labels);
  return static_cast<uint64_t>(c.vocab_size) * static_cast<uint64_t>(c.embedding_dim) +
         encoder(c.word_encoder, static_cast<uint64_t>(c.embedding_dim)) +
         attention(c.word_attention, word_dim) + encoder(c.sentence_encoder, word_dim) +
         attention(c.sentence_attention, sentence_dim) + sentence_dim * labels + labels;
}

// A document: sentences of word ids. Id 0 is padding: it gets weight 0 and is skipped, and a
// sentence with no real word is skipped the same way at the sentence level.
using Document = std::vector<std::vector<int32_t>>;

template <typename T>
struct HanOutput {
  RowVector<T> probabilities;
  RowVector<T> sentence_weights;           // one per sentence of the input
  std::vector<RowVector<T>> word_weights;  // one row per sentence, one weight per word
  size_t sentences_reused = 0;             // sentences whose word level the SentenceCache gave
};

namespace detail {

// The real (non-padding) words of a sentence and where they stand in it.
struct RealWords {
  std::vector<int32_t> ids;
  std::vector<size_t> positions;
};

inline RealWords real_words(const std::vector<int32_t>& ids) {
  RealWords real;
  for (size_t w = 0; w < ids.size(); ++w) {
    if (ids[w] == 0) continue;
    real.ids.push_back(ids[w]);
    real.positions.push_back(w);
  }
  return real;
}

// The network layer by layer, one sentence at a time: any configuration, any scalar type.
template <typename T>
HanOutput<T> han_forward_layers(const HanParams<T>& p, const Document& doc) {
  const int word_dim = p.config.word_encoder.output_dim();
  const int sentence_dim = p.config.sentence_encoder.output_dim();
  HanOutput<T> out;
  out.word_weights.resize(doc.size());
  out.sentence_weights = RowVector<T>::Zero(static_cast<Eigen::Index>(doc.size()));

  std::vector<size_t> real_sentences;
  Matrix<T> sentence_vectors(static_cast<Eigen::Index>(doc.size()), word_dim);
  for (size_t s = 0; s < doc.size(); ++s) {
    out.word_weights[s] = RowVector<T>::Zero(static_cast<Eigen::Index>(doc[s].size()));
    const detail::RealWords words = detail::real_words(doc[s]);
    if (words.ids.empty()) continue;
    const Matrix<T> states =
        encoder_forward(p.word_encoder, embedding_lookup(p.embedding, words.ids));
    const AttentionOutput<T> attention = attention_forward(p.word_attention, states);
    for (size_t k = 0; k < words.positions.size(); ++k) {
      out.word_weights[s][static_cast<Eigen::Index>(words.positions[k])] =
          attention.weights[static_cast<Eigen::Index>(k)];
    }
    sentence_vectors.row(static_cast<Eigen::Index>(real_sentences.size())) = attention.pooled;
    real_sentences.push_back(s);
  }

  RowVector<T> document = RowVector<T>::Zero(sentence_dim);
  if (!real_sentences.empty()) {
    const Matrix<T> states = encoder_forward(
        p.sentence_encoder,
        Matrix<T>(sentence_vectors.topRows(static_cast<Eigen::Index>(real_sentences.size()))));
    const AttentionOutput<T> attention = attention_forward(p.sentence_attention, states);
    for (size_t k = 0; k < real_sentences.size(); ++k) {
      out.sentence_weights[static_cast<Eigen::Index>(real_sentences[k])] =
          attention.weights[static_cast<Eigen::Index>(k)];
    }
    document = attention.pooled;
  }
  out.probabilities = dense_forward(p.output, document);
  return out;
}

// The layers the ragged path (han_forward_ragged) runs: GRU encoders with reset_after and
// sigmoid, concatenated when bidirectional, and attention activations the kernels know.
inline bool runs_ragged(const HanConfig& c) {
  auto encoder = [](const EncoderConfig& e) {
    return e.cell == CellType::Gru && e.reset_after &&
           e.recurrent_activation == Activation::Sigmoid &&
           (!e.bidirectional || e.merge == MergeMode::Concat);
  };
  auto attention = [](const AttentionConfig& a) {
    return a.activation == Activation::Tanh || a.activation == Activation::Linear ||
           a.activation == Activation::Relu;
  };
  return encoder(c.word_encoder) && encoder(c.sentence_encoder) && attention(c.word_attention) &&
         attention(c.sentence_attention);
}

}  // namespace detail

// The word encoder's input projections of each vocabulary word, computed once per word id:
//   row(id) = [e_id W_fw + b_fw, e_id W_bw + b_bw]   (3 units values per direction)
// where e_id is the word's embedding. They are all the word level needs of the embedding, so with
// the cache the largest product of the network (every word times a 200 x 300 matrix in the
// reference model) becomes a lookup. Rows are filled the first time a word is seen. The memory,
// vocabulary × 2 directions × 3 units floats (36 MB for 30,000 words and 50 units), is reserved
// when the cache is made and left uninitialised, so only the pages of words seen are touched. It
// is only valid while the weights stay as they were then.
struct Int8Han;

class InputProjectionCache {
 public:
  // For parameters of this configuration, which must run on the ragged path
  // (detail::runs_ragged).
  explicit InputProjectionCache(const HanConfig& c)
      : width_(c.word_encoder.output_dim() * 3),
        rows_(new float[static_cast<size_t>(c.vocab_size) * static_cast<size_t>(width_)]),
        vocab_size_(c.vocab_size),
        state_(std::make_unique<std::atomic<uint8_t>[]>(static_cast<size_t>(c.vocab_size))) {
    for (int32_t id = 0; id < c.vocab_size; ++id) state_[static_cast<size_t>(id)].store(kEmpty);
  }

  // Floats per row: 3 units per direction.
  int width() const { return width_; }

  // How many words have their row filled.
  int32_t filled_rows() const {
    int32_t filled = 0;
    for (int32_t id = 0; id < vocab_size_; ++id) {
      filled += state_[static_cast<size_t>(id)].load(std::memory_order_relaxed) == kReady;
    }
    return filled;
  }

  // The projections of word `id` (in the vocabulary, not checked here) under `p` (with `int8`,
  // its int8 weights), always the same parameters. Safe to call from several threads: a row is
  // written by one of them, and a thread that finds it being written computes it into `scratch`
  // (width() floats) instead of waiting.
  const float* row(const HanParams<float>& p, const Int8Han* int8, int32_t id, float* scratch) {
    std::atomic<uint8_t>& state = state_[static_cast<size_t>(id)];
    float* row = rows_.get() + static_cast<size_t>(id) * static_cast<size_t>(width_);
    if (state.load(std::memory_order_acquire) == kReady) return row;
    uint8_t expected = kEmpty;
    if (!state.compare_exchange_strong(expected, kWriting, std::memory_order_acquire)) {
      if (expected == kReady) return row;
      compute(p, int8, id, scratch);
      return scratch;
    }
    compute(p, int8, id, row);
    state.store(kReady, std::memory_order_release);
    return row;
  }

 private:
  static constexpr uint8_t kEmpty = 0, kWriting = 1, kReady = 2;

  // In han_ragged.cpp, beside the word level's other products.
  static void compute(const HanParams<float>& params, const Int8Han* int8, int32_t id, float* out);

  int width_;
  std::unique_ptr<float[]> rows_;
  int32_t vocab_size_;
  std::unique_ptr<std::atomic<uint8_t>[]> state_;
};

class SentenceCache;
class WorkerPool;

// What the float path may use besides the weights, each optional (null): caches made for these
// same weights, and threads, none of which changes the result; and the int8 weights of a model
// that computes in int8 (model/int8_han.h), which does: its large products run in integers.
struct RaggedOptions {
  InputProjectionCache* projections = nullptr;  // the word encoder's input products as lookups
  SentenceCache* sentences = nullptr;           // the word level of sentences seen before
  WorkerPool* pool = nullptr;                   // the word level of a batch's sentences in parallel
  const Int8Han* int8 = nullptr;                // these weights packed for the integer products
};

namespace detail {

// han_forward of several documents at once for float, on the kernels (han_ragged.cpp): the word
// level runs every sentence of every document (that the sentence cache does not have) as one
// ragged batch, or one per thread of the pool (one input product for all words, the recurrences
// stepped together), then the sentence level every document as one.
// For configurations that runs_ragged accepts, on docs[0, count).
std::vector<HanOutput<float>> han_forward_ragged(const HanParams<float>& p, const Document* docs,
                                                 size_t count, const RaggedOptions& options);

}  // namespace detail

// The HAN on one document. For float, `options` (caches made for these same parameters, a pool)
// save work on the ragged path and never change the result.
template <typename T>
HanOutput<T> han_forward(const HanParams<T>& p, const Document& doc,
                         const RaggedOptions& options = {}) {
  if constexpr (std::is_same_v<T, float>) {
    if (detail::runs_ragged(p.config)) {
      return std::move(detail::han_forward_ragged(p, &doc, 1, options)[0]);
    }
  }
  return detail::han_forward_layers(p, doc);
}

// The HAN on several documents; for float, they run together (han_forward_ragged).
template <typename T>
std::vector<HanOutput<T>> han_forward_batch(const HanParams<T>& p,
                                            const std::vector<Document>& docs,
                                            const RaggedOptions& options = {}) {
  if constexpr (std::is_same_v<T, float>) {
    if (detail::runs_ragged(p.config)) {
      return detail::han_forward_ragged(p, docs.data(), docs.size(), options);
    }
  }
  std::vector<HanOutput<T>> out;
  for (const Document& doc : docs) out.push_back(detail::han_forward_layers(p, doc));
  return out;
}

}  // namespace han
