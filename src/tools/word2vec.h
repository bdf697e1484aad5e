#pragma once
// Word vectors from unlabelled text: skip-gram with negative sampling (Mikolov et al., 2013),
// on the core tokenizer's words, to initialise a HAN's embedding (`han train --pretrained`).
// Single-threaded, so the vectors are the same on every run with the same seed.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "text/tokenizer.h"

namespace han {

struct Word2VecOptions {
  int dimension = 100;
  int window = 5;     // context words on each side (the actual window is drawn from 1..window)
  int negatives = 5;  // negative samples per context word
  int epochs = 3;
  size_t min_count = 5;
  size_t max_vocabulary = 200000;
  double subsample = 1e-4;       // frequent words are dropped with probability 1 - sqrt(t / f) ...
  double learning_rate = 0.025;  // falling linearly to 0 over the run
  uint32_t seed = 1;
  TokenizerConfig tokenizer;
};

struct WordVectors {
  std::vector<std::string> words;  // by decreasing count
  Matrix<float> vectors;           // one row per word
};

// Documents as word ids into `words`; context windows do not cross documents.
struct Corpus {
  std::vector<std::string> words;
  std::vector<uint64_t> counts;  // occurrences of each word
  std::vector<std::vector<int32_t>> documents;
};

// Reads text files, one document per line; a line `label<TAB>text` contributes its text.
// Plain or gzip files; tokenizing runs on `threads` threads.
Corpus read_corpus(const std::vector<std::string>& paths, const TokenizerConfig& tokenizer,
                   size_t threads);

WordVectors train_word2vec(
    const Corpus& corpus, const Word2VecOptions& options,
    const std::function<void(double done, double words_per_second)>& progress);

// The text format of word2vec and GloVe: a "count dimension" line, then "word v1 ... vd".
void write_word_vectors(const WordVectors& vectors, const std::string& path);

}  // namespace han
