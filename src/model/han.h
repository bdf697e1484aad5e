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

// The layers the ragged float path below runs: GRU encoders with reset_after and sigmoid,
// concatenated when bidirectional, and attention activations the fused kernel knows.
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
// reference model) becomes a lookup. Rows are filled the first time a word is seen; the memory
// (vocabulary × 2 directions × 3 units floats: 36 MB for 30,000 words and 50 units, 1.5 × the
// embedding of 200) is taken when the cache is made. It is only valid while the weights stay as
// they were then.
class InputProjectionCache {
 public:
  // For parameters of this configuration, which must run on the ragged path
  // (detail::runs_ragged).
  explicit InputProjectionCache(const HanConfig& c)
      : width_(c.word_encoder.output_dim() * 3),
        rows_(static_cast<size_t>(c.vocab_size) * static_cast<size_t>(width_)),
        state_(std::make_unique<std::atomic<uint8_t>[]>(static_cast<size_t>(c.vocab_size))) {
    for (int32_t id = 0; id < c.vocab_size; ++id) state_[static_cast<size_t>(id)].store(kEmpty);
  }

  // Floats per row: 3 units per direction.
  int width() const { return width_; }

  // The projections of word `id` (in the vocabulary, not checked here) under `p`, always the
  // same parameters. Safe to call from several threads: a row is written by one of them, and a
  // thread that finds it being written computes it into `scratch` (width() floats) instead of
  // waiting.
  const float* row(const HanParams<float>& p, int32_t id, float* scratch) {
    std::atomic<uint8_t>& state = state_[static_cast<size_t>(id)];
    float* row = rows_.data() + static_cast<size_t>(id) * static_cast<size_t>(width_);
    if (state.load(std::memory_order_acquire) == kReady) return row;
    uint8_t expected = kEmpty;
    if (!state.compare_exchange_strong(expected, kWriting, std::memory_order_acquire)) {
      if (expected == kReady) return row;
      compute(p, id, scratch);
      return scratch;
    }
    compute(p, id, row);
    state.store(kReady, std::memory_order_release);
    return row;
  }

 private:
  static constexpr uint8_t kEmpty = 0, kWriting = 1, kReady = 2;

  static void compute(const HanParams<float>& params, int32_t id, float* out) {
    const EncoderParams<float>& e = params.word_encoder;
    const int gates = 3 * e.config.units;
    const float* embedding = params.embedding.row(id).data();
    for (int direction = 0; direction < (e.config.bidirectional ? 2 : 1); ++direction) {
      const GruParams<float>& p = std::get<GruParams<float>>(direction ? e.backward : e.forward);
      kernels::selected::gemv(embedding, detail::const_view(p.kernel), p.bias.row(0).data(),
                              out + direction * gates);
    }
  }

  int width_;
  std::vector<float> rows_;
  std::unique_ptr<std::atomic<uint8_t>[]> state_;
};

namespace detail {

// Working memory of han_forward_batch, kept per thread from call to call: after the first
// documents the hot path allocates only its outputs.
struct RaggedScratch {
  RaggedSequences words, sentences;
  std::vector<float> inputs, projected, cache_miss, word_states, sentence_vectors, sentence_states;
  std::vector<float> word_weights, sentence_weights, documents;
  GruScratch gru;
};

// x W + b_in of each direction of the encoder for the input rows x (`input_dim` values each):
// row r of `projected` is [forward's 3 units values, then the backward's].
inline void encoder_projections(const EncoderParams<float>& e, int rows, const float* x,
                                int input_dim, std::vector<float>& projected) {
  const int gates = 3 * e.config.units, width = (e.config.bidirectional ? 2 : 1) * gates;
  projected.resize(static_cast<size_t>(rows * width));
  for (int direction = 0; direction < width / gates; ++direction) {
    const GruParams<float>& p = std::get<GruParams<float>>(direction ? e.backward : e.forward);
    kernels::selected::gemm({x, rows, input_dim, input_dim}, const_view(p.kernel),
                            p.bias.row(0).data(),
                            {projected.data() + direction * gates, rows, gates, width});
  }
}

// encoder_forward on every sequence of `seq` at once, from the input projections
// (encoder_projections); `out` gets one row of the encoder's output per input row.
inline void encoder_forward_ragged(const EncoderParams<float>& e, const RaggedSequences& seq,
                                   const std::vector<float>& projected, float* out,
                                   GruScratch& scratch) {
  const int u = e.config.units, width = e.config.output_dim();
  const int directions = e.config.bidirectional ? 2 : 1;
  for (int direction = 0; direction < directions; ++direction) {
    const GruParams<float>& p = std::get<GruParams<float>>(direction ? e.backward : e.forward);
    gru_forward_ragged(p, seq, projected.data() + direction * 3 * u, directions * 3 * u,
                       direction == 1, out + direction * u, width, scratch);
  }
}

// attention_forward on each sequence of `seq`: the weights of row r go to weights[r], the pooled
// vector of sequence k to pooled[k * h_cols ...].
inline void attention_forward_ragged(const AttentionParams<float>& a, const RaggedSequences& seq,
                                     const float* h, int h_cols, float* weights, float* pooled) {
  const kernels::AttentionWeights w{const_view(a.kernel),
                                    a.config.use_bias ? a.bias.data() : nullptr, a.context.data(),
                                    a.config.activation};
  for (size_t k = 0; k < seq.count(); ++k) {
    const int start = seq.starts[k];
    kernels::selected::attention({h + start * h_cols, seq.lengths[k], h_cols, h_cols}, w, {},
                                 weights + start, pooled + static_cast<int>(k) * h_cols);
  }
}

// han_forward of several documents at once for float, on the kernels: the word level runs every
// sentence of every document as one ragged batch (one input product for all words, the
// recurrences stepped together), then the sentence level every document as one.
inline std::vector<HanOutput<float>> han_forward_ragged(const HanParams<float>& p,
                                                        const std::vector<Document>& docs,
                                                        InputProjectionCache* cache) {
  thread_local RaggedScratch scratch;
  const HanConfig& c = p.config;
  const int embedding_dim = c.embedding_dim, word_dim = c.word_encoder.output_dim();
  const int sentence_dim = c.sentence_encoder.output_dim();

  // The real words: their embeddings as rows of `inputs`, or with the cache their projections as
  // rows of `projected`; one sequence per sentence with a real word.
  RaggedSequences& words = scratch.words;
  words = {};
  scratch.inputs.clear();
  scratch.projected.clear();
  if (cache) scratch.cache_miss.resize(static_cast<size_t>(cache->width()));
  for (const Document& doc : docs) {
    for (const std::vector<int32_t>& sentence : doc) {
      int length = 0;
      for (int32_t id : sentence) {
        if (id == 0) continue;
        if (id < 0 || id >= c.vocab_size) {
          throw Error("word id " + std::to_string(id) + " is outside the vocabulary of " +
                      std::to_string(c.vocab_size) + " words");
        }
        if (cache) {
          const float* row = cache->row(p, id, scratch.cache_miss.data());
          scratch.projected.insert(scratch.projected.end(), row, row + cache->width());
        } else {
          const float* row = p.embedding.row(id).data();
          scratch.inputs.insert(scratch.inputs.end(), row, row + embedding_dim);
        }
        ++length;
      }
      if (length > 0) words.add(length);
    }
  }
  scratch.word_states.resize(static_cast<size_t>(words.rows * word_dim));
  scratch.word_weights.resize(static_cast<size_t>(words.rows));
  scratch.sentence_vectors.resize(words.count() * static_cast<size_t>(word_dim));
  if (!cache) {
    encoder_projections(p.word_encoder, words.rows, scratch.inputs.data(), embedding_dim,
                        scratch.projected);
  }
  encoder_forward_ragged(p.word_encoder, words, scratch.projected, scratch.word_states.data(),
                         scratch.gru);
  attention_forward_ragged(p.word_attention, words, scratch.word_states.data(), word_dim,
                           scratch.word_weights.data(), scratch.sentence_vectors.data());

  // One sequence per document with a real sentence.
  RaggedSequences& sentences = scratch.sentences;
  sentences = {};
  for (const Document& doc : docs) {
    const auto length = std::count_if(doc.begin(), doc.end(), [](const std::vector<int32_t>& s) {
      return std::any_of(s.begin(), s.end(), [](int32_t id) { return id != 0; });
    });
    if (length > 0) sentences.add(static_cast<int>(length));
  }
  scratch.sentence_states.resize(static_cast<size_t>(sentences.rows * sentence_dim));
  scratch.sentence_weights.resize(static_cast<size_t>(sentences.rows));
  scratch.documents.resize(sentences.count() * static_cast<size_t>(sentence_dim));
  encoder_projections(p.sentence_encoder, sentences.rows, scratch.sentence_vectors.data(), word_dim,
                      scratch.projected);
  encoder_forward_ragged(p.sentence_encoder, sentences, scratch.projected,
                         scratch.sentence_states.data(), scratch.gru);
  attention_forward_ragged(p.sentence_attention, sentences, scratch.sentence_states.data(),
                           sentence_dim, scratch.sentence_weights.data(), scratch.documents.data());

  // Back to the documents as given, padding and empty sentences included.
  std::vector<HanOutput<float>> out(docs.size());
  size_t word_row = 0, sentence_row = 0, document_row = 0;
  for (size_t d = 0; d < docs.size(); ++d) {
    const Document& doc = docs[d];
    HanOutput<float>& o = out[d];
    o.sentence_weights = RowVector<float>::Zero(static_cast<Eigen::Index>(doc.size()));
    o.word_weights.resize(doc.size());
    bool any_sentence = false;
    for (size_t s = 0; s < doc.size(); ++s) {
      o.word_weights[s] = RowVector<float>::Zero(static_cast<Eigen::Index>(doc[s].size()));
      bool any_word = false;
      for (size_t w = 0; w < doc[s].size(); ++w) {
        if (doc[s][w] == 0) continue;
        o.word_weights[s][static_cast<Eigen::Index>(w)] = scratch.word_weights[word_row++];
        any_word = true;
      }
      if (!any_word) continue;
      o.sentence_weights[static_cast<Eigen::Index>(s)] = scratch.sentence_weights[sentence_row++];
      any_sentence = true;
    }
    RowVector<float> document = RowVector<float>::Zero(sentence_dim);
    if (any_sentence) {
      document = Eigen::Map<const RowVector<float>>(
          scratch.documents.data() + document_row++ * static_cast<size_t>(sentence_dim),
          sentence_dim);
    }
    o.probabilities = dense_forward(p.output, document);
  }
  return out;
}

}  // namespace detail

// The HAN on one document. For float, `cache` (null, or used with these same parameters only)
// replaces the word encoder's input products by lookups.
template <typename T>
HanOutput<T> han_forward(const HanParams<T>& p, const Document& doc,
                         InputProjectionCache* cache = nullptr) {
  if constexpr (std::is_same_v<T, float>) {
    if (detail::runs_ragged(p.config)) {
      return std::move(detail::han_forward_ragged(p, {doc}, cache)[0]);
    }
  }
  return detail::han_forward_layers(p, doc);
}

// The HAN on several documents; for float, they run together (han_forward_ragged).
template <typename T>
std::vector<HanOutput<T>> han_forward_batch(const HanParams<T>& p,
                                            const std::vector<Document>& docs,
                                            InputProjectionCache* cache = nullptr) {
  if constexpr (std::is_same_v<T, float>) {
    if (detail::runs_ragged(p.config)) return detail::han_forward_ragged(p, docs, cache);
  }
  std::vector<HanOutput<T>> out;
  for (const Document& doc : docs) out.push_back(detail::han_forward_layers(p, doc));
  return out;
}

}  // namespace han
