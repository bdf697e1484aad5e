#pragma once
// Training the HAN on one ragged document: a forward pass that keeps what the backward needs, and
// the backward pass, which gives the loss and the gradient of every parameter.
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "layers/dropout.h"
#include "model/han.h"
#include "train/parameters.h"

namespace han {

// Dropout rates for training (0: off): on the word vectors and on the document vector.
struct HanDropout {
  double embedding = 0;
  double document = 0;
};

// The gradients of all HanParams, held in a HanParams of the same shapes, so visit_han_params
// names them. The embedding gradient is sparse: only the rows in embedding_rows can be non-zero.
template <typename T>
struct HanGradients {
  explicit HanGradients(const HanConfig& config) : tensors(make_han<T>(config)) {}
  HanParams<T> tensors;
  TouchedRows embedding_rows;
};

template <typename T>
struct HanSentenceCache {
  std::vector<int32_t> ids;  // the real words
  Matrix<T> dropout_mask;    // on the word vectors; empty without dropout
  EncoderCache<T> encoder;
  AttentionCache<T> attention;
};

template <typename T>
struct HanCache {
  std::vector<HanSentenceCache<T>> sentences;  // the real sentences, in order
  EncoderCache<T> sentence_encoder;            // both unused when there is no real sentence
  AttentionCache<T> sentence_attention;
  Matrix<T> document_dropout_mask;  // 1 x sentence_dim; empty without dropout
  DenseCache<T> output_layer;
  HanOutput<T> output;  // as han_forward returns it; the same values when dropout is off
};

// han_forward, keeping what han_backward needs. Dropout masks come from `seed` alone: the same
// seed gives the same masks (to check gradients, or to make data-parallel training reproducible).
template <typename T>
HanCache<T> han_forward_train(const HanParams<T>& p, const Document& doc,
                              const HanDropout& dropout = {}, uint32_t seed = 0) {
  std::mt19937 rng(seed);
  HanCache<T> cache;
  HanOutput<T>& out = cache.output;
  out.word_weights.resize(doc.size());
  out.sentence_weights = RowVector<T>::Zero(static_cast<Eigen::Index>(doc.size()));

  std::vector<size_t> real_sentences;
  for (size_t s = 0; s < doc.size(); ++s) {
    out.word_weights[s] = RowVector<T>::Zero(static_cast<Eigen::Index>(doc[s].size()));
    detail::RealWords words = detail::real_words(doc[s]);
    if (words.ids.empty()) continue;
    HanSentenceCache<T> sentence;
    Matrix<T> vectors = embedding_lookup(p.embedding, words.ids);
    if (dropout.embedding > 0) {
      sentence.dropout_mask =
          dropout_mask<T>(vectors.rows(), vectors.cols(), dropout.embedding, rng);
      vectors.array() *= sentence.dropout_mask.array();
    }
    sentence.encoder = encoder_forward_train(p.word_encoder, vectors);
    sentence.attention = attention_forward_train(p.word_attention, sentence.encoder.outputs);
    for (size_t k = 0; k < words.positions.size(); ++k) {
      out.word_weights[s][static_cast<Eigen::Index>(words.positions[k])] =
          sentence.attention.output.weights[static_cast<Eigen::Index>(k)];
    }
    sentence.ids = std::move(words.ids);
    cache.sentences.push_back(std::move(sentence));
    real_sentences.push_back(s);
  }

  RowVector<T> document = RowVector<T>::Zero(p.config.sentence_encoder.output_dim());
  if (!real_sentences.empty()) {
    Matrix<T> sentence_vectors(static_cast<Eigen::Index>(real_sentences.size()),
                               p.config.word_encoder.output_dim());
    for (size_t k = 0; k < real_sentences.size(); ++k) {
      sentence_vectors.row(static_cast<Eigen::Index>(k)) =
          cache.sentences[k].attention.output.pooled;
    }
    cache.sentence_encoder = encoder_forward_train(p.sentence_encoder, sentence_vectors);
    cache.sentence_attention =
        attention_forward_train(p.sentence_attention, cache.sentence_encoder.outputs);
    for (size_t k = 0; k < real_sentences.size(); ++k) {
      out.sentence_weights[static_cast<Eigen::Index>(real_sentences[k])] =
          cache.sentence_attention.output.weights[static_cast<Eigen::Index>(k)];
    }
    document = cache.sentence_attention.output.pooled;
  }
  if (dropout.document > 0) {
    cache.document_dropout_mask = dropout_mask<T>(1, document.size(), dropout.document, rng);
    document = document.cwiseProduct(cache.document_dropout_mask.row(0));
  }
  cache.output_layer = dense_forward_train(p.output, document);
  out.probabilities = cache.output_layer.output;
  return cache;
}

// Backward of han_forward_train against `target` (one_hot(label) for a softmax output): the
// output loss, then the output layer, document dropout, sentence attention and encoder, and for
// each real sentence its word attention, word encoder, word dropout and embedding rows.
// Adds the gradients to `grads` and returns the loss.
template <typename T>
T han_backward(const HanParams<T>& p, const HanCache<T>& cache, const RowVector<T>& target,
               HanGradients<T>& grads) {
  HanParams<T>& g = grads.tensors;
  const Loss<T> loss = output_loss(p.output.activation, cache.output_layer, target);
  RowVector<T> d_document = dense_backward(p.output, cache.output_layer, loss.d_logits, g.output);
  if (cache.sentences.empty()) return loss.value;  // the document vector was a constant 0
  if (cache.document_dropout_mask.size() > 0) {
    d_document = d_document.cwiseProduct(cache.document_dropout_mask.row(0));
  }
  const Matrix<T> d_sentence_states = attention_backward(
      p.sentence_attention, cache.sentence_attention, d_document, g.sentence_attention);
  const Matrix<T> d_sentence_vectors = encoder_backward(p.sentence_encoder, cache.sentence_encoder,
                                                        d_sentence_states, g.sentence_encoder);
  for (size_t k = 0; k < cache.sentences.size(); ++k) {
    const HanSentenceCache<T>& sentence = cache.sentences[k];
    const Matrix<T> d_word_states = attention_backward(
        p.word_attention, sentence.attention,
        RowVector<T>(d_sentence_vectors.row(static_cast<Eigen::Index>(k))), g.word_attention);
    Matrix<T> d_vectors =
        encoder_backward(p.word_encoder, sentence.encoder, d_word_states, g.word_encoder);
    if (sentence.dropout_mask.size() > 0) d_vectors.array() *= sentence.dropout_mask.array();
    embedding_backward(sentence.ids, d_vectors, g.embedding, grads.embedding_rows);
  }
  return loss.value;
}

// Every parameter with its gradient, named as visit_han_params names them; the embedding's slot
// is sparse.
template <typename T>
std::vector<ParamSlot<T>> han_param_slots(HanParams<T>& params, HanGradients<T>& grads) {
  std::vector<ParamSlot<T>> slots = pair_params<T>(
      params, grads.tensors, [](auto& p, auto&& visit) { visit_han_params(p, visit); });
  for (ParamSlot<T>& slot : slots) {
    if (slot.value == &params.embedding) slot.sparse_rows = &grads.embedding_rows;
  }
  return slots;
}

}  // namespace han
