#pragma once
// The JSON form of the configuration stored in a model file's CONF section.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "model/han.h"
#include "text/tokenizer.h"

namespace han {

// The format's bounds (docs/model-format.md), applied before anything is allocated.
constexpr int kMaxVocabulary = 2'000'000;
constexpr int kMaxDimension = 4096;
constexpr int kMaxLabels = 10'000;
constexpr int kMaxTokenizerLimit = 1'000'000;

constexpr uint64_t kMaxFileBytes = uint64_t{1} << 31;

// Bounds a loader applies to a model file, before it allocates anything: the format's bounds by
// default, and tighter ones for callers that must keep a model small (docs/reliability.md). A
// larger value than the format's bound has no effect.
struct ModelLimits {
  uint64_t max_file_bytes = kMaxFileBytes;
  // Each weight takes 4 bytes in memory, however compactly the file stores it.
  uint64_t max_parameters = uint64_t{1} << 28;
  int max_vocabulary = kMaxVocabulary;
  int max_dimension = kMaxDimension;  // embedding_dim and every layer's units
  int max_labels = kMaxLabels;
};

// Throw han::Error naming the offending key, e.g. "word_encoder.units: expected an integer ...".
HanConfig han_config_from_json(const nlohmann::json& json, int num_labels,
                               const ModelLimits& limits = {});
TokenizerConfig tokenizer_config_from_json(const nlohmann::json& json);

nlohmann::json to_json(const HanConfig& config);
nlohmann::json to_json(const TokenizerConfig& config);

}  // namespace han
