#include "model/config.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace han {
namespace {

using nlohmann::json;

const json* find(const json& object, const std::string& key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& require_object(const json& parent, const std::string& key, const std::string& path) {
  const json* value = find(parent, key);
  if (!value) throw Error(path + key + ": missing");
  if (!value->is_object()) throw Error(path + key + ": expected an object");
  return *value;
}

int get_int(const json& object, const std::string& key, const std::string& path, int lo, int hi,
            const int* fallback = nullptr) {
  const json* value = find(object, key);
  if (!value) {
    if (fallback) return *fallback;
    throw Error(path + key + ": missing");
  }
  if (!value->is_number_integer() || value->get<long long>() < lo || value->get<long long>() > hi) {
    throw Error(path + key + ": expected an integer from " + std::to_string(lo) + " to " +
                std::to_string(hi) + ", found " + value->dump());
  }
  return static_cast<int>(value->get<long long>());
}

bool get_bool(const json& object, const std::string& key, const std::string& path, bool fallback) {
  const json* value = find(object, key);
  if (!value) return fallback;
  if (!value->is_boolean()) throw Error(path + key + ": expected true or false");
  return value->get<bool>();
}

std::string get_string(const json& object, const std::string& key, const std::string& path,
                       const char* fallback) {
  const json* value = find(object, key);
  if (!value) {
    if (fallback) return fallback;
    throw Error(path + key + ": missing");
  }
  if (!value->is_string()) throw Error(path + key + ": expected a string");
  return value->get<std::string>();
}

Activation get_activation(const json& object, const std::string& key, const std::string& path,
                          const char* fallback, std::initializer_list<Activation> allowed) {
  const std::string name = get_string(object, key, path, fallback);
  const Activation activation = parse_activation(name, path + key);
  for (Activation a : allowed) {
    if (a == activation) return activation;
  }
  throw Error(path + key + ": '" + name + "' is not allowed here");
}

EncoderConfig encoder_from_json(const json& parent, const std::string& key, int max_dimension) {
  const json& j = require_object(parent, key, "");
  const std::string path = key + ".";
  EncoderConfig c;
  const std::string cell = get_string(j, "cell", path, nullptr);
  if (cell == "gru") {
    c.cell = CellType::Gru;
  } else if (cell == "lstm") {
    c.cell = CellType::Lstm;
  } else {
    throw Error(path + "cell: expected \"gru\" or \"lstm\", found \"" + cell + "\"");
  }
  c.units = get_int(j, "units", path, 1, max_dimension);
  c.bidirectional = get_bool(j, "bidirectional", path, true);
  const std::string merge = get_string(j, "merge", path, "concat");
  if (merge == "concat") {
    c.merge = MergeMode::Concat;
  } else if (merge == "sum") {
    c.merge = MergeMode::Sum;
  } else if (merge == "ave") {
    c.merge = MergeMode::Ave;
  } else if (merge == "mul") {
    c.merge = MergeMode::Mul;
  } else {
    throw Error(path + "merge: expected concat, sum, ave or mul, found \"" + merge + "\"");
  }
  c.reset_after = get_bool(j, "reset_after", path, true);
  c.recurrent_activation = get_activation(j, "recurrent_activation", path, "sigmoid",
                                          {Activation::Sigmoid, Activation::HardSigmoid});
  return c;
}

AttentionConfig attention_from_json(const json& parent, const std::string& key, int max_dimension) {
  const json& j = require_object(parent, key, "");
  const std::string path = key + ".";
  AttentionConfig c;
  c.units = get_int(j, "units", path, 1, max_dimension);
  c.use_bias = get_bool(j, "use_bias", path, true);
  c.activation = get_activation(j, "activation", path, "tanh",
                                {Activation::Tanh, Activation::Linear, Activation::Relu});
  return c;
}

const char* merge_name(MergeMode m) {
  switch (m) {
    case MergeMode::Concat:
      return "concat";
    case MergeMode::Sum:
      return "sum";
    case MergeMode::Ave:
      return "ave";
    case MergeMode::Mul:
      return "mul";
  }
  return "?";
}

json encoder_to_json(const EncoderConfig& c) {
  json j = {{"cell", c.cell == CellType::Gru ? "gru" : "lstm"},
            {"units", c.units},
            {"bidirectional", c.bidirectional},
            {"merge", merge_name(c.merge)},
            {"recurrent_activation", activation_name(c.recurrent_activation)}};
  if (c.cell == CellType::Gru) j["reset_after"] = c.reset_after;
  return j;
}

json attention_to_json(const AttentionConfig& c) {
  return {
      {"units", c.units}, {"use_bias", c.use_bias}, {"activation", activation_name(c.activation)}};
}

}  // namespace

HanConfig han_config_from_json(const json& j, int num_labels, const ModelLimits& limits) {
  if (!j.is_object()) throw Error("configuration: expected a JSON object");
  const std::string architecture = get_string(j, "architecture", "", nullptr);
  if (architecture != "han") {
    throw Error("architecture: expected \"han\", found \"" + architecture + "\"");
  }
  // A limit only ever tightens the format's bound.
  const int max_dimension = std::min(limits.max_dimension, kMaxDimension);
  HanConfig c;
  c.vocab_size = get_int(j, "vocab_size", "", 2, std::min(limits.max_vocabulary, kMaxVocabulary));
  c.embedding_dim = get_int(j, "embedding_dim", "", 1, max_dimension);
  c.word_encoder = encoder_from_json(j, "word_encoder", max_dimension);
  c.word_attention = attention_from_json(j, "word_attention", max_dimension);
  c.sentence_encoder = encoder_from_json(j, "sentence_encoder", max_dimension);
  c.sentence_attention = attention_from_json(j, "sentence_attention", max_dimension);
  c.output_activation = get_activation(require_object(j, "output", ""), "activation", "output.",
                                       "softmax", {Activation::Softmax, Activation::Sigmoid});
  c.num_labels = num_labels;
  return c;
}

TokenizerConfig tokenizer_config_from_json(const json& j) {
  if (!j.is_object()) throw Error("tokenizer: expected a JSON object");
  const int no_limit = 0;
  TokenizerConfig c;
  c.lowercase = get_bool(j, "lowercase", "tokenizer.", true);
  c.max_sentences = static_cast<size_t>(
      get_int(j, "max_sentences", "tokenizer.", 0, kMaxTokenizerLimit, &no_limit));
  c.max_words_per_sentence = static_cast<size_t>(
      get_int(j, "max_words_per_sentence", "tokenizer.", 0, kMaxTokenizerLimit, &no_limit));
  c.max_words =
      static_cast<size_t>(get_int(j, "max_words", "tokenizer.", 0, kMaxTokenizerLimit, &no_limit));
  return c;
}

json to_json(const HanConfig& c) {
  return {{"architecture", "han"},
          {"vocab_size", c.vocab_size},
          {"embedding_dim", c.embedding_dim},
          {"word_encoder", encoder_to_json(c.word_encoder)},
          {"word_attention", attention_to_json(c.word_attention)},
          {"sentence_encoder", encoder_to_json(c.sentence_encoder)},
          {"sentence_attention", attention_to_json(c.sentence_attention)},
          {"output", {{"activation", activation_name(c.output_activation)}}}};
}

json to_json(const TokenizerConfig& c) {
  return {{"lowercase", c.lowercase},
          {"max_sentences", c.max_sentences},
          {"max_words_per_sentence", c.max_words_per_sentence},
          {"max_words", c.max_words}};
}

}  // namespace han
