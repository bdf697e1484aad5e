#pragma once
// The JSON form of the configuration stored in a model file's CONF section.
#include <nlohmann/json.hpp>

#include "model/han.h"
#include "text/tokenizer.h"

namespace han {

// Limits applied before anything is allocated (docs/model-format.md).
constexpr int kMaxVocabulary = 2'000'000;
constexpr int kMaxDimension = 4096;
constexpr int kMaxLabels = 10'000;
constexpr int kMaxTokenizerLimit = 1'000'000;

// Throw han::Error naming the offending key, e.g. "word_encoder.units: expected an integer ...".
HanConfig han_config_from_json(const nlohmann::json& json, int num_labels);
TokenizerConfig tokenizer_config_from_json(const nlohmann::json& json);

nlohmann::json to_json(const HanConfig& config);
nlohmann::json to_json(const TokenizerConfig& config);

}  // namespace han
