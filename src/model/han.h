#pragma once
// The Hierarchical Attention Network (Yang et al., NAACL 2016) on ragged input:
//   word vectors -> word encoder -> word attention   => one vector per sentence
//   sentence vectors -> sentence encoder -> sentence attention => one vector per document
//   document vector -> dense output
// Every sentence and document runs at its true length; padding is never computed.
#include <cstdint>
#include <string>
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

}  // namespace detail

template <typename T>
HanOutput<T> han_forward(const HanParams<T>& p, const Document& doc) {
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

}  // namespace han
