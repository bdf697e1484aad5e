// Fuzzes predict on arbitrary bytes with the small fixture models (one of them in int8 compute):
// every text gives a prediction whose probabilities are finite and valid, whose attention weights
// each sum to 1, whose spans slice the text, and which is the same when computed again. The first
// input byte chooses the model and the limits; the rest is the text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "io/model_file.h"

namespace {

std::vector<han::Model>* models;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_predict: %s\n", what);
  std::abort();
}

bool is_probability(double p) {
  return std::isfinite(p) && p >= 0 && p <= 1;
}

void require_sum_one(double sum, const char* what) {
  require(std::abs(sum - 1) < 1e-4, what);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  models = new std::vector<han::Model>;
  for (const char* name :
       {"gru_reset_after", "gru_reset_before", "lstm", "mixed", "unidirectional"}) {
    models->push_back(han::read_model_file(std::string(HAN_FIXTURE_DIR) + "/" + name + ".han"));
  }
  // The first one again, computing in int8.
  models->push_back(han::with_compute(models->front(), han::ComputeType::Int8));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const han::Model& model = (*models)[data[0] % models->size()];
  han::InputLimits limits;
  if (data[0] & 0x80) limits = {static_cast<size_t>(data[0] & 0x3F), 3, 7, 2};
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const han::Prediction p = model.predict(text, limits);
  require(p.probabilities.size() == model.labels.size(), "one probability per label");
  double total = 0;
  for (float probability : p.probabilities) {
    require(is_probability(probability), "probabilities are in [0, 1]");
    require(probability <= p.probabilities[p.label], "the label is the most probable");
    total += probability;
  }
  if (model.config().output_activation == han::Activation::Softmax) {
    require_sum_one(total, "softmax probabilities sum to 1");
  }

  double sentence_total = 0;
  for (const han::SentenceAttention& sentence : p.sentences) {
    require(sentence.span.byte_end <= text.size(), "sentence within the text");
    require(sentence.text == text.substr(sentence.span.byte_start,
                                         sentence.span.byte_end - sentence.span.byte_start),
            "sentence text is its span");
    require(is_probability(sentence.weight), "sentence weight in [0, 1]");
    sentence_total += sentence.weight;
    double word_total = 0;
    for (const han::WordAttention& word : sentence.words) {
      require(
          word.text == text.substr(word.span.byte_start, word.span.byte_end - word.span.byte_start),
          "word text is its span");
      require(word.id >= 1 && static_cast<size_t>(word.id) < model.vocabulary.size(),
              "word id in the vocabulary");
      require(is_probability(word.weight), "word weight in [0, 1]");
      word_total += word.weight;
    }
    require_sum_one(word_total, "word weights of a sentence sum to 1");
  }
  if (!p.sentences.empty()) require_sum_one(sentence_total, "sentence weights sum to 1");

  const han::Prediction again = model.predict(text, limits);
  require(again.probabilities == p.probabilities, "the same text gives the same probabilities");
  return 0;
}
