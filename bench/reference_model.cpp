// Writes the reference HAN of the benchmarks (docs/benchmarks.md) with weights uniform in ±0.1
// from a seed: vocabulary 30,000 ("<pad>", "<unk>", then w2 ... w29999, so the text "w17" is id
// 17), embedding 200, bidirectional GRU 50 + 50 (reset_after) at both levels, attention 100 with
// bias, dense 100 -> 2 softmax.
//   han_reference_model OUTPUT.han [SEED]
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "io/model_file.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: han_reference_model OUTPUT.han [SEED]\n";
    return 2;
  }
  const unsigned seed = argc == 3 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 1;

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
  std::mt19937 rng(seed);
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
  han::write_model_file(model, argv[1]);
  return 0;
}
