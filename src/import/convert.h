#pragma once
// Converting a HAN trained elsewhere (PyTorch state_dict or Keras layer weights, stored as
// safetensors) plus a small JSON description into a Model. docs/convert.md specifies the JSON,
// the tensor names and layouts of both conventions, and how each maps to the model file.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "import/safetensors.h"
#include "model/model.h"

namespace han {

struct ConvertOptions {
  bool ignore_extra = false;  // tensors the architecture does not use are reported, not fatal
};

struct ConvertResult {
  Model model;                       // with golden cases computed by the core
  std::vector<std::string> ignored;  // names of unused tensors (only with ignore_extra)
  size_t tensors_read = 0;
  // Vocabulary words (ids 2 and up) that the tokenizer never produces, so never looked up: a
  // sign that the original tokenizer normalised words differently (case, punctuation).
  std::vector<std::string> unreachable_words;
};

// `config` is the converter's JSON; `base_dir` resolves its "vocabulary_file". Every problem
// with the tensors (missing, mis-shaped, unused) is collected and reported in one han::Error,
// each naming its tensor as written in the safetensors file.
ConvertResult convert_model(const nlohmann::json& config, const SafetensorsFile& weights,
                            const std::string& base_dir, const ConvertOptions& options = {});

// Reference outputs of the original framework: {"tolerance": t (default 1e-5), "cases": [{"text",
// "probabilities", and optionally "sentence_weights" and "word_weights" (one list per
// sentence)}]}.
struct ParityReport {
  size_t cases = 0;
  double max_abs_diff = 0;  // over every probability and attention weight compared
  std::string failure;      // empty when every value is within tolerance
};
ParityReport check_parity(const Model& model, const nlohmann::json& reference);

}  // namespace han
