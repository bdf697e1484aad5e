#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace han {

Vocabulary::Vocabulary(std::vector<std::string> words) : words_(std::move(words)) {
  if (words_.size() < 2) throw Error("vocabulary: needs at least the two reserved entries");
  ids_.reserve(words_.size());
  for (size_t i = 2; i < words_.size(); ++i) {
    if (!ids_.emplace(words_[i], static_cast<int32_t>(i)).second) {
      throw Error("vocabulary: word " + std::to_string(i) + " (\"" + words_[i] +
                  "\") appears twice");
    }
  }
}

int32_t Vocabulary::id(std::string_view word) const {
  auto it = ids_.find(std::string(word));
  return it == ids_.end() ? kUnknown : it->second;
}

Document Model::to_ids(const TokenizedText& tokens) const {
  Document doc(tokens.sentences.size());
  for (size_t s = 0; s < doc.size(); ++s) {
    for (const Token& word : tokens.sentences[s].words) doc[s].push_back(vocabulary.id(word.text));
  }
  return doc;
}

namespace {

// The tighter of two limits, where zero means none.
size_t tighter(size_t a, size_t b) {
  return a == 0 ? b : b == 0 ? a : std::min(a, b);
}

// A code point cut in two at the end decodes as U+FFFD, a separator: the words read are those of
// the text cut before it.
std::string_view prefix(std::string_view text, size_t max_bytes) {
  return max_bytes == 0 ? text : text.substr(0, max_bytes);
}

}  // namespace

Prediction Model::predict(std::string_view text, const InputLimits& limits) const {
  return std::move(predict_batch({text}, limits)[0]);
}

std::vector<Prediction> Model::predict_batch(const std::vector<std::string_view>& full_texts,
                                             const InputLimits& limits) const {
  TokenizerConfig config = tokenizer;
  config.max_sentences = tighter(config.max_sentences, limits.max_sentences);
  config.max_words = tighter(config.max_words, limits.max_words);
  config.max_words_per_sentence =
      tighter(config.max_words_per_sentence, limits.max_words_per_sentence);
  std::vector<std::string_view> texts;
  std::vector<TokenizedText> tokens;
  std::vector<Document> docs;
  for (std::string_view full_text : full_texts) {
    texts.push_back(prefix(full_text, limits.max_text_bytes));
    tokens.push_back(tokenize(texts.back(), config));
    docs.push_back(to_ids(tokens.back()));
  }
  const std::vector<HanOutput<float>> outputs = han_forward_batch(params, docs, ragged_options());

  std::vector<Prediction> predictions(full_texts.size());
  for (size_t d = 0; d < predictions.size(); ++d) {
    const std::string_view text = texts[d];
    const Document& doc = docs[d];
    const HanOutput<float>& out = outputs[d];
    Prediction& p = predictions[d];
    p.probabilities.assign(out.probabilities.data(),
                           out.probabilities.data() + out.probabilities.size());
    p.label = static_cast<size_t>(std::max_element(p.probabilities.begin(), p.probabilities.end()) -
                                  p.probabilities.begin());
    p.truncated = tokens[d].truncated || text.size() < full_texts[d].size();
    p.sentences_reused = out.sentences_reused;
    auto slice = [&](const TextSpan& span) {
      return std::string(text.substr(span.byte_start, span.byte_end - span.byte_start));
    };
    p.sentences.reserve(doc.size());
    for (size_t s = 0; s < doc.size(); ++s) {
      const TokenizedSentence& sentence = tokens[d].sentences[s];
      SentenceAttention& out_sentence = p.sentences.emplace_back();
      out_sentence.text = slice(sentence.span);
      out_sentence.span = sentence.span;
      out_sentence.weight = out.sentence_weights[static_cast<Eigen::Index>(s)];
      out_sentence.words.reserve(sentence.words.size());
      for (size_t w = 0; w < sentence.words.size(); ++w) {
        out_sentence.words.push_back({slice(sentence.words[w].span), sentence.words[w].span,
                                      doc[s][w],
                                      out.word_weights[s][static_cast<Eigen::Index>(w)]});
      }
    }
  }
  return predictions;
}

HanOutput<float> Model::predict_ids(const Document& doc) const {
  return han_forward(params, doc, ragged_options());
}

RaggedOptions Model::ragged_options() const {
  return {projection_cache.value.get(), sentence_cache.value.get(), pool.value.get(), int8.get()};
}

RaggedOptions Model::network_options() const {
  return {projection_cache.value.get(), nullptr, nullptr, int8.get()};
}

void Model::set_compute(ComputeType type) {
  if (type == compute()) return;
  if (type == ComputeType::Int8 && !detail::runs_ragged(params.config)) {
    throw Error(
        "int8 compute needs GRU encoders with reset_after, a sigmoid recurrent activation and "
        "concatenated directions, and attention with tanh, linear or relu");
  }
  if (type == ComputeType::Int8) {
    int8 = std::make_shared<const Int8Han>(make_int8_han(params));
  } else {
    int8.reset();
  }
  // The caches hold results of the old products.
  if (projection_cache.value) cache_input_projections();
  if (sentence_cache.value) cache_sentences(sentence_cache.value->max_bytes());
}

void Model::cache_input_projections() {
  projection_cache.value.reset();
  if (detail::runs_ragged(params.config)) {
    projection_cache.value = std::make_unique<InputProjectionCache>(params.config);
  }
}

void Model::cache_sentences(size_t max_bytes) {
  sentence_cache.value.reset();
  if (max_bytes > 0 && detail::runs_ragged(params.config)) {
    sentence_cache.value = std::make_unique<SentenceCache>(max_bytes);
  }
}

void Model::set_threads(size_t threads) {
  pool.value.reset();
  if (threads > 1) pool.value = std::make_unique<WorkerPool>(threads);
}

GoldenReport Model::check_golden() const {
  GoldenReport report;
  report.cases = golden_cases.size();
  for (size_t c = 0; c < golden_cases.size(); ++c) {
    const GoldenCase& golden = golden_cases[c];
    const Prediction p = predict(golden.text);
    if (p.probabilities.size() != golden.probabilities.size()) {
      report.failure = "golden case " + std::to_string(c + 1) + ": expected " +
                       std::to_string(golden.probabilities.size()) +
                       " probabilities, model gives " + std::to_string(p.probabilities.size());
      return report;
    }
    for (size_t k = 0; k < p.probabilities.size(); ++k) {
      const double diff = std::abs(p.probabilities[k] - golden.probabilities[k]);
      report.max_abs_diff = std::max(report.max_abs_diff, diff);
      if (!(diff <= golden_tolerance) && report.failure.empty()) {
        // The shortest decimals that read back the same (JSON's), not a stream or printf: those
        // would add their locale and formatting code to the WebAssembly build.
        auto number = [](double value) { return nlohmann::json(value).dump(); };
        report.failure = "golden case " + std::to_string(c + 1) + ": probability of '" +
                         labels.at(k) + "' is " + number(p.probabilities[k]) + ", expected " +
                         number(golden.probabilities[k]) + " (tolerance " +
                         number(golden_tolerance) + ")";
      }
    }
  }
  return report;
}

void Model::set_golden_texts(const std::vector<std::string>& texts) {
  golden_cases.clear();
  for (const std::string& text : texts) {
    const Prediction p = predict(text);
    golden_cases.push_back(
        {text, std::vector<double>(p.probabilities.begin(), p.probabilities.end())});
  }
}

}  // namespace han
