#pragma once
// Faithfulness of an attribution, as the ERASER benchmark measures it (DeYoung et al., ACL 2020),
// by erasing the words it ranks highest and running the HAN again:
//   comprehensiveness(k) = p(y | x) - p(y | x without its top k words)   (high: they mattered)
//   sufficiency(k)       = p(y | x) - p(y | only its top k words)        (low: they suffice)
// y is the label predicted for x. AOPC averages each over k = 1, 5, 10, 20 and 50% of the words.
// An erased word becomes padding, which the HAN skips; a sentence left without words is skipped.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "explain/attribution.h"

namespace han::explain {

struct WordIndex {
  size_t sentence = 0, word = 0;
};

// The real words of `doc`, highest attribution first (ties: in reading order).
std::vector<WordIndex> rank_words(const Document& doc, const Attribution& attribution);
// The real words in a random order drawn from `seed`: the baseline every method must beat.
std::vector<WordIndex> random_ranking(const Document& doc, uint32_t seed);

// The fractions of ERASER's AOPC (0.01, 0.05, 0.1, 0.2, 0.5) and the word counts they mean for a
// document of `words` real words: ceil(fraction × words).
const std::vector<double>& aopc_fractions();
std::vector<size_t> top_counts(size_t words, const std::vector<double>& fractions);

struct Erasure {
  std::vector<size_t> counts;  // k, as asked (at most the number of real words)
  std::vector<double> comprehensiveness, sufficiency;  // one per count
  std::vector<size_t> labels_without;  // the label predicted without the top k, one per count
};

// Comprehensiveness and sufficiency of `ranking` at each of `counts` words for label `label`, in
// one batch of forward passes (the document itself included, so k = 0 gives exactly 0).
Erasure erase_top_words(const HanParams<float>& p, const Document& doc, size_t label,
                        const std::vector<WordIndex>& ranking, const std::vector<size_t>& counts,
                        const RaggedOptions& ragged = {});

// erase_top_words for an explanation of `model`'s: its words ranked by their weights, for its
// predicted label (the shading's "removing the 3 most highlighted words changes p by ...").
Erasure erase_top_words(const Model& model, const Explanation& explanation,
                        const std::vector<size_t>& counts);

double mean(const std::vector<double>& values);

}  // namespace han::explain
