#include "tools/word2vec.h"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <unordered_map>

#include "core/error.h"
#include "core/parallel.h"

namespace han {
namespace {

constexpr size_t kChunk = 2048;         // documents tokenized in parallel at a time
constexpr size_t kNegativeTable = 1e7;  // unigram^0.75 sampling table

// Calls on_chunk(lines) with up to kChunk lines at a time, from a plain or gzip file.
template <typename F>
void for_each_line_chunk(const std::string& path, F&& on_chunk) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw Error("cannot open text file '" + path + "'");
  std::vector<std::string> lines;
  std::string pending;
  char buffer[1 << 16];
  for (int n; (n = gzread(file.get(), buffer, sizeof buffer)) > 0;) {
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
      lines.push_back(pending.substr(start, end - start));
      if (lines.size() == kChunk) {
        on_chunk(lines);
        lines.clear();
      }
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) lines.push_back(pending);
  if (!lines.empty()) on_chunk(lines);
}

// sigmoid through a clamp: beyond ±6 the gradient is negligible, as in word2vec.
float sigmoid(float x) {
  if (x > 6) return 1;
  if (x < -6) return 0;
  return 1 / (1 + std::exp(-x));
}

}  // namespace

Corpus read_corpus(const std::vector<std::string>& paths, const TokenizerConfig& tokenizer,
                   size_t threads) {
  Corpus corpus;
  std::unordered_map<std::string, int32_t> ids;
  for (const std::string& path : paths) {
    for_each_line_chunk(path, [&](const std::vector<std::string>& lines) {
      std::vector<TokenizedText> tokens(lines.size());
      parallel_for(lines.size(), threads, [&](size_t i) {
        const size_t tab = lines[i].find('\t');
        tokens[i] = tokenize(tab == std::string::npos ? std::string_view(lines[i])
                                                      : std::string_view(lines[i]).substr(tab + 1),
                             tokenizer);
      });
      for (const TokenizedText& text : tokens) {
        std::vector<int32_t>& doc = corpus.documents.emplace_back();
        for (const TokenizedSentence& sentence : text.sentences) {
          for (const Token& word : sentence.words) {
            auto [it, added] = ids.emplace(word.text, static_cast<int32_t>(corpus.words.size()));
            if (added) {
              corpus.words.push_back(word.text);
              corpus.counts.push_back(0);
            }
            ++corpus.counts[static_cast<size_t>(it->second)];
            doc.push_back(it->second);
          }
        }
      }
    });
  }
  return corpus;
}

// For each (center, context) pair within a window, and `negatives` words drawn from the unigram
// distribution raised to 3/4, gradient ascent on
//   log σ(v_context · u_center) + Σ_negatives log σ(-v_negative · u_center)
// where u are the input vectors (the result) and v the output vectors.
WordVectors train_word2vec(const Corpus& corpus, const Word2VecOptions& options,
                           const std::function<void(double, double)>& progress) {
  // Keep the most frequent words (ties alphabetical) with at least min_count occurrences.
  std::vector<int32_t> order(corpus.words.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    const uint64_t ca = corpus.counts[static_cast<size_t>(a)],
                   cb = corpus.counts[static_cast<size_t>(b)];
    return ca != cb ? ca > cb
                    : corpus.words[static_cast<size_t>(a)] < corpus.words[static_cast<size_t>(b)];
  });
  std::vector<int32_t> kept_id(corpus.words.size(), -1);
  WordVectors out;
  std::vector<uint64_t> counts;
  for (int32_t id : order) {
    const uint64_t count = corpus.counts[static_cast<size_t>(id)];
    if (count < options.min_count || out.words.size() >= options.max_vocabulary) break;
    kept_id[static_cast<size_t>(id)] = static_cast<int32_t>(out.words.size());
    out.words.push_back(corpus.words[static_cast<size_t>(id)]);
    counts.push_back(count);
  }
  const size_t vocabulary = out.words.size();
  if (vocabulary < 2) throw Error("word2vec: fewer than two words occur often enough");
  const uint64_t total_words = std::accumulate(counts.begin(), counts.end(), uint64_t{0});

  // word2vec's subsampling: keep a word with probability (sqrt(f / t) + 1) t / f.
  std::vector<float> keep_probability(vocabulary);
  for (size_t w = 0; w < vocabulary; ++w) {
    const double f = static_cast<double>(counts[w]) / static_cast<double>(total_words);
    const double t = options.subsample;
    keep_probability[w] =
        t > 0 ? static_cast<float>(std::min(1.0, (std::sqrt(f / t) + 1) * t / f)) : 1.f;
  }
  std::vector<int32_t> negative_table;
  negative_table.reserve(kNegativeTable);
  {
    double norm = 0;
    for (uint64_t c : counts) norm += std::pow(static_cast<double>(c), 0.75);
    double cumulative = 0;
    for (size_t w = 0; w < vocabulary; ++w) {
      cumulative += std::pow(static_cast<double>(counts[w]), 0.75) / norm;
      while (negative_table.size() < cumulative * kNegativeTable) {
        negative_table.push_back(static_cast<int32_t>(w));
      }
    }
    while (negative_table.size() < kNegativeTable)
      negative_table.push_back(static_cast<int32_t>(vocabulary - 1));
  }

  const int dim = options.dimension;
  std::mt19937 init(options.seed);
  std::uniform_real_distribution<float> uniform(-0.5f / static_cast<float>(dim),
                                                0.5f / static_cast<float>(dim));
  out.vectors.resize(static_cast<Eigen::Index>(vocabulary), dim);
  for (Eigen::Index i = 0; i < out.vectors.size(); ++i) out.vectors.data()[i] = uniform(init);
  Matrix<float> output_vectors = Matrix<float>::Zero(static_cast<Eigen::Index>(vocabulary), dim);

  const uint64_t planned = total_words * static_cast<uint64_t>(options.epochs);
  uint64_t done = 0;  // words read so far, for the learning rate and progress
  const auto start = std::chrono::steady_clock::now();
  std::mt19937 rng(options.seed);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  RowVector<float> gradient(dim);
  std::vector<int32_t> sentence;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (size_t d = 0; d < corpus.documents.size(); ++d) {
      sentence.clear();
      for (int32_t id : corpus.documents[d]) {
        const int32_t w = kept_id[static_cast<size_t>(id)];
        if (w >= 0 && unit(rng) < keep_probability[static_cast<size_t>(w)]) sentence.push_back(w);
      }
      done += corpus.documents[d].size();
      const float rate =
          static_cast<float>(options.learning_rate) *
          std::max(1e-4f, 1.f - static_cast<float>(done) / static_cast<float>(planned));
      for (size_t c = 0; c < sentence.size(); ++c) {
        const long span = 1 + static_cast<long>(rng() % static_cast<unsigned>(options.window));
        auto center = out.vectors.row(sentence[c]);
        for (long position = static_cast<long>(c) - span; position <= static_cast<long>(c) + span;
             ++position) {
          if (position == static_cast<long>(c) || position < 0 ||
              position >= static_cast<long>(sentence.size())) {
            continue;
          }
          const int32_t context_word = sentence[static_cast<size_t>(position)];
          gradient.setZero();
          for (int k = 0; k <= options.negatives; ++k) {
            const int32_t target =
                k == 0 ? context_word : negative_table[rng() % negative_table.size()];
            if (k > 0 && target == context_word) continue;
            auto context = output_vectors.row(target);
            const float g = ((k == 0 ? 1.f : 0.f) - sigmoid(center.dot(context))) * rate;
            gradient += g * context;
            context += g * center;
          }
          center += gradient;
        }
      }
      if (progress && d % 1000 == 0) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress(static_cast<double>(done) / static_cast<double>(planned),
                 static_cast<double>(done) / std::max(seconds, 1e-9));
      }
    }
  }
  return out;
}

void write_word_vectors(const WordVectors& vectors, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw Error("cannot write word vectors '" + path + "'");
  out << vectors.words.size() << " " << vectors.vectors.cols() << "\n";
  out.precision(6);
  for (size_t w = 0; w < vectors.words.size(); ++w) {
    out << vectors.words[w];
    for (Eigen::Index i = 0; i < vectors.vectors.cols(); ++i)
      out << " " << vectors.vectors(static_cast<Eigen::Index>(w), i);
    out << "\n";
  }
  if (!out) throw Error("cannot write word vectors '" + path + "'");
}

}  // namespace han
