// Writes the inputs every system of the benchmark reads (docs/benchmarks.md), all from one seed:
//   reference.han   the reference HAN: vocabulary 30,000 ("<pad>", "<unk>", then w2 ... w29999,
//                   so the text "w17" is id 17), embedding 200, bidirectional GRU 50 + 50
//                   (reset_after) at both levels, attention 100 with bias, dense 100 -> 2
//                   softmax; weights uniform in ±0.1
//   reference-int8.han  the same computing in int8 (han quantize --compute int8): its matrices
//                   rounded to int8 with a scale per output, so a different model
//   weights.json    the same weights for the other runtimes: each tensor's name, shape (rows,
//   weights.bin     cols; Keras layout, GRU gate blocks z, r, h) and offset in weights.bin, which
//                   holds them as little-endian float32, row-major
//   workloads.json  {"A": [doc...], "B": [doc]}, a doc a list of sentences of word ids:
//                   A  512 documents of 3-25 sentences (mean ≈ 11) of 3-45 words (mean ≈ 21)
//                   B  one document of 60 sentences × 30 words
//   han_reference_model OUTPUT_DIR [SEED]
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/model_file.h"

namespace {

han::Model reference_model(std::mt19937& rng, unsigned seed) {
  han::HanConfig c;
  c.vocab_size = 30000;
  c.embedding_dim = 200;
  const han::EncoderConfig gru{han::CellType::Gru,     50,   true,
                               han::MergeMode::Concat, true, han::Activation::Sigmoid};
  c.word_encoder = c.sentence_encoder = gru;
  c.word_attention = c.sentence_attention = {100, true, han::Activation::Tanh};
  c.output_activation = han::Activation::Softmax;
  c.num_labels = 2;

  han::Model model;
  model.params = han::make_han<float>(c);
  std::uniform_real_distribution<float> uniform(-0.1f, 0.1f);
  han::visit_han_params(model.params, [&](const std::string&, han::Matrix<float>& m, bool) {
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(rng);
  });
  std::vector<std::string> words = {"<pad>", "<unk>"};
  for (int id = 2; id < c.vocab_size; ++id) words.push_back("w" + std::to_string(id));
  model.vocabulary = han::Vocabulary(words);
  model.labels = {"negative", "positive"};
  model.metadata_json =
      R"({"name":"reference HAN of the benchmarks, seed )" + std::to_string(seed) + "\"}";
  model.set_golden_texts({"w2 w3 w4. w5 w6 w7 w8!"});
  return model;
}

void write_weights(han::Model& model, const std::string& dir) {
  std::ofstream bin(dir + "/weights.bin", std::ios::binary);
  nlohmann::json tensors = nlohmann::json::array();
  uint64_t offset = 0;
  han::visit_han_params(model.params, [&](const std::string& name, han::Matrix<float>& m, bool) {
    tensors.push_back({{"name", name}, {"shape", {m.rows(), m.cols()}}, {"offset", offset}});
    bin.write(reinterpret_cast<const char*>(m.data()),
              static_cast<std::streamsize>(m.size() * sizeof(float)));
    offset += static_cast<uint64_t>(m.size() * sizeof(float));
  });
  std::ofstream(dir + "/weights.json") << nlohmann::json{{"tensors", tensors}}.dump(1) << "\n";
  if (!bin) throw std::runtime_error("cannot write " + dir + "/weights.bin");
}

// first + round((last - first) u^power), u uniform in [0, 1): mean first + (last - first) /
// (power + 1), skewed towards `first` like real documents.
int skewed(std::mt19937& rng, int first, int last, double power) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  return first + static_cast<int>(std::lround((last - first) * std::pow(uniform(rng), power)));
}

nlohmann::json random_document(std::mt19937& rng, int sentences, int words_low, int words_high,
                               double words_power) {
  std::uniform_int_distribution<int32_t> id(2, 29999);
  nlohmann::json doc = nlohmann::json::array();
  for (int s = 0; s < sentences; ++s) {
    const int words =
        words_low == words_high ? words_low : skewed(rng, words_low, words_high, words_power);
    nlohmann::json sentence = nlohmann::json::array();
    for (int w = 0; w < words; ++w) sentence.push_back(id(rng));
    doc.push_back(sentence);
  }
  return doc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: han_reference_model OUTPUT_DIR [SEED]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const unsigned seed = argc == 3 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 1;
  try {
    std::mt19937 rng(seed);
    han::Model model = reference_model(rng, seed);
    han::write_model_file(model, dir + "/reference.han");
    han::write_model_file(han::with_compute(model, han::ComputeType::Int8),
                          dir + "/reference-int8.han");
    write_weights(model, dir);

    // Sentences: mean 3 + 22 / 2.75 = 11. Words: mean 3 + 42 / 2.333 = 21.
    nlohmann::json a = nlohmann::json::array();
    for (int d = 0; d < 512; ++d)
      a.push_back(random_document(rng, skewed(rng, 3, 25, 1.75), 3, 45, 4.0 / 3));
    const nlohmann::json b = nlohmann::json::array({random_document(rng, 60, 30, 30, 1)});
    std::ofstream(dir + "/workloads.json") << nlohmann::json{{"A", a}, {"B", b}}.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "han_reference_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
