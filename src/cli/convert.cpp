// han convert: a PyTorch or Keras HAN into a model file.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "import/convert.h"
#include "io/model_file.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kConvertHelp = R"(usage: han convert WEIGHTS.safetensors CONFIG.json -o MODEL [options]

Converts a HAN trained in PyTorch (state_dict names and layouts) or Keras (layer weights) from
safetensors, described by CONFIG.json (architecture, vocabulary, labels, tokenizer settings,
name mapping; see docs/convert.md), into a model file with golden test cases computed by this
core. Missing, extra and mis-shaped tensors are all reported, by their names in WEIGHTS. For a
Keras .h5 file run scripts/keras_h5_to_safetensors.py first.

options:
  -o, --output MODEL   the model file to write (required)
  --check REFERENCE    JSON of the original framework's outputs ({"cases": [{"text",
                       "probabilities", "sentence_weights", "word_weights"}]}); fails unless
                       the converted model matches them within their tolerance (default 1e-5)
  --ignore-extra       tensors the architecture does not use are listed, not an error
  --help               show this help
)";

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw han::Error("cannot open " + what + " '" + path + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw han::Error(path + ": invalid JSON (" + e.what() + ")");
  }
}

}  // namespace

int cmd_convert(const std::vector<std::string>& argv) {
  const Args args(argv, {"ignore-extra", "help"}, {"o", "output", "check"}, "convert");
  if (args.has("help")) {
    std::cout << kConvertHelp;
    return 0;
  }
  if (args.positional().size() != 2) {
    throw UsageError("han convert: expected WEIGHTS.safetensors CONFIG.json");
  }
  const std::string output = args.get("o", args.get("output", ""));
  if (output.empty()) throw UsageError("han convert: -o MODEL is required");
  const std::string& weights_path = args.positional()[0];
  const std::string& config_path = args.positional()[1];

  const han::SafetensorsFile weights = han::read_safetensors_file(weights_path);
  const nlohmann::json config = read_json_file(config_path, "configuration");
  const size_t slash = config_path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "" : config_path.substr(0, slash);
  han::ConvertResult result;
  try {
    result = han::convert_model(config, weights, base_dir, {args.has("ignore-extra")});
  } catch (const han::Error& e) {
    throw han::Error(weights_path + " with " + config_path + ": " + e.what());
  }
  for (const std::string& name : result.ignored) {
    std::cerr << "han convert: ignored tensor " << name << "\n";
  }
  if (!result.unreachable_words.empty()) {
    std::cerr << "han convert: warning: " << result.unreachable_words.size()
              << " vocabulary words are never produced by the tokenizer, e.g. \""
              << result.unreachable_words[0] << "\" (see docs/convert.md)\n";
  }
  std::string checked;
  if (args.has("check")) {
    const std::string reference_path = args.get("check", "");
    const han::ParityReport parity =
        han::check_parity(result.model, read_json_file(reference_path, "reference"));
    if (!parity.failure.empty()) {
      throw han::Error(reference_path + ": " + parity.failure + " (nothing written)");
    }
    std::ostringstream line;
    line << "; matches " << reference_path << " on " << parity.cases << " cases (max |diff| "
         << std::scientific << std::setprecision(1) << parity.max_abs_diff << ")";
    checked = line.str();
  }
  han::write_model_file(result.model, output);
  std::cout << "wrote " << output << ": " << result.tensors_read << " tensors, "
            << result.model.vocabulary.size() << " words, " << result.model.labels.size()
            << " labels, " << result.model.golden_cases.size() << " golden cases" << checked
            << "\n";
  return 0;
}

}  // namespace han::cli
