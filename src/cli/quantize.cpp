// han quantize: store the weights as float16 or int8.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "io/model_file.h"

#include "cli/commands.h"
#include "cli/common.h"

namespace han::cli {
namespace {

const char* kQuantizeHelp = R"(usage: han quantize MODEL OUT --dtype float16|int8 [options]

Writes MODEL to OUT with its embedding stored as float16, or as int8 with one float32 scale per
row; with --all-matrices every weight matrix is stored that way. The golden test cases are
recomputed on the rounded weights, and the largest change of a golden probability is reported.
Measure the accuracy cost with `han test` on both files.

options:
  --dtype float16|int8|float32   storage type (float32 undoes a quantization's file format only)
  --all-matrices                 quantize every matrix, not only the embedding
  --help                         show this help
)";

}  // namespace

int cmd_quantize(const std::vector<std::string>& argv) {
  const Args args(argv, {"all-matrices", "help"}, {"dtype"}, "quantize");
  if (args.has("help")) {
    std::cout << kQuantizeHelp;
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError("han quantize: expected MODEL OUT");
  if (!args.has("dtype")) throw UsageError("han quantize: --dtype is required");
  const han::StorageType type = han::parse_storage(args.get("dtype", ""));
  const han::Model model = han::read_model_file(args.positional()[0]);
  const han::Model quantized = han::quantize(model, type, args.has("all-matrices"));
  double max_change = 0;
  for (size_t c = 0; c < model.golden_cases.size(); ++c) {
    for (size_t k = 0; k < model.labels.size(); ++k) {
      max_change = std::max(max_change, std::abs(model.golden_cases[c].probabilities[k] -
                                                 quantized.golden_cases[c].probabilities[k]));
    }
  }
  han::write_model_file(quantized, args.positional()[1]);
  const auto size = [](const han::Model& m) { return han::write_model(m).size(); };
  std::cout << "wrote " << args.positional()[1] << ": " << size(quantized) << " bytes (was "
            << size(model) << "); golden probabilities changed by at most " << std::scientific
            << std::setprecision(2) << max_change << "\n";
  return 0;
}

}  // namespace han::cli
