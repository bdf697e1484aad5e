#pragma once
// The gradient of one output of the HAN with respect to its word vectors, for gradient × input
// and integrated gradients (Sundararajan et al., ICML 2017). The forward and backward passes are
// the training ones of src/layers/ (encoder_forward_train, attention_backward, ...), run from word
// vectors instead of word ids, without dropout, and without the embedding's gradient.
#include <cstddef>
#include <type_traits>
#include <variant>
#include <vector>

#include "layers/activation.h"
#include "model/han.h"

namespace han::explain {

// The word vectors of a document: one matrix per sentence with a real word (rows: its real words,
// in order), as detail::real_words finds them.
template <typename T>
using WordVectors = std::vector<Matrix<T>>;

template <typename T>
WordVectors<T> lookup_word_vectors(const HanParams<T>& p, const Document& doc) {
  WordVectors<T> vectors;
  for (const std::vector<int32_t>& sentence : doc) {
    const detail::RealWords words = detail::real_words(sentence);
    if (!words.ids.empty()) vectors.push_back(embedding_lookup(p.embedding, words.ids));
  }
  return vectors;
}

template <typename T>
struct OutputGradient {
  RowVector<T> outputs;           // the network's outputs (probabilities), as han_forward gives
  WordVectors<T> d_word_vectors;  // d outputs[label] / d word vectors, shaped like the input
};

namespace detail {

// d outputs[label] / d logits for the output layer's activation.
template <typename T>
RowVector<T> output_gradient_of_logits(Activation activation, const RowVector<T>& outputs,
                                       size_t label) {
  const Eigen::Index y = static_cast<Eigen::Index>(label);
  RowVector<T> d = RowVector<T>::Zero(outputs.size());
  if (activation == Activation::Softmax) {  // dp_y/dz = p_y (e_y - p)
    d = -outputs[y] * outputs;
    d[y] += outputs[y];
    return d;
  }
  d[y] = T(1);
  return activation_backward(activation, outputs, d);
}

// Parameter gradients with empty kernels, which the backward passes take as "none": an
// attribution needs the inputs' gradients alone, and the weights' would double the work.
template <typename T>
EncoderParams<T> no_gradients(const EncoderParams<T>& e) {
  const auto empty = [](const RecurrentParams<T>& cell) {
    return std::visit([](const auto& c) { return RecurrentParams<T>(std::decay_t<decltype(c)>{}); },
                      cell);
  };
  EncoderParams<T> none{e.config, empty(e.forward), {}};
  if (e.config.bidirectional) none.backward = empty(e.backward);
  return none;
}

}  // namespace detail

// outputs[label] of the HAN on `vectors` and its gradient with respect to them.
template <typename T>
OutputGradient<T> output_gradient(const HanParams<T>& p, const WordVectors<T>& vectors,
                                  size_t label) {
  const HanConfig& c = p.config;
  std::vector<EncoderCache<T>> encoders;
  std::vector<AttentionCache<T>> attentions;
  Matrix<T> sentence_vectors(static_cast<Eigen::Index>(vectors.size()),
                             c.word_encoder.output_dim());
  for (size_t k = 0; k < vectors.size(); ++k) {
    encoders.push_back(encoder_forward_train(p.word_encoder, vectors[k]));
    attentions.push_back(attention_forward_train(p.word_attention, encoders.back().outputs));
    sentence_vectors.row(static_cast<Eigen::Index>(k)) = attentions.back().output.pooled;
  }
  RowVector<T> document = RowVector<T>::Zero(c.sentence_encoder.output_dim());
  EncoderCache<T> sentence_encoder;
  AttentionCache<T> sentence_attention;
  if (!vectors.empty()) {
    sentence_encoder = encoder_forward_train(p.sentence_encoder, sentence_vectors);
    sentence_attention = attention_forward_train(p.sentence_attention, sentence_encoder.outputs);
    document = sentence_attention.output.pooled;
  }
  const DenseCache<T> output = dense_forward_train(p.output, document);

  OutputGradient<T> result{output.output, {}};
  if (vectors.empty()) return result;  // the document vector is a constant 0
  DenseParams<T> no_output;
  AttentionParams<T> no_sentence_attention{c.sentence_attention, {}, {}, {}};
  EncoderParams<T> no_sentence_encoder = detail::no_gradients(p.sentence_encoder);
  AttentionParams<T> no_word_attention{c.word_attention, {}, {}, {}};
  EncoderParams<T> no_word_encoder = detail::no_gradients(p.word_encoder);
  const RowVector<T> d_document = dense_backward(
      p.output, output,
      detail::output_gradient_of_logits(p.output.activation, output.output, label), no_output);
  const Matrix<T> d_sentence_vectors =
      encoder_backward(p.sentence_encoder, sentence_encoder,
                       attention_backward(p.sentence_attention, sentence_attention, d_document,
                                          no_sentence_attention),
                       no_sentence_encoder);
  for (size_t k = 0; k < vectors.size(); ++k) {
    const Matrix<T> d_states = attention_backward(
        p.word_attention, attentions[k],
        RowVector<T>(d_sentence_vectors.row(static_cast<Eigen::Index>(k))), no_word_attention);
    result.d_word_vectors.push_back(
        encoder_backward(p.word_encoder, encoders[k], d_states, no_word_encoder));
  }
  return result;
}

}  // namespace han::explain
