// han explain: a prediction with the attribution of every word and sentence by a chosen method.
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "explain/gradient_attribution.h"
#include "io/model_file.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kExplainHelp = R"(usage: han explain MODEL [FILE|-] [options]

Classifies the text in FILE (or standard input) and says how much each word and sentence drove
the decision, by one attribution method. The output is that of `han predict`, each "weight" the
method's attribution for the predicted label, plus "method" (and, for integrated gradients, its
steps and completeness error). docs/explanations.md compares the methods' faithfulness.

methods (--method):
  attention             word weight x sentence weight (default; what `han predict` shades)
  word-attention        the word weight alone; sentence-attention: each word its sentence's weight
  occlusion             p(label) minus p(label) with the word (or sentence) removed
  gradient-input        gradient of p(label) with respect to the word vector, dot the vector
  integrated-gradients  the same integrated from zero vectors; the words' sum is p(label) minus
                        p(label | zero vectors) up to the completeness error reported

options:
  --method NAME        one of the methods above
  --steps N            integrated gradients: steps of the integral (default 20)
  --format json|text   json (default): one JSON object; text: the review with its attributions
  --lines              one document per input line (JSON Lines with --format json)
  --pretty             indent the JSON
  --no-verify          skip the golden test cases stored in the model
  --help               show this help
)";

json explanation_json(const Model& model, const explain::Explanation& e) {
  json j = prediction_json(model, e.prediction);
  j["method"] = explain::method_name(e.method);
  if (e.method == explain::Method::IntegratedGradients) {
    j["integrated_gradients"] = {{"steps", e.steps},
                                 {"baseline_probability", e.baseline_probability},
                                 {"completeness_error", e.completeness_error}};
  }
  return j;
}

void print_explanation_text(const Model& model, const explain::Explanation& e) {
  const Prediction& p = e.prediction;
  std::cout << model.labels[p.label] << "  " << std::fixed << std::setprecision(4)
            << p.probabilities[p.label] << "  (";
  for (size_t k = 0; k < model.labels.size(); ++k) {
    std::cout << (k ? ", " : "") << model.labels[k] << " " << p.probabilities[k];
  }
  std::cout << ")  by " << explain::method_name(e.method)
            << (p.truncated ? "  [text truncated by the model's limits]" : "") << "\n";
  if (e.method == explain::Method::IntegratedGradients) {
    std::cout << "integrated gradients: " << e.steps << " steps, p(" << model.labels[p.label]
              << " | zero vectors) " << e.baseline_probability << ", completeness error "
              << std::scientific << std::setprecision(1) << e.completeness_error << std::fixed
              << "\n";
  }
  if (p.sentences.empty()) std::cout << "(no words)\n";
  for (const SentenceAttention& sentence : p.sentences) {
    std::cout << "\n"
              << std::showpos << std::setprecision(4) << sentence.weight << "  " << std::noshowpos
              << sentence.text << "\n    ";
    for (size_t w = 0; w < sentence.words.size(); ++w) {
      std::cout << (w ? "  " : "") << sentence.words[w].text << " " << std::showpos
                << std::setprecision(3) << sentence.words[w].weight << std::noshowpos;
    }
    std::cout << "\n";
  }
}

}  // namespace

int cmd_explain(const std::vector<std::string>& argv) {
  const Args args(argv, {"lines", "pretty", "no-verify", "help"}, {"method", "steps", "format"},
                  "explain");
  if (args.has("help")) {
    std::cout << kExplainHelp;
    return 0;
  }
  const auto& pos = args.positional();
  if (pos.empty() || pos.size() > 2) throw UsageError("han explain: expected MODEL [FILE|-]");
  const std::string format = args.get("format", "json");
  if (format != "json" && format != "text") {
    throw UsageError("han explain: --format must be json or text");
  }
  explain::Options options;
  try {
    options.method = explain::parse_method(args.get("method", "attention"));
  } catch (const Error& e) {
    throw UsageError(std::string("han explain: --method: ") + e.what());
  }
  const size_t steps = parse_count(args.get("steps", ""), "explain", "--steps", 20);
  if (steps > explain::Options::kMaxSteps) {
    throw UsageError("han explain: --steps is limited to " +
                     std::to_string(explain::Options::kMaxSteps));
  }
  options.steps = static_cast<int>(steps);
  Model model = read_model_file(pos[0], {!args.has("no-verify"), {}});
  model.cache_input_projections();
  const std::string path = pos.size() == 2 ? pos[1] : "-";
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw Error("cannot open input file '" + path + "'");
  }
  std::istream& in = path == "-" ? std::cin : file;
  const InputLimits limits;
  const int indent = args.has("pretty") ? 2 : -1;
  size_t count = 0;
  auto print = [&](const std::string& document) {
    const explain::Explanation e =
        explain::explain(model, document, options, limits, explain::attribute_with_gradients);
    if (format == "json") {
      std::cout << dump(explanation_json(model, e), indent) << "\n";
    } else {
      if (count) std::cout << "\n────────\n\n";
      print_explanation_text(model, e);
    }
    ++count;
  };
  if (args.has("lines")) {
    for (std::string line; read_line(in, limits.max_text_bytes, line);) print(line);
  } else {
    print(read_input(in, limits.max_text_bytes));
  }
  if (in.bad()) throw Error("cannot read input file '" + path + "'");
  return 0;
}

}  // namespace han::cli
