#include "explain/attribution.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "model/sentence_cache.h"

namespace han::explain {

namespace {

struct NamedMethod {
  Method method;
  const char* name;
};
constexpr NamedMethod kMethods[] = {{Method::Attention, "attention"},
                                    {Method::WordAttention, "word-attention"},
                                    {Method::SentenceAttention, "sentence-attention"},
                                    {Method::Occlusion, "occlusion"},
                                    {Method::GradientInput, "gradient-input"},
                                    {Method::IntegratedGradients, "integrated-gradients"}};

// Occlusion variants per forward batch: enough to fill the batch, few enough to bound memory.
constexpr size_t kOcclusionBatch = 128;

size_t most_probable(const RowVector<float>& probabilities) {
  Eigen::Index label = 0;
  probabilities.maxCoeff(&label);
  return static_cast<size_t>(label);
}

}  // namespace

Attribution shaped_like(const Document& doc, const RowVector<float>& probabilities) {
  Attribution a;
  a.probabilities.assign(probabilities.data(), probabilities.data() + probabilities.size());
  a.label = most_probable(probabilities);
  a.sentences.assign(doc.size(), 0.0f);
  for (const std::vector<int32_t>& sentence : doc) a.words.emplace_back(sentence.size(), 0.0f);
  return a;
}

namespace {

Attribution attention(const HanParams<float>& p, const Document& doc, Method method,
                      const RaggedOptions& ragged) {
  const HanOutput<float> out = han_forward(p, doc, ragged);
  Attribution a = shaped_like(doc, out.probabilities);
  for (size_t s = 0; s < doc.size(); ++s) {
    const float sentence = out.sentence_weights[static_cast<Eigen::Index>(s)];
    a.sentences[s] = sentence;
    for (size_t w = 0; w < doc[s].size(); ++w) {
      const float word = out.word_weights[s][static_cast<Eigen::Index>(w)];
      a.words[s][w] = method == Method::WordAttention       ? word
                      : method == Method::SentenceAttention ? (doc[s][w] ? sentence : 0.0f)
                                                            : word * sentence;
    }
  }
  return a;
}

// Every variant document whole, in batches. On the ragged path a sentence cache of its own, filled
// by the document first, gives the word level of every sentence a variant leaves unchanged, so
// only the variant sentences are encoded: removing a word changes its own sentence only.
Attribution occlusion(const HanParams<float>& p, const Document& doc, const RaggedOptions& ragged) {
  SentenceCache sentences(Model::kDefaultSentenceCacheBytes);
  RaggedOptions options = ragged;
  options.sentences = &sentences;
  struct Removed {
    size_t sentence, word;  // word == npos: the whole sentence
  };
  constexpr size_t kWholeSentence = static_cast<size_t>(-1);
  std::vector<Removed> removed;
  for (size_t s = 0; s < doc.size(); ++s) {
    bool any = false;
    for (size_t w = 0; w < doc[s].size(); ++w) {
      if (doc[s][w] == 0) continue;
      removed.push_back({s, w});
      any = true;
    }
    if (any) removed.push_back({s, kWholeSentence});
  }
  const HanOutput<float> full = han_forward(p, doc, options);
  Attribution a = shaped_like(doc, full.probabilities);
  const Eigen::Index y = static_cast<Eigen::Index>(a.label);
  std::vector<Document> batch;
  for (size_t first = 0; first < removed.size(); first += kOcclusionBatch) {
    const size_t end = std::min(removed.size(), first + kOcclusionBatch);
    batch.assign(end - first, doc);
    for (size_t i = first; i < end; ++i) {
      std::vector<int32_t>& sentence = batch[i - first][removed[i].sentence];
      if (removed[i].word == kWholeSentence) {
        std::fill(sentence.begin(), sentence.end(), 0);
      } else {
        sentence[removed[i].word] = 0;  // padding: the HAN skips it
      }
    }
    const std::vector<HanOutput<float>> outs = han_forward_batch(p, batch, options);
    for (size_t i = first; i < end; ++i) {
      const float change = full.probabilities[y] - outs[i - first].probabilities[y];
      if (removed[i].word == kWholeSentence) {
        a.sentences[removed[i].sentence] = change;
      } else {
        a.words[removed[i].sentence][removed[i].word] = change;
      }
    }
  }
  return a;
}

}  // namespace

const char* method_name(Method method) {
  for (const NamedMethod& m : kMethods) {
    if (m.method == method) return m.name;
  }
  return "attention";
}

Method parse_method(std::string_view name) {
  std::string names;
  for (const NamedMethod& m : kMethods) {
    if (name == m.name) return m.method;
    names += std::string(names.empty() ? "" : ", ") + m.name;
  }
  throw Error("unknown attribution method '" + std::string(name) + "' (one of " + names + ")");
}

std::vector<Method> all_methods() {
  std::vector<Method> methods;
  for (const NamedMethod& m : kMethods) methods.push_back(m.method);
  return methods;
}

bool needs_gradients(Method method) {
  return method == Method::GradientInput || method == Method::IntegratedGradients;
}

Attribution attribute(const HanParams<float>& p, const Document& doc, const Options& options,
                      const RaggedOptions& ragged) {
  switch (options.method) {
    case Method::Attention:
    case Method::WordAttention:
    case Method::SentenceAttention:
      return attention(p, doc, options.method, ragged);
    case Method::Occlusion:
      return occlusion(p, doc, ragged);
    case Method::GradientInput:
    case Method::IntegratedGradients:
      break;
  }
  throw Error(std::string(method_name(options.method)) +
              " needs the backward pass, which this build leaves out (attribute_with_gradients, "
              "explain/gradient_attribution.h)");
}

Document prediction_ids(const Prediction& prediction) {
  Document doc;
  for (const SentenceAttention& s : prediction.sentences) {
    std::vector<int32_t>& ids = doc.emplace_back();
    for (const WordAttention& w : s.words) ids.push_back(w.id);
  }
  return doc;
}

Explanation explain(const Model& model, std::string_view text, const Options& options,
                    const InputLimits& limits, Attributor attributor) {
  Explanation e{model.predict(text, limits), options.method, 0, 0, 0};
  const Attribution a =
      attributor(model.params, prediction_ids(e.prediction), options, model.network_options());
  for (size_t s = 0; s < a.sentences.size(); ++s) {
    SentenceAttention& sentence = e.prediction.sentences[s];
    sentence.weight = a.sentences[s];
    for (size_t w = 0; w < sentence.words.size(); ++w) sentence.words[w].weight = a.words[s][w];
  }
  if (options.method == Method::IntegratedGradients) {
    e.steps = options.steps;
    e.baseline_probability = a.baseline_probability;
    e.completeness_error = a.completeness_error;
  }
  return e;
}

}  // namespace han::explain
