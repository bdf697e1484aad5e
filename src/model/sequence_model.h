#pragma once
// A sequence model beside the HAN, from the same layers, for the seed experiments (issue 3):
//   T x F real features -> recurrent encoder -> attention pooling, or without attention the
//   encoder's final state (Keras "plain RNN") -> dense (linear: regression; softmax: classes).
// Masked steps are dropped before the encoder, as the HAN drops padding: the RNN runs over the
// real steps only, which is what Keras masking computes (a masked step carries the state on), and
// masked steps get exactly zero attention weight and zero gradient.
#include <string>
#include <vector>

#include "core/error.h"
#include "layers/attention.h"
#include "layers/dense.h"
#include "layers/encoder.h"
#include "train/parameters.h"

namespace han {

struct SequenceConfig {
  int input_dim = 0;
  EncoderConfig encoder;
  bool use_attention = true;
  AttentionConfig attention;  // unused without use_attention
  Activation output_activation = Activation::Linear;
  int outputs = 1;
};

template <typename T>
struct SequenceParams {
  SequenceConfig config;
  EncoderParams<T> encoder;
  AttentionParams<T> attention;  // empty without config.use_attention
  DenseParams<T> output;
};

// Zero-filled parameters of the shapes `config` implies.
template <typename T>
SequenceParams<T> make_sequence_model(const SequenceConfig& c) {
  const int state_dim = c.encoder.output_dim();
  SequenceParams<T> p{c,
                      make_encoder<T>(c.encoder, c.input_dim),
                      {},
                      make_dense<T>(c.output_activation, state_dim, c.outputs)};
  if (c.use_attention) p.attention = make_attention<T>(c.attention, state_dim);
  return p;
}

// Calls visit(name, matrix, is_vector) for every weight: "encoder.fw.kernel", ...,
// "attention.context", "output.bias".
template <typename T, typename Visitor>
void visit_sequence_params(SequenceParams<T>& p, Visitor&& visit) {
  visit_encoder_params(p.encoder, prefixed_visitor("encoder", visit));
  if (p.config.use_attention)
    visit_attention_params(p.attention, prefixed_visitor("attention", visit));
  visit_dense_params(p.output, prefixed_visitor("output", visit));
}

template <typename T>
struct SequenceOutput {
  RowVector<T> output;             // the dense layer's output
  RowVector<T> attention_weights;  // one per input step, 0 on masked ones; empty without attention
};

template <typename T>
struct SequenceCache {
  Eigen::Index input_steps = 0;
  std::vector<Eigen::Index> real_steps;  // the unmasked input rows, in order
  EncoderCache<T> encoder;               // encoder and attention are unused without real steps
  AttentionCache<T> attention;
  DenseCache<T> output_layer;
  SequenceOutput<T> output;
};

// The forward pass on `x` (one row per step), keeping what sequence_backward needs. An empty mask
// means every step is real. With no real step the summary vector is 0.
template <typename T>
SequenceCache<T> sequence_forward_train(const SequenceParams<T>& p, const Matrix<T>& x,
                                        const std::vector<bool>& mask = {}) {
  const SequenceConfig& c = p.config;
  if (x.cols() != c.input_dim) {
    throw Error("the sequence has " + std::to_string(x.cols()) + " features, the model expects " +
                std::to_string(c.input_dim));
  }
  if (!mask.empty() && mask.size() != static_cast<size_t>(x.rows())) {
    throw Error("the mask has " + std::to_string(mask.size()) + " steps, the sequence " +
                std::to_string(x.rows()));
  }
  SequenceCache<T> cache;
  cache.input_steps = x.rows();
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    if (mask.empty() || mask[static_cast<size_t>(t)]) cache.real_steps.push_back(t);
  }
  if (c.use_attention) cache.output.attention_weights = RowVector<T>::Zero(x.rows());
  RowVector<T> summary = RowVector<T>::Zero(c.encoder.output_dim());
  if (!cache.real_steps.empty()) {
    Matrix<T> real(static_cast<Eigen::Index>(cache.real_steps.size()), x.cols());
    for (size_t k = 0; k < cache.real_steps.size(); ++k) {
      real.row(static_cast<Eigen::Index>(k)) = x.row(cache.real_steps[k]);
    }
    cache.encoder = encoder_forward_train(p.encoder, real);
    if (c.use_attention) {
      cache.attention = attention_forward_train(p.attention, cache.encoder.outputs);
      for (size_t k = 0; k < cache.real_steps.size(); ++k) {
        cache.output.attention_weights[cache.real_steps[k]] =
            cache.attention.output.weights[static_cast<Eigen::Index>(k)];
      }
      summary = cache.attention.output.pooled;
    } else {
      summary = encoder_final_state(c.encoder, cache.encoder);
    }
  }
  cache.output_layer = dense_forward_train(p.output, summary);
  cache.output.output = cache.output_layer.output;
  return cache;
}

// The model's output and attention weights. The sequence model is for experiments, so inference
// simply runs the training forward pass.
template <typename T>
SequenceOutput<T> sequence_forward(const SequenceParams<T>& p, const Matrix<T>& x,
                                   const std::vector<bool>& mask = {}) {
  return sequence_forward_train(p, x, mask).output;
}

template <typename T>
struct SequenceBackward {
  T loss = T(0);
  Matrix<T> d_inputs;  // one row per input step; 0 on masked steps
};

// Backward of sequence_forward_train against `target` (output_loss): the output layer, then
// attention and the encoder over the real steps, or the encoder from its final state. Adds the
// gradients to `grads` (shaped like `p`).
template <typename T>
SequenceBackward<T> sequence_backward(const SequenceParams<T>& p, const SequenceCache<T>& cache,
                                      const RowVector<T>& target, SequenceParams<T>& grads) {
  const Loss<T> loss = output_loss(p.output.activation, cache.output_layer, target);
  const RowVector<T> d_summary =
      dense_backward(p.output, cache.output_layer, loss.d_logits, grads.output);
  SequenceBackward<T> result{loss.value, Matrix<T>::Zero(cache.input_steps, p.config.input_dim)};
  if (cache.real_steps.empty()) return result;  // the summary was a constant 0
  const Matrix<T> d_real =
      p.config.use_attention
          ? encoder_backward(
                p.encoder, cache.encoder,
                attention_backward(p.attention, cache.attention, d_summary, grads.attention),
                grads.encoder)
          : encoder_final_state_backward(p.encoder, cache.encoder, d_summary, grads.encoder);
  for (size_t k = 0; k < cache.real_steps.size(); ++k) {
    result.d_inputs.row(cache.real_steps[k]) = d_real.row(static_cast<Eigen::Index>(k));
  }
  return result;
}

// Every parameter with its gradient, named as visit_sequence_params names them.
template <typename T>
std::vector<ParamSlot<T>> sequence_param_slots(SequenceParams<T>& params,
                                               SequenceParams<T>& grads) {
  return pair_params<T>(params, grads,
                        [](auto& p, auto&& visit) { visit_sequence_params(p, visit); });
}

}  // namespace han
