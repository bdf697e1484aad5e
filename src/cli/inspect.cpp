// han inspect: a model's architecture, parameters and golden tests.
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "model/config.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kInspectHelp = R"(usage: han inspect MODEL [options]

Shows the model's architecture with per-layer parameter counts, its vocabulary size, labels and
tokenizer settings, and runs its golden test cases (the exit code is 1 if one fails).

options:
  --json   print the same as one JSON object
  --help   show this help
)";

std::string describe_encoder(const han::EncoderConfig& e) {
  std::string s = e.bidirectional ? "bidirectional " : "";
  s += e.cell == han::CellType::Gru ? "GRU" : "LSTM";
  s += " " + std::to_string(e.units);
  if (e.bidirectional) {
    const char* merges[] = {"concat", "sum", "ave", "mul"};
    s += std::string(", merge ") + merges[static_cast<int>(e.merge)];
  }
  if (e.cell == han::CellType::Gru) s += e.reset_after ? ", reset_after" : ", reset_before";
  s += ", " + std::string(han::activation_name(e.recurrent_activation));
  return s;
}

std::string describe_attention(const han::AttentionConfig& a) {
  return std::to_string(a.units) + " units, " + std::string(han::activation_name(a.activation)) +
         (a.use_bias ? ", bias" : ", no bias");
}

}  // namespace

int cmd_inspect(const std::vector<std::string>& argv) {
  const Args args(argv, {"json", "help"}, {}, "inspect");
  if (args.has("help")) {
    std::cout << kInspectHelp;
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("han inspect: expected MODEL");
  const std::string& path = args.positional()[0];
  han::Model model = han::read_model_file(path, {false, {}});
  const han::HanConfig& c = model.config();

  struct Layer {
    std::string name, description;
    int output;
    uint64_t parameters = 0;
    std::string storage = "float32";
  };
  std::vector<Layer> layers = {
      {"embedding", std::to_string(c.vocab_size) + " x " + std::to_string(c.embedding_dim),
       c.embedding_dim},
      {"word_encoder", describe_encoder(c.word_encoder), c.word_encoder.output_dim()},
      {"word_attention", describe_attention(c.word_attention), c.word_encoder.output_dim()},
      {"sentence_encoder", describe_encoder(c.sentence_encoder), c.sentence_encoder.output_dim()},
      {"sentence_attention", describe_attention(c.sentence_attention),
       c.sentence_encoder.output_dim()},
      {"output", std::string(han::activation_name(c.output_activation)), c.num_labels}};
  uint64_t total = 0;
  han::visit_han_params(model.params, [&](const std::string& name, han::Matrix<float>& m, bool) {
    const std::string layer = name.substr(0, name.find('.'));
    for (Layer& l : layers) {
      if (l.name != layer) continue;
      l.parameters += static_cast<uint64_t>(m.size());
      auto stored = model.storage.find(name);
      if (stored != model.storage.end()) l.storage = han::storage_name(stored->second);
    }
    total += static_cast<uint64_t>(m.size());
  });
  const han::GoldenReport golden = model.check_golden();

  if (args.has("json")) {
    json j = {{"file", path},
              {"labels", model.labels},
              {"vocabulary_size", model.vocabulary.size()},
              {"tokenizer", json(han::to_json(model.tokenizer))},
              {"metadata", json::parse(model.metadata_json)},
              {"compute", han::compute_name(model.compute())},
              {"parameters", total},
              {"layers", json::array()},
              {"golden",
               {{"cases", golden.cases},
                {"max_abs_diff", golden.max_abs_diff},
                {"tolerance", model.golden_tolerance},
                {"passed", golden.failure.empty()}}}};
    for (const Layer& l : layers) {
      j["layers"].push_back({{"name", l.name},
                             {"description", l.description},
                             {"output", l.output},
                             {"parameters", l.parameters},
                             {"storage", l.storage}});
    }
    if (!golden.failure.empty()) j["golden"]["failure"] = golden.failure;
    std::cout << dump(j, 2) << "\n";
  } else {
    std::cout << "model       " << path << "\n";
    std::cout << "labels      ";
    for (size_t k = 0; k < model.labels.size(); ++k)
      std::cout << (k ? ", " : "") << model.labels[k];
    std::cout << "\nvocabulary  " << model.vocabulary.size()
              << " entries (ids 0 and 1: padding, unknown)\n";
    std::cout << "tokenizer   " << han::to_json(model.tokenizer).dump() << "\n";
    std::cout << "metadata    " << model.metadata_json << "\n";
    std::cout << "compute     "
              << (model.compute() == han::ComputeType::Int8
                      ? "int8: the encoders' and attentions' products in integers (int8 weights, "
                        "int16 activations)"
                      : "float32")
              << "\n\n";
    std::cout << std::left << std::setw(20) << "layer" << std::setw(58) << "configuration"
              << std::setw(8) << "output" << std::right << std::setw(12) << "parameters"
              << std::setw(14) << "storage"
              << "\n";
    std::cout << std::string(112, '-') << "\n";
    for (const Layer& l : layers) {
      std::cout << std::left << std::setw(20) << l.name << std::setw(58) << l.description
                << std::setw(8) << l.output << std::right << std::setw(12) << l.parameters
                << std::setw(14) << l.storage << "\n";
    }
    std::cout << std::string(112, '-') << "\n";
    std::cout << std::left << std::setw(86) << "total" << std::right << std::setw(12) << total
              << "\n\n";
    std::cout << "golden tests  ";
    if (golden.failure.empty()) {
      std::cout << golden.cases << "/" << golden.cases << " passed (max |diff| " << std::scientific
                << std::setprecision(1) << golden.max_abs_diff << ", tolerance "
                << model.golden_tolerance << ")\n";
    } else {
      std::cout << "FAILED: " << golden.failure << "\n";
    }
  }
  return golden.failure.empty() ? 0 : 1;
}

}  // namespace han::cli
