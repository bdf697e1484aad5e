#pragma once
// Attributions: how much each word and each sentence of a document drove the HAN's decision, by
// one of several methods, with the same shape (and so the same offsets) as the attention weights.
//   attention           word weight × sentence weight (today's shading); a sentence: its weight
//   word-attention      the word weight alone (within its sentence); a sentence: its weight
//   sentence-attention  every word gets its sentence's weight
//   occlusion           p(y | document) - p(y | document without the word), likewise for a
//                       sentence (leave-one-out; the variants of a document run in batches)
//   gradient-input      Σ_d x_d ∂p(y)/∂x_d over the word's embedding x; a sentence: its words' sum
//   integrated-gradients
//                       Σ_d x_d ∫_0^1 ∂p(y)/∂x_d(αx) dα (zero vectors as the baseline), the
//                       integral by the midpoint rule over `steps`; a sentence: its words' sum.
//                       Complete up to the rule's error: Σ attributions ≈ p(y | x) - p(y | 0).
// y is the predicted label; p(y) the model's output for it.
// The two gradient methods need the backward pass, which the inference library (hancore, the
// inference .wasm) leaves out: attribute() here computes the others, and attribute_with_gradients
// (explain/gradient_attribution.h, in hantrain) every method.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/han.h"
#include "model/model.h"

namespace han::explain {

enum class Method {
  Attention,
  WordAttention,
  SentenceAttention,
  Occlusion,
  GradientInput,
  IntegratedGradients
};

// "attention", "word-attention", ...; parse_method throws han::Error naming the valid ones.
const char* method_name(Method method);
Method parse_method(std::string_view name);
std::vector<Method> all_methods();

// gradient-input, integrated-gradients.
bool needs_gradients(Method method);

struct Options {
  static constexpr int kMinSteps = 1, kMaxSteps = 10000;
  Method method = Method::Attention;
  int steps = 20;  // integrated gradients: points of the midpoint rule, kMinSteps to kMaxSteps
};

struct Attribution {
  size_t label = 0;  // the label explained: the most probable one
  std::vector<float> probabilities;
  std::vector<std::vector<float>> words;  // [sentence][word], as the document; padding 0
  std::vector<float> sentences;           // one per sentence of the document
  // Integrated gradients only (else 0): p(y) at the baseline (zero word vectors), and
  // |Σ word attributions - (p(y) - p(y | baseline))|.
  double baseline_probability = 0;
  double completeness_error = 0;
};

// The attribution of every word and sentence of `doc` (word ids, 0 is padding) by `options`.
// `ragged` (caches made for `p`, a pool) speeds up the forward passes; occlusion brings its own
// sentence cache. A gradient method throws han::Error (see above).
Attribution attribute(const HanParams<float>& p, const Document& doc, const Options& options,
                      const RaggedOptions& ragged = {});
using Attributor = Attribution (*)(const HanParams<float>&, const Document&, const Options&,
                                   const RaggedOptions&);

// An attribution of zeros shaped like `doc`, for the most probable of `probabilities`.
Attribution shaped_like(const Document& doc, const RowVector<float>& probabilities);

// A prediction whose word and sentence weights are the method's attributions; text and offsets
// are those of Model::predict.
struct Explanation {
  Prediction prediction;
  Method method = Method::Attention;
  int steps = 0;  // integrated gradients only
  double baseline_probability = 0;
  double completeness_error = 0;
};

// `attributor`: attribute, or attribute_with_gradients where the backward pass is linked.
Explanation explain(const Model& model, std::string_view text, const Options& options,
                    const InputLimits& limits = {}, Attributor attributor = attribute);

// The document's word ids, sentence by sentence, as Model::predict read them.
Document prediction_ids(const Prediction& prediction);

}  // namespace han::explain
