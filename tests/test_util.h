#pragma once
// Small random models for tests, and what the tests of damaged model files share.
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/crc32.h"
#include "io/model_file.h"
#include "model/model.h"

namespace han::testing {

inline HanConfig small_config(CellType word_cell = CellType::Gru,
                              CellType sentence_cell = CellType::Gru) {
  HanConfig c;
  c.vocab_size = 12;
  c.embedding_dim = 5;
  c.word_encoder = {word_cell, 4, true, MergeMode::Concat, true, Activation::Sigmoid};
  c.word_attention = {6, true, Activation::Tanh};
  c.sentence_encoder = {sentence_cell, 3, true, MergeMode::Concat, false, Activation::HardSigmoid};
  c.sentence_attention = {4, false, Activation::Tanh};
  c.num_labels = 2;
  return c;
}

template <typename T>
HanParams<T> random_params(const HanConfig& config, unsigned seed, double scale = 0.5) {
  HanParams<T> p = make_han<T>(config);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-scale, scale);
  visit_han_params(p, [&](const std::string&, Matrix<T>& m, bool) {
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(uniform(rng));
  });
  return p;
}

// Vocabulary: <pad>, <unk>, then "w2", "w3", ...; golden cases over those words.
inline Model random_model(const HanConfig& config, unsigned seed) {
  Model m;
  m.params = random_params<float>(config, seed);
  std::vector<std::string> words = {"<pad>", "<unk>"};
  for (int i = 2; i < config.vocab_size; ++i) words.push_back("w" + std::to_string(i));
  m.vocabulary = Vocabulary(words);
  for (int k = 0; k < config.num_labels; ++k) m.labels.push_back("label" + std::to_string(k));
  m.metadata_json = R"({"name":"random test model"})";
  m.set_golden_texts({"w2 w3 w4. w5 w6!", "w7", "w8 w9 w10 w11. w2 unknown w3? w4."});
  return m;
}

// The loader's message for these bytes, or "" when they load.
inline std::string load_error(const std::vector<uint8_t>& bytes, LoadOptions options = {}) {
  try {
    read_model(bytes.data(), bytes.size(), options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Recomputes the trailing CRC so a test reaches the checks behind it.
inline void reseal(std::vector<uint8_t>& bytes) {
  const uint32_t crc = crc32(bytes.data(), bytes.size() - 4);
  for (size_t i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

}  // namespace han::testing
