#include "explain/faithfulness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace han::explain {

namespace {

std::vector<WordIndex> real_words(const Document& doc) {
  std::vector<WordIndex> words;
  for (size_t s = 0; s < doc.size(); ++s) {
    for (size_t w = 0; w < doc[s].size(); ++w) {
      if (doc[s][w] != 0) words.push_back({s, w});
    }
  }
  return words;
}

}  // namespace

std::vector<WordIndex> rank_words(const Document& doc, const Attribution& attribution) {
  std::vector<WordIndex> words = real_words(doc);
  // Highest weight first, ties in reading order; a NaN (from a hostile model) ranks last. The
  // order is total, so std::sort gives what a stable sort would, with less code in the .wasm.
  auto weight = [&](const WordIndex& w) {
    const float value = attribution.words[w.sentence][w.word];
    return std::isnan(value) ? -std::numeric_limits<float>::infinity() : value;
  };
  std::sort(words.begin(), words.end(), [&](const WordIndex& a, const WordIndex& b) {
    const float wa = weight(a), wb = weight(b);
    if (wa != wb) return wa > wb;
    return a.sentence != b.sentence ? a.sentence < b.sentence : a.word < b.word;
  });
  return words;
}

std::vector<WordIndex> random_ranking(const Document& doc, uint32_t seed) {
  std::vector<WordIndex> words = real_words(doc);
  std::mt19937 rng(seed);
  for (size_t i = words.size(); i > 1; --i) {  // Fisher-Yates, the same on every platform
    std::swap(words[i - 1], words[rng() % i]);
  }
  return words;
}

const std::vector<double>& aopc_fractions() {
  static const std::vector<double> fractions = {0.01, 0.05, 0.1, 0.2, 0.5};
  return fractions;
}

std::vector<size_t> top_counts(size_t words, const std::vector<double>& fractions) {
  std::vector<size_t> counts;
  for (double f : fractions) {
    counts.push_back(
        std::min(words, static_cast<size_t>(std::ceil(f * static_cast<double>(words) - 1e-9))));
  }
  return counts;
}

Erasure erase_top_words(const HanParams<float>& p, const Document& doc, size_t label,
                        const std::vector<WordIndex>& ranking, const std::vector<size_t>& counts,
                        const RaggedOptions& ragged) {
  Erasure e;
  std::vector<Document> batch = {doc};
  Document empty = doc;
  for (std::vector<int32_t>& sentence : empty) std::fill(sentence.begin(), sentence.end(), 0);
  for (size_t count : counts) {
    const size_t k = std::min(count, ranking.size());
    e.counts.push_back(k);
    Document without = doc, only = empty;
    for (size_t i = 0; i < k; ++i) {
      const WordIndex& w = ranking[i];
      without[w.sentence][w.word] = 0;
      only[w.sentence][w.word] = doc[w.sentence][w.word];
    }
    batch.push_back(std::move(without));
    batch.push_back(std::move(only));
  }
  const std::vector<HanOutput<float>> outs = han_forward_batch(p, batch, ragged);
  const Eigen::Index y = static_cast<Eigen::Index>(label);
  const double full = outs[0].probabilities[y];
  for (size_t i = 0; i < counts.size(); ++i) {
    const RowVector<float>& without = outs[1 + 2 * i].probabilities;
    e.comprehensiveness.push_back(full - without[y]);
    e.sufficiency.push_back(full - outs[2 + 2 * i].probabilities[y]);
    Eigen::Index predicted = 0;
    without.maxCoeff(&predicted);
    e.labels_without.push_back(static_cast<size_t>(predicted));
  }
  return e;
}

Erasure erase_top_words(const Model& model, const Explanation& explanation,
                        const std::vector<size_t>& counts) {
  const Prediction& p = explanation.prediction;
  Attribution weights;
  for (const SentenceAttention& s : p.sentences) {
    std::vector<float>& words = weights.words.emplace_back();
    for (const WordAttention& w : s.words) words.push_back(w.weight);
  }
  const Document doc = prediction_ids(p);
  return erase_top_words(model.params, doc, p.label, rank_words(doc, weights), counts,
                         model.network_options());
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace han::explain
